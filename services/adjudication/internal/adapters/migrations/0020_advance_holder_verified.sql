-- Issue 19: the bank's confirmation that an advance agreement's payee's
-- account is held by the payee's name (account-holder verification, asked
-- by intake at the claim request and carried in the claim request it
-- signs), with the bank's reference. Agreements kept before it was
-- recorded keep false: unverified, as a bank that did not answer.
ALTER TABLE advance_agreements
    ADD COLUMN holder_verified         boolean NOT NULL DEFAULT false,
    ADD COLUMN holder_verification_ref text    NOT NULL DEFAULT '';

-- Issue 19: who made the claim request naming an advance agreement's
-- payee, and how ('claimant': the claimant's own channel; 'staff'): the
-- system pays nothing a member of staff entered without a second person
-- (entered_by_staff). Agreements kept before it was recorded keep '' and
-- count as staff's.
ALTER TABLE advance_agreements
    ADD COLUMN entered_by  text NOT NULL DEFAULT '',
    ADD COLUMN entered_via text NOT NULL DEFAULT '';

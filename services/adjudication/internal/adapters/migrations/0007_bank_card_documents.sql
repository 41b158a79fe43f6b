-- What intake read of a bank card on the claim (issue 14: the payee's
-- account is compared with it): the account's fingerprint (SHA-256 of
-- claim id, ":" and digits), its last four digits and the holder printed.
-- Documents stored before, and documents of other types, have none.
ALTER TABLE case_documents
    ADD COLUMN account_fingerprint text NOT NULL DEFAULT '',
    ADD COLUMN account_last4       text NOT NULL DEFAULT '',
    ADD COLUMN holder_name         text NOT NULL DEFAULT '';

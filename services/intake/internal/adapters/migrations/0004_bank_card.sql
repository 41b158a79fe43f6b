-- A bank card's account number (digits) and holder, as read and as a
-- handler corrected them (issue 14: adjudication compares the payee's
-- account with the card on the claim). Intake keeps the number as it keeps
-- the text it was read from; its events carry only a fingerprint.
ALTER TABLE documents
    ADD COLUMN read_account_number text,
    ADD COLUMN read_account_holder text;

ALTER TABLE document_corrections
    ADD COLUMN account_number text,
    ADD COLUMN account_holder text;

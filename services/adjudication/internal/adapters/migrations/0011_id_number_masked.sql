-- The masked resident ID number of an identity card on a case (issue 20):
-- the work queue finds a case by an ID number typed in full by masking it
-- the same way (redact.IDNumber); the number itself is never stored here.
ALTER TABLE case_documents ADD COLUMN id_number_masked text NOT NULL DEFAULT '';
CREATE INDEX case_documents_id_number ON case_documents (id_number_masked) WHERE id_number_masked <> '';

-- The pages and parts of a document's reading (issue 18): read_pages holds
-- each page's size, rotation and lines with their boxes, read_parts the
-- documents the upload holds (page range, type, confidence, fields with
-- their sources). The read_* columns stay those of the first part. Readings
-- stored before have neither: one part over every page.
ALTER TABLE documents
    ADD COLUMN read_pages jsonb,
    ADD COLUMN read_parts jsonb;

-- A correction addresses one part of its document, 0 the first.
ALTER TABLE document_corrections
    ADD COLUMN part integer NOT NULL DEFAULT 0 CHECK (part >= 0);

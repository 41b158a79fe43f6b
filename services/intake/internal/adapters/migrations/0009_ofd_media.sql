-- Electronic invoices in OFD (GB/T 33190, the national format for
-- electronic documents) are probed and read by the pipeline (issue 18), but
-- 0002's check on documents.media did not name them, so storing one failed.
ALTER TABLE documents DROP CONSTRAINT documents_media_check;
ALTER TABLE documents ADD CONSTRAINT documents_media_check CHECK (media IN ('jpeg', 'png', 'tiff', 'pdf', 'ofd'));

-- Issue 21: a claim file in one round trip. intake_claim_file returns a
-- report's row and its links, documents, the documents' corrections, its
-- waivers and notices as one json object (each child set a json array in
-- the order the repository reads it, null when empty; each row as
-- row_to_json writes it, keyed by column name), or null when there is no
-- such report.
--
-- It is VOLATILE on purpose: a volatile function takes a fresh snapshot for
-- its statement, so called above a row lock (SELECT intake_claim_file(id)
-- FROM (SELECT id FROM incident_reports WHERE id = $1 FOR UPDATE) locked)
-- it reads what the writer that held the lock before committed, as the
-- statements after a SELECT ... FOR UPDATE would. A query of its own under
-- the same lock would read at the snapshot its statement took before
-- waiting for the lock, and miss what that writer added. Written in
-- PL/pgSQL so that each session plans its query once.
CREATE FUNCTION intake_claim_file(report text) RETURNS json LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    file json;
BEGIN
    SELECT json_build_object(
        'report', row_to_json(r),
        'links', (SELECT json_agg(l ORDER BY l.id) FROM report_links l WHERE l.report_id = r.id),
        'documents', (SELECT json_agg(d ORDER BY d.uploaded_at, d.id) FROM documents d WHERE d.report_id = r.id),
        'corrections', (SELECT json_agg(c ORDER BY c.id) FROM document_corrections c
                        JOIN documents d ON d.id = c.document_id WHERE d.report_id = r.id),
        'waivers', (SELECT json_agg(w ORDER BY w.id) FROM checklist_waivers w WHERE w.report_id = r.id),
        'notices', (SELECT json_agg(n ORDER BY n.seq) FROM missing_document_notices n WHERE n.report_id = r.id))
    INTO file
    FROM incident_reports r WHERE r.id = report;
    RETURN file;
END;
$$;

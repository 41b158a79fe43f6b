-- Issue 21: a report's guidance checklist (R1) stored once for every report
-- given the same one, rather than a copy of 4-6 kB of jsonb in each report's
-- row: parsing, compressing and logging that copy was most of what
-- PostgreSQL spent on a new report.
--
-- A checklist's id is "sha256:" and the hex SHA-256 of its body as intake
-- encoded it, so a row is the checklist its id names and no other, and its
-- rows are never changed or removed (the checklist a report was given stays
-- the one it was given). A report names its checklist by checklist_id; the
-- reports stored before keep theirs in their checklist column (checklist_id
-- NULL). A report whose checklist changes (the fast channel taken after it
-- was filed) names the new one, its checklist column cleared.
CREATE TABLE checklists (
    id   text  PRIMARY KEY CHECK (id ~ '^sha256:[0-9a-f]{64}$'),
    body jsonb NOT NULL
);
CREATE TRIGGER checklists_append_only BEFORE UPDATE OR DELETE ON checklists
    FOR EACH ROW EXECUTE FUNCTION intake_append_only();
CREATE TRIGGER checklists_no_truncate BEFORE TRUNCATE ON checklists
    FOR EACH STATEMENT EXECUTE FUNCTION intake_append_only();

ALTER TABLE incident_reports ADD COLUMN checklist_id text REFERENCES checklists (id);

-- The claim file carries its report's checklist beside the row: the
-- shared one its checklist_id names, else null (the row's own checklist
-- column holds it).
CREATE OR REPLACE FUNCTION intake_claim_file(report text) RETURNS json LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    file json;
BEGIN
    SELECT json_build_object(
        'report', row_to_json(r),
        'checklist', (SELECT c.body FROM checklists c WHERE c.id = r.checklist_id),
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

-- Red team, session 12: the notices of missing documents are the stops of
-- the decision clock (R4, Judicial Interpretation II art. 15): a notice sent
-- earlier or a supplement arriving later stretches the deadline, so a notice
-- is kept as sent. Its one change is the supplement's arrival, written once
-- (and again unchanged when a later notice's supplement arrives). TRUNCATE
-- skips row triggers, so it is refused by a statement trigger here and on the
-- append-only tables of 0002.
CREATE FUNCTION missing_document_notices_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND (NEW.report_id, NEW.seq, NEW.items, NEW.reason, NEW.channel, NEW.sent_by, NEW.sent_at)
            IS NOT DISTINCT FROM (OLD.report_id, OLD.seq, OLD.items, OLD.reason, OLD.channel, OLD.sent_by, OLD.sent_at)
        AND (OLD.supplement_received_at IS NULL OR NEW.supplement_received_at IS NOT DISTINCT FROM OLD.supplement_received_at) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'missing_document_notices: a notice is kept as sent and its supplement''s arrival written once: % refused', TG_OP;
END $$;
CREATE TRIGGER missing_document_notices_kept BEFORE UPDATE OR DELETE ON missing_document_notices
    FOR EACH ROW EXECUTE FUNCTION missing_document_notices_kept();
CREATE TRIGGER missing_document_notices_no_truncate BEFORE TRUNCATE ON missing_document_notices
    FOR EACH STATEMENT EXECUTE FUNCTION missing_document_notices_kept();
CREATE TRIGGER document_corrections_no_truncate BEFORE TRUNCATE ON document_corrections
    FOR EACH STATEMENT EXECUTE FUNCTION intake_append_only();
CREATE TRIGGER checklist_waivers_no_truncate BEFORE TRUNCATE ON checklist_waivers
    FOR EACH STATEMENT EXECUTE FUNCTION intake_append_only();
CREATE TRIGGER report_links_no_truncate BEFORE TRUNCATE ON report_links
    FOR EACH STATEMENT EXECUTE FUNCTION intake_append_only();

-- Red team, session 12: the records a case's audit rests on stay as written
-- against the service's own role too. A fraud signal, once raised, is what
-- holds a payment (a blocking one) and a check override is who took the
-- responsibility of passing a failing check: both are only ever inserted,
-- yet nothing refused deleting or rewriting them. TRUNCATE skips row
-- triggers, so it is refused by a statement trigger on every append-only
-- table whose row triggers refuse UPDATE and DELETE (the case notes and the
-- straight-through records have theirs since 0014).
CREATE FUNCTION audit_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is kept as written: % refused', TG_TABLE_NAME, TG_OP;
END $$;
CREATE TRIGGER case_signals_kept BEFORE UPDATE OR DELETE ON case_signals
    FOR EACH ROW EXECUTE FUNCTION audit_kept();
CREATE TRIGGER check_overrides_kept BEFORE UPDATE OR DELETE ON check_overrides
    FOR EACH ROW EXECUTE FUNCTION audit_kept();
CREATE TRIGGER case_signals_no_truncate BEFORE TRUNCATE ON case_signals
    FOR EACH STATEMENT EXECUTE FUNCTION audit_kept();
CREATE TRIGGER check_overrides_no_truncate BEFORE TRUNCATE ON check_overrides
    FOR EACH STATEMENT EXECUTE FUNCTION audit_kept();
CREATE TRIGGER case_audit_no_truncate BEFORE TRUNCATE ON case_audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_kept();
CREATE TRIGGER complaints_no_truncate BEFORE TRUNCATE ON complaints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_kept();
CREATE TRIGGER complaint_notices_no_truncate BEFORE TRUNCATE ON complaint_notices
    FOR EACH STATEMENT EXECUTE FUNCTION audit_kept();
CREATE TRIGGER complaint_replies_no_truncate BEFORE TRUNCATE ON complaint_replies
    FOR EACH STATEMENT EXECUTE FUNCTION audit_kept();
CREATE TRIGGER catastrophe_switches_no_truncate BEFORE TRUNCATE ON catastrophe_switches
    FOR EACH STATEMENT EXECUTE FUNCTION audit_kept();
CREATE TRIGGER rejection_letters_no_truncate BEFORE TRUNCATE ON rejection_letters
    FOR EACH STATEMENT EXECUTE FUNCTION audit_kept();

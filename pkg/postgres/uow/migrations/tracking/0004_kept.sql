-- Red team, session 12: a breach is permanent (R13) in the database too, not
-- only in the tracker. A done obligation (met, missed or cancelled) is final:
-- the service never changes it again, so an UPDATE of one is an insider
-- erasing or moving a breach through the service's own role. No obligation
-- is ever deleted. TRUNCATE skips row triggers, so it is refused by a
-- statement trigger here and on the calendar's audit.
CREATE FUNCTION deadline_obligations_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'deadline_obligations: obligation % is % and final: UPDATE refused', OLD.id, OLD.state;
    END IF;
    RAISE EXCEPTION 'deadline_obligations: an obligation is never removed: % refused', TG_OP;
END;
$$;
CREATE TRIGGER deadline_obligations_done_final BEFORE UPDATE ON deadline_obligations
    FOR EACH ROW WHEN (OLD.state IN ('met', 'missed', 'cancelled')) EXECUTE FUNCTION deadline_obligations_kept();
CREATE TRIGGER deadline_obligations_never_deleted BEFORE DELETE ON deadline_obligations
    FOR EACH ROW EXECUTE FUNCTION deadline_obligations_kept();
CREATE TRIGGER deadline_obligations_no_truncate BEFORE TRUNCATE ON deadline_obligations
    FOR EACH STATEMENT EXECUTE FUNCTION deadline_obligations_kept();
CREATE TRIGGER calendar_versions_no_truncate BEFORE TRUNCATE ON calendar_versions
    FOR EACH STATEMENT EXECUTE FUNCTION calendar_versions_append_only();

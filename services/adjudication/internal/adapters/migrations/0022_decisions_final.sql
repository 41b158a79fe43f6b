-- Red team, session 12: a decision in effect (made within the decider's
-- authority, or approved) is final in the database too. The agreement and
-- the signed payment instruction are built from it as stored, so an amount
-- raised through the service's own role would be paid under adjudication's
-- signature. The service changes a decision only while it is proposed: its
-- approver is written once, or it is returned and deleted with its lines.
CREATE FUNCTION decisions_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION '% is kept as decided: TRUNCATE refused', TG_TABLE_NAME;
    END IF;
    IF NOT OLD.needs_approval OR OLD.approved_at IS NOT NULL THEN
        RAISE EXCEPTION 'decisions: the decision of case % is in effect and final: % refused', OLD.case_id, TG_OP;
    END IF;
    IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'approved_by' - 'approved_at') IS DISTINCT FROM (to_jsonb(OLD) - 'approved_by' - 'approved_at') THEN
        RAISE EXCEPTION 'decisions: a proposed decision of case % is approved or returned, never edited', OLD.case_id;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER decisions_final BEFORE UPDATE OR DELETE ON decisions
    FOR EACH ROW EXECUTE FUNCTION decisions_final();
CREATE TRIGGER decisions_no_truncate BEFORE TRUNCATE ON decisions
    FOR EACH STATEMENT EXECUTE FUNCTION decisions_final();

-- A decision's lines go with it: never edited, and deleted only with a
-- proposed decision returned (the cascade, once its decision is gone).
CREATE FUNCTION decision_lines_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM decisions WHERE case_id = OLD.case_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'decision_lines: a decision''s lines are kept as decided: % refused', TG_OP;
END $$;
CREATE TRIGGER decision_lines_final BEFORE UPDATE OR DELETE ON decision_lines
    FOR EACH ROW EXECUTE FUNCTION decision_lines_final();
CREATE TRIGGER decision_lines_no_truncate BEFORE TRUNCATE ON decision_lines
    FOR EACH STATEMENT EXECUTE FUNCTION decision_lines_final();

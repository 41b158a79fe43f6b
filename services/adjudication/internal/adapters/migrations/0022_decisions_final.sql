-- Red team, session 12: a decision in effect (made within the decider's
-- authority, or approved) is final in the database too. The agreement and
-- the signed payment instruction are built from it as stored, so an amount
-- raised through the service's own role would be paid under adjudication's
-- signature. The service changes a decision only while it is proposed (its
-- approval, or its return, which deletes it with its lines); what an
-- approval may write besides the approver is the approval's to decide, so
-- a proposed decision is not constrained here.
CREATE FUNCTION decisions_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION '% is kept as decided: TRUNCATE refused', TG_TABLE_NAME;
    END IF;
    IF NOT OLD.needs_approval OR OLD.approved_at IS NOT NULL THEN
        RAISE EXCEPTION 'decisions: the decision of case % is in effect and final: % refused', OLD.case_id, TG_OP;
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

-- A decision's lines are as final as their decision: while it is proposed
-- they change with it (a return deletes them by the cascade).
CREATE FUNCTION decision_lines_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' OR EXISTS (SELECT 1 FROM decisions d WHERE d.case_id = OLD.case_id
            AND (NOT d.needs_approval OR d.approved_at IS NOT NULL)) THEN
        RAISE EXCEPTION 'decision_lines: the lines of a decision in effect are kept as decided: % refused', TG_OP;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER decision_lines_final BEFORE UPDATE OR DELETE ON decision_lines
    FOR EACH ROW EXECUTE FUNCTION decision_lines_final();
CREATE TRIGGER decision_lines_no_truncate BEFORE TRUNCATE ON decision_lines
    FOR EACH STATEMENT EXECUTE FUNCTION decision_lines_final();

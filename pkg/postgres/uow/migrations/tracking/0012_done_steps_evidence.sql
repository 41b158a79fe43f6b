-- Red team, session 14 left open, closed in session 15: an owed obligation
-- set met or cancelled through the service's role (UPDATE … SET state =
-- 'met') was neither recorded nor alarmed, and a done obligation is never
-- breached: the service does exactly that when a decision takes effect or
-- a claim is withdrawn, and the row did not say what met it. Each step to
-- met or cancelled now keeps its evidence with the obligation
-- (done_evidence: what met it in the service's own kept records, e.g.
-- decision:<case id>, withdrawal:<case id>), and the trigger of the due
-- moves records the step (old_state, the state, done_at, the evidence)
-- with the role, the transaction and the time, whatever the statement. The
-- monitor checks the evidence against the service's kept tables, raises
-- the tampered alarm for a step without it and takes the step back: the
-- only change of a done obligation allowed, and only while the
-- obligation's latest step has its tampered alarm recorded.
ALTER TABLE deadline_obligations ADD COLUMN done_evidence text NOT NULL DEFAULT '';
ALTER TABLE deadline_due_moves ADD COLUMN old_state text, ADD COLUMN done_at timestamptz,
    ADD COLUMN evidence text NOT NULL DEFAULT '';

CREATE OR REPLACE FUNCTION deadline_obligations_due_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.due_at IS DISTINCT FROM OLD.due_at OR NEW.due_date IS DISTINCT FROM OLD.due_date
        OR NEW.clock_start IS DISTINCT FROM OLD.clock_start OR NEW.pauses IS DISTINCT FROM OLD.pauses
        OR NEW.paused_at IS DISTINCT FROM OLD.paused_at
        OR NEW.override_length IS DISTINCT FROM OLD.override_length OR NEW.override_unit IS DISTINCT FROM OLD.override_unit
        OR (NEW.state IS DISTINCT FROM OLD.state AND (NEW.state IN ('met', 'cancelled') OR OLD.state IN ('met', 'cancelled'))) THEN
        INSERT INTO deadline_due_moves (obligation_id, claim_id, rule, state, old_due_at, new_due_at, old_due_date, new_due_date,
            old_basis, new_basis, clock_start, pauses, override_length, override_unit, calendar_seq, cause, old_paused_at, paused_at,
            old_state, done_at, evidence)
        VALUES (NEW.id, NEW.claim_id, NEW.rule, NEW.state, OLD.due_at, NEW.due_at, OLD.due_date, NEW.due_date,
            OLD.basis, NEW.basis, NEW.clock_start, NEW.pauses, NEW.override_length, NEW.override_unit, NEW.calendar_seq,
            COALESCE(NEW.due_cause, ''), OLD.paused_at, NEW.paused_at, OLD.state, NEW.done_at, NEW.done_evidence);
    END IF;
    NEW.due_cause := '';
    RETURN NEW;
END;
$$;

DROP TRIGGER deadline_obligations_due_moves ON deadline_obligations;
CREATE TRIGGER deadline_obligations_due_moves BEFORE UPDATE ON deadline_obligations
    FOR EACH ROW WHEN (NEW.due_at IS DISTINCT FROM OLD.due_at OR NEW.due_date IS DISTINCT FROM OLD.due_date
        OR NEW.clock_start IS DISTINCT FROM OLD.clock_start OR NEW.pauses IS DISTINCT FROM OLD.pauses
        OR NEW.paused_at IS DISTINCT FROM OLD.paused_at
        OR NEW.override_length IS DISTINCT FROM OLD.override_length OR NEW.override_unit IS DISTINCT FROM OLD.override_unit
        OR NEW.due_cause <> ''
        OR (NEW.state IS DISTINCT FROM OLD.state AND (NEW.state IN ('met', 'cancelled') OR OLD.state IN ('met', 'cancelled'))))
    EXECUTE FUNCTION deadline_obligations_due_moved();

-- A done obligation is final (0004), but for the monitor taking back a
-- step to met or cancelled whose evidence it did not find: allowed only
-- back to owed, and only while the obligation's latest recorded step has
-- its tampered alarm (deadline_tamper_alarms, append-only), so a step
-- taken back is always one alarmed.
CREATE OR REPLACE FUNCTION deadline_obligations_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.state IN ('met', 'cancelled') AND NEW.state IN ('open', 'paused') AND NEW.done_at IS NULL
            AND EXISTS (SELECT 1 FROM deadline_tamper_alarms a WHERE a.move_seq = (SELECT max(m.seq) FROM deadline_due_moves m
                WHERE m.obligation_id = OLD.id AND m.state = OLD.state AND m.old_state IN ('open', 'paused'))) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'deadline_obligations: obligation % is % and final: UPDATE refused', OLD.id, OLD.state;
    END IF;
    RAISE EXCEPTION 'deadline_obligations: an obligation is never removed: % refused', TG_OP;
END;
$$;
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION deadline_obligations_due_moved() SET search_path = %I, pg_temp', current_schema());
    EXECUTE format('ALTER FUNCTION deadline_obligations_kept() SET search_path = %I, pg_temp', current_schema());
END $$;

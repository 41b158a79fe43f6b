-- Red team, session 14: the open stop of an obligation's clock (paused_at,
-- set while a supplementary notice's documents are awaited) is an input of
-- its due like the closed stops, but 0005's trigger did not watch it: one
-- UPDATE setting an owed decision deadline paused, through the service's
-- role, stopped its clock unrecorded, and a paused obligation is never
-- breached. Its start and end are recorded now, the open stop beside the
-- closed ones (old_paused_at, paused_at), and the monitor raises the
-- tampered alarm for a stop started without a stated cause (the tracker
-- states one for each pause it makes) and takes it back.
ALTER TABLE deadline_due_moves ADD COLUMN old_paused_at timestamptz, ADD COLUMN paused_at timestamptz;

CREATE OR REPLACE FUNCTION deadline_obligations_due_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.due_at IS DISTINCT FROM OLD.due_at OR NEW.due_date IS DISTINCT FROM OLD.due_date
        OR NEW.clock_start IS DISTINCT FROM OLD.clock_start OR NEW.pauses IS DISTINCT FROM OLD.pauses
        OR NEW.paused_at IS DISTINCT FROM OLD.paused_at
        OR NEW.override_length IS DISTINCT FROM OLD.override_length OR NEW.override_unit IS DISTINCT FROM OLD.override_unit THEN
        INSERT INTO deadline_due_moves (obligation_id, claim_id, rule, state, old_due_at, new_due_at, old_due_date, new_due_date,
            old_basis, new_basis, clock_start, pauses, override_length, override_unit, calendar_seq, cause, old_paused_at, paused_at)
        VALUES (NEW.id, NEW.claim_id, NEW.rule, NEW.state, OLD.due_at, NEW.due_at, OLD.due_date, NEW.due_date,
            OLD.basis, NEW.basis, NEW.clock_start, NEW.pauses, NEW.override_length, NEW.override_unit, NEW.calendar_seq,
            COALESCE(NEW.due_cause, ''), OLD.paused_at, NEW.paused_at);
    END IF;
    NEW.due_cause := '';
    RETURN NEW;
END;
$$;
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION deadline_obligations_due_moved() SET search_path = %I, pg_temp', current_schema());
END $$;

DROP TRIGGER deadline_obligations_due_moves ON deadline_obligations;
CREATE TRIGGER deadline_obligations_due_moves BEFORE UPDATE ON deadline_obligations
    FOR EACH ROW WHEN (NEW.due_at IS DISTINCT FROM OLD.due_at OR NEW.due_date IS DISTINCT FROM OLD.due_date
        OR NEW.clock_start IS DISTINCT FROM OLD.clock_start OR NEW.pauses IS DISTINCT FROM OLD.pauses
        OR NEW.paused_at IS DISTINCT FROM OLD.paused_at
        OR NEW.override_length IS DISTINCT FROM OLD.override_length OR NEW.override_unit IS DISTINCT FROM OLD.override_unit
        OR NEW.due_cause <> '')
    EXECUTE FUNCTION deadline_obligations_due_moved();

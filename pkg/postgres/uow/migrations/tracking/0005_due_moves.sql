-- Red team, session 13: an owed obligation's due time could be moved through
-- the service's own role (UPDATE … SET due_at = due_at + interval '30 days')
-- and nothing showed it: the breach alarm never came. Every move of an owed
-- obligation's due, and every change of the inputs it is computed from
-- (clock start, pauses, contract period), is now recorded here whatever the
-- statement, by the trigger below: the due before and after, the basis
-- before and after, the inputs after (so the monitor can compute the due
-- they give and compare), the role, the transaction and the time, and the
-- cause the statement states in the write-only column due_cause (the
-- trigger records it and stores the obligation with it empty, so a cause
-- is never left over for a later statement that states none). Append-only.
CREATE TABLE deadline_due_moves (
    seq               bigserial PRIMARY KEY,
    obligation_id     text        NOT NULL,
    claim_id          text        NOT NULL,
    rule              text        NOT NULL,
    state             text        NOT NULL,
    old_due_at        timestamptz NOT NULL,
    new_due_at        timestamptz NOT NULL,
    old_due_date      date        NOT NULL,
    new_due_date      date        NOT NULL,
    old_basis         text        NOT NULL,
    new_basis         text        NOT NULL,
    clock_start       timestamptz NOT NULL,
    pauses            jsonb       NOT NULL,
    override_length   integer,
    override_unit     text,
    calendar_seq      bigint      NOT NULL,
    cause             text        NOT NULL,
    role              text        NOT NULL DEFAULT current_user,
    xid               bigint      NOT NULL DEFAULT txid_current(),
    moved_at          timestamptz NOT NULL DEFAULT now()
);
-- The monitor reads the moves to a later due recorded since its last look:
-- by sequence, and by writer transaction for those that committed after a
-- higher sequence number it had already read.
CREATE INDEX deadline_due_moves_later_xid ON deadline_due_moves (xid)
    WHERE new_due_at > old_due_at OR new_due_date > old_due_date;
CREATE INDEX deadline_due_moves_later_seq ON deadline_due_moves (seq)
    WHERE new_due_at > old_due_at OR new_due_date > old_due_date;
CREATE INDEX deadline_due_moves_obligation ON deadline_due_moves (obligation_id, seq);

-- The tampered alarms raised, one per move: a second monitor, or one that
-- restarted, does not raise a move's alarm again. Append-only.
CREATE TABLE deadline_tamper_alarms (
    move_seq      bigint PRIMARY KEY REFERENCES deadline_due_moves (seq),
    obligation_id text        NOT NULL,
    expected_due  timestamptz NOT NULL,
    raised_at     timestamptz NOT NULL
);

ALTER TABLE deadline_obligations ADD COLUMN due_cause text NOT NULL DEFAULT '';

CREATE FUNCTION deadline_obligations_due_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.due_at IS DISTINCT FROM OLD.due_at OR NEW.due_date IS DISTINCT FROM OLD.due_date
        OR NEW.clock_start IS DISTINCT FROM OLD.clock_start OR NEW.pauses IS DISTINCT FROM OLD.pauses
        OR NEW.override_length IS DISTINCT FROM OLD.override_length OR NEW.override_unit IS DISTINCT FROM OLD.override_unit THEN
        INSERT INTO deadline_due_moves (obligation_id, claim_id, rule, state, old_due_at, new_due_at, old_due_date, new_due_date,
            old_basis, new_basis, clock_start, pauses, override_length, override_unit, calendar_seq, cause)
        VALUES (NEW.id, NEW.claim_id, NEW.rule, NEW.state, OLD.due_at, NEW.due_at, OLD.due_date, NEW.due_date,
            OLD.basis, NEW.basis, NEW.clock_start, NEW.pauses, NEW.override_length, NEW.override_unit, NEW.calendar_seq,
            COALESCE(NEW.due_cause, ''));
    END IF;
    NEW.due_cause := '';
    RETURN NEW;
END;
$$;
-- Named to fire after deadline_obligations_done_final (triggers fire in
-- name order), which refuses any change of a done obligation first. The
-- WHEN clause keeps the alarms' and states' updates from calling it.
CREATE TRIGGER deadline_obligations_due_moves BEFORE UPDATE ON deadline_obligations
    FOR EACH ROW WHEN (NEW.due_at IS DISTINCT FROM OLD.due_at OR NEW.due_date IS DISTINCT FROM OLD.due_date
        OR NEW.clock_start IS DISTINCT FROM OLD.clock_start OR NEW.pauses IS DISTINCT FROM OLD.pauses
        OR NEW.override_length IS DISTINCT FROM OLD.override_length OR NEW.override_unit IS DISTINCT FROM OLD.override_unit
        OR NEW.due_cause <> '')
    EXECUTE FUNCTION deadline_obligations_due_moved();

CREATE FUNCTION deadline_due_record_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%: the record of due moves is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$;
CREATE TRIGGER deadline_due_moves_kept BEFORE UPDATE OR DELETE ON deadline_due_moves
    FOR EACH ROW EXECUTE FUNCTION deadline_due_record_kept();
CREATE TRIGGER deadline_due_moves_no_truncate BEFORE TRUNCATE ON deadline_due_moves
    FOR EACH STATEMENT EXECUTE FUNCTION deadline_due_record_kept();
CREATE TRIGGER deadline_tamper_alarms_kept BEFORE UPDATE OR DELETE ON deadline_tamper_alarms
    FOR EACH ROW EXECUTE FUNCTION deadline_due_record_kept();
CREATE TRIGGER deadline_tamper_alarms_no_truncate BEFORE TRUNCATE ON deadline_tamper_alarms
    FOR EACH STATEMENT EXECUTE FUNCTION deadline_due_record_kept();

-- Statutory deadlines a service owes (package tracking). One row per subject
-- and rule: the unique key makes creating an obligation idempotent.
CREATE TABLE deadline_obligations (
    id                  text PRIMARY KEY,
    claim_id            text        NOT NULL,
    subject             text        NOT NULL,
    rule                text        NOT NULL,
    clock_start         timestamptz NOT NULL,
    pauses              jsonb       NOT NULL DEFAULT '[]',
    paused_at           timestamptz,
    override_length     integer,
    override_unit       text,
    due_date            date        NOT NULL,
    due_at              timestamptz NOT NULL,
    at_risk_from        timestamptz NOT NULL,
    basis               text        NOT NULL,
    explanation         text        NOT NULL,
    provisional         boolean     NOT NULL,
    calendar_version    text        NOT NULL,
    calendar_seq        bigint      NOT NULL,
    state               text        NOT NULL CHECK (state IN ('open', 'paused', 'met', 'missed')),
    done_at             timestamptz,
    at_risk_alerted_at  timestamptz,
    breached_alerted_at timestamptz,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    UNIQUE (subject, rule),
    CHECK ((state IN ('met', 'missed')) = (done_at IS NOT NULL)),
    CHECK ((state = 'paused') = (paused_at IS NOT NULL))
);
-- The list, soonest due first.
CREATE INDEX deadline_obligations_due ON deadline_obligations (due_at, id);
CREATE INDEX deadline_obligations_claim ON deadline_obligations (claim_id);
-- The compliance report groups by the due date.
CREATE INDEX deadline_obligations_due_date ON deadline_obligations (due_date, rule);
-- The monitor's work lists stay small however many obligations are open:
-- each partial index holds only the rows whose alarm is still to be raised.
CREATE INDEX deadline_obligations_breach_watch ON deadline_obligations (due_at)
    WHERE state = 'open' AND breached_alerted_at IS NULL;
CREATE INDEX deadline_obligations_risk_watch ON deadline_obligations (at_risk_from)
    WHERE state = 'open' AND at_risk_alerted_at IS NULL;
CREATE INDEX deadline_obligations_stale ON deadline_obligations (calendar_seq)
    WHERE state IN ('open', 'paused');

-- Calendar versions received from the calendar topic: the audit of who
-- changed the working-day calendar, when and why. Append-only.
CREATE TABLE calendar_versions (
    seq          bigserial PRIMARY KEY,
    version      text        NOT NULL,
    data         bytea       NOT NULL,
    reason       text        NOT NULL,
    submitted_by text        NOT NULL,
    submitted_at timestamptz NOT NULL,
    applied_at   timestamptz NOT NULL,
    event_id     text        NOT NULL UNIQUE
);

CREATE FUNCTION calendar_versions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'calendar_versions is append-only: % refused', TG_OP;
END;
$$;
CREATE TRIGGER calendar_versions_append_only BEFORE UPDATE OR DELETE ON calendar_versions
    FOR EACH ROW EXECUTE FUNCTION calendar_versions_append_only();

-- Segregation of duties (issue 14): above a threshold a payment's payee is
-- confirmed by a second senior before it is sent. parties are the people
-- who decided, approved, recorded or corrected it (none may confirm).
ALTER TABLE obligations
    ADD COLUMN parties               jsonb       NOT NULL DEFAULT '[]',
    ADD COLUMN confirmation_required boolean     NOT NULL DEFAULT false,
    ADD COLUMN payee_confirmed_by    text        NOT NULL DEFAULT '',
    ADD COLUMN payee_confirmed_at    timestamptz;
ALTER TABLE obligations DROP CONSTRAINT obligations_state;
ALTER TABLE obligations ADD CONSTRAINT obligations_state
    CHECK (state IN ('awaiting_payee_confirmation', 'scheduled', 'sent', 'completed', 'failed', 'reversed', 'cancelled'));
-- Never sent to the bank unconfirmed, whatever the code does.
ALTER TABLE obligations ADD CONSTRAINT obligations_confirmed_before_sent
    CHECK (NOT confirmation_required OR state NOT IN ('sent', 'completed', 'reversed') OR payee_confirmed_by <> '');
CREATE INDEX obligations_awaiting ON obligations (scheduled_at) WHERE state = 'awaiting_payee_confirmation';
CREATE INDEX obligations_scheduled_at ON obligations (scheduled_at);
CREATE INDEX obligations_completed_at ON obligations (completed_at) WHERE completed_at IS NOT NULL;

-- The append-only audit trail of every payee: set from an event, corrected,
-- confirmed or refused; who, when, why, before and after masked (R11).
CREATE TABLE payee_changes (
    id            text PRIMARY KEY,
    obligation_id text        NOT NULL REFERENCES obligations (id),
    claim_id      text        NOT NULL,
    action        text        NOT NULL CHECK (action IN ('set', 'corrected', 'confirmed', 'rejected')),
    by            text        NOT NULL DEFAULT '',
    reason        text        NOT NULL DEFAULT '',
    before_masked jsonb,
    after_masked  jsonb,
    at            timestamptz NOT NULL
);
CREATE INDEX payee_changes_obligation ON payee_changes (obligation_id, at);
CREATE FUNCTION payee_changes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'payee_changes is append-only';
END $$;
CREATE TRIGGER payee_changes_append_only BEFORE UPDATE OR DELETE ON payee_changes
    FOR EACH ROW EXECUTE FUNCTION payee_changes_append_only();

-- The alarms of the three-way reconciliation, raised once per line and day.
CREATE TABLE reconciliation_alarms (
    day       date        NOT NULL,
    line_key  text        NOT NULL,
    claim_id  text        NOT NULL DEFAULT '',
    amount_fen bigint     NOT NULL,
    issues    jsonb       NOT NULL,
    raised_at timestamptz NOT NULL,
    PRIMARY KEY (day, line_key)
);

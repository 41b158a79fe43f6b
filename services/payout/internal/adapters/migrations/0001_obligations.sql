CREATE TABLE obligations (
    id              text PRIMARY KEY,
    claim_id        text        NOT NULL,
    payout_type     text        NOT NULL,
    amount_fen      bigint      NOT NULL CHECK (amount_fen > 0),
    currency        text        NOT NULL CHECK (currency = 'CNY'),
    state           text        NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    last_error      text        NOT NULL DEFAULT '',
    bank_reference  text        NOT NULL DEFAULT '',
    scheduled_at    timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    completed_at    timestamptz,
    -- One final payment per claim, whatever is redelivered.
    UNIQUE (claim_id, payout_type)
);
CREATE INDEX obligations_due ON obligations (next_attempt_at) WHERE state = 'scheduled';

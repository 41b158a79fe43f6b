-- The bank simulator's ledger, in a schema of its own: it stands for the
-- bank's books, written by the bank's own statements, never inside a
-- payout transaction. It keeps the account number masked only.
CREATE SCHEMA IF NOT EXISTS banksim;
CREATE TABLE banksim.transfers (
    idempotency_key text PRIMARY KEY,
    attempt         integer     NOT NULL CHECK (attempt > 0),
    -- How often money moved under this key: never more than once.
    executions      integer     NOT NULL DEFAULT 0 CHECK (executions IN (0, 1)),
    submissions     integer     NOT NULL DEFAULT 1,
    amount_fen      bigint      NOT NULL CHECK (amount_fen > 0),
    currency        text        NOT NULL,
    account_masked  text        NOT NULL,
    state           text        NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed')),
    -- What a pending transfer becomes when it settles.
    outcome         text        NOT NULL,
    reference       text        NOT NULL DEFAULT '',
    failure_code    text        NOT NULL DEFAULT '',
    accepted_at     timestamptz NOT NULL,
    settle_at       timestamptz NOT NULL,
    settled_at      timestamptz
);

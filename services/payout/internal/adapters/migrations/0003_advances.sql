-- Advances (预付赔款, R7, R8): paid at once, a catastrophe's first; several
-- per claim; cancelled when the claim is rejected before they were sent;
-- what a claimant owes back is recorded for finance.
ALTER TABLE obligations
    ADD COLUMN priority         boolean NOT NULL DEFAULT false,
    ADD COLUMN ground           text    NOT NULL DEFAULT '' CHECK (ground IN ('', 'catastrophe', 'sixty-days')),
    ADD COLUMN catastrophe_code text    NOT NULL DEFAULT '',
    ADD CONSTRAINT obligations_advance_ground CHECK ((payout_type = 'advance') = (ground <> ''));
ALTER TABLE obligations DROP CONSTRAINT obligations_state;
ALTER TABLE obligations ADD CONSTRAINT obligations_state
    CHECK (state IN ('scheduled', 'sent', 'completed', 'failed', 'reversed', 'cancelled'));
ALTER TABLE obligations ADD CONSTRAINT obligations_cancelled CHECK (state <> 'cancelled' OR payout_type = 'advance');

-- One final payment per claim (a claim may have several advances).
DROP INDEX obligations_one_per_claim_and_type;
CREATE UNIQUE INDEX obligations_one_final_per_claim ON obligations (claim_id, payout_type)
    WHERE payout_type = 'final' AND state <> 'reversed';
CREATE INDEX obligations_advances ON obligations (claim_id) WHERE payout_type = 'advance';
-- The executor takes priority payments first.
DROP INDEX obligations_due;
CREATE INDEX obligations_due ON obligations (state, priority DESC, next_attempt_at) WHERE state IN ('scheduled', 'sent');

-- Amounts owed back by claimants, told to finance (claims.payout.recovery-due).
CREATE TABLE recoveries (
    id               text PRIMARY KEY,
    claim_id         text        NOT NULL,
    obligation_ids   jsonb       NOT NULL,
    amount_fen       bigint      NOT NULL CHECK (amount_fen > 0),
    reason           text        NOT NULL,
    catastrophe_code text        NOT NULL DEFAULT '',
    policy_number    text        NOT NULL DEFAULT '',
    recorded_at      timestamptz NOT NULL
);
CREATE INDEX recoveries_claim ON recoveries (claim_id, recorded_at);

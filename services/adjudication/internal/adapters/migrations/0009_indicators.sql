-- Service indicators (R13), issue 16.

-- The organisation unit of the policy, carried onto the case when it opens.
ALTER TABLE cases ADD COLUMN branch text NOT NULL DEFAULT '';
CREATE INDEX cases_branch ON cases (branch);

-- The payments payout completed, read from claims.payout.v1
-- (payout-completed) through the inbox: the payment cycles of the
-- indicators end at them. One row per payout obligation.
CREATE TABLE payout_completions (
    obligation_id text PRIMARY KEY,
    claim_id      text        NOT NULL,
    payout_type   text        NOT NULL,
    amount_fen    bigint      NOT NULL,
    completed_at  timestamptz NOT NULL,
    recorded_at   timestamptz NOT NULL
);
CREATE INDEX payout_completions_claim ON payout_completions (claim_id, payout_type, completed_at);

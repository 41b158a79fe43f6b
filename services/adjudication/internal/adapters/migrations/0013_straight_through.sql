-- Straight-through adjudication (issue 19).

-- The product's rules for computing an expense benefit, as data. A version
-- is never rewritten: a new one is a new row, and each decision names the
-- version its amount was computed under.
CREATE TABLE product_rules (
    product_code text        NOT NULL,
    version      integer     NOT NULL CHECK (version > 0),
    data         jsonb       NOT NULL,
    created_at   timestamptz NOT NULL,
    created_by   text        NOT NULL,
    PRIMARY KEY (product_code, version)
);

-- What the amount of a decision rests on: the rules version and the amount
-- they computed (NULL when none was), and the decider's reason for paying
-- another amount, and why a senior reviews it after the fact ('' for no
-- review, sampled, amount_unsupported).
ALTER TABLE decisions
    ADD COLUMN rules_version integer NOT NULL DEFAULT 0,
    ADD COLUMN computed_fen  bigint,
    ADD COLUMN amount_reason text    NOT NULL DEFAULT '',
    ADD COLUMN for_review    text    NOT NULL DEFAULT '';

-- The straight-through assessment of each claim request: whether the
-- system could decide it, the machine-readable reasons it could not, the
-- computation with its explanation, and the document fields it read.
CREATE TABLE auto_assessments (
    claim_id       text PRIMARY KEY,
    policy_number  text        NOT NULL,
    product_code   text        NOT NULL,
    rules_version  integer     NOT NULL,
    automatic      boolean     NOT NULL,
    reasons        jsonb       NOT NULL,
    computation    jsonb,
    documents      jsonb       NOT NULL,
    deductible_fen bigint      NOT NULL DEFAULT 0,
    assessed_at    timestamptz NOT NULL
);
CREATE INDEX auto_assessments_policy ON auto_assessments (policy_number);

-- The decisions a senior reviews after the fact: the automatic decisions
-- sampled, and the handlers' approvals nothing on the claim supports.
CREATE TABLE auto_reviews (
    claim_id    text PRIMARY KEY,
    reason      text        NOT NULL CHECK (reason IN ('sampled', 'amount_unsupported')),
    amount_fen  bigint      NOT NULL,
    decided_by  text        NOT NULL,
    sampled_at  timestamptz NOT NULL,
    outcome     text        NOT NULL DEFAULT '' CHECK (outcome IN ('', 'confirmed', 'wrong')),
    note        text        NOT NULL DEFAULT '',
    reviewed_by text        NOT NULL DEFAULT '',
    reviewed_at timestamptz
);
CREATE INDEX auto_reviews_pending ON auto_reviews (sampled_at) WHERE outcome = '';

-- The audited switch of the path: every change, who made it, when and why;
-- the latest row holds. No row: the path is as configured.
CREATE TABLE auto_switch (
    id         bigserial PRIMARY KEY,
    enabled    boolean     NOT NULL,
    reason     text        NOT NULL,
    changed_by text        NOT NULL,
    changed_at timestamptz NOT NULL
);

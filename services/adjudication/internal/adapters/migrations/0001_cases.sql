CREATE TABLE cases (
    id                text PRIMARY KEY,
    claim_id          text        NOT NULL UNIQUE,
    report_id         text        NOT NULL,
    policy_number     text        NOT NULL,
    insured_name      text        NOT NULL,
    incident_type     text        NOT NULL,
    incident_time     timestamptz NOT NULL,
    first_received_at timestamptz NOT NULL,
    opened_at         timestamptz NOT NULL,
    state             text        NOT NULL,
    version           integer     NOT NULL DEFAULT 1
);
CREATE INDEX cases_state ON cases (state, first_received_at);

-- A case has at most one decision: the primary key on case_id enforces it.
CREATE TABLE decisions (
    case_id    text PRIMARY KEY REFERENCES cases (id),
    outcome    text        NOT NULL,
    amount_fen bigint      NOT NULL CHECK (amount_fen >= 0),
    reason     text        NOT NULL,
    decided_by text        NOT NULL,
    decided_at timestamptz NOT NULL
);

-- Catastrophe fast-track mode (R8) and advances (R7, R8).

-- A tagged case: its catastrophe and its internal decision target (the
-- company's, not R4's: it is not a tracked obligation).
ALTER TABLE cases
    ADD COLUMN catastrophe_code    text    NOT NULL DEFAULT '',
    ADD COLUMN target_working_days integer,
    ADD COLUMN target_due_date     date,
    ADD COLUMN target_due_at       timestamptz,
    ADD COLUMN target_at_risk_from timestamptz,
    ADD CONSTRAINT cases_target_check CHECK ((catastrophe_code = '') = (target_due_at IS NULL));
-- Tagged cases go first in every queue.
CREATE INDEX cases_tagged ON cases (target_due_at) WHERE catastrophe_code <> '';

-- Advances on a case: offered (catastrophe ground, waiting for the payee)
-- or approved. The account number is kept masked only: the full number
-- goes to payout in the advance-approved event.
CREATE TABLE case_advances (
    id                    text PRIMARY KEY,
    case_id               text        NOT NULL REFERENCES cases (id),
    position              integer     NOT NULL,
    ground                text        NOT NULL CHECK (ground IN ('catastrophe', 'sixty-days')),
    catastrophe_code      text        NOT NULL DEFAULT '',
    amount_fen            bigint      NOT NULL CHECK (amount_fen > 0),
    expected_benefit_fen  bigint      NOT NULL DEFAULT 0 CHECK (expected_benefit_fen >= 0),
    state                 text        NOT NULL CHECK (state IN ('offered', 'approved')),
    reason                text        NOT NULL DEFAULT '',
    offered_at            timestamptz NOT NULL,
    payee_name            text,
    payee_role            text,
    bank_name             text,
    account_masked        text CHECK (account_masked LIKE '****%' AND length(account_masked) <= 8),
    on_behalf_of_name     text,
    on_behalf_of_relation text,
    approved_by           text,
    approved_at           timestamptz,
    UNIQUE (case_id, position),
    CHECK ((state = 'approved') = (approved_at IS NOT NULL) AND (approved_at IS NULL) = (account_masked IS NULL))
);

-- Declared catastrophes: the current state as the topic carries it.
CREATE TABLE catastrophes (
    code        text PRIMARY KEY,
    state       jsonb       NOT NULL,
    active      boolean     NOT NULL,
    version     integer     NOT NULL CHECK (version >= 1),
    declared_at timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- The audit of catastrophes: the declaration and every switch of the mode,
-- who, when, why, and the state it made. Append-only.
CREATE TABLE catastrophe_switches (
    seq     bigserial PRIMARY KEY,
    code    text        NOT NULL REFERENCES catastrophes (code),
    version integer     NOT NULL,
    action  text        NOT NULL CHECK (action IN ('declared', 'activated', 'deactivated')),
    actor   text        NOT NULL,
    reason  text        NOT NULL,
    at      timestamptz NOT NULL,
    active  boolean     NOT NULL,
    state   jsonb       NOT NULL,
    UNIQUE (code, version)
);

CREATE FUNCTION catastrophe_switches_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'catastrophe_switches is append-only: % refused', TG_OP;
END;
$$;
CREATE TRIGGER catastrophe_switches_append_only BEFORE UPDATE OR DELETE ON catastrophe_switches
    FOR EACH ROW EXECUTE FUNCTION catastrophe_switches_append_only();

-- On-site visits to arrange (R8: on-site service).
CREATE TABLE site_visits (
    id            text PRIMARY KEY,
    claim_id      text        NOT NULL,
    case_id       text        NOT NULL REFERENCES cases (id),
    address       text        NOT NULL DEFAULT '',
    contact_name  text        NOT NULL,
    contact_phone text        NOT NULL DEFAULT '',
    state         text        NOT NULL CHECK (state IN ('to_arrange', 'arranged', 'done', 'cancelled')),
    reason        text        NOT NULL,
    note          text        NOT NULL DEFAULT '',
    scheduled_for timestamptz,
    requested_by  text        NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_by    text        NOT NULL,
    updated_at    timestamptz NOT NULL,
    version       integer     NOT NULL DEFAULT 1,
    CHECK (state <> 'arranged' OR (address <> '' AND scheduled_for IS NOT NULL))
);
CREATE INDEX site_visits_open ON site_visits (created_at, id) WHERE state IN ('to_arrange', 'arranged');
CREATE INDEX site_visits_claim ON site_visits (claim_id, created_at);

-- Fraud signals (issue 14).

-- The keyed hash (HMAC-SHA-256 under ADJUDICATION_SIGNAL_KEY) of the account
-- paid, by which accounts are compared across claims and with the employee
-- registry; empty without a key or before it was kept.
ALTER TABLE agreements ADD COLUMN account_key text NOT NULL DEFAULT '';
ALTER TABLE case_advances ADD COLUMN account_key text NOT NULL DEFAULT '';
CREATE INDEX agreements_account_key ON agreements (account_key) WHERE account_key <> '';
CREATE INDEX case_advances_account_key ON case_advances (account_key) WHERE account_key <> '';

-- The signals raised on a case, append-only.
CREATE TABLE case_signals (
    id          bigserial PRIMARY KEY,
    case_id     text        NOT NULL REFERENCES cases (id),
    kind        text        NOT NULL,
    explanation text        NOT NULL,
    blocking    boolean     NOT NULL,
    raised_by   text        NOT NULL,
    raised_at   timestamptz NOT NULL
);
CREATE INDEX case_signals_case ON case_signals (case_id);

-- The employee registry: an employee's id and the keyed hash of their
-- account; no account in clear. Replaced as a whole by PUT /v1/employees.
CREATE TABLE employees (
    employee_id text PRIMARY KEY,
    account_key text NOT NULL,
    loaded_by   text NOT NULL,
    loaded_at   timestamptz NOT NULL
);
CREATE INDEX employees_account_key ON employees (account_key);

-- Claims of one insured in a period.
CREATE INDEX cases_insured ON cases (insured_name, first_received_at);

CREATE TABLE incident_reports (
    id                 text PRIMARY KEY,
    claim_id           text        NOT NULL UNIQUE,
    policy_number      text        NOT NULL,
    insured_name       text        NOT NULL,
    incident_type      text        NOT NULL,
    incident_time      timestamptz NOT NULL,
    reporter_name      text        NOT NULL,
    reporter_role      text        NOT NULL,
    reported_at        timestamptz NOT NULL,
    claim_requested_at timestamptz
);
CREATE INDEX incident_reports_policy ON incident_reports (policy_number);

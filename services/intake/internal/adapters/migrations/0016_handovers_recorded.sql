-- Red team, session 17: a claim handed over that never arrives. Intake's
-- run-time role could set a report's handed_over_at (and leave out, delete
-- or mark sent the outbox row of its claim request): the one-time notice's
-- deadline (R3) was met by the hand-over's evidence, adjudication never
-- opened a case, and the decision deadline (R4) never started anywhere.
--
-- Every hand-over is now recorded here whatever the statement, by the
-- trigger below (as tracking 0005 records every move of a due): the report,
-- its claim, the hand-over time written, the role, the transaction and the
-- time of the write. Intake's check (app.HandOverWatch) reads the record
-- and holds each hand-over to adjudication's signed receipt
-- (claims.adjudication.claim-request-received), kept in handover_receipts
-- with its signature, which the check verifies: a row the role writes
-- proves nothing. Both tables and the alarms raised are append-only.
CREATE TABLE report_handovers (
    seq            bigserial PRIMARY KEY,
    report_id      text        NOT NULL,
    claim_id       text        NOT NULL,
    handed_over_at timestamptz NOT NULL,
    role           text        NOT NULL DEFAULT current_user,
    xid            bigint      NOT NULL DEFAULT txid_current(),
    recorded_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- The check reads by sequence number and by writer transaction (one open
-- when it read may commit a lower sequence number later), and a check that
-- starts by the time of the write: BRIN, as the record only grows in time.
CREATE INDEX report_handovers_xid ON report_handovers (xid);
CREATE INDEX report_handovers_recorded_at ON report_handovers USING brin (recorded_at);

CREATE FUNCTION incident_reports_handed_over() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_handovers (report_id, claim_id, handed_over_at) VALUES (NEW.id, NEW.claim_id, NEW.handed_over_at);
    RETURN NULL;
END;
$$;
CREATE TRIGGER incident_reports_handed_over_insert AFTER INSERT ON incident_reports
    FOR EACH ROW WHEN (NEW.handed_over_at IS NOT NULL) EXECUTE FUNCTION incident_reports_handed_over();
CREATE TRIGGER incident_reports_handed_over_update AFTER UPDATE ON incident_reports
    FOR EACH ROW WHEN (NEW.handed_over_at IS NOT NULL AND NEW.handed_over_at IS DISTINCT FROM OLD.handed_over_at)
    EXECUTE FUNCTION incident_reports_handed_over();

-- Adjudication's receipts of claim requests, as read from its topic: the
-- whole signed envelope, verified again by every check that relies on it.
-- Its bytes as encoded (bytea: jsonb would rewrite the data the signature
-- covers).
CREATE TABLE handover_receipts (
    event_id    text PRIMARY KEY,
    claim_id    text        NOT NULL,
    report_id   text        NOT NULL,
    envelope    bytea       NOT NULL,
    stored_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX handover_receipts_claim ON handover_receipts (claim_id);

-- The alarms raised, one per recorded hand-over: a second instance, or a
-- check that starts again, does not raise it twice.
CREATE TABLE handover_alarms (
    handover_seq bigint PRIMARY KEY REFERENCES report_handovers (seq),
    action       text        NOT NULL,
    raised_at    timestamptz NOT NULL
);

CREATE TRIGGER report_handovers_append_only BEFORE UPDATE OR DELETE ON report_handovers
    FOR EACH ROW EXECUTE FUNCTION intake_append_only();
CREATE TRIGGER report_handovers_no_truncate BEFORE TRUNCATE ON report_handovers
    FOR EACH STATEMENT EXECUTE FUNCTION intake_append_only();
CREATE TRIGGER handover_receipts_append_only BEFORE UPDATE OR DELETE ON handover_receipts
    FOR EACH ROW EXECUTE FUNCTION intake_append_only();
CREATE TRIGGER handover_receipts_no_truncate BEFORE TRUNCATE ON handover_receipts
    FOR EACH STATEMENT EXECUTE FUNCTION intake_append_only();
CREATE TRIGGER handover_alarms_append_only BEFORE UPDATE OR DELETE ON handover_alarms
    FOR EACH ROW EXECUTE FUNCTION intake_append_only();
CREATE TRIGGER handover_alarms_no_truncate BEFORE TRUNCATE ON handover_alarms
    FOR EACH STATEMENT EXECUTE FUNCTION intake_append_only();

-- The trigger's function looks in this schema first (a temporary table of
-- the same name would otherwise take the record: tracking 0007), and the
-- run-time role loses UPDATE and DELETE on the three tables (tracking 0006).
DO $$
DECLARE r record;
BEGIN
    EXECUTE format('ALTER FUNCTION incident_reports_handed_over() SET search_path = %I, pg_temp', current_schema());
    FOR r IN SELECT DISTINCT table_name, grantee FROM information_schema.role_table_grants
             WHERE table_schema = current_schema() AND table_name IN ('report_handovers', 'handover_receipts', 'handover_alarms')
               AND grantee <> current_user AND privilege_type IN ('UPDATE', 'DELETE') LOOP
        EXECUTE format('REVOKE UPDATE, DELETE ON %I FROM %s', r.table_name,
            CASE r.grantee WHEN 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(r.grantee) END);
    END LOOP;
END $$;

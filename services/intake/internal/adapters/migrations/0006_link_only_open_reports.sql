-- Issue 20: a new report is linked only to an OPEN report of the same
-- incident. Intake learns a claim's end from adjudication (rejected) and
-- payout (paid); distinct_from names the open report the person entering
-- a report confirmed it is not (another incident on the same day).
ALTER TABLE incident_reports
    ADD COLUMN claim_closed_at timestamptz,
    ADD COLUMN claim_closure   text NOT NULL DEFAULT '',
    ADD COLUMN distinct_from   text NOT NULL DEFAULT '';

-- One open report per incident, unless confirmed as another incident; a
-- closed report leaves room for a new one.
DROP INDEX incident_reports_same_incident;
CREATE UNIQUE INDEX incident_reports_same_open_incident
    ON incident_reports (policy_number, insured_name, incident_type, incident_date)
    WHERE incident_date IS NOT NULL AND claim_closed_at IS NULL AND distinct_from = '';

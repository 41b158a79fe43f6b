-- Whether an incident has an open report (issue 20's possible duplicate),
-- looked up through the policy's reports. The group statement that stores
-- reports filed at the same time (issue 21) asks it of each new report; the
-- statement is prepared once per connection and PostgreSQL keeps a generic
-- plan for it, made while the table may be nearly empty, when a scan of its
-- few pages is the cheapest plan. Here the lookup is planned without
-- sequential scans, so the plan kept is an index probe however large the
-- table grows (a scan of every report for each group of a surge before
-- issue 21's ninth round, a plan made at each run since: a third of the
-- statement's time in PostgreSQL). STABLE: it reads with the snapshot of
-- the statement that calls it, as the subquery it replaces did.
CREATE FUNCTION intake_open_report_exists(p_policy text, p_insured text, p_type text, p_date date)
RETURNS boolean LANGUAGE plpgsql STABLE SET enable_seqscan = off AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM incident_reports r
        WHERE r.policy_number = p_policy AND r.insured_name = p_insured AND r.incident_type = p_type
            AND r.incident_date = p_date AND r.claim_closed_at IS NULL);
END
$$;

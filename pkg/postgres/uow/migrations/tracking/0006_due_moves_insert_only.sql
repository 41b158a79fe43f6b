-- Defence in depth beside the triggers of 0005 refusing UPDATE and DELETE on
-- the record of due moves and the tampered alarms raised (only ever
-- inserted): every role but the schema's owner (the service's run-time
-- role, granted the rows of every table by default) loses both privileges,
-- as the other kept records did in session 13 (reveal 0003, payout 0009,
-- adjudication 0026).
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT DISTINCT table_name, grantee FROM information_schema.role_table_grants
             WHERE table_schema = current_schema() AND table_name IN ('deadline_due_moves', 'deadline_tamper_alarms')
               AND grantee <> current_user AND privilege_type IN ('UPDATE', 'DELETE') LOOP
        EXECUTE format('REVOKE UPDATE, DELETE ON %I FROM %s', r.table_name,
            CASE r.grantee WHEN 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(r.grantee) END);
    END LOOP;
END $$;

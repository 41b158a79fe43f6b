-- Red team, session 13: defence in depth beside the triggers refusing
-- UPDATE and DELETE on the fraud signals, check overrides and agreements (only ever inserted): every role
-- but the schema's owner (the service's run-time role, granted the rows of
-- every table by default) loses both privileges: a later migration's
-- mistake with a trigger or its function still leaves the rows as written.
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT DISTINCT table_name, grantee FROM information_schema.role_table_grants
             WHERE table_schema = current_schema() AND table_name IN ('case_signals', 'check_overrides', 'agreements', 'advance_agreements')
               AND grantee <> current_user AND privilege_type IN ('UPDATE', 'DELETE') LOOP
        EXECUTE format('REVOKE UPDATE, DELETE ON %I FROM %s', r.table_name,
            CASE r.grantee WHEN 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(r.grantee) END);
    END LOOP;
END $$;

-- Red team, session 14: decision_lines_final (0022) asks the decisions
-- table whether a line's decision is in effect, and a temporary table is
-- searched before the schema's: in a session of a role that may make one
-- (PostgreSQL grants TEMPORARY to PUBLIC on a new database) an empty
-- temporary decisions answered no, and the lines of a decision in effect
-- could be deleted or rewritten. The function now looks in this schema
-- first and in the temporary tables last. Where deployed the run-time role
-- may not make temporary tables, and a service refuses to start as one
-- that may (postgres.CheckRunTimeRole).
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION decision_lines_final() SET search_path = %I, pg_temp', current_schema());
END $$;

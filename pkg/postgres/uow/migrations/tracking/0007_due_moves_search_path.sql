-- Red team, session 14: a temporary table is searched before the schema's
-- tables, so in a session of a role that may make one (PostgreSQL grants
-- TEMPORARY to PUBLIC on a new database) a temporary deadline_due_moves
-- took the trigger's record of a due moved in that session, and the
-- monitor never saw the move. The trigger's function now looks in this
-- schema first and in the temporary tables last. The run-time role may
-- not make temporary tables where deployed (TEMPORARY revoked from PUBLIC)
-- and a service refuses to start as one that may (postgres.CheckRunTimeRole):
-- this keeps the record whatever the database's grants.
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION deadline_obligations_due_moved() SET search_path = %I, pg_temp', current_schema());
END $$;

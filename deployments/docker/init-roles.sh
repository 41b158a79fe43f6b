#!/usr/bin/env bash
# init-roles.sh makes the databases' roles, and moves a cluster of an
# earlier version over, idempotently, on every start (session 14): in
# Compose the one-shot postgres-roles runs it over TCP (PGHOST, the
# superuser's password from POSTGRES_PASSWORD_FILE) before the one-shot
# migrations; in Kubernetes the job postgres-roles does the same, and the
# StatefulSet runs it when the image initialises its cluster
# (docker-entrypoint-initdb.d). Each
# service (and the console) gets two login roles without superuser rights,
# the only roles that may connect to its database (red team, session 13):
# <svc>_owner owns the database and everything in it and runs the
# migrations (the service's migrate init container, or its
# <SVC>_MIGRATION_DSN), and <svc>, the role the service runs as, may only
# read and write rows: no CREATE, TRUNCATE, trigger or ownership, so it can
# neither disable nor drop the triggers that keep the audit tables. Objects
# owned by the service's role (a cluster of an earlier version) pass to the
# owner. The same statements as deployments/local/infra.sh (pg_roles) and
# pgtest.RunTimeGrants. The passwords are files of PG_SECRETS_DIR
# (pg-<role>) made by deployments/secrets.sh; the superuser's password is
# POSTGRES_PASSWORD_FILE, and every TCP connection signs in with
# scram-sha-256 (POSTGRES_HOST_AUTH_METHOD). PG_ROLES names the roles to
# set up (a test's own; the four by default).
set -euo pipefail
dir=${PG_SECRETS_DIR:-/run/secrets}
user=${POSTGRES_USER:-postgres}
if [[ -n ${PGHOST:-} && -n ${POSTGRES_PASSWORD_FILE:-} ]]; then
  # Over TCP the superuser signs in with its password (scram-sha-256).
  PGPASSWORD=$(tr -d '\n' <"$POSTGRES_PASSWORD_FILE")
  export PGPASSWORD
fi
for role in ${PG_ROLES:-intake adjudication payout console}; do
  owner=${role}_owner
  pw=$(tr -d '\n' <"$dir/pg-$role")
  opw=$(tr -d '\n' <"$dir/pg-$owner")
  psql -v ON_ERROR_STOP=1 --username "$user" --dbname postgres >/dev/null <<SQL
SELECT 'CREATE ROLE $owner LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$owner') \gexec
ALTER ROLE $owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '$opw';
SELECT 'CREATE ROLE $role LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$role') \gexec
ALTER ROLE $role LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '$pw';
SELECT 'CREATE DATABASE $role OWNER $owner' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$role') \gexec
ALTER DATABASE $role OWNER TO $owner;
REVOKE ALL ON DATABASE $role FROM PUBLIC, $role;
GRANT CONNECT, TEMPORARY ON DATABASE $role TO $owner;
GRANT CONNECT ON DATABASE $role TO $role;
SQL
  psql -v ON_ERROR_STOP=1 --username "$user" --dbname "$role" >/dev/null <<SQL
REASSIGN OWNED BY $role TO $owner;
DO \$\$
DECLARE r record;
BEGIN
  FOR r IN SELECT nspname FROM pg_namespace WHERE pg_get_userbyid(nspowner) IN ('$owner', 'pg_database_owner')
           AND nspname <> 'information_schema' AND nspname NOT LIKE 'pg\_%' LOOP
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO $role', r.nspname);
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO $role', r.nspname);
  END LOOP;
  -- The rows of the tables never granted (those of an earlier version):
  -- a table the migrations made insert-only keeps its SELECT and is left.
  FOR r IN SELECT c.oid::regclass AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE pg_get_userbyid(c.relowner) = '$owner' AND c.relkind IN ('r', 'p', 'v', 'm')
             AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
             AND NOT has_table_privilege('$role', c.oid, 'SELECT') LOOP
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO $role', r.t);
  END LOOP;
  IF to_regclass('public.schema_migrations') IS NOT NULL THEN
    REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON public.schema_migrations FROM $role;
  END IF;
END
\$\$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE $owner GRANT USAGE ON SCHEMAS TO $role;
ALTER DEFAULT PRIVILEGES FOR ROLE $owner GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO $role;
ALTER DEFAULT PRIVILEGES FOR ROLE $owner GRANT USAGE, SELECT ON SEQUENCES TO $role;
SQL
done

#!/usr/bin/env bash
# init-roles.sh runs once, when the postgres image initialises its cluster
# (docker-entrypoint-initdb.d), in Compose and in the Kubernetes
# StatefulSet: each service (and the console) gets a login role of its own without superuser
# rights, owning its database, the only role that may connect to it. The
# passwords are files of PG_SECRETS_DIR (pg-intake, pg-adjudication,
# pg-payout, pg-console) made by deployments/secrets.sh; the superuser's password is
# POSTGRES_PASSWORD_FILE, and every TCP connection signs in with
# scram-sha-256 (POSTGRES_HOST_AUTH_METHOD).
set -euo pipefail
dir=${PG_SECRETS_DIR:-/run/secrets}
for role in intake adjudication payout console; do
  pw=$(tr -d '\n' <"$dir/pg-$role")
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres >/dev/null <<SQL
CREATE ROLE $role LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD '$pw';
CREATE DATABASE $role OWNER $role;
REVOKE ALL ON DATABASE $role FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE $role TO $role;
SQL
done

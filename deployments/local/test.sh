#!/usr/bin/env bash
# test.sh starts a PostgreSQL and a Kafka of its own (ports apart from
# `make run`'s), runs every test of every module against them, and stops them
# whatever the outcome. Its exit status is the tests'.
# With BENCH=1 it runs the benchmarks instead.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STATE=$ROOT/.local/test
PG_PORT=${TEST_PG_PORT:-55442}
KAFKA_PORT=${TEST_KAFKA_PORT:-59192}
INFRA="$ROOT/deployments/local/infra.sh"
cd "$ROOT"

# A crashed earlier run may have left them up; start clean either way.
bash "$INFRA" stop "$STATE" >/dev/null 2>&1 || true
bash "$INFRA" keycloak-stop "$STATE" >/dev/null 2>&1 || true
PG_FSYNC=off bash "$INFRA" start "$STATE" "$PG_PORT" "$KAFKA_PORT"
trap 'bash "$INFRA" keycloak-stop "$STATE"; bash "$INFRA" stop "$STATE"' EXIT
# Keycloak: the external OpenID Connect provider the sign-in tests use.
OIDC_PORT=${TEST_OIDC_PORT:-$((KAFKA_PORT + 2))}
bash "$INFRA" keycloak-start "$STATE" "$OIDC_PORT"
export CLAIMS_TEST_OIDC_URL="http://127.0.0.1:$OIDC_PORT"
CLAIMS_TEST_OIDC_ADMIN_PASSWORD=$(cat "$STATE/keycloak/admin-password")
export CLAIMS_TEST_OIDC_ADMIN_PASSWORD

# The set-up roles: the tests make a database (and a role owning it) per
# test and topics with ACLs per test prefix through them; the services they
# start run as roles and principals without those rights. infra.sh made the
# passwords (readable by root only).
export CLAIMS_TEST_PG_ADMIN_DSN="postgres://postgres:$(cat "$STATE/secrets/postgres/postgres")@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
export CLAIMS_TEST_PG_SECRETS="$STATE/secrets/postgres"
export CLAIMS_TEST_KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT"
export CLAIMS_TEST_KAFKA_SECRETS="$STATE/secrets/kafka"
export CLAIMS_BIN_DIR="$ROOT/bin"
export CLAIMS_REPO_ROOT="$ROOT"
MODULES=(./pkg/... ./cli/... ./deployments/... ./services/intake/... ./services/adjudication/... ./services/payout/... ./console/... ./e2e/...)

if [ "${BENCH:-}" = 1 ]; then
  # The OCR benchmark reads 1,000 pages to report resident memory after them
  # (about 8 minutes on 2 cores); set CLAIMS_OCR_BENCH_PAGES lower for a
  # quick look.
  export CLAIMS_OCR_BENCH_PAGES=${CLAIMS_OCR_BENCH_PAGES:-1000}
  go test -run '^$' -bench . -benchmem -timeout 120m "${MODULES[@]}"
  exit
fi
echo "[test] web console unit tests"
(cd console/web && npm test --silent)
echo "[test] go vet"
go vet "${MODULES[@]}"
echo "[test] go test"
go test -count=1 -timeout 40m "${MODULES[@]}"
echo "[test] go test -tags faults (the fault injection of bin/faults)"
go test -count=1 -tags faults ./pkg/faults/

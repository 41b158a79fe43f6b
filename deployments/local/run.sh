#!/usr/bin/env bash
# run.sh starts PostgreSQL, Kafka and the three services in the foreground.
# Ctrl-C (or SIGTERM) stops the services gracefully, then Kafka and PostgreSQL.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STATE=$ROOT/.local/dev
PG_PORT=${PG_PORT:-55432}
KAFKA_PORT=${KAFKA_PORT:-59092}
INFRA="$ROOT/deployments/local/infra.sh"

bash "$INFRA" start "$STATE" "$PG_PORT" "$KAFKA_PORT"
pids=()
stop_all() {
  trap - INT TERM EXIT
  echo "[run] stopping services" >&2
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  bash "$INFRA" stop "$STATE"
}
trap stop_all INT TERM EXIT

export KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
dsn() { echo "postgres://postgres@127.0.0.1:$PG_PORT/$1?sslmode=disable"; }
INTAKE_HTTP_ADDR=127.0.0.1:8081 INTAKE_DATABASE_DSN=$(dsn intake) "$ROOT/bin/intake" &
pids+=($!)
ADJUDICATION_HTTP_ADDR=127.0.0.1:8082 ADJUDICATION_DATABASE_DSN=$(dsn adjudication) "$ROOT/bin/adjudication" &
pids+=($!)
PAYOUT_HTTP_ADDR=127.0.0.1:8083 PAYOUT_DATABASE_DSN=$(dsn payout) "$ROOT/bin/payout" &
pids+=($!)

for port in 8081 8082 8083; do
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.5
  done
done
cat >&2 <<MSG

[run] the platform is up:
  intake        http://127.0.0.1:8081   (/readyz, /metrics, /openapi.json)
  adjudication  http://127.0.0.1:8082
  payout        http://127.0.0.1:8083
  PostgreSQL    127.0.0.1:$PG_PORT  (databases intake, adjudication, payout; user postgres)
  Kafka         127.0.0.1:$KAFKA_PORT  (topics claims.intake.v1, claims.adjudication.v1, claims.payout.v1)
  try:  make demo      stop: Ctrl-C

MSG
wait -n "${pids[@]}" || true
echo "[run] a service exited; stopping the rest" >&2

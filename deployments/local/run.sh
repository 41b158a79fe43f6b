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
# The token key of this development installation: made once, kept in .local/dev.
KEYFILE=$STATE/auth-keys
if [ ! -s "$KEYFILE" ]; then
  umask 077
  echo "dev-$(date +%Y%m%d):$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$KEYFILE"
fi
export AUTH_KEYS=$(cat "$KEYFILE")
# The key payout seals payee details with (AES-256-GCM), made once as well.
DATAKEYFILE=$STATE/payout-data-keys
if [ ! -s "$DATAKEYFILE" ]; then
  umask 077
  echo "dev-$(date +%Y%m%d):$(head -c 32 /dev/urandom | base64 -w0)" > "$DATAKEYFILE"
fi
export PAYOUT_DATA_KEYS=$(cat "$DATAKEYFILE")
# The key intake encrypts stored documents with (issue 17), made once too.
INTAKEKEYFILE=$STATE/intake-data-keys
if [ ! -s "$INTAKEKEYFILE" ]; then
  umask 077
  echo "dev-$(date +%Y%m%d):$(head -c 32 /dev/urandom | base64 -w0)" > "$INTAKEKEYFILE"
fi
export INTAKE_DATA_KEYS=$(cat "$INTAKEKEYFILE")
# The key adjudication hashes accounts with for its fraud signals, made once.
SIGNALKEYFILE=$STATE/adjudication-signal-key
if [ ! -s "$SIGNALKEYFILE" ]; then
  umask 077
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$SIGNALKEYFILE"
fi
export ADJUDICATION_SIGNAL_KEY=$(cat "$SIGNALKEYFILE")
# Adjudication's Ed25519 key signing payment instructions, and its public key
# that payout trusts (issue 15), made once as a pair.
INSTRUCTIONKEYFILE=$STATE/instruction-signing-key.json
if [ ! -s "$INSTRUCTIONKEYFILE" ]; then
  umask 077
  "$ROOT/bin/claimsctl" signing-key --id "adj-$(date +%Y%m%d)" > "$INSTRUCTIONKEYFILE"
fi
instruction_key() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$INSTRUCTIONKEYFILE" "$1"; }
PAYOUT_TRUSTED_INSTRUCTION_KEYS=$(instruction_key public)
# Payout's X25519 key payees of payment instructions are sealed for (issue
# 17): adjudication gets the public half, payout the private one.
PAYEEKEYFILE=$STATE/payee-seal-key.json
if [ ! -s "$PAYEEKEYFILE" ]; then
  umask 077
  "$ROOT/bin/claimsctl" payee-key --id "payout-$(date +%Y%m%d)" > "$PAYEEKEYFILE"
fi
payee_key() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$PAYEEKEYFILE" "$1"; }
dsn() { echo "postgres://postgres@127.0.0.1:$PG_PORT/$1?sslmode=disable"; }
INTAKE_HTTP_ADDR=127.0.0.1:8081 INTAKE_DATABASE_DSN=$(dsn intake) INTAKE_STORAGE_DIR=$STATE/documents "$ROOT/bin/intake" &
pids+=($!)
ADJUDICATION_HTTP_ADDR=127.0.0.1:8082 ADJUDICATION_DATABASE_DSN=$(dsn adjudication) ADJUDICATION_SIGNING_KEY=$(instruction_key private) \
  ADJUDICATION_PAYEE_SEAL_KEY=$(payee_key public) \
  "$ROOT/bin/adjudication" &
pids+=($!)
PAYOUT_HTTP_ADDR=127.0.0.1:8083 PAYOUT_DATABASE_DSN=$(dsn payout) PAYOUT_TRUSTED_INSTRUCTION_KEYS=$PAYOUT_TRUSTED_INSTRUCTION_KEYS \
  PAYOUT_PAYEE_OPEN_KEYS=$(payee_key private) \
  "$ROOT/bin/payout" &
pids+=($!)

for port in 8081 8082 8083; do
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.5
  done
done
# Development policy and product data, through adjudication's import API.
bash "$ROOT/deployments/local/seed.sh" || echo "[run] could not load the policy seed" >&2
# The web console: the built files and the services' APIs on one origin.
CONSOLE_HTTP_ADDR=127.0.0.1:8080 CONSOLE_STATIC_DIR="$ROOT/console/web/dist" \
  CONSOLE_USERS_FILE="$ROOT/deployments/local/seed/users.json" "$ROOT/bin/console" &
pids+=($!)
for _ in $(seq 1 40); do curl -fsS http://127.0.0.1:8080/readyz >/dev/null 2>&1 && break; sleep 0.25; done
cat >&2 <<MSG

[run] the platform is up:
  console       http://127.0.0.1:8080   (sign in with a development user below)
  intake        http://127.0.0.1:8081   (/readyz, /metrics, /openapi.json)
  adjudication  http://127.0.0.1:8082
  payout        http://127.0.0.1:8083
  PostgreSQL    127.0.0.1:$PG_PORT  (databases intake, adjudication, payout; user postgres)
  Kafka         127.0.0.1:$KAFKA_PORT  (topics claims.intake.v1, claims.adjudication.v1, claims.payout.v1)
  try:  make demo      stop: Ctrl-C

[run] development users: console password, then an API token valid 8 h (AUTH_KEYS is in $KEYFILE):
MSG
for user in handler-1:handler senior-1:senior_handler cat-1:catastrophe_coordinator finance-1:finance auditor-1:auditor admin-1:admin; do
  token=$("$ROOT/bin/claimsctl" token --sub "${user%%:*}" --roles "${user##*:}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  printf '  %-10s %-24s %-14s %s\n' "${user%%:*}" "${user##*:}" "${user%%:*}-dev" "$token" >&2
done
echo >&2
wait -n "${pids[@]}" || true
echo "[run] a service exited; stopping the rest" >&2

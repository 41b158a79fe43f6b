#!/usr/bin/env bash
# run.sh starts PostgreSQL, Kafka and the three services in the foreground.
# Ctrl-C (or SIGTERM) stops the services gracefully, then Kafka and PostgreSQL
# if this run started them (not when `make infra-up` had).
#
# Only one run at a time: the run holds $STATE/run.pid, and a second run, or
# one whose ports something else holds, refuses at once, naming the running
# one, and touches nothing (its exit trap is set only once it owns the run).
#
# RUN_STATE (default .local/dev) and HTTP_PORT_BASE (default 8080: the
# console, then intake, adjudication and payout on the next three ports)
# move a run elsewhere; the tests of this script use them.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STATE=$(realpath -m "${RUN_STATE:-$ROOT/.local/dev}")
PG_PORT=${PG_PORT:-55432}
KAFKA_PORT=${KAFKA_PORT:-59092}
BASE=${HTTP_PORT_BASE:-8080}
CONSOLE_PORT=$BASE INTAKE_PORT=$((BASE + 1)) ADJUDICATION_PORT=$((BASE + 2)) PAYOUT_PORT=$((BASE + 3))
INFRA="$ROOT/deployments/local/infra.sh"
PIDFILE=$STATE/run.pid
# The trace store: Jaeger in memory; every trace is kept (sampling ratio 1).
JAEGER_OTLP_PORT=${JAEGER_OTLP_PORT:-54318}
JAEGER_UI_PORT=${JAEGER_UI_PORT:-16686}
JAEGER_UI=http://127.0.0.1:$JAEGER_UI_PORT

refuse() { echo "[run] refusing to start: $*" >&2; exit 1; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_holder() { command -v ss >/dev/null && ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:(.*)' | head -n 1; }

# Claim the run: the pid file is created with noclobber, so of two runs
# started together one wins. A pid file whose process is gone is stale.
mkdir -p "$STATE"
for _ in 1 2; do
  if (set -C; echo $$ > "$PIDFILE") 2>/dev/null; then owned=1; break; fi
  other=$(cat "$PIDFILE" 2>/dev/null || true)
  if [ -n "$other" ] && kill -0 "$other" 2>/dev/null; then
    refuse "make run is already running as pid $other (state $STATE, console http://127.0.0.1:$CONSOLE_PORT, started $(date -r "$PIDFILE" '+%F %T')); stop it with Ctrl-C in its terminal or: kill -TERM $other"
  fi
  rm -f "$PIDFILE"
done
[ "${owned:-}" = 1 ] || refuse "could not claim $PIDFILE"
release() { [ "$(cat "$PIDFILE" 2>/dev/null)" = $$ ] && rm -f "$PIDFILE"; return 0; }
# Whatever holds a port this run needs is not ours: refuse rather than start
# services that cannot bind. PostgreSQL and Kafka of this state started by
# `make infra-up` are used, and left running at the end.
keep_pg=0 keep_kafka=0 keep_jaeger=0
bash "$INFRA" running "$STATE" pg && keep_pg=1
bash "$INFRA" running "$STATE" kafka && keep_kafka=1
bash "$INFRA" running "$STATE" jaeger && keep_jaeger=1
for port in "$CONSOLE_PORT" "$INTAKE_PORT" "$ADJUDICATION_PORT" "$PAYOUT_PORT" \
  $([ $keep_pg = 1 ] || echo "$PG_PORT") $([ $keep_kafka = 1 ] || echo "$KAFKA_PORT") \
  $([ $keep_jaeger = 1 ] || echo "$JAEGER_OTLP_PORT $JAEGER_UI_PORT"); do
  if port_busy "$port"; then
    holder=$(port_holder "$port" || true)
    release
    refuse "port $port is already in use${holder:+ by $holder} (another make run, or another program); stop it first"
  fi
done

pids=()
stop_all() {
  trap - INT TERM EXIT
  echo "[run] stopping services" >&2
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ $keep_kafka = 1 ] || bash "$INFRA" kafka-stop "$STATE"
  [ $keep_pg = 1 ] || bash "$INFRA" pg-stop "$STATE"
  [ $keep_jaeger = 1 ] || bash "$INFRA" jaeger-stop "$STATE"
  release
}
trap stop_all INT TERM EXIT
bash "$INFRA" start "$STATE" "$PG_PORT" "$KAFKA_PORT"
bash "$INFRA" jaeger-start "$STATE" "$JAEGER_OTLP_PORT" "$JAEGER_UI_PORT"

export KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$JAEGER_OTLP_PORT OTEL_TRACES_SAMPLER_ARG=1
# made_once FILE CMD... writes CMD's output to FILE, readable by root only,
# unless an earlier run made it: the keys of this development installation
# live in .local/dev and survive restarts. pair_half FILE HALF prints one half
# ("private" or "public") of a key pair claimsctl made as JSON.
made_once() { local f=$1; shift; [ -s "$f" ] || (umask 077 && "$@" > "$f"); }
pair_half() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
data_key() { echo "dev-$(date +%Y%m%d):$(head -c 32 /dev/urandom | base64 -w0)"; }

# The console's token signing key (Ed25519, PEM). Only the console and
# claimsctl read it; the services verify tokens with the console's JWKS.
KEYFILE=$STATE/signing-key.pem
made_once "$KEYFILE" "$ROOT/bin/console" gen-key
export AUTH_ISSUER=http://127.0.0.1:$CONSOLE_PORT CLAIMS_ISSUER=http://127.0.0.1:$CONSOLE_PORT CLAIMS_SIGNING_KEY_FILE=$KEYFILE
# Payout's service principal: its client secret, and the console's clients
# file holding the secret's hash (payout asks the console for its token to
# call adjudication).
made_once "$STATE/payout-client-secret" random_hex 24
export PAYOUT_CLIENT_SECRET=$(cat "$STATE/payout-client-secret")
CLIENTS=$STATE/service-clients.json
printf '{"clients": [{"client_id": "payout", "secret_sha256": "%s", "subject": "system:payout", "roles": ["auditor"], "audiences": ["adjudication"]}]}\n' \
  "$(printf '%s' "$PAYOUT_CLIENT_SECRET" | sha256sum | cut -d' ' -f1)" > "$CLIENTS"
# The key payout seals payee details with at rest, and the key intake
# encrypts stored documents with (AES-256-GCM).
made_once "$STATE/payout-data-keys" data_key
export PAYOUT_DATA_KEYS=$(cat "$STATE/payout-data-keys")
made_once "$STATE/intake-data-keys" data_key
export INTAKE_DATA_KEYS=$(cat "$STATE/intake-data-keys")
# The key adjudication hashes accounts with for its fraud signals.
made_once "$STATE/adjudication-signal-key" random_hex 32
export ADJUDICATION_SIGNAL_KEY=$(cat "$STATE/adjudication-signal-key")
# The key of the accounts' and names' fingerprints on the topics: intake,
# adjudication and payout hold it, no reader of the topics does.
made_once "$STATE/fingerprint-keys" data_key
FINGERPRINT_KEYS=$(cat "$STATE/fingerprint-keys")
# Adjudication's Ed25519 pair signing payment instructions (payout trusts
# the public half; issue 15) and calendar versions (intake and payout trust
# the public half; red team, session 12), and payout's X25519 pair the payees of those
# instructions are sealed for (adjudication gets the public half; issue 17).
INSTRUCTIONKEYFILE=$STATE/instruction-signing-key.json
made_once "$INSTRUCTIONKEYFILE" "$ROOT/bin/claimsctl" signing-key --id "adj-$(date +%Y%m%d)"
PAYOUT_TRUSTED_INSTRUCTION_KEYS=$(pair_half "$INSTRUCTIONKEYFILE" public)
# Intake's Ed25519 pair signing claim requests (adjudication trusts the
# public half; the attack review of issue 19).
REQUESTKEYFILE=$STATE/request-signing-key.json
made_once "$REQUESTKEYFILE" "$ROOT/bin/claimsctl" signing-key --id "intake-$(date +%Y%m%d)"
PAYEEKEYFILE=$STATE/payee-seal-key.json
made_once "$PAYEEKEYFILE" "$ROOT/bin/claimsctl" payee-key --id "payout-$(date +%Y%m%d)"
# Each service (and the console) connects to PostgreSQL as its own role, and
# each service to Kafka as its own principal, with the passwords infra.sh
# made (.local/dev/secrets).
# dsn ROLE [DATABASE]: the DSN of ROLE on DATABASE (ROLE's own by default).
# Each service runs as its role and migrates at start as <svc>_owner
# (<SVC>_MIGRATION_DSN), the schema's owner (infra.sh pg_roles).
dsn() { echo "postgres://$1:$(cat "$STATE/secrets/postgres/$1")@127.0.0.1:$PG_PORT/${2:-$1}?sslmode=disable"; }
kafka_user() { echo "KAFKA_USER=$1 KAFKA_PASSWORD_FILE=$STATE/secrets/kafka/$1"; }
# Issue 19: intake seals the payee of an advance agreement for payout (the
# public half adjudication gets) and hashes its account with the signals' key;
# it asks the account-holder verification simulator whether the payee's
# account is held by the payee's name (no account is registered in it by
# make run: every payee is unverified until one is, holdersim.accounts).
env $(kafka_user intake) INTAKE_HOLDER_CHECK=simulator INTAKE_HTTP_ADDR=127.0.0.1:$INTAKE_PORT INTAKE_DATABASE_DSN="$(dsn intake)" INTAKE_MIGRATION_DSN="$(dsn intake_owner intake)" INTAKE_STORAGE_DIR="$STATE/documents" \
  INTAKE_PAYEE_SEAL_KEY="$(pair_half "$PAYEEKEYFILE" public)" INTAKE_SIGNAL_KEY="$ADJUDICATION_SIGNAL_KEY" \
  INTAKE_FINGERPRINT_KEYS="$FINGERPRINT_KEYS" INTAKE_SIGNING_KEY="$(pair_half "$REQUESTKEYFILE" private)" \
  INTAKE_TRUSTED_CALENDAR_KEYS="$PAYOUT_TRUSTED_INSTRUCTION_KEYS" "$ROOT/bin/intake" &
pids+=($!)
env $(kafka_user adjudication) ADJUDICATION_HTTP_ADDR=127.0.0.1:$ADJUDICATION_PORT ADJUDICATION_DATABASE_DSN="$(dsn adjudication)" ADJUDICATION_MIGRATION_DSN="$(dsn adjudication_owner adjudication)" \
  ADJUDICATION_SIGNING_KEY="$(pair_half "$INSTRUCTIONKEYFILE" private)" ADJUDICATION_TRUSTED_INTAKE_KEYS="$(pair_half "$REQUESTKEYFILE" public)" \
  ADJUDICATION_PAYEE_SEAL_KEY="$(pair_half "$PAYEEKEYFILE" public)" ADJUDICATION_FINGERPRINT_KEYS="$FINGERPRINT_KEYS" "$ROOT/bin/adjudication" &
pids+=($!)
# Payout asks the same kind of simulator (its own register, payout's
# holdersim.accounts) before it takes a payee a handler corrects or
# supplies: refused until the account is registered in the payee's name.
env $(kafka_user payout) PAYOUT_HOLDER_CHECK=simulator PAYOUT_HTTP_ADDR=127.0.0.1:$PAYOUT_PORT PAYOUT_ADJUDICATION_URL=http://127.0.0.1:$ADJUDICATION_PORT PAYOUT_DATABASE_DSN="$(dsn payout)" PAYOUT_MIGRATION_DSN="$(dsn payout_owner payout)" \
  PAYOUT_TRUSTED_INSTRUCTION_KEYS="$PAYOUT_TRUSTED_INSTRUCTION_KEYS" \
  PAYOUT_PAYEE_OPEN_KEYS="$(pair_half "$PAYEEKEYFILE" private)" PAYOUT_FINGERPRINT_KEYS="$FINGERPRINT_KEYS" "$ROOT/bin/payout" &
pids+=($!)

# The development users: the seed file, plus a second-factor secret for
# each finance and admin user, made once and kept in .local/dev.
USERS=$STATE/users.json
if [ ! -s "$USERS" ] || [ "$ROOT/deployments/local/seed/users.json" -nt "$USERS" ]; then
  (umask 077 && python3 - "$ROOT/deployments/local/seed/users.json" "$USERS" "$ROOT/bin/console" <<'PY'
import json, subprocess, sys
src, dst, console = sys.argv[1:4]
data = json.load(open(src))
for u in data["users"]:
    if {"finance", "admin"} & set(u["roles"]) and "totp_secret" not in u:
        u["totp_secret"] = json.loads(subprocess.check_output([console, "enrol-totp", u["username"]]))["totp_secret"]
json.dump(data, open(dst, "w"), ensure_ascii=False, indent=2)
PY
  )
fi
# The web console: the built files and the services' APIs on one origin,
# the sign-in and the token issuer (discovery and JWKS) the services trust.
CONSOLE_HTTP_ADDR=127.0.0.1:$CONSOLE_PORT INTAKE_URL=http://127.0.0.1:$INTAKE_PORT \
  ADJUDICATION_URL=http://127.0.0.1:$ADJUDICATION_PORT PAYOUT_URL=http://127.0.0.1:$PAYOUT_PORT CONSOLE_TRACES_URL=$JAEGER_UI CONSOLE_STATIC_DIR="$ROOT/console/web/dist" CONSOLE_ISSUER=$AUTH_ISSUER \
  CONSOLE_SIGNING_KEY_FILE="$KEYFILE" CONSOLE_DATABASE_DSN="$(dsn console)" CONSOLE_MIGRATION_DSN="$(dsn console_owner console)" \
  CONSOLE_USERS_FILE="$USERS" CONSOLE_SERVICE_CLIENTS_FILE="$CLIENTS" "$ROOT/bin/console" &
pids+=($!)
for port in $CONSOLE_PORT $INTAKE_PORT $ADJUDICATION_PORT $PAYOUT_PORT; do
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.5
  done
done
# Development policy and product data, through adjudication's import API.
ADJUDICATION=http://127.0.0.1:$ADJUDICATION_PORT CLAIMS_SIGNING_KEY_FILE=$KEYFILE bash "$ROOT/deployments/local/seed.sh" || echo "[run] could not load the policy seed" >&2
cat >&2 <<MSG

[run] the platform is up:
  console       http://127.0.0.1:$CONSOLE_PORT   (sign in with a development user below)
  intake        http://127.0.0.1:$INTAKE_PORT   (/readyz, /metrics, /openapi.json)
  adjudication  http://127.0.0.1:$ADJUDICATION_PORT
  payout        http://127.0.0.1:$PAYOUT_PORT
  PostgreSQL    127.0.0.1:$PG_PORT  (databases intake, adjudication, payout, console, each owned by the role of that name; passwords in $STATE/secrets/postgres)
  Kafka         127.0.0.1:$KAFKA_PORT  (SASL/SCRAM-SHA-512; principals admin, intake, adjudication, payout, reader; passwords in $STATE/secrets/kafka)
  follow a topic:  KAFKA_USER=reader KAFKA_PASSWORD_FILE=$STATE/secrets/kafka/reader bin/claimsctl events tail --topic claims.payout.v1
  traces        $JAEGER_UI   (Jaeger UI; a claim's traces: tag claim_id=<claim id>)
  try:  make demo      stop: Ctrl-C

[run] development users: console password, then an API token valid 1 h (more: bin/claimsctl token, key in $KEYFILE):
MSG
for user in handler-1:handler senior-1:senior_handler cat-1:catastrophe_coordinator finance-1:finance auditor-1:auditor admin-1:admin; do
  token=$("$ROOT/bin/claimsctl" token --sub "${user%%:*}" --roles "${user##*:}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  printf '  %-10s %-24s %-14s %s\n' "${user%%:*}" "${user##*:}" "${user%%:*}-dev" "$token" >&2
done
echo >&2
echo "[run] finance and admin users sign in with a one-time code too; add these to an authenticator app:" >&2
python3 - "$USERS" >&2 <<'PY'
import json, sys, urllib.parse
for u in json.load(open(sys.argv[1]))["users"]:
    if "totp_secret" in u:
        q = urllib.parse.urlencode({"secret": u["totp_secret"], "issuer": "claims console", "algorithm": "SHA1", "digits": 6, "period": 30})
        print("  %-10s otpauth://totp/%s?%s" % (u["username"], urllib.parse.quote("claims console:" + u["username"]), q))
PY
echo >&2
wait -n "${pids[@]}" || true
echo "[run] a service exited; stopping the rest" >&2

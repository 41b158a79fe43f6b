#!/usr/bin/env bash
# infra.sh installs and runs the real local infrastructure of the platform:
# a private PostgreSQL cluster (Debian's postgresql) and a single-node Apache
# Kafka broker in KRaft mode (jars from Maven Central). No Docker is needed.
#
#   infra.sh install                 apt packages, Kafka jars, Go modules, the names'
#                                    OCR model (idempotent)
#   infra.sh names-model-install     the names' OCR model alone (NAMES_MODEL_DIR,
#                                    default .local/tessdata; npm, openssl)
#   infra.sh start  STATE PG_PORT KAFKA_PORT    start (init on first use) both
#   infra.sh stop   STATE                       stop both
#   infra.sh kafka-start|kafka-stop|pg-start|pg-stop ...  one of them
#   infra.sh pg-stop STATE [smart|fast|immediate]  stop PostgreSQL in that mode
#                                    (default fast; immediate is a crash)
#   infra.sh pg-destroy STATE        stop PostgreSQL at once and delete its cluster
#   infra.sh keycloak-start STATE PORT   start Keycloak (an external OpenID Connect
#                                    provider for the tests; in-memory, admin password in STATE)
#   infra.sh keycloak-stop STATE
#   infra.sh jaeger-start STATE OTLP_PORT QUERY_PORT   the trace store (Jaeger,
#                                    in memory; QUERY_PORT+1 is its gRPC API)
#   infra.sh jaeger-stop STATE
#   infra.sh running STATE pg|kafka|jaeger  exit 0 when that one of STATE is running
#
# STATE is a folder under .local/ (git-ignored); re-running reuses it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KAFKA_HOME=${KAFKA_HOME:-$ROOT/.local/kafka}
APT_PACKAGES=(postgresql postgresql-contrib tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng tesseract-ocr-osd tesseract-ocr-script-hans
  libtesseract-dev libleptonica-dev poppler-utils fonts-droid-fallback fonts-dejavu-core chromium)

SCHEMATHESIS_VERSION=4.32.5
# Keycloak, the OpenID Connect provider the tests sign in through (issue 15):
# its distribution from Maven Central, run on a JDK 21 or later.
KEYCLOAK_VERSION=26.5.6
KEYCLOAK_HOME=${KEYCLOAK_HOME:-$ROOT/.local/keycloak/keycloak-$KEYCLOAK_VERSION}

log() { printf '[infra] %s\n' "$*" >&2; }

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] || { log "PostgreSQL binaries not found; run: $0 install"; exit 1; }
  echo "$d"
}

# The names' OCR model (issue 19): tessdata 4.0.0's chi_sim, an LSTM other
# than Debian's (tessdata_fast's) and the legacy engine, which intake's OCR
# has read each name's value again with since branch s14d
# (INTAKE_OCR_NAMES_MODEL_DIR). The npm registry serves it in this package
# (package/4.0.0/chi_sim.traineddata.gz); the tarball's integrity and the
# model's SHA-256 are pinned here, so another file is never installed.
NAMES_MODEL_PACKAGE=@tesseract.js-data/chi_sim@1.0.0
NAMES_MODEL_INTEGRITY=sha512-iuErURkPbECDUazgsLn/r3c+tU2y5o5S/w14d0A/YiagfsjYyZKgTo75RUpsGJ311qtu0dIX4hqnXAAjmqf2CA==
NAMES_MODEL_SHA256=fc05d89ab31d8b4e226910f16a8bcbf78e43bae3e2580bb5feefd052efdab363
NAMES_MODEL_DIR=${NAMES_MODEL_DIR:-$ROOT/.local/tessdata}

# names_model_install puts the names' model in NAMES_MODEL_DIR unless the
# pinned file is there.
names_model_install() {
  local model=$NAMES_MODEL_DIR/chi_sim.traineddata
  if [ -f "$model" ] && echo "$NAMES_MODEL_SHA256  $model" | sha256sum -c --quiet 2>/dev/null; then
    return
  fi
  log "copying the names' OCR model ($NAMES_MODEL_PACKAGE, package/4.0.0) into $NAMES_MODEL_DIR"
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$NAMES_MODEL_PACKAGE" >/dev/null)
  local tgz=("$tmp"/*.tgz)
  local got
  got="sha512-$(openssl dgst -sha512 -binary "${tgz[0]}" | base64 -w0)"
  if [ "$got" != "$NAMES_MODEL_INTEGRITY" ]; then
    rm -rf "$tmp"
    log "$NAMES_MODEL_PACKAGE: integrity $got, want $NAMES_MODEL_INTEGRITY"
    exit 1
  fi
  tar -xzf "${tgz[0]}" -C "$tmp" package/4.0.0/chi_sim.traineddata.gz
  gunzip -c "$tmp/package/4.0.0/chi_sim.traineddata.gz" >"$tmp/chi_sim.traineddata"
  if ! echo "$NAMES_MODEL_SHA256  $tmp/chi_sim.traineddata" | sha256sum -c --quiet; then
    rm -rf "$tmp"
    log "$NAMES_MODEL_PACKAGE: package/4.0.0/chi_sim.traineddata is not the pinned model"
    exit 1
  fi
  mkdir -p "$NAMES_MODEL_DIR"
  mv "$tmp/chi_sim.traineddata" "$model"
  rm -rf "$tmp"
}

install() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q "${missing[@]}" >/dev/null
  fi
  if [ ! -f "$KAFKA_HOME/libs/.complete" ] || [ "$ROOT/deployments/local/kafka/pom.xml" -nt "$KAFKA_HOME/libs/.complete" ]; then
    log "copying Kafka jars from Maven Central into $KAFKA_HOME/libs"
    rm -rf "$KAFKA_HOME/libs"
    mvn -q -B -f "$ROOT/deployments/local/kafka/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$KAFKA_HOME/libs" -DincludeScope=runtime
    touch "$KAFKA_HOME/libs/.complete"
  fi
  (cd "$ROOT" && go mod download all 2>/dev/null || for m in pkg cli e2e services/*; do (cd "$ROOT/$m" && go mod download); done)
  if [ ! -x "$KEYCLOAK_HOME/bin/kc.sh" ]; then
    log "copying Keycloak $KEYCLOAK_VERSION from Maven Central into $KEYCLOAK_HOME"
    local dl=$ROOT/.local/keycloak/download
    mkdir -p "$dl"
    mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact=org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip -DoutputDirectory="$dl"
    unzip -q -o "$dl/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip" -d "$ROOT/.local/keycloak"
    rm -rf "$dl"
  fi
  [ -n "$(keycloak_java)" ] || { log "installing a JDK 21 for Keycloak"; apt-get install -y -q openjdk-21-jre-headless >/dev/null; }

  jaeger_build
  names_model_install
  # schemathesis fuzzes each service's OpenAPI document in the tests (PyPI).
  local venv=$ROOT/.local/tools/venv
  if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
    log "installing schemathesis $SCHEMATHESIS_VERSION into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
  fi
}

# pg_datadir prints where the cluster of STATE lives. The postgres user must be
# able to reach it; when the checkout sits in a folder it cannot enter (for
# example under /root), the data goes to /var/tmp with a link from STATE.
pg_datadir() {
  local state=$1
  if runuser -u postgres -- test -x "$state" 2>/dev/null; then
    echo "$state/pg"
  else
    echo "/var/tmp/claims-pg-$(printf '%s' "$state" | sha1sum | cut -c1-12)"
  fi
}

pg_start() {
  local state=$1 port=$2 bin data
  bin=$(pg_bindir)
  mkdir -p "$state"
  chmod 755 "$state"
  data=$(pg_datadir "$state")
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initialising PostgreSQL cluster in $data"
    mkdir -p "$data"
    chown postgres:postgres "$data"
    chmod 700 "$data"
    runuser -u postgres -- "$bin/initdb" -D "$data" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  pg_hba "$data"
  if runuser -u postgres -- "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "PostgreSQL already running ($data)"
  else
    log "starting PostgreSQL on 127.0.0.1:$port"
    # commit_delay (issue 21, thirteenth round): a committing backend that
    # sees at least commit_siblings (5) other open transactions waits 1 ms
    # before flushing the WAL, so that commits arriving meanwhile share its
    # flush (fewer fdatasync calls, the largest part of a commit's CPU in
    # the profile). fsync and synchronous_commit stay on: no commit is
    # acknowledged before its WAL is on disk. Compose and Kubernetes set
    # the same (deployments/postgres_settings_test.go).
    runuser -u postgres -- "$bin/pg_ctl" -D "$data" -w -t 60 -l "$data/server.log" \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$data -c max_connections=300 -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.max=10000 -c fsync=${PG_FSYNC:-on} -c commit_delay=1000 -c commit_siblings=5 -c password_encryption=scram-sha-256" start >/dev/null
  fi
  runuser -u postgres -- "$bin/pg_ctl" -D "$data" reload >/dev/null
  pg_roles "$state" "$port"
}

# ---- PostgreSQL authentication and roles (issue 15) ----

# secret STATE KIND NAME prints the password of NAME (a Kafka principal or
# a PostgreSQL role), making it on first use: 24 random bytes in hex, in
# STATE/secrets/KIND/NAME, readable by root only. A second run reuses it;
# to rotate one, see "Transport security" in the README.
secret() {
  local dir="$1/secrets/$2"
  if [ ! -s "$dir/$3" ]; then
    mkdir -p "$dir"
    chmod 700 "$1/secrets" "$dir"
    (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/$3")
  fi
  cat "$dir/$3"
}

# pg_hba writes the cluster's client authentication: the postgres OS user
# over the cluster's socket (what this script uses to set up), and every
# TCP connection with a SCRAM-SHA-256 password. Written on every start, so
# that a cluster made before passwords were required gets them too.
pg_hba() {
  cat >"$1/pg_hba.conf" <<'HBA'
# Written by deployments/local/infra.sh on every start.
local all postgres              peer
host  all all      127.0.0.1/32 scram-sha-256
host  all all      ::1/128      scram-sha-256
HBA
  chown postgres:postgres "$1/pg_hba.conf"
}

# pg_psql runs SQL as the superuser over the cluster's socket.
pg_psql() {
  local state=$1 port=$2
  runuser -u postgres -- "$(pg_bindir)/psql" -h "$(pg_datadir "$state")" -p "$port" -U postgres -v ON_ERROR_STOP=1 -qtA "${@:3}"
}

# pg_roles gives the superuser (the set-up role, used by the tests to make
# a database per test) a password, and each service two login roles
# without superuser rights: <svc>_owner owns the database and everything
# in it and runs the migrations (the service's <SVC>_MIGRATION_DSN, used at
# start only), and <svc>, the role the service runs as, may only read and
# write rows (red team, session 13): no CREATE, TRUNCATE, trigger or
# ownership, so it can neither disable nor drop the triggers keeping the
# audit tables. Only these two may connect to the database. Objects a
# database held from an earlier version (owned by the service's role, or by
# postgres before roles existed) pass to the owner and the service's role
# is granted their rows; the same grants as pgtest.RunTimeGrants cover
# what later migrations create.
pg_roles() {
  local state=$1 port=$2 role owner pw opw
  pw=$(secret "$state" postgres postgres)
  pg_psql "$state" "$port" -c "ALTER ROLE postgres PASSWORD '$pw'" >/dev/null
  for role in intake adjudication payout console; do
    owner=${role}_owner
    pw=$(secret "$state" postgres "$role")
    opw=$(secret "$state" postgres "$owner")
    pg_psql "$state" "$port" -d postgres >/dev/null <<SQL
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
    pg_psql "$state" "$port" -d "$role" >/dev/null <<SQL
REASSIGN OWNED BY $role TO $owner;
DO \$\$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = 'postgres' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') LOOP
    EXECUTE format('ALTER %s public.%I OWNER TO $owner',
      CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, r.relname);
  END LOOP;
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
}

# ---- end of PostgreSQL authentication and roles ----

# pg_stop stops the cluster of STATE in MODE: fast (the default) or smart
# shut down cleanly; immediate stops at once, as a crash does, and the next
# start recovers from the write-ahead log.
pg_stop() {
  local state=$1 mode=${2:-fast} bin data
  case "$mode" in smart | fast | immediate) ;; *) log "unknown stop mode $mode; want smart, fast or immediate"; exit 2 ;; esac
  bin=$(pg_bindir)
  data=$(pg_datadir "$state")
  [ -f "$data/PG_VERSION" ] || return 0
  if runuser -u postgres -- "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "stopping PostgreSQL ($data, $mode)"
    runuser -u postgres -- "$bin/pg_ctl" -D "$data" -m "$mode" -w stop >/dev/null
  fi
}

# pg_destroy stops the cluster of STATE at once and deletes it, wherever
# pg_datadir put it.
pg_destroy() {
  local state=$1 data
  data=$(pg_datadir "$state")
  pg_stop "$state" immediate
  case "$data" in "$state"/pg | /var/tmp/claims-pg-*) rm -rf "$data" ;; esac
}

# KAFKA_JVM_DEFAULT is the broker's collector and compilers unless
# KAFKA_JVM_OPTS says otherwise (issue 21): the serial collector and the
# C1 compiler only. A broker on two cores serving one machine's services
# spent more CPU compiling with C2 than serving requests (10 ms of a
# claim's 28 over a 1,000-claim benchmark from a fresh start, 19 of 46
# over 200), and C1's code served the requests at the same cost; G1's
# concurrent threads gain nothing on a heap this small.
KAFKA_JVM_DEFAULT="-XX:+UseSerialGC -XX:TieredStopAtLevel=1"

# kafka_java replaces the calling (sub)shell with the JVM, so that a
# background call's pid is the broker's own.
kafka_java() {
  # Tests create many short-lived topics, each partition holding open files
  # (kafkatest deletes a test's topics when it ends): raise the broker's
  # limit as far as this machine allows.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  exec java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m} ${KAFKA_JVM_OPTS:-$KAFKA_JVM_DEFAULT} -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$ROOT/deployments/local/kafka/log4j2.properties" \
    -Dkafka.logs.dir="$1" -cp "$KAFKA_HOME/libs/*" "${@:2}"
}

kafka_start() {
  local state=$1 port=$2 cport=$(($2 + 1)) dir="$1/kafka"
  mkdir -p "$dir"
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    log "Kafka already running (pid $(cat "$dir/pid"))"
    return 0
  fi
  local admin
  admin=$(secret "$state" kafka admin)
  kafka_storage_predates_sasl "$state"
  (umask 077 && sed -e "s#@PORT@#$port#g" -e "s#@CPORT@#$cport#g" -e "s#@DATA@#$dir/data#g" -e "s#@ADMIN_PASSWORD@#$admin#g" \
    "$ROOT/deployments/local/kafka/server.properties.in" >"$dir/server.properties")
  if [ ! -f "$dir/data/meta.properties" ]; then
    local cluster
    # A cluster id is 16 random bytes in URL-safe base64; one that starts
    # with "-" would be read as an option, so the first character is a letter.
    cluster=$(python3 -c 'import base64,uuid;print("A"+base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")[1:])')
    log "formatting Kafka storage in $dir/data (cluster $cluster)"
    # The admin principal's SCRAM credentials go into the metadata at
    # format time: the broker needs them before any client can make users.
    (kafka_java "$dir" kafka.tools.StorageTool format -t "$cluster" -c "$dir/server.properties" --standalone \
      --add-scram "SCRAM-SHA-512=[name=admin,password=$admin]") >"$dir/format.log" 2>&1
    touch "$dir/data/.sasl"
  fi
  log "starting Kafka on 127.0.0.1:$port (controller $cport)"
  kafka_java "$dir" kafka.Kafka "$dir/server.properties" >"$dir/stdout.log" 2>&1 </dev/null &
  echo $! >"$dir/pid"
  local i
  for i in $(seq 1 120); do
    if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
      log "Kafka is listening on 127.0.0.1:$port"
      kafka_setup "$state" "$port"
      return 0
    fi
    kill -0 "$(cat "$dir/pid")" 2>/dev/null || { log "Kafka exited; see $dir/stdout.log"; tail -n 30 "$dir/stdout.log" >&2; exit 1; }
    sleep 0.5
  done
  log "Kafka did not start within 60s; see $dir/stdout.log"
  exit 1
}

# ---- Kafka principals and ACLs (issue 15) ----

# kafka_storage_predates_sasl formats the broker of STATE again when its
# storage was made before the broker required SASL (it has no admin user):
# the events it held were development data, and every service republishes
# nothing it has not stored in its outbox.
kafka_storage_predates_sasl() {
  local dir="$1/kafka"
  if [ -f "$dir/data/meta.properties" ] && [ ! -f "$dir/data/.sasl" ]; then
    log "Kafka storage in $dir/data predates SASL; formatting it again"
    rm -rf "$dir/data"
  fi
}

# kafka_setup makes each principal's password (STATE/secrets/kafka, readable
# by root only), then, as the admin principal, gives the users their SCRAM
# credentials, creates the topics and grants the ACL table of
# kafkabus.Accesses (claimsctl kafka setup; idempotent).
kafka_setup() {
  local state=$1 port=$2 u ctl=${CLAIMSCTL:-$ROOT/bin/claimsctl}
  for u in admin intake adjudication payout reader; do secret "$state" kafka "$u" >/dev/null; done
  if [ ! -x "$ctl" ]; then
    mkdir -p "$state/kafka/bin"
    (cd "$ROOT/cli" && go build -o "$state/kafka/bin/claimsctl" ./cmd/claimsctl)
    ctl=$state/kafka/bin/claimsctl
  fi
  log "making Kafka's users, topics and ACLs"
  "$ctl" kafka setup --brokers "127.0.0.1:$port" --secrets "$state/secrets/kafka" >"$state/kafka/setup.log" 2>&1 ||
    { log "Kafka set-up failed; see $state/kafka/setup.log"; tail -n 20 "$state/kafka/setup.log" >&2; exit 1; }
}

# ---- end of Kafka principals and ACLs ----

kafka_stop() { stop_pidfile "$1/kafka" Kafka 60; }

# stop_pidfile stops the process of DIR/pid (NAME in the log): SIGTERM, up
# to TRIES half-seconds, then SIGKILL.
stop_pidfile() {
  local dir=$1 name=$2 tries=$3 pid i
  [ -f "$dir/pid" ] || return 0
  pid=$(cat "$dir/pid")
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid"
    for i in $(seq 1 "$tries"); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$dir/pid"
}

# keycloak_java prints a JDK of version 21 or later, if one is installed.
keycloak_java() {
  local d v
  for d in /usr/lib/jvm/*/; do
    [ -x "$d/bin/java" ] || continue
    v=$("$d/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    [ "${v%%.*}" -ge 21 ] 2>/dev/null && { echo "${d%/}"; return; }
  done
}

# keycloak_start starts Keycloak in development mode with an in-memory
# database on PORT (management on PORT+1); the tests create their realms
# through its admin API with the bootstrap admin, whose password is made
# afresh and written to STATE/keycloak/admin-password.
keycloak_start() {
  local state=$1 port=$2 dir="$1/keycloak" java i
  mkdir -p "$dir"
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    log "Keycloak already running (pid $(cat "$dir/pid"))"
    return 0
  fi
  java=$(keycloak_java)
  [ -n "$java" ] || { log "no JDK 21 or later for Keycloak; run: $0 install"; exit 1; }
  (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/admin-password")
  log "starting Keycloak on 127.0.0.1:$port"
  (cd "$dir" && JAVA_HOME=$java KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=$(cat "$dir/admin-password") \
    JAVA_OPTS_KC_HEAP="-Xms128m -Xmx512m" exec "$KEYCLOAK_HOME/bin/kc.sh" start-dev --db=dev-mem --http-host=127.0.0.1 \
    --http-port="$port" --http-management-port="$((port + 1))" >"$dir/stdout.log" 2>&1 </dev/null) &
  echo $! >"$dir/pid"
  for i in $(seq 1 600); do
    curl -fsS "http://127.0.0.1:$port/realms/master/.well-known/openid-configuration" >/dev/null 2>&1 && {
      log "Keycloak is up on 127.0.0.1:$port"
      return 0
    }
    kill -0 "$(cat "$dir/pid")" 2>/dev/null || { log "Keycloak exited; see $dir/stdout.log"; tail -n 30 "$dir/stdout.log" >&2; exit 1; }
    sleep 0.5
  done
  log "Keycloak did not start within 300s; see $dir/stdout.log"
  exit 1
}

keycloak_stop() { stop_pidfile "$1/keycloak" Keycloak 60; }

# jaeger_build builds the trace store, Jaeger (cmd/jaeger at the version
# tools/go.mod pins), into .local/tools/bin once, and again when go.mod
# changes. It is a large program: minutes on two cores.
JAEGER_BIN=$ROOT/.local/tools/bin/jaeger
jaeger_build() {
  if [ -x "$JAEGER_BIN" ] && [ "$JAEGER_BIN" -nt "$ROOT/tools/go.mod" ]; then
    return 0
  fi
  log "building Jaeger (tools/go.mod) into $JAEGER_BIN; this takes a few minutes once"
  mkdir -p "$(dirname "$JAEGER_BIN")"
  (cd "$ROOT/tools" && GOWORK=off go build -o "$JAEGER_BIN.tmp" github.com/jaegertracing/jaeger/cmd/jaeger)
  mv "$JAEGER_BIN.tmp" "$JAEGER_BIN"
}

# jaeger_start runs the trace store with deployments/local/jaeger.yaml:
# OTLP/HTTP on OTLP_PORT, the query API and UI on QUERY_PORT.
jaeger_start() {
  local dir="$1/jaeger" otlp=$2 query=$3
  mkdir -p "$dir"
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    log "Jaeger already running (pid $(cat "$dir/pid"))"
    return 0
  fi
  [ -x "$JAEGER_BIN" ] || jaeger_build
  log "starting Jaeger: OTLP on 127.0.0.1:$otlp, UI on http://127.0.0.1:$query"
  JAEGER_OTLP_PORT=$otlp JAEGER_QUERY_PORT=$query JAEGER_QUERY_GRPC_PORT=$((query + 1)) \
    "$JAEGER_BIN" --config "$ROOT/deployments/local/jaeger.yaml" >"$dir/stdout.log" 2>&1 </dev/null &
  echo $! >"$dir/pid"
  local i
  for i in $(seq 1 120); do
    if (exec 3<>/dev/tcp/127.0.0.1/"$query") 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/"$otlp") 2>/dev/null; then
      return 0
    fi
    kill -0 "$(cat "$dir/pid")" 2>/dev/null || { log "Jaeger exited; see $dir/stdout.log"; tail -n 30 "$dir/stdout.log" >&2; exit 1; }
    sleep 0.5
  done
  log "Jaeger did not start within 60s; see $dir/stdout.log"
  exit 1
}

jaeger_stop() { stop_pidfile "$1/jaeger" Jaeger 20; }

# reserve_ports keeps the kernel from handing PORTS (comma-separated ports
# or ranges) to outgoing connections as their source port: the fixed ports
# of PostgreSQL and Kafka lie inside Linux's ephemeral range (32768-60999),
# and on a busy machine a test's client socket was seen holding Kafka's port
# when the broker started ("Address already in use"). Needs root; without it
# nothing changes. Only `start` reserves (the fixed ports of `make run` and
# `make test`, with Keycloak's beside Kafka's for the tests);
# the chaos test's clusters take free ports as they come.
reserve_ports() {
  local f=/proc/sys/net/ipv4/ip_local_reserved_ports cur
  [ -w "$f" ] || return 0
  cur=$(cat "$f")
  echo "${cur:+$cur,}$1" > "$f" 2>/dev/null || true
}

cmd=${1:-}
shift || true
[ $# -ge 1 ] && [ "$cmd" != jaeger-build ] && set -- "$(realpath -m "$1")" "${@:2}"
case "$cmd" in
  install) install ;;
  names-model-install) names_model_install ;;
  start) reserve_ports "$2,$3-$(($3 + 2))"; pg_start "$1" "$2"; kafka_start "$1" "$3" ;;
  stop) kafka_stop "$1"; pg_stop "$1" ;;
  pg-start) pg_start "$1" "$2" ;;
  pg-stop) pg_stop "$1" "${2:-fast}" ;;
  pg-destroy) pg_destroy "$1" ;;
  kafka-start) kafka_start "$1" "$2" ;;
  kafka-stop) kafka_stop "$1" ;;
  keycloak-start) keycloak_start "$1" "$2" ;;
  keycloak-stop) keycloak_stop "$1" ;;
  jaeger-build) jaeger_build ;;
  jaeger-start) reserve_ports "$2,$3-$(($3 + 1))"; jaeger_start "$1" "$2" "$3" ;;
  jaeger-stop) jaeger_stop "$1" ;;
  running)
    case "${2:-}" in
      pg) runuser -u postgres -- "$(pg_bindir)/pg_ctl" -D "$(pg_datadir "$1")" status >/dev/null 2>&1 ;;
      kafka) [ -f "$1/kafka/pid" ] && kill -0 "$(cat "$1/kafka/pid")" 2>/dev/null ;;
      jaeger) [ -f "$1/jaeger/pid" ] && kill -0 "$(cat "$1/jaeger/pid")" 2>/dev/null ;;
      *) echo "usage: $0 running STATE pg|kafka|jaeger" >&2; exit 2 ;;
    esac ;;
  *) echo "usage: $0 install | names-model-install | start STATE PG_PORT KAFKA_PORT | stop STATE | pg-start|pg-stop|pg-destroy|kafka-start|kafka-stop ..." >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# infra.sh installs and runs the real local infrastructure of the platform:
# a private PostgreSQL cluster (Debian's postgresql) and a single-node Apache
# Kafka broker in KRaft mode (jars from Maven Central). No Docker is needed.
#
#   infra.sh install                 apt packages, Kafka jars, Go modules (idempotent)
#   infra.sh start  STATE PG_PORT KAFKA_PORT    start (init on first use) both
#   infra.sh stop   STATE                       stop both
#   infra.sh kafka-start|kafka-stop|pg-start|pg-stop ...  one of them
#   infra.sh pg-stop STATE [smart|fast|immediate]  stop PostgreSQL in that mode
#                                    (default fast; immediate is a crash)
#   infra.sh pg-destroy STATE        stop PostgreSQL at once and delete its cluster
#   infra.sh running STATE pg|kafka  exit 0 when that one of STATE is running
#
# STATE is a folder under .local/ (git-ignored); re-running reuses it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KAFKA_HOME=${KAFKA_HOME:-$ROOT/.local/kafka}
APT_PACKAGES=(postgresql postgresql-contrib tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng
  libtesseract-dev libleptonica-dev poppler-utils fonts-droid-fallback fonts-dejavu-core chromium)

SCHEMATHESIS_VERSION=4.32.5

log() { printf '[infra] %s\n' "$*" >&2; }

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] || { log "PostgreSQL binaries not found; run: $0 install"; exit 1; }
  echo "$d"
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
    runuser -u postgres -- "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if runuser -u postgres -- "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "PostgreSQL already running ($data)"
  else
    log "starting PostgreSQL on 127.0.0.1:$port"
    runuser -u postgres -- "$bin/pg_ctl" -D "$data" -w -t 60 -l "$data/server.log" \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$data -c max_connections=300 -c fsync=${PG_FSYNC:-on}" start >/dev/null
  fi
  for db in intake adjudication payout; do
    runuser -u postgres -- "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 ||
      runuser -u postgres -- "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE $db" >/dev/null
  done
}

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

# kafka_java replaces the calling (sub)shell with the JVM, so that a
# background call's pid is the broker's own.
kafka_java() {
  # Tests create many short-lived topics, each partition holding open files
  # (kafkatest deletes a test's topics when it ends): raise the broker's
  # limit as far as this machine allows.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  exec java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m} -XX:+UseG1GC -Djava.awt.headless=true \
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
  sed -e "s#@PORT@#$port#g" -e "s#@CPORT@#$cport#g" -e "s#@DATA@#$dir/data#g" \
    "$ROOT/deployments/local/kafka/server.properties.in" >"$dir/server.properties"
  if [ ! -f "$dir/data/meta.properties" ]; then
    local cluster
    # A cluster id is 16 random bytes in URL-safe base64; one that starts
    # with "-" would be read as an option, so the first character is a letter.
    cluster=$(python3 -c 'import base64,uuid;print("A"+base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")[1:])')
    log "formatting Kafka storage in $dir/data (cluster $cluster)"
    (kafka_java "$dir" kafka.tools.StorageTool format -t "$cluster" -c "$dir/server.properties" --standalone) >"$dir/format.log" 2>&1
  fi
  log "starting Kafka on 127.0.0.1:$port (controller $cport)"
  kafka_java "$dir" kafka.Kafka "$dir/server.properties" >"$dir/stdout.log" 2>&1 </dev/null &
  echo $! >"$dir/pid"
  local i
  for i in $(seq 1 120); do
    if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
      log "Kafka is listening on 127.0.0.1:$port"
      return 0
    fi
    kill -0 "$(cat "$dir/pid")" 2>/dev/null || { log "Kafka exited; see $dir/stdout.log"; tail -n 30 "$dir/stdout.log" >&2; exit 1; }
    sleep 0.5
  done
  log "Kafka did not start within 60s; see $dir/stdout.log"
  exit 1
}

kafka_stop() {
  local dir="$1/kafka" pid i
  [ -f "$dir/pid" ] || return 0
  pid=$(cat "$dir/pid")
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping Kafka (pid $pid)"
    kill -TERM "$pid"
    for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$dir/pid"
}

# reserve_ports keeps the kernel from handing PORTS (comma-separated ports
# or ranges) to outgoing connections as their source port: the fixed ports
# of PostgreSQL and Kafka lie inside Linux's ephemeral range (32768-60999),
# and on a busy machine a test's client socket was seen holding Kafka's port
# when the broker started ("Address already in use"). Needs root; without it
# nothing changes. Only `start` reserves (the fixed ports of `make run` and
# `make test`); the chaos test's clusters take free ports as they come.
reserve_ports() {
  local f=/proc/sys/net/ipv4/ip_local_reserved_ports cur
  [ -w "$f" ] || return 0
  cur=$(cat "$f")
  echo "${cur:+$cur,}$1" > "$f" 2>/dev/null || true
}

cmd=${1:-}
shift || true
[ $# -ge 1 ] && set -- "$(realpath -m "$1")" "${@:2}"
case "$cmd" in
  install) install ;;
  start) reserve_ports "$2,$3-$(($3 + 1))"; pg_start "$1" "$2"; kafka_start "$1" "$3" ;;
  stop) kafka_stop "$1"; pg_stop "$1" ;;
  pg-start) pg_start "$1" "$2" ;;
  pg-stop) pg_stop "$1" "${2:-fast}" ;;
  pg-destroy) pg_destroy "$1" ;;
  kafka-start) kafka_start "$1" "$2" ;;
  kafka-stop) kafka_stop "$1" ;;
  running)
    case "${2:-}" in
      pg) runuser -u postgres -- "$(pg_bindir)/pg_ctl" -D "$(pg_datadir "$1")" status >/dev/null 2>&1 ;;
      kafka) [ -f "$1/kafka/pid" ] && kill -0 "$(cat "$1/kafka/pid")" 2>/dev/null ;;
      *) echo "usage: $0 running STATE pg|kafka" >&2; exit 2 ;;
    esac ;;
  *) echo "usage: $0 install | start STATE PG_PORT KAFKA_PORT | stop STATE | pg-start|pg-stop|pg-destroy|kafka-start|kafka-stop ..." >&2; exit 2 ;;
esac

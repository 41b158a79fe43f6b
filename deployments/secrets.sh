#!/usr/bin/env bash
# secrets.sh makes the secrets of a Compose or Kubernetes deployment: the
# Kafka principals' SCRAM passwords, the PostgreSQL roles' passwords, and a
# certificate authority with the broker's TLS certificate. Nothing it makes
# is ever committed (deployments/secrets/ is git-ignored).
#
#   deployments/secrets.sh make [DIR]   make what is missing in DIR (default
#                                       deployments/secrets); a second run
#                                       keeps what exists
#   deployments/secrets.sh k8s [DIR]    create or update the Kubernetes
#                                       secrets of namespace claims from DIR,
#                                       and the config maps of the Kafka and
#                                       PostgreSQL start scripts (kubectl,
#                                       current context); then kubectl apply
#                                       -f deployments/k8s/
#
# Files of DIR:
#   kafka-<user>            SCRAM-SHA-512 password of admin, intake,
#                           adjudication, payout, reader
#   pg-<role>               password of postgres (set-up only), intake,
#                           adjudication, payout, console (the run-time roles,
#                           rows only), and intake_owner, adjudication_owner,
#                           payout_owner, console_owner (each database's
#                           owner, which runs the migrations)
#   pg-<role>.pgpass        the same as a pgpass line, which the services'
#                           DSNs name (passfile=...), for Compose and Kubernetes
#   kafka-ca.crt, kafka-ca.key   the certificate authority (keep the key offline)
#   kafka-broker.pem        the broker's private key and certificate (PEM
#                           keystore), for kafka, kafka-0.kafka.claims.svc.cluster.local
#                           and localhost
#   fingerprint-keys        the key of the accounts' and names' fingerprints on
#                           the topics, id:base64 (32 random bytes), for intake,
#                           adjudication and payout only (*_FINGERPRINT_KEYS);
#                           to rotate, see "Payees sealed for payout" in the README
# Rotation: see "Transport security" in the README.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:-make}
DIR=${2:-$ROOT/deployments/secrets}
NS=claims
KAFKA_USERS=(admin intake adjudication payout reader)
PG_ROLES=(postgres intake adjudication payout console intake_owner adjudication_owner payout_owner console_owner)

password() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

make_secrets() {
  mkdir -p "$DIR"
  chmod 700 "$DIR"
  local u
  for u in "${KAFKA_USERS[@]}"; do [ -s "$DIR/kafka-$u" ] || password >"$DIR/kafka-$u"; done
  for u in "${PG_ROLES[@]}"; do
    [ -s "$DIR/pg-$u" ] || password >"$DIR/pg-$u"
    # host:port:database:user:password; * matches the Compose and Kubernetes host names.
    rm -f "$DIR/pg-$u.pgpass"
    printf '*:5432:%s:%s:%s\n' "${u%_owner}" "$u" "$(cat "$DIR/pg-$u")" >"$DIR/pg-$u.pgpass"
  done
  if [ ! -s "$DIR/kafka-ca.crt" ]; then
    openssl req -x509 -new -newkey rsa:3072 -nodes -days 825 -subj "/CN=claims Kafka CA" \
      -keyout "$DIR/kafka-ca.key" -out "$DIR/kafka-ca.crt" 2>/dev/null
  fi
  if [ ! -s "$DIR/kafka-broker.pem" ]; then
    local tmp
    tmp=$(mktemp -d)
    openssl req -new -newkey rsa:3072 -nodes -subj "/CN=kafka" -keyout "$tmp/key.pem" -out "$tmp/req.csr" 2>/dev/null
    printf 'subjectAltName=DNS:kafka,DNS:kafka-0.kafka.claims.svc.cluster.local,DNS:kafka.claims.svc.cluster.local,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' >"$tmp/ext"
    openssl x509 -req -in "$tmp/req.csr" -CA "$DIR/kafka-ca.crt" -CAkey "$DIR/kafka-ca.key" -CAserial "$tmp/serial" -CAcreateserial \
      -days 397 -extfile "$tmp/ext" -out "$tmp/cert.pem" 2>/dev/null
    # Kafka's PEM keystore: an unencrypted PKCS#8 key, then the certificate.
    openssl pkcs8 -topk8 -nocrypt -in "$tmp/key.pem" >"$DIR/kafka-broker.pem"
    cat "$tmp/cert.pem" >>"$DIR/kafka-broker.pem"
    rm -rf "$tmp"
  fi
  # The fingerprint key intake, adjudication and payout share (never the
  # broker nor a reader of the topics).
  if [ ! -s "$DIR/fingerprint-keys" ]; then
    (umask 077 && printf 'fp-%s:%s\n' "$(date +%Y%m%d)" "$(head -c 32 /dev/urandom | base64 -w0)" >"$DIR/fingerprint-keys")
  fi
  # The containers run as other users than this one: the files are
  # readable by all, the folder by this user only.
  chmod 444 "$DIR"/kafka-* "$DIR"/pg-*
  chmod 400 "$DIR/kafka-ca.key"
  echo "secrets in $DIR" >&2
}

k8s_secrets() {
  [ -s "$DIR/kafka-admin" ] || make_secrets
  apply() { kubectl -n "$NS" create secret generic "$1" "${@:2}" --dry-run=client -o yaml | kubectl apply -f -; }
  # The broker: its admin password, keystore and the CA.
  apply claims-kafka-broker --from-file=admin-password="$DIR/kafka-admin" \
    --from-file=broker.pem="$DIR/kafka-broker.pem" --from-file=ca.crt="$DIR/kafka-ca.crt"
  # The set-up job: every principal's password.
  local args=() u
  for u in "${KAFKA_USERS[@]}"; do args+=(--from-file="$u=$DIR/kafka-$u"); done
  apply claims-kafka-users "${args[@]}" --from-file=ca.crt="$DIR/kafka-ca.crt"
  # Each service: its own Kafka password and PostgreSQL pgpass, and the CA.
  for u in intake adjudication payout; do
    apply "claims-$u-credentials" --from-file=kafka-password="$DIR/kafka-$u" \
      --from-file=pgpass="$DIR/pg-$u.pgpass" --from-file=kafka-ca.crt="$DIR/kafka-ca.crt"
  done
  # The three services' fingerprint keys (*_FINGERPRINT_KEYS).
  apply claims-fingerprint-keys --from-file=fingerprint-keys="$DIR/fingerprint-keys"
  # The console: its PostgreSQL pgpass (it does not use Kafka).
  apply claims-console-credentials --from-file=pgpass="$DIR/pg-console.pgpass"
  # Each database's owner, mounted by the migrate init container only (red
  # team, session 13): the services run as roles that may only read and
  # write rows.
  apply claims-intake-owner-credentials --from-file=pgpass="$DIR/pg-intake_owner.pgpass"
  apply claims-adjudication-owner-credentials --from-file=pgpass="$DIR/pg-adjudication_owner.pgpass"
  apply claims-payout-owner-credentials --from-file=pgpass="$DIR/pg-payout_owner.pgpass"
  apply claims-console-owner-credentials --from-file=pgpass="$DIR/pg-console_owner.pgpass"
  # PostgreSQL: the superuser's and the service and console roles' passwords.
  args=()
  for u in "${PG_ROLES[@]}"; do args+=(--from-file="pg-$u=$DIR/pg-$u"); done
  apply claims-postgres "${args[@]}"
  # The scripts the Kafka and PostgreSQL containers start with.
  kubectl -n "$NS" create configmap claims-kafka-start --from-file="$ROOT/deployments/docker/kafka-start.sh" \
    --dry-run=client -o yaml | kubectl apply -f -
  kubectl -n "$NS" create configmap claims-postgres-init --from-file="$ROOT/deployments/docker/init-roles.sh" \
    --dry-run=client -o yaml | kubectl apply -f -
}

case "$cmd" in
  make) make_secrets ;;
  k8s) k8s_secrets ;;
  *) echo "usage: $0 make|k8s [DIR]" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# kafka-start.sh starts the single-node KRaft broker of Compose and of the
# Kubernetes StatefulSet (image apache/kafka) with what the platform
# requires: clients sign in with SASL/SCRAM-SHA-512 over TLS (SASL_SSL on
# :9092), the controller listener takes only the admin principal (SASL/PLAIN,
# on the loopback), StandardAuthorizer denies what no ACL allows, and admin,
# the set-up principal, is the only super user. Its SCRAM credentials go
# into the metadata when the storage is formatted; the other users, the
# topics and the ACLs are made by `claimsctl kafka setup` (the kafka-setup
# service or job).
#
# Environment: KAFKA_SECRETS_DIR (admin-password, broker.pem, ca.crt; made by
# deployments/secrets.sh), KAFKA_ADVERTISED_HOST, KAFKA_DATA_DIR,
# KAFKA_CLUSTER_ID (fixed per deployment).
set -euo pipefail
SECRETS=${KAFKA_SECRETS_DIR:-/run/secrets}
DATA=${KAFKA_DATA_DIR:-/var/lib/kafka/data}
HOST=${KAFKA_ADVERTISED_HOST:-kafka}
BIN=${KAFKA_BIN_DIR:-/opt/kafka/bin}
CONF=${KAFKA_CONFIG_DIR:-/tmp/kafka-config}
ADMIN=$(tr -d '\n' <"$SECRETS/admin-password")
mkdir -p "$CONF"
umask 077
cat >"$CONF/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
listeners=CLIENT://0.0.0.0:9092,CONTROLLER://127.0.0.1:9093
advertised.listeners=CLIENT://$HOST:9092
controller.listener.names=CONTROLLER
controller.quorum.bootstrap.servers=127.0.0.1:9093
listener.security.protocol.map=CLIENT:SASL_SSL,CONTROLLER:SASL_PLAINTEXT
inter.broker.listener.name=CLIENT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$ADMIN";
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$ADMIN" user_admin="$ADMIN";
ssl.keystore.type=PEM
ssl.keystore.location=$SECRETS/broker.pem
ssl.truststore.type=PEM
ssl.truststore.location=$SECRETS/ca.crt
ssl.endpoint.identification.algorithm=https
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin
log.dirs=$DATA
auto.create.topics.enable=false
num.partitions=6
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
PROPS
# What the health check signs in with.
cat >"$CONF/admin.properties" <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$ADMIN";
ssl.truststore.type=PEM
ssl.truststore.location=$SECRETS/ca.crt
PROPS
if [ ! -f "$DATA/meta.properties" ]; then
  "$BIN/kafka-storage.sh" format -t "${KAFKA_CLUSTER_ID:?set KAFKA_CLUSTER_ID}" -c "$CONF/server.properties" --standalone \
    --add-scram "SCRAM-SHA-512=[name=admin,password=$ADMIN]"
fi
exec "$BIN/kafka-server-start.sh" "$CONF/server.properties"

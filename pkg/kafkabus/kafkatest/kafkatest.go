// Package kafkatest gives tests the real Kafka broker that `make test` starts,
// the principals the set-up made on it, and a topic prefix of their own. A
// missing broker fails the test.
package kafkatest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/segmentio/kafka-go"

	"claims.local/pkg/events"
	"claims.local/pkg/kafkabus"
)

// BrokersEnv names the variable listing the test brokers, comma-separated.
const BrokersEnv = "CLAIMS_TEST_KAFKA_BROKERS"

// SecretsEnv names the variable holding the folder of the principals'
// passwords, one file per user named after it (infra.sh writes them into
// <state>/secrets/kafka).
const SecretsEnv = "CLAIMS_TEST_KAFKA_SECRETS"

// Brokers returns the test brokers or fails the test.
func Brokers(t testing.TB) []string {
	t.Helper()
	return strings.Split(required(t, BrokersEnv, "starts Kafka"), ",")
}

// SecretsDir returns the folder of the test broker's passwords or fails
// the test.
func SecretsDir(t testing.TB) string {
	t.Helper()
	return required(t, SecretsEnv, "makes the Kafka users")
}

// required returns the variable name, set by `make test`, which does what,
// or fails the test.
func required(t testing.TB, name, what string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run the tests with `make test`, which %s", name, what)
	}
	return v
}

// Cluster returns the test broker reached as the set-up principal, which
// may create topics and ACLs: what a test prepares before the services it
// starts.
func Cluster(t testing.TB) kafkabus.Cluster {
	t.Helper()
	return At(t, Brokers(t), SecretsDir(t), kafkabus.AdminUser)
}

// As returns the test broker reached as principal user.
func As(t testing.TB, user string) kafkabus.Cluster {
	t.Helper()
	return At(t, Brokers(t), SecretsDir(t), user)
}

// At returns brokers reached as user, whose password is in the file
// secrets/user (a private broker of a test keeps its own).
func At(t testing.TB, brokers []string, secrets, user string) kafkabus.Cluster {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(secrets, user))
	if err != nil {
		t.Fatalf("read the Kafka password of %s: %v", user, err)
	}
	return kafkabus.Cluster{Brokers: brokers, User: user, Password: strings.TrimSpace(string(b))}
}

// Prefix returns a topic and group prefix unique to this test, and deletes
// the test's topics when it ends: every partition holds open files in the
// broker, and a whole test run creates thousands of partitions, more than
// the broker's open-file limit allows if they all stayed.
func Prefix(t testing.TB) string {
	t.Helper()
	prefix := "t" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12] + "."
	admin := Cluster(t)
	t.Cleanup(func() { deleteTopics(t, admin, prefix) })
	return prefix
}

// Grant creates the topics of prefix on the broker of admin and grants
// each principal the ACLs of kafkabus.Accesses on them, as the set-up does
// for a deployment; the ACLs are revoked when the test ends. A test that
// runs the services as their own principals calls it first. It returns
// the topics of prefix.
func Grant(t testing.TB, admin kafkabus.Cluster, prefix string) events.Topics {
	t.Helper()
	topics := events.Topics{Prefix: prefix}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := kafkabus.Setup(ctx, admin, topics, nil); err != nil {
		t.Fatalf("grant the principals the topics of %s: %v", prefix, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := kafkabus.Revoke(ctx, admin, kafkabus.Accesses(topics)); err != nil {
			t.Logf("kafkatest: revoke the ACLs of %s: %v", prefix, err)
		}
	})
	return topics
}

// deleteTopics deletes every topic whose name starts with prefix. A failure
// is only logged: the test's outcome does not depend on it.
func deleteTopics(t testing.TB, admin kafkabus.Cluster, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := admin.Client(20 * time.Second)
	md, err := client.Metadata(ctx, &kafka.MetadataRequest{})
	if err != nil {
		t.Logf("kafkatest: list topics to delete: %v", err)
		return
	}
	var names []string
	for _, topic := range md.Topics {
		if strings.HasPrefix(topic.Name, prefix) {
			names = append(names, topic.Name)
		}
	}
	if len(names) == 0 {
		return
	}
	if _, err := client.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: names}); err != nil {
		t.Logf("kafkatest: delete topics %v: %v", names, err)
	}
}

// Package kafkatest gives tests the real Kafka broker that `make test` starts,
// and a topic prefix of their own. A missing broker fails the test.
package kafkatest

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/segmentio/kafka-go"
)

// BrokersEnv names the variable listing the test brokers, comma-separated.
const BrokersEnv = "CLAIMS_TEST_KAFKA_BROKERS"

// Brokers returns the test brokers or fails the test.
func Brokers(t testing.TB) []string {
	t.Helper()
	v := os.Getenv(BrokersEnv)
	if v == "" {
		t.Fatalf("%s is not set: run the tests with `make test`, which starts Kafka", BrokersEnv)
	}
	return strings.Split(v, ",")
}

// Prefix returns a topic and group prefix unique to this test, and deletes
// the test's topics when it ends: every partition holds open files in the
// broker, and a whole test run creates thousands of partitions, more than
// the broker's open-file limit allows if they all stayed.
func Prefix(t testing.TB) string {
	t.Helper()
	prefix := "t" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12] + "."
	brokers := Brokers(t)
	t.Cleanup(func() { deleteTopics(t, brokers, prefix) })
	return prefix
}

// deleteTopics deletes every topic whose name starts with prefix. A failure
// is only logged: the test's outcome does not depend on it.
func deleteTopics(t testing.TB, brokers []string, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 20 * time.Second}
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

// Package kafkatest gives tests the real Kafka broker that `make test` starts,
// and a topic prefix of their own. A missing broker fails the test.
package kafkatest

import (
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"
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

// Prefix returns a topic and group prefix unique to this test run.
func Prefix(t testing.TB) string {
	t.Helper()
	return "t" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12] + "."
}

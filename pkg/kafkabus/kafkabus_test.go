package kafkabus_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/events"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox"
)

// publishAll publishes msgs, writing again the messages of a partition a
// topic just created did not take yet ("not leader" for a moment on a busy
// broker). A partition's messages fail or succeed together, so a claim's
// events keep their order.
func publishAll(ctx context.Context, t *testing.T, pub *kafkabus.Publisher, msgs []outbox.Message) {
	t.Helper()
	for {
		err := pub.Publish(ctx, msgs)
		var failed *outbox.PartialFailure
		switch {
		case err == nil || ctx.Err() != nil:
			require.NoError(t, err)
			return
		case errors.As(err, &failed):
			var again []outbox.Message
			for i, ok := range failed.Delivered {
				if !ok {
					again = append(again, msgs[i])
				}
			}
			msgs = again
		case !errors.Is(err, kafka.NotLeaderForPartition) && !errors.Is(err, kafka.LeaderNotAvailable):
			require.NoError(t, err)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestPublishAndConsumeInOrderPerClaim(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Cluster(t)
	topics := events.Topics{Prefix: kafkatest.Prefix(t)}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, kafkabus.EnsureTopics(ctx, brokers, topics.All()))
	// Creating them again is not an error.
	require.NoError(t, kafkabus.EnsureTopics(ctx, brokers, topics.All()))

	pub := kafkabus.NewPublisher(brokers)
	defer pub.Close()
	const claims, perClaim = 5, 4
	var msgs []outbox.Message
	for i := 0; i < perClaim; i++ {
		for c := 0; c < claims; c++ {
			claimID := string(rune('a' + c))
			e, err := events.New(events.ClaimRequested, "test", claimID, time.Now(), map[string]int{"seq": i})
			require.NoError(t, err)
			v, err := json.Marshal(e)
			require.NoError(t, err)
			msgs = append(msgs, outbox.Message{Topic: topics.Intake(), Key: claimID, EventID: e.ID, Type: e.Type, Value: v})
		}
	}
	publishAll(ctx, t, pub, msgs)

	var mu sync.Mutex
	seen := map[string][]int{}
	total := 0
	done := make(chan struct{})
	consumerCtx, stop := context.WithCancel(ctx)
	defer stop()
	c := &kafkabus.Consumer{
		Name: "test", Cluster: brokers, Topic: topics.Intake(), GroupID: topics.Prefix + "group",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Handle: func(_ context.Context, e events.Envelope) error {
			var d map[string]int
			if err := json.Unmarshal(e.Data, &d); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			seen[e.ClaimID] = append(seen[e.ClaimID], d["seq"])
			total++
			if total == claims*perClaim {
				close(done)
			}
			return nil
		},
		Park: func(context.Context, kafka.Message, error) error { return nil },
	}
	go c.Run(consumerCtx) //nolint:errcheck
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("got %d events, want %d", total, claims*perClaim)
	}
	for claim, seqs := range seen {
		require.Equal(t, []int{0, 1, 2, 3}, seqs, "order of claim %s", claim)
	}
}

func TestPingFailsForAClosedPort(t *testing.T) {
	t.Parallel()
	err := kafkabus.Ping(context.Background(), kafkabus.Cluster{Brokers: []string{"127.0.0.1:1"}})
	require.Error(t, err)
}

func TestCompactedTopicsAreCreatedCompacted(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Cluster(t)
	topics := events.Topics{Prefix: kafkatest.Prefix(t)}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, kafkabus.EnsureTopics(ctx, brokers, topics.All()))
	client := brokers.Client(15 * time.Second)
	policy := func(topic string) string {
		t.Helper()
		resp, err := client.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{{
			ResourceType: kafka.ResourceTypeTopic, ResourceName: topic, ConfigNames: []string{"cleanup.policy"}}}})
		require.NoError(t, err)
		require.Len(t, resp.Resources, 1)
		require.NoError(t, resp.Resources[0].Error)
		for _, e := range resp.Resources[0].ConfigEntries {
			if e.ConfigName == "cleanup.policy" {
				return e.ConfigValue
			}
		}
		return ""
	}
	if got := policy(topics.Catastrophes()); got != "compact" {
		t.Fatalf("got cleanup.policy %q on the catastrophes topic, want compact", got)
	}
	if got := policy(topics.Intake()); got != "delete" {
		t.Fatalf("got cleanup.policy %q on the intake topic, want delete", got)
	}
}

// TestOnlyTheSetUpPrincipalCreatesTopics: intake may not create the topics
// it uses; once the set-up principal has made them and granted the ACLs,
// intake finds them and creates nothing.
func TestOnlyTheSetUpPrincipalCreatesTopics(t *testing.T) {
	t.Parallel()
	admin := kafkatest.Cluster(t)
	prefix := kafkatest.Prefix(t)
	mine := kafkabus.TopicsOf(events.Topics{Prefix: prefix}, kafkabus.IntakeUser)
	intake := kafkatest.As(t, kafkabus.IntakeUser)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := kafkabus.EnsureTopics(ctx, intake, mine); !errors.Is(err, kafka.TopicAuthorizationFailed) {
		t.Fatalf("intake creates its topics: got %v, want %v", err, kafka.TopicAuthorizationFailed)
	}
	kafkatest.Grant(t, admin, prefix)
	require.NoError(t, kafkabus.EnsureTopics(ctx, intake, mine))
}

func TestTopicsOfAServiceAreTheOnesItWritesOrReads(t *testing.T) {
	t.Parallel()
	topics := events.Topics{Prefix: "p."}
	for _, tc := range []struct {
		user string
		want []string
	}{
		{kafkabus.IntakeUser, []string{topics.Intake(), topics.Adjudication(), topics.Payout(), topics.Deadlines(), topics.Calendar(), topics.Catastrophes()}},
		{kafkabus.AdjudicationUser, []string{topics.Intake(), topics.Adjudication(), topics.Payout(), topics.Deadlines(), topics.Calendar(), topics.Notifications(), topics.Catastrophes()}},
		{kafkabus.PayoutUser, []string{topics.Adjudication(), topics.Payout(), topics.Deadlines(), topics.Calendar(), topics.Notifications(), topics.Catastrophes()}},
		{kafkabus.AdminUser, []string{topics.Intake(), topics.Adjudication(), topics.Payout(), topics.Deadlines(), topics.Calendar(), topics.Notifications(), topics.Catastrophes()}},
	} {
		var got []string
		for _, s := range kafkabus.TopicsOf(topics, tc.user) {
			got = append(got, s.Name)
		}
		require.Equal(t, tc.want, got, tc.user)
	}
}

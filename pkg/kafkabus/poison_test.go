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

// TestPoisonMessageIsParkedAfterMaxAttemptsAndThePartitionMovesOn is the
// attack of a message that fails for a reason other than its form (a
// handler error that never clears): it used to be retried forever, blocking
// every later event of its partition. After MaxAttempts it is parked with
// its cause and the next event of the same key is applied.
func TestPoisonMessageIsParkedAfterMaxAttemptsAndThePartitionMovesOn(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Cluster(t)
	topics := events.Topics{Prefix: kafkatest.Prefix(t)}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, kafkabus.EnsureTopics(ctx, brokers, topics.All()))
	pub := kafkabus.NewPublisher(brokers)
	defer pub.Close()
	var msgs []outbox.Message
	for _, seq := range []int{1, 2} {
		e, err := events.New(events.ClaimRequested, "test", "claim-poison", time.Now(), map[string]int{"seq": seq})
		require.NoError(t, err)
		v, err := json.Marshal(e)
		require.NoError(t, err)
		msgs = append(msgs, outbox.Message{Topic: topics.Intake(), Key: "claim-poison", EventID: e.ID, Type: e.Type, Value: v})
	}
	publishAll(ctx, t, pub, msgs)

	var mu sync.Mutex
	attempts, applied := 0, []int{}
	var parked []error
	done := make(chan struct{})
	consumerCtx, stop := context.WithCancel(ctx)
	defer stop()
	c := &kafkabus.Consumer{
		Name: "test", Cluster: brokers, Topic: topics.Intake(), GroupID: topics.Prefix + "group", MaxAttempts: 3,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Handle: func(_ context.Context, e events.Envelope) error {
			var d map[string]int
			if err := json.Unmarshal(e.Data, &d); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			if d["seq"] == 1 {
				attempts++
				return errors.New("the policy this claim names is not on file")
			}
			applied = append(applied, d["seq"])
			close(done)
			return nil
		},
		Park: func(_ context.Context, _ kafka.Message, cause error) error {
			mu.Lock()
			defer mu.Unlock()
			parked = append(parked, cause)
			return nil
		},
	}
	go c.Run(consumerCtx) //nolint:errcheck
	select {
	case <-done:
	case <-ctx.Done():
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("the event after the poison one was not applied within 60 s: %d attempts, %d parked, want 3 attempts and the next event applied", attempts, len(parked))
	}
	mu.Lock()
	defer mu.Unlock()
	if attempts != 3 || len(parked) != 1 {
		t.Fatalf("got %d attempts and %d parked, want 3 attempts and 1 parked", attempts, len(parked))
	}
	if !errors.Is(parked[0], kafkabus.ErrGaveUp) {
		t.Fatalf("parked cause: got %v, want it to wrap kafkabus.ErrGaveUp", parked[0])
	}
	require.Equal(t, []int{2}, applied)
}

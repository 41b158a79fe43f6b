package kafkabus_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"claims.local/pkg/kafkabus"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox"
)

// written returns the keys each partition of topic holds, in order.
func written(ctx context.Context, t *testing.T, admin kafkabus.Cluster, topic string, partitions int) map[int][]string {
	t.Helper()
	client := admin.Client(15 * time.Second)
	out := map[int][]string{}
	for p := range partitions {
		res, err := client.Fetch(ctx, &kafka.FetchRequest{Topic: topic, Partition: p, Offset: 0, MinBytes: 1, MaxBytes: 1 << 20, MaxWait: 100 * time.Millisecond})
		if err != nil {
			t.Fatalf("fetch %s[%d]: %v", topic, p, err)
		}
		if res.Error != nil {
			t.Fatalf("fetch %s[%d]: %v", topic, p, res.Error)
		}
		for {
			r, err := res.Records.ReadRecord()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("read %s[%d]: %v", topic, p, err)
			}
			key, _ := kafka.ReadAll(r.Key)
			out[p] = append(out[p], string(key))
		}
	}
	return out
}

// TestAPublishSaysWhichMessagesTheBrokerRefused is the attack on a
// publisher that writes many partitions in one request (issue 21): a
// message of a partition the broker refused reported delivered is marked
// sent by the relay and never published. The intake principal writes its
// own topic and may not write payout's: the refused message must come back
// undelivered, the others delivered, each written once, in its key's
// partition as kafka-go's Hash balancer chooses it (so a claim's events stay
// in one partition whichever publisher wrote them), in order.
func TestAPublishSaysWhichMessagesTheBrokerRefused(t *testing.T) {
	t.Parallel()
	admin := kafkatest.Cluster(t)
	topics := kafkatest.Grant(t, admin, kafkatest.Prefix(t))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pub := kafkabus.NewPublisher(kafkatest.As(t, kafkabus.IntakeUser))
	defer pub.Close()
	var msgs []outbox.Message
	var want []bool
	for i := range 24 {
		topic, ok := topics.Intake(), true
		if i%5 == 3 {
			topic, ok = topics.Payout(), false
		}
		key := fmt.Sprintf("claim-%d", i%8)
		msgs = append(msgs, outbox.Message{Topic: topic, Key: key, EventID: fmt.Sprintf("e-%d", i), Type: "test", Value: []byte(fmt.Sprintf(`{"i":%d}`, i))})
		want = append(want, ok)
	}
	var err error
	for range 20 {
		// A topic just made may answer "not leader" for a moment.
		if err = pub.Publish(ctx, msgs); err == nil || !errors.Is(err, kafka.NotLeaderForPartition) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	var partial *outbox.PartialFailure
	if !errors.As(err, &partial) {
		t.Fatalf("got error %v, want a partial failure", err)
	}
	for i := range msgs {
		if partial.Delivered[i] != want[i] {
			t.Errorf("message %d (%s): got delivered %v, want %v", i, msgs[i].Topic, partial.Delivered[i], want[i])
		}
	}
	got := written(ctx, t, admin, topics.Intake(), 6)
	wantKeys := map[int][]string{}
	var balancer kafka.Hash
	for i, m := range msgs {
		if want[i] {
			p := balancer.Balance(kafka.Message{Key: []byte(m.Key)}, 0, 1, 2, 3, 4, 5)
			wantKeys[p] = append(wantKeys[p], m.Key)
		}
	}
	for p := range 6 {
		if fmt.Sprint(got[p]) != fmt.Sprint(wantKeys[p]) {
			t.Errorf("partition %d: got keys %v, want %v", p, got[p], wantKeys[p])
		}
	}
}

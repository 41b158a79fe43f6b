// Package kafkabus is the platform's one package over segmentio/kafka-go: a
// synchronous publisher for the outbox relay, explicit topic creation, a
// consumer loop that commits offsets only after the effect is committed, and
// a reachability check for /readyz.
package kafkabus

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"

	"claims.local/pkg/events"
	"claims.local/pkg/outbox"
)

// publishBatch is the most messages of one partition the writer sends in
// one produce request: an outbox relay hands it at most 200 at a time
// (outboxpg's Relay.Batch), spread over the topic's partitions. kafka-go
// allocates room for this many messages (about 150 bytes each) for every
// batch it opens, one per partition a write touches: at 500 that was 75 kB
// a batch, a third of all intake allocated while filing reports (issue 21);
// at 64, 10 kB, and a partition given more in one write sends two requests.
const publishBatch = 64

// Publisher writes messages with acks from all in-sync replicas, waiting for
// each batch. It implements outbox.Publisher.
type Publisher struct {
	w *kafka.Writer
}

// NewPublisher returns a publisher to the cluster, speaking as its
// principal. Messages are hashed by key, so a claim's events always land in
// the same partition.
func NewPublisher(c Cluster) *Publisher {
	return &Publisher{w: &kafka.Writer{
		Addr:                   kafka.TCP(c.Brokers...),
		Transport:              c.Transport(),
		Balancer:               &kafka.Hash{},
		RequiredAcks:           kafka.RequireAll,
		Async:                  false,
		BatchTimeout:           2 * time.Millisecond,
		BatchSize:              publishBatch,
		MaxAttempts:            3,
		WriteTimeout:           10 * time.Second,
		AllowAutoTopicCreation: false,
	}}
}

// Publish writes msgs and returns when the broker has acknowledged them all.
func (p *Publisher) Publish(ctx context.Context, msgs []outbox.Message) error {
	km := make([]kafka.Message, len(msgs))
	for i, m := range msgs {
		km[i] = kafka.Message{
			Topic: m.Topic,
			Key:   []byte(m.Key),
			Value: m.Value,
			Headers: []kafka.Header{
				{Key: "content-type", Value: []byte(events.ContentType)},
				{Key: "ce_id", Value: []byte(m.EventID)},
				{Key: "ce_type", Value: []byte(m.Type)},
			},
		}
	}
	err := p.w.WriteMessages(ctx, km...)
	var failed kafka.WriteErrors
	if errors.As(err, &failed) && len(failed) == len(msgs) {
		// kafka-go reports each message's outcome: say which the broker
		// acknowledged, so that the outbox does not send them twice.
		delivered := make([]bool, len(msgs))
		for i, e := range failed {
			delivered[i] = e == nil
		}
		return &outbox.PartialFailure{Delivered: delivered, Err: err}
	}
	return err
}

// Close flushes and closes the writer.
func (p *Publisher) Close() error { return p.w.Close() }

// EnsureTopics creates the topics that do not exist yet, with their
// partitions, and waits until they have leaders. Brokers run with
// auto-creation off, so this is the only way a topic comes to be. Only the
// set-up principal may create topics (see Accesses): a service's principal
// finds the topics it uses made (see TopicsOf), and fails with
// TOPIC_AUTHORIZATION_FAILED while they are not.
func EnsureTopics(ctx context.Context, c Cluster, specs []events.TopicSpec) error {
	if len(c.Brokers) == 0 {
		return errors.New("kafka: no brokers configured")
	}
	client := c.Client(15 * time.Second)
	missing, err := missingTopics(ctx, client, specs)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		if err := createTopics(ctx, client, missing); err != nil {
			return err
		}
	}
	return waitForTopics(ctx, client, specs)
}

// createTopics creates the topics of specs.
func createTopics(ctx context.Context, client *kafka.Client, specs []events.TopicSpec) error {
	req := &kafka.CreateTopicsRequest{}
	for _, s := range specs {
		tc := kafka.TopicConfig{Topic: s.Name, NumPartitions: s.Partitions, ReplicationFactor: 1}
		if s.Compacted {
			tc.ConfigEntries = []kafka.ConfigEntry{{ConfigName: "cleanup.policy", ConfigValue: "compact"}}
		}
		req.Topics = append(req.Topics, tc)
	}
	resp, err := client.CreateTopics(ctx, req)
	if err != nil {
		return fmt.Errorf("kafka: create topics: %w", err)
	}
	for name, terr := range resp.Errors {
		if terr != nil && !errors.Is(terr, kafka.TopicAlreadyExists) {
			return fmt.Errorf("kafka: create topic %s: %w", name, terr)
		}
	}
	return nil
}

// missingTopics returns the specs whose topic the broker does not show the
// principal: a topic it may not describe looks missing, as a topic that
// does not exist does.
func missingTopics(ctx context.Context, client *kafka.Client, specs []events.TopicSpec) ([]events.TopicSpec, error) {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	md, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: names})
	if err != nil {
		return nil, fmt.Errorf("kafka: describe topics: %w", err)
	}
	known := map[string]bool{}
	for _, t := range md.Topics {
		known[t.Name] = t.Error == nil
	}
	var missing []events.TopicSpec
	for _, s := range specs {
		if !known[s.Name] {
			missing = append(missing, s)
		}
	}
	return missing, nil
}

// waitForTopics returns once every topic has a leader for every partition.
func waitForTopics(ctx context.Context, client *kafka.Client, specs []events.TopicSpec) error {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		md, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: names})
		if err == nil && topicsReady(md, specs) {
			return nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = errors.New("partitions have no leader yet")
			}
			return fmt.Errorf("kafka: topics not ready: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func topicsReady(md *kafka.MetadataResponse, specs []events.TopicSpec) bool {
	byName := map[string]kafka.Topic{}
	for _, t := range md.Topics {
		byName[t.Name] = t
	}
	for _, s := range specs {
		t, ok := byName[s.Name]
		if !ok || t.Error != nil || len(t.Partitions) < s.Partitions {
			return false
		}
		for _, p := range t.Partitions {
			if p.Error != nil || p.Leader.Host == "" {
				return false
			}
		}
	}
	return true
}

// Ping tells whether any broker accepts a connection of the cluster's
// principal and answers for metadata.
func Ping(ctx context.Context, c Cluster) error {
	var lastErr error
	d := c.Dialer(2 * time.Second)
	for _, b := range c.Brokers {
		conn, err := d.DialContext(ctx, "tcp", b)
		if err != nil {
			lastErr = err
			continue
		}
		_, err = conn.Brokers()
		conn.Close()
		if err == nil {
			return nil
		}
		lastErr = err
	}
	if lastErr == nil {
		lastErr = errors.New("no brokers configured")
	}
	return fmt.Errorf("kafka unreachable: %w", lastErr)
}

// HostPort joins a host and a port into a broker address.
func HostPort(host string, port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }

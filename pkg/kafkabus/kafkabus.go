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
	"slices"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	metadataAPI "github.com/segmentio/kafka-go/protocol/metadata"
	produceAPI "github.com/segmentio/kafka-go/protocol/produce"

	"claims.local/pkg/events"
	"claims.local/pkg/outbox"
)

// Publisher writes messages with acks from all in-sync replicas, waiting for
// each write. It implements outbox.Publisher.
//
// A write sends one produce request for each broker leading a partition it
// writes to, holding every partition's messages: a relay's batch spreads
// over the topic's six partitions, and kafka-go's Writer sent a request for
// each partition, each appended, replicated and answered by the broker on
// its own (issue 21: the broker spent more CPU on a report than PostgreSQL
// did). The broker appends each partition's records as one batch in their
// order and answers for each partition: a partition's messages are all
// delivered or none, as before, so a claim's events (one key, one
// partition) keep their order.
type Publisher struct {
	addr      net.Addr
	transport *kafka.Transport
	balancer  kafka.Hash
}

// publishAttempts is how many times a write is tried for the messages of a
// partition the broker refused with an error worth retrying (a leader
// moving, a broker restarting), with publishBackoff between tries.
const (
	publishAttempts = 3
	publishBackoff  = 100 * time.Millisecond
	// publishTimeout bounds the broker's wait for the replicas' acks, and
	// each try of a write.
	publishTimeout = 10 * time.Second
)

// NewPublisher returns a publisher to the cluster, speaking as its
// principal. Messages are hashed by key, as kafka-go's Hash balancer
// does, so a claim's events always land in the same partition.
func NewPublisher(c Cluster) *Publisher {
	return &Publisher{addr: kafka.TCP(c.Brokers...), transport: c.Transport()}
}

// Publish writes msgs and returns when the broker has acknowledged them all.
// When it acknowledged some, the error is an *outbox.PartialFailure saying
// which.
func (p *Publisher) Publish(ctx context.Context, msgs []outbox.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	errs := make([]error, len(msgs))
	todo := make([]int, len(msgs))
	for i := range msgs {
		todo[i] = i
	}
	for attempt := 1; ; attempt++ {
		p.write(ctx, msgs, todo, errs)
		todo = todo[:0]
		for i, err := range errs {
			if err != nil && retriable(err) {
				todo = append(todo, i)
			}
		}
		if len(todo) == 0 || attempt == publishAttempts {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(attempt) * publishBackoff):
		}
		if ctx.Err() != nil {
			break
		}
	}
	failed, first := 0, error(nil)
	delivered := make([]bool, len(msgs))
	for i, err := range errs {
		if err == nil {
			delivered[i] = true
			continue
		}
		if first == nil {
			first = err
		}
		failed++
	}
	switch {
	case failed == 0:
		return nil
	case failed == len(msgs):
		return fmt.Errorf("kafka: publish %d messages: %w", len(msgs), first)
	default:
		// Say which the broker acknowledged, so that the outbox does not
		// send them twice.
		return &outbox.PartialFailure{Delivered: delivered, Err: fmt.Errorf("kafka: publish: %d of %d messages failed: %w", failed, len(msgs), first)}
	}
}

// retriable reports whether a write refused with err may succeed if tried
// again soon.
func retriable(err error) bool {
	var kerr kafka.Error
	if errors.As(err, &kerr) {
		return kerr.Temporary()
	}
	return false
}

// write sends the messages of msgs indexed by which, one produce request
// per leading broker, and sets each one's outcome in errs.
func (p *Publisher) write(ctx context.Context, msgs []outbox.Message, which []int, errs []error) {
	// A broker that stops answering holds a write no longer than the
	// Writer's WriteTimeout did.
	ctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	var topics []string
	for _, i := range which {
		if !slices.Contains(topics, msgs[i].Topic) {
			topics = append(topics, msgs[i].Topic)
		}
	}
	// The transport keeps the cluster's metadata and routes a request by
	// it: the partitions are grouped by the leaders it knows.
	m, err := p.transport.RoundTrip(ctx, p.addr, &metadataAPI.Request{TopicNames: topics})
	if err != nil {
		for _, i := range which {
			errs[i] = fmt.Errorf("kafka: metadata: %w", err)
		}
		return
	}
	layout := map[string]metadataAPI.ResponseTopic{}
	for _, t := range m.(*metadataAPI.Response).Topics {
		layout[t.Name] = t
	}
	type slot struct {
		topic     string
		partition int32
	}
	// Each leader's request, its partitions in the order first written,
	// each partition's messages in their order.
	leaders := map[int32][]slot{}
	var order []int32
	members := map[slot][]int{}
	for _, i := range which {
		msg := msgs[i]
		t, ok := layout[msg.Topic]
		switch {
		case !ok:
			errs[i] = fmt.Errorf("kafka: topic %s: %w", msg.Topic, kafka.UnknownTopicOrPartition)
			continue
		case t.ErrorCode != 0:
			errs[i] = fmt.Errorf("kafka: topic %s: %w", msg.Topic, kafka.Error(t.ErrorCode))
			continue
		case len(t.Partitions) == 0:
			errs[i] = fmt.Errorf("kafka: topic %s: %w", msg.Topic, kafka.UnknownTopicOrPartition)
			continue
		}
		part := int32(p.balancer.Balance(kafka.Message{Key: []byte(msg.Key)}, partitionIDs(len(t.Partitions))...))
		leader := int32(-1)
		for _, tp := range t.Partitions {
			if tp.PartitionIndex == part {
				leader = tp.LeaderID
			}
		}
		if leader < 0 {
			errs[i] = fmt.Errorf("kafka: %s[%d]: %w", msg.Topic, part, kafka.LeaderNotAvailable)
			continue
		}
		s := slot{msg.Topic, part}
		if members[s] == nil {
			if leaders[leader] == nil {
				order = append(order, leader)
			}
			leaders[leader] = append(leaders[leader], s)
		}
		members[s] = append(members[s], i)
	}
	now := time.Now()
	for _, leader := range order {
		req := &produceAPI.Request{Acks: int16(kafka.RequireAll), Timeout: int32(publishTimeout / time.Millisecond)}
		for _, s := range leaders[leader] {
			records := make([]kafka.Record, len(members[s]))
			for j, i := range members[s] {
				msg := msgs[i]
				records[j] = kafka.Record{Time: now, Key: kafka.NewBytes([]byte(msg.Key)), Value: kafka.NewBytes(msg.Value), Headers: []kafka.Header{
					{Key: "content-type", Value: []byte(events.ContentType)},
					{Key: "ce_id", Value: []byte(msg.EventID)},
					{Key: "ce_type", Value: []byte(msg.Type)},
				}}
			}
			part := produceAPI.RequestPartition{Partition: s.partition, RecordSet: protocol.RecordSet{Records: kafka.NewRecordReader(records...)}}
			if n := len(req.Topics); n > 0 && req.Topics[n-1].Topic == s.topic {
				req.Topics[n-1].Partitions = append(req.Topics[n-1].Partitions, part)
			} else {
				req.Topics = append(req.Topics, produceAPI.RequestTopic{Topic: s.topic, Partitions: []produceAPI.RequestPartition{part}})
			}
		}
		res, err := p.transport.RoundTrip(ctx, p.addr, req)
		if err != nil {
			for _, s := range leaders[leader] {
				for _, i := range members[s] {
					errs[i] = fmt.Errorf("kafka: produce to %s[%d]: %w", s.topic, s.partition, err)
				}
			}
			continue
		}
		answered := map[slot]error{}
		for _, t := range res.(*produceAPI.Response).Topics {
			for _, rp := range t.Partitions {
				var perr error
				if rp.ErrorCode != 0 {
					perr = kafka.Error(rp.ErrorCode)
				}
				answered[slot{t.Topic, rp.Partition}] = perr
			}
		}
		for _, s := range leaders[leader] {
			perr, ok := answered[s]
			if !ok {
				perr = fmt.Errorf("the broker did not answer for the partition")
			}
			for _, i := range members[s] {
				errs[i] = nil
				if perr != nil {
					errs[i] = fmt.Errorf("kafka: produce to %s[%d]: %w", s.topic, s.partition, perr)
				}
			}
		}
	}
}

// partitionIDs returns 0 to n-1, the partitions of a topic of n, as
// kafka-go's Writer hands them to its balancer.
func partitionIDs(n int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = i
	}
	return ids
}

// Close closes the publisher's idle connections.
func (p *Publisher) Close() error {
	p.transport.CloseIdleConnections()
	return nil
}

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

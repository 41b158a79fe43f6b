// Package catbus keeps the catastrophes every service knows, fed by the
// compacted catastrophes topic (events.Topics.Catastrophes, keyed
// "catastrophe/<code>"). A service loads the topic from its beginning before
// it takes traffic, so that one starting while a catastrophe is active
// applies the fast-track mode from its first request (R8), and then follows
// the topic. Every instance reads every message: no consumer group.
package catbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"claims.local/pkg/catastrophe"
	"claims.local/pkg/events"
	"claims.local/pkg/kafkabus"
)

// Registry holds the current state of every catastrophe seen on the topic.
// Of two states of one code the higher version wins, whatever order they
// arrive in. Safe for concurrent use.
type Registry struct {
	cluster kafkabus.Cluster
	topic   string
	log     *slog.Logger

	mu     sync.RWMutex
	byCode map[string]catastrophe.Catastrophe
	// next is the offset to read next in each partition once loaded.
	next map[int]int64
}

// New returns an empty registry of topic on the cluster.
func New(cluster kafkabus.Cluster, topic string, log *slog.Logger) *Registry {
	return &Registry{cluster: cluster, topic: topic, log: log, byCode: map[string]catastrophe.Catastrophe{}, next: map[int]int64{}}
}

// Apply takes one event of the topic: a catastrophe state newer than the
// one held replaces it; an older or equal one changes nothing. It reports
// whether the state changed. An event that is not a catastrophe state, or
// whose state is invalid, is an error wrapping events.ErrMalformed.
func (r *Registry) Apply(e events.Envelope) (bool, error) {
	var d events.CatastropheStateData
	if err := events.DecodeData(e, events.CatastropheState, &d); err != nil {
		return false, err
	}
	c, err := catastrophe.FromState(d)
	if err != nil {
		return false, fmt.Errorf("%w: catastrophe state: %v", events.ErrMalformed, err)
	}
	if e.ClaimID != c.Key() {
		return false, fmt.Errorf("%w: state of %s under key %q", events.ErrMalformed, c.Code, e.ClaimID)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if held, ok := r.byCode[c.Code]; ok && held.Version >= c.Version {
		return false, nil
	}
	r.byCode[c.Code] = c
	return true, nil
}

// Get returns the catastrophe with code.
func (r *Registry) Get(code string) (catastrophe.Catastrophe, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, ok := r.byCode[code]
	return c, ok
}

// All lists every catastrophe known, by code.
func (r *Registry) All() []catastrophe.Catastrophe {
	r.mu.RLock()
	out := make([]catastrophe.Catastrophe, 0, len(r.byCode))
	for _, c := range r.byCode {
		out = append(out, c)
	}
	r.mu.RUnlock()
	slices.SortFunc(out, func(a, b catastrophe.Catastrophe) int { return strings.Compare(a.Code, b.Code) })
	return out
}

// Active lists the catastrophes whose fast-track mode is on, by code.
func (r *Registry) Active() []catastrophe.Catastrophe {
	return slices.DeleteFunc(r.All(), func(c catastrophe.Catastrophe) bool { return !c.Active })
}

// Match returns the active catastrophe that covers an incident at place
// (a division code), at incidentTime, of incidentType. When several do, the
// one declared first wins (then the lowest code), so that the answer is the
// same on every instance.
func (r *Registry) Match(place string, incidentTime time.Time, incidentType string) (catastrophe.Catastrophe, bool) {
	var found []catastrophe.Catastrophe
	for _, c := range r.Active() {
		if c.Matches(place, incidentTime, incidentType) {
			found = append(found, c)
		}
	}
	if len(found) == 0 {
		return catastrophe.Catastrophe{}, false
	}
	slices.SortStableFunc(found, func(a, b catastrophe.Catastrophe) int { return a.DeclaredAt.Compare(b.DeclaredAt) })
	return found[0], true
}

// Load reads the topic from the beginning up to the end offsets it finds
// when called, and returns once every message before them is applied: the
// service then knows every catastrophe declared before it started. Run
// follows from there. A broker that is not ready yet (a partition just
// created has no leader for a moment) is asked again until ctx ends.
func (r *Registry) Load(ctx context.Context) error {
	if len(r.cluster.Brokers) == 0 {
		return errors.New("catastrophes: no Kafka brokers")
	}
	wait := 100 * time.Millisecond
	for {
		err := r.load(ctx)
		if err == nil || ctx.Err() != nil {
			return err
		}
		r.log.Warn("catastrophes: loading the topic failed; will retry", "error", err.Error(), "retry_in", wait.String())
		sleep(ctx, wait)
		wait = min(wait*2, 5*time.Second)
	}
}

func (r *Registry) load(ctx context.Context) error {
	parts, err := r.partitions(ctx)
	if err != nil {
		return err
	}
	for _, p := range parts {
		first, last, err := r.bounds(ctx, p)
		if err != nil {
			return err
		}
		next := first
		if last > first {
			if next, err = r.read(ctx, p, first, func(m kafka.Message) bool { return m.Offset+1 >= last }); err != nil {
				return err
			}
		}
		r.mu.Lock()
		r.next[p] = next
		r.mu.Unlock()
	}
	return nil
}

// Run follows every partition from where Load stopped until ctx ends.
func (r *Registry) Run(ctx context.Context) error {
	r.mu.RLock()
	next := make(map[int]int64, len(r.next))
	for p, o := range r.next {
		next[p] = o
	}
	r.mu.RUnlock()
	var wg sync.WaitGroup
	for p, o := range next {
		wg.Go(func() {
			for ctx.Err() == nil {
				at, err := r.read(ctx, p, o, func(kafka.Message) bool { return false })
				o = at
				if err != nil && ctx.Err() == nil {
					r.log.Warn("catastrophes: following the topic failed; will retry", "partition", p, "error", err.Error())
					sleep(ctx, time.Second)
				}
			}
		})
	}
	wg.Wait()
	return nil
}

// read applies the messages of partition p from offset on until done says
// so after a message, or ctx ends, and returns the next offset to read.
func (r *Registry) read(ctx context.Context, p int, offset int64, done func(kafka.Message) bool) (int64, error) {
	rd := kafka.NewReader(kafka.ReaderConfig{Brokers: r.cluster.Brokers, Dialer: r.cluster.Dialer(10 * time.Second), Topic: r.topic, Partition: p, MinBytes: 1, MaxBytes: 10 << 20,
		MaxWait: kafkabus.FetchMaxWait, ReadBackoffMin: 50 * time.Millisecond, ReadBackoffMax: 500 * time.Millisecond})
	defer rd.Close()
	if err := rd.SetOffset(offset); err != nil {
		return offset, fmt.Errorf("catastrophes: seek partition %d to %d: %w", p, offset, err)
	}
	for {
		m, err := rd.ReadMessage(ctx)
		if err != nil {
			return offset, fmt.Errorf("catastrophes: read partition %d: %w", p, err)
		}
		offset = m.Offset + 1
		r.applyMessage(m)
		if done(m) {
			return offset, nil
		}
	}
}

// applyMessage applies one message, logging what cannot be applied: a
// catastrophe state nobody can read is skipped, never retried forever.
func (r *Registry) applyMessage(m kafka.Message) {
	if m.Value == nil {
		// A tombstone: compaction will drop the key; the code stays known
		// as it was last seen, since a declaration is never withdrawn.
		return
	}
	e, err := events.Decode(m.Value)
	if err == nil {
		var changed bool
		if changed, err = r.Apply(e); changed {
			c, _ := r.Get(strings.TrimPrefix(e.ClaimID, events.CatastropheKeyPrefix))
			r.log.Info("catastrophe state", "code", c.Code, "active", c.Active, "version", c.Version)
		}
	}
	if err != nil {
		r.log.Error("catastrophes: message skipped", "partition", m.Partition, "offset", m.Offset, "error", err.Error())
	}
}

func (r *Registry) partitions(ctx context.Context) ([]int, error) {
	conn, err := r.cluster.Dialer(10*time.Second).DialContext(ctx, "tcp", r.cluster.Brokers[0])
	if err != nil {
		return nil, fmt.Errorf("catastrophes: dial Kafka: %w", err)
	}
	defer conn.Close()
	ps, err := conn.ReadPartitions(r.topic)
	if err != nil {
		return nil, fmt.Errorf("catastrophes: partitions of %s: %w", r.topic, err)
	}
	out := make([]int, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	slices.Sort(out)
	return out, nil
}

// bounds returns the first offset of partition p and the offset after its
// last message.
func (r *Registry) bounds(ctx context.Context, p int) (int64, int64, error) {
	conn, err := r.cluster.Dialer(10*time.Second).DialLeader(ctx, "tcp", r.cluster.Brokers[0], r.topic, p)
	if err != nil {
		return 0, 0, fmt.Errorf("catastrophes: dial the leader of partition %d: %w", p, err)
	}
	defer conn.Close()
	first, last, err := conn.ReadOffsets()
	if err != nil {
		return 0, 0, fmt.Errorf("catastrophes: offsets of partition %d: %w", p, err)
	}
	return first, last, nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

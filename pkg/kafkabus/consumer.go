package kafkabus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/segmentio/kafka-go"

	"claims.local/pkg/clock"
	"claims.local/pkg/events"
)

// Handler applies one event. It must apply it inside one database transaction
// together with its inbox receipt (package inbox), so that it can be called
// again for the same event without a second effect. An error wrapping
// events.ErrMalformed parks the message; any other error is retried.
type Handler func(ctx context.Context, e events.Envelope) error

// Parker stores a message that can never be applied.
type Parker func(ctx context.Context, m kafka.Message, cause error) error

// ErrGaveUp is wrapped by the cause of a message parked because its handler
// failed MaxAttempts times for a reason other than its form.
var ErrGaveUp = errors.New("handler failed on every attempt")

// Consumer reads one topic in a consumer group and hands each event to its
// handler. The offset is committed only after the handler returned, i.e.
// after the database commit: a crash in between redelivers the event, and the
// inbox absorbs it.
type Consumer struct {
	Name    string
	Cluster Cluster
	Topic   string
	GroupID string
	Handle  Handler
	Park    Parker
	Log     *slog.Logger
	// MaxAttempts is how many times a message whose handler fails for a
	// reason other than its form is tried before it is parked, so that one
	// poison message cannot block its partition for good; zero means try
	// until it succeeds.
	MaxAttempts int
	// Ready, when set, tells whether what the handler depends on (its
	// database) answers; a failure while it does not is an outage, not a
	// poison message, and does not count as an attempt.
	Ready func(ctx context.Context) error
	// OnApplied, when set, is told about every message handled (for metrics).
	OnApplied func(e events.Envelope, err error)
	// Workers is how many messages are handled at once; zero or one handles
	// them one after another. Each message goes to the worker its key hashes
	// to, so a claim's events (one key, one partition) are still applied in
	// order while other claims' run beside them; a partition's offset is
	// committed only up to its lowest message not yet handled (see
	// offsetTracker), so a crash redelivers every message whose effect may
	// be missing, and the inbox absorbs the ones that were applied.
	Workers int
	// Batch, when set and Workers is above one, makes each worker apply the
	// messages it was handed together (up to BatchSize, or what came within
	// batchLinger of the first) in one database transaction, one Step each
	// (see applyBatch); nil applies each message on its own.
	Batch Batcher
	// BatchSize is the most messages one Batch applies; 16 when zero.
	BatchSize int
}

// Batcher runs the transaction of a batch of messages (postgres.Batches).
type Batcher interface {
	// Batch runs fn in one transaction that what fn's context reaches
	// joins; nothing of it stands when it returns an error.
	Batch(ctx context.Context, fn func(ctx context.Context) error) error
	// Step runs fn within the Batch of ctx so that a failing fn undoes only
	// its own part. broken is set when the batch's transaction cannot go
	// on, and the Batch must then fail.
	Step(ctx context.Context, fn func(ctx context.Context) error) (err error, broken error)
}

// FetchMaxWait is the MaxWait of the platform's kafka-go readers: how long
// a fetch of a partition with nothing new may wait. It costs no latency (a
// fetch returns as soon as a message arrives), only idle round trips. It is
// long for two reasons: an idle partition reader sends one fetch a second,
// not four; and kafka-go asks the broker to wait MaxWait less
// min(1 s, MaxWait/4) while its own read deadline is MaxWait, so at 250 ms
// an empty answer more than 62 ms late (a busy 2-core machine) timed the
// connection out, and the reader dialled again: two connections, each with
// a SASL/SCRAM handshake, a metadata and two offset look-ups, some twenty
// times a second in the issue 21 benchmark. At 2 s the broker waits 1 s and
// the answer has a second to arrive.
const FetchMaxWait = 2 * time.Second

// Run consumes until ctx ends; it returns after committing what it handled.
func (c *Consumer) Run(ctx context.Context) error {
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:               c.Cluster.Brokers,
		Dialer:                c.Cluster.Dialer(10 * time.Second),
		GroupID:               c.GroupID,
		Topic:                 c.Topic,
		MinBytes:              1,
		MaxBytes:              10 << 20,
		MaxWait:               FetchMaxWait,
		CommitInterval:        0,
		StartOffset:           kafka.FirstOffset,
		HeartbeatInterval:     3 * time.Second,
		SessionTimeout:        10 * time.Second,
		RebalanceTimeout:      10 * time.Second,
		JoinGroupBackoff:      500 * time.Millisecond,
		WatchPartitionChanges: true,
		ReadBackoffMin:        50 * time.Millisecond,
		ReadBackoffMax:        500 * time.Millisecond,
	})
	defer r.Close()
	if c.Workers > 1 {
		return c.runPool(ctx, r)
	}
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			c.Log.Warn("consumer: fetch failed", "consumer", c.Name, "error", err.Error())
			if !clock.Sleep(ctx, time.Second) {
				return nil
			}
			continue
		}
		if !c.apply(ctx, m) {
			return nil
		}
		c.commit(ctx, r, []kafka.Message{m})
	}
}

// commit records the offsets after msgs, with a context that outlives a
// shutdown signal: their effects are already in the database, so recording
// the offsets is always right. A failure only means a redelivery, which the
// inbox absorbs.
func (c *Consumer) commit(ctx context.Context, r *kafka.Reader, msgs []kafka.Message) {
	commitCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	err := r.CommitMessages(commitCtx, msgs...)
	cancel()
	if err != nil {
		for _, m := range msgs {
			c.Log.Warn("consumer: offset commit failed; the event may be redelivered", "consumer", c.Name,
				"partition", m.Partition, "offset", m.Offset, "error", err.Error())
		}
	}
}

// apply hands m to the handler until it succeeds or is parked (malformed,
// or failing MaxAttempts times). It returns false when ctx ended first.
func (c *Consumer) apply(ctx context.Context, m kafka.Message) bool {
	backoff := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		e, err := events.Decode(m.Value)
		if err == nil {
			err = c.Handle(ctx, e)
		}
		if c.OnApplied != nil {
			c.OnApplied(e, err)
		}
		if err != nil && c.Ready != nil && ctx.Err() == nil && c.Ready(ctx) != nil {
			attempt = 0 // an outage: start counting again when it is over
		}
		if err != nil && !errors.Is(err, events.ErrMalformed) && ctx.Err() == nil && c.MaxAttempts > 0 && attempt >= c.MaxAttempts {
			err = fmt.Errorf("%w (%d attempts): %w", ErrGaveUp, attempt, err)
		}
		switch {
		case err == nil:
			return true
		case errors.Is(err, events.ErrMalformed) || errors.Is(err, ErrGaveUp):
			c.Log.Error("consumer: event cannot be applied; parked as a dead letter", "consumer", c.Name,
				"topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "event_id", e.ID, "claim_id", e.ClaimID,
				"alert", "dead_letter", "error", err.Error())
			if perr := c.Park(ctx, m, err); perr != nil {
				c.Log.Error("consumer: parking failed; will retry", "consumer", c.Name, "error", perr.Error())
				break
			}
			return true
		case ctx.Err() != nil:
			return false
		default:
			c.Log.Warn("consumer: handler failed; will retry", "consumer", c.Name, "event_id", e.ID,
				"claim_id", e.ClaimID, "attempt", attempt, "error", err.Error())
		}
		if !clock.Sleep(ctx, backoff) {
			return false
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

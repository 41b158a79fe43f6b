package servicekit

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"claims.local/pkg/events"
	"claims.local/pkg/inbox/inboxpg"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/lifecycle"
	"claims.local/pkg/postgres"
	"claims.local/pkg/tracing"
)

// NewConsumer returns a consumer of topic in group whose unusable messages
// are parked in the service's dead_letters table and whose results are
// counted in consumer_events_total. Its handler is also the one an
// operator replays the dead letters of consumer name through. It applies
// Config.ConsumerWorkers events at once, each key's (claim's) in order: a
// consumer whose events must be applied in the order of the whole
// partition sets Workers to 1. Each worker applies the events it was
// handed together, up to Config.ConsumerBatch of them, in one transaction
// (kafkabus.Consumer.Batch).
func (k *Kit) NewConsumer(name, topic, group string, handle kafkabus.Handler) *kafkabus.Consumer {
	handled := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "consumer_events_total", Help: "Events handed to a consumer's handler, by result.",
		ConstLabels: prometheus.Labels{"consumer": name},
	}, []string{"result"})
	parked := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "consumer_parked_total", Help: "Messages a consumer parked as dead letters, by reason (malformed, or gave_up after the attempts allowed).",
		ConstLabels: prometheus.Labels{"consumer": name},
	}, []string{"reason"})
	k.registry.MustRegister(handled, parked)
	parked.WithLabelValues("malformed") // exported from the start, so that alerts can rely on it
	parked.WithLabelValues("gave_up")
	handle = traced(name, topic, handle)
	k.handlerOf(name, handle)
	var batch kafkabus.Batcher
	if k.cfg.ConsumerBatch > 0 {
		batch = postgres.Batches{DB: k.db}
	}
	return &kafkabus.Consumer{
		Batch: batch, BatchSize: k.cfg.ConsumerBatch,
		Name: name, Cluster: k.cfg.Kafka, Topic: topic, GroupID: group, Handle: handle, Log: k.log,
		MaxAttempts: k.cfg.ConsumerMaxAttempts, Workers: k.cfg.ConsumerWorkers,
		Ready: func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			return postgres.Ping(ctx, k.db)
		},
		Park: func(ctx context.Context, m kafka.Message, cause error) error {
			d := inboxpg.DeadLetter{Consumer: name, Topic: m.Topic,
				KafkaPartition: m.Partition, KafkaOffset: m.Offset, MsgKey: string(m.Key), Payload: m.Value, Error: cause.Error()}
			var err error
			if k.cfg.DeadLetterKeys != nil {
				err = inboxpg.ParkSealed(k.db.WithContext(ctx), d, k.cfg.DeadLetterKeys)
			} else {
				err = inboxpg.Park(k.db.WithContext(ctx), d)
			}
			if err == nil {
				reason := "malformed"
				if errors.Is(cause, kafkabus.ErrGaveUp) {
					reason = "gave_up"
				}
				parked.WithLabelValues(reason).Inc()
			}
			return err
		},
		OnApplied: func(e events.Envelope, err error) {
			result := "applied"
			if err != nil {
				result = "error"
			}
			tracing.Inc(tracing.WithTraceParent(context.Background(), e.TraceParent), handled.WithLabelValues(result))
		},
	}
}

// ConsumerComponent runs c as a component of the service.
func ConsumerComponent(c *kafkabus.Consumer) lifecycle.Component {
	return lifecycle.Component{Name: "consumer " + c.Name, Run: c.Run}
}

// traced applies each event in a consumer span that continues the
// producer's trace (tracing.Consume).
func traced(consumer, topic string, handle kafkabus.Handler) kafkabus.Handler {
	return func(ctx context.Context, e events.Envelope) error {
		ctx, span := tracing.Consume(ctx, consumer, topic, e)
		err := handle(ctx, e)
		tracing.End(span, err)
		return err
	}
}

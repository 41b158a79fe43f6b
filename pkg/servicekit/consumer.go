package servicekit

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"claims.local/pkg/events"
	"claims.local/pkg/inbox/inboxpg"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/lifecycle"
	"claims.local/pkg/tracing"
)

// NewConsumer returns a consumer of topic in group whose unusable messages
// are parked in the service's dead_letters table and whose results are
// counted in consumer_events_total.
func (k *Kit) NewConsumer(name, topic, group string, handle kafkabus.Handler) *kafkabus.Consumer {
	handled := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "consumer_events_total", Help: "Events handed to a consumer's handler, by result.",
		ConstLabels: prometheus.Labels{"consumer": name},
	}, []string{"result"})
	k.registry.MustRegister(handled)
	return &kafkabus.Consumer{
		Name: name, Cluster: k.cfg.Kafka, Topic: topic, GroupID: group, Handle: traced(name, topic, handle), Log: k.log,
		Park: func(ctx context.Context, m kafka.Message, cause error) error {
			return inboxpg.Park(k.db.WithContext(ctx), inboxpg.DeadLetter{Consumer: name, Topic: m.Topic,
				KafkaPartition: m.Partition, KafkaOffset: m.Offset, MsgKey: string(m.Key), Payload: m.Value, Error: cause.Error()})
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

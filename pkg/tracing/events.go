package tracing

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"claims.local/pkg/events"
)

// Consume starts the consumer span of event e read from topic by consumer:
// a child of the span that stored e (its traceparent), so the trace goes on
// across the outbox and Kafka, tagged with e's claim. End the span it
// returns once the event is applied.
func Consume(ctx context.Context, consumer, topic string, e events.Envelope) (context.Context, trace.Span) {
	ctx, span := Start(WithTraceParent(ctx, e.TraceParent), "consume "+topic, trace.SpanKindConsumer, e.ClaimID,
		attribute.String("messaging.system", "kafka"), attribute.String("messaging.destination.name", topic),
		attribute.String("messaging.consumer.group.name", consumer), attribute.String("messaging.message.id", e.ID),
		attribute.String("cloudevents.event_type", e.Type))
	return WithRoot(ctx, span), span
}

// Exemplar is the exemplar of a metric observed in ctx: the trace id of its
// recorded span, or nil when there is none.
func Exemplar(ctx context.Context) prometheus.Labels {
	if id := SampledTraceID(ctx); id != "" {
		return prometheus.Labels{"trace_id": id}
	}
	return nil
}

// Observe observes v in o with the exemplar of ctx when o supports
// exemplars and ctx has a recorded span.
func Observe(ctx context.Context, o prometheus.Observer, v float64) {
	if ex, ok := o.(prometheus.ExemplarObserver); ok {
		if labels := Exemplar(ctx); labels != nil {
			ex.ObserveWithExemplar(v, labels)
			return
		}
	}
	o.Observe(v)
}

// Inc adds one to c with the exemplar of ctx when c supports exemplars
// and ctx has a recorded span.
func Inc(ctx context.Context, c prometheus.Counter) {
	if ex, ok := c.(prometheus.ExemplarAdder); ok {
		if labels := Exemplar(ctx); labels != nil {
			ex.AddWithExemplar(1, labels)
			return
		}
	}
	c.Inc()
}

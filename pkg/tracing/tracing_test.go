package tracing_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"

	"claims.local/pkg/events"
	"claims.local/pkg/tracing"
	"claims.local/pkg/tracing/tracingtest"
)

func TestConsumeContinuesTheProducersTrace(t *testing.T) {
	rec := tracingtest.Record(t)
	ctx, producer := tracing.Start(context.Background(), "db transaction", trace.SpanKindInternal, "claim-1")
	e := events.Envelope{ID: "e1", Type: "claims.intake.claim-reported", ClaimID: "claim-1", TraceParent: tracing.TraceParent(ctx)}
	producer.End()

	_, consumer := tracing.Consume(context.Background(), "adjudication.intake", "claims.intake.v1", e)
	consumer.End()

	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("got %d spans, want 2", len(spans))
	}
	p, c := spans[0], spans[1]
	if c.SpanContext().TraceID() != p.SpanContext().TraceID() {
		t.Errorf("got consumer trace %s, want the producer's %s", c.SpanContext().TraceID(), p.SpanContext().TraceID())
	}
	if c.Parent().SpanID() != p.SpanContext().SpanID() || !c.Parent().IsRemote() {
		t.Errorf("got consumer parent %s, want the producer's span %s (remote)", c.Parent().SpanID(), p.SpanContext().SpanID())
	}
	if c.Name() != "consume claims.intake.v1" || c.SpanKind() != trace.SpanKindConsumer {
		t.Errorf("got consumer span %q of kind %v, want \"consume claims.intake.v1\" of kind consumer", c.Name(), c.SpanKind())
	}
	if got := tracingtest.ClaimOf(c); got != "claim-1" {
		t.Errorf("got consumer claim_id %q, want claim-1", got)
	}
}

// TestForgedTraceParentStartsANewTrace is the attack: an event whose
// traceparent is padded, truncated, of another version or all zeros must
// neither break the consumer nor graft its spans onto a trace it names
// badly; the consumer starts a trace of its own.
func TestForgedTraceParentStartsANewTrace(t *testing.T) {
	for name, tp := range map[string]string{
		"garbage":        "not-a-traceparent",
		"padded":         " 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01 ",
		"zero trace id":  "00-00000000000000000000000000000000-b7ad6b7169203331-01",
		"zero span id":   "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
		"version ff":     "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
		"short trace id": "00-0af7651916cd43dd8448eb211c8031-b7ad6b7169203331-01",
	} {
		t.Run(name, func(t *testing.T) {
			rec := tracingtest.Record(t)
			_, span := tracing.Consume(context.Background(), "c", "t", events.Envelope{ID: "e", ClaimID: "claim-1", TraceParent: tp})
			span.End()
			got := rec.Ended()[0]
			if got.Parent().IsValid() {
				t.Fatalf("got parent %s from %q, want none (a new trace)", got.Parent().SpanID(), tp)
			}
			if !got.SpanContext().IsValid() {
				t.Fatalf("got an invalid span context, want a new trace")
			}
		})
	}
}

func TestTraceParentOutsideATraceIsEmpty(t *testing.T) {
	tracingtest.Record(t)
	if got := tracing.TraceParent(context.Background()); got != "" {
		t.Fatalf("got traceparent %q outside any span, want none", got)
	}
	if got := tracing.WithTraceParent(context.Background(), ""); trace.SpanContextFromContext(got).IsValid() {
		t.Fatalf("got a span context from an empty traceparent, want none")
	}
}

func TestParseRatio(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    float64
		wantErr bool
	}{
		{"", 1, false}, {"0.1", 0.1, false}, {" 1 ", 1, false}, {"0", 0, false},
		{"1.5", 0, true}, {"-0.1", 0, true}, {"ten percent", 0, true}, {"NaN", 0, true},
	} {
		got, err := tracing.ParseRatio(tc.in)
		if (err != nil) != tc.wantErr || (!tc.wantErr && got != tc.want) {
			t.Errorf("ParseRatio(%q): got %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestSetupWithoutEndpointChangesNothing(t *testing.T) {
	before := otel.GetTracerProvider()
	shutdown, err := tracing.Setup(context.Background(), "intake", tracing.Config{SampleRatio: 1})
	if err != nil {
		t.Fatalf("Setup without endpoint: %v", err)
	}
	if otel.GetTracerProvider() != before {
		t.Fatalf("got a new tracer provider without an endpoint, want the one before")
	}
	if err := shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

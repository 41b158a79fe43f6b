// Package tracingtest records the spans a test makes.
package tracingtest

import (
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"claims.local/pkg/tracing"
)

// Record installs a tracer provider that keeps every span in memory for the
// test and restores the one before at its end. The provider is process-wide:
// a test that records must not run in parallel with another that does.
func Record(t *testing.T) *tracetest.SpanRecorder {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	before := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	t.Cleanup(func() { otel.SetTracerProvider(before) })
	return rec
}

// ClaimOf is the claim id a span is tagged with, or "".
func ClaimOf(s sdktrace.ReadOnlySpan) string {
	for _, kv := range s.Attributes() {
		if kv.Key == attribute.Key(tracing.ClaimIDKey) {
			return kv.Value.AsString()
		}
	}
	return ""
}

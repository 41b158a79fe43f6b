// Package tracing is the platform's OpenTelemetry tracing: the exporter a
// service sets up at start (OTLP over HTTP to a collector or a Jaeger), the
// spans of HTTP requests, and the W3C trace context that travels in every
// event envelope (the CloudEvents distributed-tracing extension attribute
// "traceparent"), so that a consumer's span continues the producer's trace
// across the outbox and Kafka.
//
// Every span about a claim carries the attribute claim_id, so a claim's
// traces are found in the trace store by that tag.
//
// Spans go to the process's global tracer provider, which Setup installs
// once from main; without an endpoint Setup installs nothing and every span
// is a no-op, so a service runs unchanged.
package tracing

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
)

// ClaimIDKey is the span attribute that names the claim a span is about.
const ClaimIDKey = "claim_id"

// instrumentation names the tracer of the platform's spans.
const instrumentation = "claims.local/pkg/tracing"

// Config is where and how much a service traces.
type Config struct {
	// Endpoint is the OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT, as
	// "http://127.0.0.1:4318"); traces go to its /v1/traces. Empty: no
	// tracing at all.
	Endpoint string
	// SampleRatio is the share of new traces recorded (OTEL_TRACES_SAMPLER_ARG),
	// from 0 to 1. A span whose parent came from elsewhere (a request
	// header, an event) follows the parent's decision, so a trace is kept
	// or dropped whole.
	SampleRatio float64
}

// ParseRatio reads a sampling ratio; the empty string is 1 (everything).
func ParseRatio(s string) (float64, error) {
	if strings.TrimSpace(s) == "" {
		return 1, nil
	}
	r, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !(r >= 0 && r <= 1) { // NaN is neither
		return 0, fmt.Errorf("sampling ratio %q is not a number from 0 to 1", s)
	}
	return r, nil
}

// Setup installs the tracer provider of service when cfg has an endpoint,
// and returns the function that flushes and stops it at shutdown. Without an
// endpoint it changes nothing and the returned function does nothing.
func Setup(ctx context.Context, service string, cfg Config) (func(context.Context) error, error) {
	if cfg.Endpoint == "" {
		return func(context.Context) error { return nil }, nil
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(strings.TrimRight(cfg.Endpoint, "/")+"/v1/traces"))
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter for %s: %w", cfg.Endpoint, err)
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(semconv.ServiceName(service)))
	if err != nil {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.SampleRatio))),
	)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	return tp.Shutdown, nil
}

// Start starts a span named name of kind under the span of ctx, tagged with
// claimID when it is not empty. End the span it returns.
func Start(ctx context.Context, name string, kind trace.SpanKind, claimID string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	if claimID != "" {
		attrs = append(attrs, attribute.String(ClaimIDKey, claimID))
	}
	return otel.Tracer(instrumentation).Start(ctx, name, trace.WithSpanKind(kind), trace.WithAttributes(attrs...))
}

// End records err on span, if any, and ends it.
func End(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// TraceParent is the W3C traceparent of the span of ctx ("00-<trace id>-
// <span id>-<flags>"), or "" when ctx has no valid span.
func TraceParent(ctx context.Context) string {
	carrier := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, carrier)
	return carrier.Get("traceparent")
}

// WithTraceParent returns ctx continuing the remote span of traceparent; a
// missing or malformed value leaves ctx as it is (a new trace starts).
func WithTraceParent(ctx context.Context, traceparent string) context.Context {
	if traceparent == "" {
		return ctx
	}
	return propagation.TraceContext{}.Extract(ctx, propagation.MapCarrier{"traceparent": traceparent})
}

// TraceID is the trace id of the span of ctx, or "" when there is none.
func TraceID(ctx context.Context) string {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.HasTraceID() {
		return ""
	}
	return sc.TraceID().String()
}

// SampledTraceID is the trace id of the span of ctx when that span is
// recorded, for a metric's exemplar; "" otherwise.
func SampledTraceID(ctx context.Context) string {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsSampled() {
		return ""
	}
	return sc.TraceID().String()
}

type rootKey struct{}

// WithRoot returns ctx remembering span as the span of the request or
// event being handled, so NoteClaim can tag it too.
func WithRoot(ctx context.Context, span trace.Span) context.Context {
	return context.WithValue(ctx, rootKey{}, span)
}

// NoteClaim tags the span of ctx, and the span of the request or event it
// belongs to, with claimID: a request learns its claim only when a use case
// creates or loads it.
func NoteClaim(ctx context.Context, claimID string) {
	if claimID == "" {
		return
	}
	kv := attribute.String(ClaimIDKey, claimID)
	trace.SpanFromContext(ctx).SetAttributes(kv)
	if root, ok := ctx.Value(rootKey{}).(trace.Span); ok {
		root.SetAttributes(kv)
	}
}

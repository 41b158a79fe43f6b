package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"claims.local/pkg/logging"
)

func TestLogLinesCarryTheTraceID(t *testing.T) {
	tid, _ := trace.TraceIDFromHex("0af7651916cd43dd8448eb211c80319c")
	sid, _ := trace.SpanIDFromHex("b7ad6b7169203331")
	traced := trace.ContextWithSpanContext(context.Background(),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want any
	}{
		{"in a trace", logging.WithClaimID(traced, "claim-1"), "0af7651916cd43dd8448eb211c80319c"},
		{"outside any trace", logging.WithClaimID(context.Background(), "claim-1"), nil},
	} {
		var buf bytes.Buffer
		logging.New(&buf, "intake", slog.LevelInfo).InfoContext(tc.ctx, "hello")
		var line map[string]any
		if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
			t.Fatalf("%s: decode %q: %v", tc.name, buf.String(), err)
		}
		if line["trace_id"] != tc.want || line["claim_id"] != "claim-1" {
			t.Errorf("%s: got trace_id %v claim_id %v, want %v and claim-1", tc.name, line["trace_id"], line["claim_id"], tc.want)
		}
	}
}

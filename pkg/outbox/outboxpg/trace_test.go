package outboxpg_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"

	"claims.local/pkg/events"
	"claims.local/pkg/outbox/outboxpg"
	"claims.local/pkg/postgres/uow"
	"claims.local/pkg/tracking"
)

// TestTheTraceContextTravelsThroughTheOutbox stores events in a unit of
// work inside a trace and publishes them: each envelope leaves with the
// traceparent of that trace, stored with the row, unless it carried one
// already; an event stored outside any trace carries none.
func TestTheTraceContextTravelsThroughTheOutbox(t *testing.T) {
	db := openDB(t)
	tid, err := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	require.NoError(t, err)
	sid, err := trace.SpanIDFromHex("00f067aa0ba902b7")
	require.NoError(t, err)
	traced := trace.ContextWithSpanContext(context.Background(),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))

	fresh := envelope(t, "claim-t1", 1)
	carried := envelope(t, "claim-t2", 2)
	carried.TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	untraced := envelope(t, "claim-t3", 3)
	u := uow.New(db, nil, nil)
	require.NoError(t, u.Do(traced, func(*gorm.DB) (tracking.Effects, error) {
		return tracking.Effects{Events: []events.Outgoing{{Topic: "t", Envelope: fresh}, {Topic: "t", Envelope: carried}}}, nil
	}))
	require.NoError(t, u.Do(context.Background(), func(*gorm.DB) (tracking.Effects, error) {
		return tracking.Effects{Events: []events.Outgoing{{Topic: "t", Envelope: untraced}}}, nil
	}))

	rec := &recorder{}
	n, err := outboxpg.NewRelay(db, rec, discard(), 77).PublishPending(context.Background())
	require.NoError(t, err)
	require.Equal(t, 3, n)
	want := map[string]string{
		fresh.ID:    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		carried.ID:  carried.TraceParent,
		untraced.ID: "",
	}
	for _, m := range rec.msgs {
		var e events.Envelope
		require.NoError(t, json.Unmarshal(m.Value, &e))
		if e.TraceParent != want[e.ID] {
			t.Errorf("event of %s: got traceparent %q, want %q", e.ClaimID, e.TraceParent, want[e.ID])
		}
	}
}

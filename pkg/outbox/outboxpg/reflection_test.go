package outboxpg_test

import (
	"context"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"claims.local/pkg/outbox/outboxpg"
)

// TestTheRelayReadsAndMarksWithoutGormStatements publishes batches and
// counts the gorm statements (query, row and raw callbacks) the relay ran
// for them: none. Issue 21's rounds found gorm's reflection (scanning each
// pending row into its struct field by field, building the mark) at about
// 7% of intake's CPU while it files reports; the relay scans its columns
// itself and sends its two statements on the transaction's connection.
// What it publishes and marks is TestPublishPendingPublishesInIDOrderAndMarksSent's.
func TestTheRelayReadsAndMarksWithoutGormStatements(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	ctx := context.Background()
	ids := appendCommitted(t, db, "claims.intake.v1", 5)
	var statements atomic.Int64
	count := func(*gorm.DB) { statements.Add(1) }
	cb := db.Callback()
	for name, err := range map[string]error{
		"query": cb.Query().Before("*").Register("count:test_relay_query", count),
		"row":   cb.Row().Before("*").Register("count:test_relay_row", count),
		"raw":   cb.Raw().Before("*").Register("count:test_relay_raw", count),
	} {
		if err != nil {
			t.Fatalf("register the %s callback: %v", name, err)
		}
	}
	pub := &recorder{}
	relay := outboxpg.NewRelay(db, pub, discard(), 43)
	relay.Batch = 3
	for range 3 {
		if _, err := relay.PublishPending(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := statements.Load(); got != 0 {
		t.Fatalf("got %d gorm statements for three reads and two marks, want 0", got)
	}
	if got := pub.eventIDs(); len(got) != len(ids) {
		t.Fatalf("got %d events published, want %d", len(got), len(ids))
	}
	if got := countRows(t, db, "sent_at IS NOT NULL"); got != 5 {
		t.Fatalf("got %d rows marked sent, want 5", got)
	}
}

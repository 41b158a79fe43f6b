package outboxpg_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/pkg/events"
	"claims.local/pkg/outbox/outboxpg"
)

// TestAppendAllStoresMoreEventsThanOneStatementTakes: a change may return
// more events than one INSERT's parameters can carry (PostgreSQL's
// extended protocol takes 65,535; an outbox row takes 7 or 8): a deadline
// sweep that finds 20,000 dues moved off their inputs returns a tampered
// alarm for each, and its INSERT failed at every tick, so the monitor
// raised no alarm again (red team, session 17). The events are stored in
// their order, in statements of at most outboxpg.AppendBatch rows.
func TestAppendAllStoresMoreEventsThanOneStatementTakes(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	var out []events.Outgoing
	for i := range 10_000 {
		out = append(out, events.Outgoing{Topic: "x", Envelope: envelope(t, fmt.Sprintf("c%d", i%7), i)})
	}
	require.NoError(t, db.Transaction(func(tx *gorm.DB) error { return outboxpg.AppendAll(tx, out) }))
	var ids []string
	require.NoError(t, db.Raw("SELECT event_id FROM outbox ORDER BY id").Scan(&ids).Error)
	if len(ids) != len(out) {
		t.Fatalf("got %d events stored, want %d", len(ids), len(out))
	}
	for i, id := range ids {
		if id != out[i].Envelope.ID {
			t.Fatalf("got event %s stored %dth, want %s: the order given", id, i, out[i].Envelope.ID)
		}
	}
}

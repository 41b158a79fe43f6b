package outboxpg_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/pkg/apperr"
	"claims.local/pkg/events"
	"claims.local/pkg/outbox/outboxpg"
)

// TestOversizeEventIsRefusedWhenAppended is the attack of one event larger
// than the broker takes: stored, it would block the relay for good (every
// batch from it fails). Append refuses it with payload_too_large, the
// transaction rolls back and the outbox holds nothing, while an event just
// under the limit is stored.
func TestOversizeEventIsRefusedWhenAppended(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	big, err := events.New(events.ClaimRequested, "test", "claim-big", time.Now(),
		map[string]string{"text": strings.Repeat("x", outboxpg.MaxMessageBytes)})
	require.NoError(t, err)
	err = db.Transaction(func(tx *gorm.DB) error { return outboxpg.Append(tx, "t", big) })
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.TooLarge {
		t.Fatalf("append of an event over %d bytes: got %v, want a %s error", outboxpg.MaxMessageBytes, err, apperr.TooLarge)
	}
	if got := countRows(t, db, "true"); got != 0 {
		t.Fatalf("outbox rows after the refusal: got %d, want 0", got)
	}
	fits, err := events.New(events.ClaimRequested, "test", "claim-fits", time.Now(),
		map[string]string{"text": strings.Repeat("x", outboxpg.MaxMessageBytes-1000)})
	require.NoError(t, err)
	require.NoError(t, db.Transaction(func(tx *gorm.DB) error { return outboxpg.Append(tx, "t", fits) }))
	if got := countRows(t, db, "true"); got != 1 {
		t.Fatalf("outbox rows after an event under the limit: got %d, want 1", got)
	}
}

package outboxpg_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/pkg/outbox/outboxpg"
)

// TestListenWakesTheRelayWhenAnotherConnectionAppends: a row appended by
// another instance (here: a transaction this relay's Wake never hears of)
// is published at once through the outbox_notify trigger's NOTIFY, not at
// the relay's next poll, which is an hour away.
func TestListenWakesTheRelayWhenAnotherConnectionAppends(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	pub := &recorder{}
	relay := outboxpg.NewRelay(db, pub, discard(), 43)
	relay.Interval = time.Hour // only a notification can make it look again
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go relay.Run(ctx)                  //nolint:errcheck
	go relay.Listen(ctx)               //nolint:errcheck
	time.Sleep(500 * time.Millisecond) // Run's first look and the LISTEN are done

	for round := 1; round <= 3; round++ {
		ids := appendCommitted(t, db, "topic", 2)
		deadline := time.Now().Add(5 * time.Second)
		for len(pub.eventIDs()) < 2*round && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		got := pub.eventIDs()
		require.Len(t, got, 2*round, "round %d: events published within 5 s of their commit", round)
		require.Equal(t, ids, got[2*(round-1):], "round %d", round)
	}
}

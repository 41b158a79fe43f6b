package outboxpg_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

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

// TestLingerServesCloseCommitsWithOneRead: five commits 20 ms apart, each
// waking the relay twice (its own Wake and the trigger's
// NOTIFY), are read, published and marked by one or two transactions of
// the relay, not by one or two each; and every row goes out, in order.
func TestLingerServesCloseCommitsWithOneRead(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	var reads atomic.Int64
	require.NoError(t, db.Callback().Query().After("gorm:query").Register("count_outbox_reads", func(tx *gorm.DB) {
		if tx.Statement.Table == "outbox" {
			reads.Add(1)
		}
	}))
	pub := &recorder{}
	relay := outboxpg.NewRelay(db, pub, discard(), 44)
	relay.Interval = time.Hour // only a wake can make it look again
	relay.Linger = 300 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go relay.Run(ctx)                  //nolint:errcheck
	go relay.Listen(ctx)               //nolint:errcheck
	time.Sleep(800 * time.Millisecond) // Run's first look and the LISTEN's are done
	before := reads.Load()

	var ids []string
	for range 5 {
		ids = append(ids, appendCommitted(t, db, "topic", 1)...)
		relay.Wake() // as the unit of work does after its commit
		time.Sleep(20 * time.Millisecond)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(pub.eventIDs()) < 5 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(2 * relay.Linger) // any wake left over is served
	require.Equal(t, ids, pub.eventIDs(), "every row published once, in order")
	if got := reads.Load() - before; got > 2 {
		t.Fatalf("reads of the outbox for 5 close commits: got %d, want at most 2", got)
	}
}

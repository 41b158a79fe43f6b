package outboxpg_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"claims.local/pkg/outbox/outboxpg"
)

// TestARelayTakingTheLockAsTheHolderCommitsDoesNotResendItsRows attacks the
// relay's lock and read in one statement: a relay whose statement began while
// another relay still held the lock, and took the lock once that one had
// committed, must not read the rows the other just marked sent as pending
// (the statement's snapshot is older than the lock). With batches of one row
// and no publish delay the holder commits often, so a stale read shows as a
// row published twice.
func TestARelayTakingTheLockAsTheHolderCommitsDoesNotResendItsRows(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	const total = 400
	appendCommitted(t, db, "topic", total)

	pub := &recorder{}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 2 {
		r := outboxpg.NewRelay(db, pub, discard(), 11)
		r.Batch = 1
		wg.Go(func() {
			<-start
			idle := 0
			for ctx.Err() == nil && idle < 50 {
				n, err := r.PublishPending(ctx)
				if err != nil {
					t.Errorf("PublishPending: got %v, want no error", err)
					return
				}
				if n > 0 {
					idle = 0
					continue
				}
				if p, err := outboxpg.Pending(ctx, db); err == nil && p == 0 {
					idle++
				}
			}
		})
	}
	close(start)
	wg.Wait()

	seen := map[string]int{}
	for _, id := range pub.eventIDs() {
		seen[id]++
	}
	twice := 0
	for _, n := range seen {
		if n > 1 {
			twice++
		}
	}
	if twice != 0 || len(seen) != total {
		t.Fatalf("got %d events published more than once and %d distinct of %d, want 0 and %d", twice, len(seen), total, total)
	}
}

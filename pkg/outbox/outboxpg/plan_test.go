package outboxpg_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/pkg/events"
	"claims.local/pkg/outbox"
	"claims.local/pkg/outbox/outboxpg"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/postgres/uow"
)

// pendingReadBlocks returns the pages the relay's read of pending rows has
// touched so far in the database of db, and how many times it ran.
func pendingReadBlocks(t *testing.T, admin, db *gorm.DB) (blocks, calls int64) {
	t.Helper()
	return pgtest.StatementBlocks(t, admin, db, `%FROM outbox o%FOR UPDATE OF o%`)
}

// publishAll runs relay until a read finds nothing pending and returns how
// many events went out.
func publishAll(t *testing.T, relay *outboxpg.Relay) int {
	t.Helper()
	total := 0
	for {
		n, err := relay.PublishPending(context.Background())
		require.NoError(t, err)
		if n == 0 {
			return total
		}
		total += n
	}
}

// TestTheRelaysReadDoesNotWalkTheRowsItAlreadyPublished is the surge of
// issue 21 against the relay: marking a row sent leaves its entry in the
// partial index of pending rows dead until vacuum removes it, and a read
// that starts at the index's first entry walks every one of them, however
// few rows are pending. Under a surge autovacuum comes every minute at
// best, while the relay reads many times a second: each read cost what the
// outbox had published since the last vacuum. Autovacuum is off for the
// table here, as it is in effect between its rounds.
func TestTheRelaysReadDoesNotWalkTheRowsItAlreadyPublished(t *testing.T) {
	t.Parallel()
	db, owner := pgtest.NewMigratedWithOwner(t, 2, uow.Shared)
	admin := pgtest.Open(t, pgtest.AdminDSN(t), 1)
	require.NoError(t, admin.Exec(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`).Error)
	require.NoError(t, owner.Exec(`ALTER TABLE outbox SET (autovacuum_enabled = false)`).Error)

	pub := &recorder{}
	relay := outboxpg.NewRelay(db, pub, discard(), 7)
	relay.Batch = 500
	const published = 20_000
	appendMany(t, db, published)
	if got := publishAll(t, relay); got != published {
		t.Fatalf("got %d events published, want %d", got, published)
	}

	for round := range 3 {
		appendMany(t, db, 1)
		blocksBefore, callsBefore := pendingReadBlocks(t, admin, db)
		if got := publishAll(t, relay); got != 1 {
			t.Fatalf("round %d: got %d events published, want 1", round, got)
		}
		blocksAfter, callsAfter := pendingReadBlocks(t, admin, db)
		if callsAfter-callsBefore != 2 {
			t.Fatalf("round %d: got %d reads of pending rows, want 2 (one finding the row, one finding none)", round, callsAfter-callsBefore)
		}
		// Two reads of one pending row each touch the index's levels, the
		// row's page and the dead entries of at most a batch or two behind
		// it: a few dozen pages, not the 20,000 rows published before.
		t.Logf("round %d: two reads of the one pending row touched %d pages", round, blocksAfter-blocksBefore)
		if got := blocksAfter - blocksBefore; got > 40 {
			t.Errorf("round %d: two reads of the one pending row touched %d pages after %d rows were published; want at most 40",
				round, got, published+round)
		}
	}
}

// appendMany stores n events in one committed transaction, by one
// statement a thousand, spread over a few claims.
func appendMany(t *testing.T, db *gorm.DB, n int) {
	t.Helper()
	require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
		const chunk = 1_000
		for from := 0; from < n; from += chunk {
			var out []events.Outgoing
			for i := from; i < min(n, from+chunk); i++ {
				out = append(out, events.Outgoing{Topic: "topic", Envelope: envelope(t, fmt.Sprintf("claim-%d", i%7), i)})
			}
			if err := outboxpg.AppendAll(tx, out); err != nil {
				return err
			}
		}
		return nil
	}))
}

// TestARowCommittedAfterALaterOneIsPublishedInItsClaimsOrder attacks a relay
// that remembers where its last read ended: ids are drawn when a row is
// inserted, not when it commits, so a transaction still open may hold an id
// below rows already published. A relay reading only past the last id it
// published would never publish that row, and would publish the claim's
// next event, appended once it committed, without it.
func TestARowCommittedAfterALaterOneIsPublishedInItsClaimsOrder(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	pub := &recorder{}
	relay := outboxpg.NewRelay(db, pub, discard(), 8)
	relay.Batch = 2

	// The slow transaction's first write is its event: it draws the
	// smallest id and stays open while later rows commit and go out.
	slow := db.Begin()
	first := envelope(t, "claim-slow", 0)
	require.NoError(t, outboxpg.Append(slow, "topic", first))
	later := appendCommitted(t, db, "topic", 9)
	for range 3 {
		publishAll(t, relay)
		appendCommitted(t, db, "topic", 3)
	}
	publishAll(t, relay)
	require.NoError(t, slow.Commit().Error)
	next := envelope(t, "claim-slow", 1)
	require.NoError(t, db.Transaction(func(tx *gorm.DB) error { return outboxpg.Append(tx, "topic", next) }))
	publishAll(t, relay)

	got := pub.eventIDs()
	if len(got) != len(later)+9+2 {
		t.Fatalf("got %d events published, want %d", len(got), len(later)+9+2)
	}
	at := map[string]int{}
	for i, id := range got {
		at[id] = i
	}
	i, ok := at[first.ID]
	if !ok {
		t.Fatalf("got the slow transaction's event never published, want it published once it committed")
	}
	if j := at[next.ID]; j < i {
		t.Fatalf("got claim-slow's second event published at %d and its first at %d, want the first before", j, i)
	}
	if n := pending(t, db); n != 0 {
		t.Fatalf("got %d rows pending, want 0", n)
	}
}

// killer is a Publisher that, at its calls numbered in kill, terminates the
// relay's connection (idle in the relay's transaction while it publishes)
// after the broker took the batch: the crash at the batch boundary, the
// events on the topic and their rows not marked sent.
type killer struct {
	recorder
	db   *gorm.DB
	kill map[int]bool
}

func (k *killer) Publish(ctx context.Context, msgs []outbox.Message) error {
	if err := k.recorder.Publish(ctx, msgs); err != nil {
		return err
	}
	k.mu.Lock()
	call := k.calls
	k.mu.Unlock()
	if !k.kill[call] {
		return nil
	}
	var pids []int64
	if err := k.db.Raw(`SELECT pid FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle in transaction'`).Scan(&pids).Error; err != nil || len(pids) != 1 {
		return fmt.Errorf("find the relay's connection: got %v and %v, want one pid and no error", pids, err)
	}
	var terminated bool
	if err := k.db.Raw(`SELECT pg_terminate_backend(?)`, pids[0]).Row().Scan(&terminated); err != nil || !terminated {
		return fmt.Errorf("terminate the relay's connection: got %t and %v, want true and no error", terminated, err)
	}
	// The backend ends its transaction, and lets go of the relay's
	// advisory lock, only once it has handled the signal: on a loaded
	// machine that can take longer than the next reads, which then find
	// the lock taken and nothing to do. A crashed relay's process is gone
	// before another relay reads, so wait for the backend to be gone too.
	for deadline := time.Now().Add(10 * time.Second); ; {
		var left int64
		if err := k.db.Raw(`SELECT count(*) FROM pg_stat_activity WHERE pid = ?`, pids[0]).Row().Scan(&left); err != nil {
			return fmt.Errorf("wait for the relay's connection to end: %w", err)
		}
		if left == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the relay's connection (pid %d) still there 10 s after it was terminated", pids[0])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestARelayKilledBeforeItsMarkCommitsLeavesNoRowBehindItsFloor crashes the
// relay between the broker's acknowledgement and the commit of its mark:
// the batch is on the topic but still pending, so the floor must not have
// moved past it (it moves only after the commit), and the next read sends
// it again (consumers absorb the copy through their inbox).
func TestARelayKilledBeforeItsMarkCommitsLeavesNoRowBehindItsFloor(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	const total = 1_000
	appendMany(t, db, total)
	pub := &killer{db: db, kill: map[int]bool{2: true, 3: true, 6: true}}
	relay := outboxpg.NewRelay(db, pub, discard(), 9)
	relay.Batch = 100

	failed := 0
	for calls := 0; calls < 100; calls++ {
		n, err := relay.PublishPending(context.Background())
		if err != nil {
			t.Logf("read %d: %v", calls, err)
			failed++
			continue
		}
		if calls < 20 {
			// Rows keep coming while the relay publishes.
			appendMany(t, db, 10)
			continue
		}
		if n == 0 {
			break
		}
	}
	if failed == 0 {
		t.Fatalf("got no failed reads, want the killed ones to fail")
	}
	if n := pending(t, db); n != 0 {
		t.Fatalf("got %d rows left pending, want 0", n)
	}
	seen := map[string]int{}
	for _, id := range pub.eventIDs() {
		seen[id]++
	}
	stored := countRows(t, db, "true")
	if int64(len(seen)) != stored {
		t.Fatalf("got %d distinct events published, want every one of the %d stored", len(seen), stored)
	}
	if got := len(pub.eventIDs()) - len(seen); got != failed*100 {
		t.Fatalf("got %d events published twice, want %d (the %d killed batches)", got, failed*100, failed)
	}
}

package outboxpg_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
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

// openDB returns a fresh database with the outbox table.
func openDB(t *testing.T) *gorm.DB {
	t.Helper()
	return pgtest.NewMigrated(t, 10, uow.Shared)
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// envelope returns a fresh claim-requested envelope for claimID.
func envelope(t *testing.T, claimID string, seq int) events.Envelope {
	t.Helper()
	e, err := events.New(events.ClaimRequested, "test", claimID, time.Now(), map[string]int{"seq": seq})
	require.NoError(t, err)
	return e
}

// appendCommitted stores n events, each in its own committed transaction,
// and returns their ids in append order.
func appendCommitted(t *testing.T, db *gorm.DB, topic string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range n {
		e := envelope(t, fmt.Sprintf("claim-%d", i%3), i)
		require.NoError(t, db.Transaction(func(tx *gorm.DB) error { return outboxpg.Append(tx, topic, e) }))
		ids[i] = e.ID
	}
	return ids
}

func pending(t *testing.T, db *gorm.DB) int64 {
	t.Helper()
	n, err := outboxpg.Pending(context.Background(), db)
	require.NoError(t, err)
	return n
}

func countRows(t *testing.T, db *gorm.DB, where string) int64 {
	t.Helper()
	return pgtest.Count(t, db, "SELECT count(*) FROM outbox WHERE "+where)
}

// recorder is a Publisher that remembers what it was given.
type recorder struct {
	mu    sync.Mutex
	msgs  []outbox.Message
	calls int
	fail  error
	delay time.Duration
}

func (r *recorder) Publish(_ context.Context, msgs []outbox.Message) error {
	if r.delay > 0 {
		time.Sleep(r.delay)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.fail != nil {
		return r.fail
	}
	r.msgs = append(r.msgs, msgs...)
	return nil
}

func (r *recorder) eventIDs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.msgs))
	for i, m := range r.msgs {
		out[i] = m.EventID
	}
	return out
}

func TestAppendIsPartOfTheCallersTransaction(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	rollback := errors.New("state change failed")

	err := db.Transaction(func(tx *gorm.DB) error {
		if err := outboxpg.Append(tx, "topic", envelope(t, "c1", 0)); err != nil {
			return err
		}
		return rollback
	})
	require.ErrorIs(t, err, rollback)
	if got := countRows(t, db, "true"); got != 0 {
		t.Fatalf("got %d outbox rows after a rolled-back transaction, want 0", got)
	}

	// The same append in a transaction that commits is stored, pending.
	e := envelope(t, "c1", 1)
	require.NoError(t, db.Transaction(func(tx *gorm.DB) error { return outboxpg.Append(tx, "topic", e) }))
	if got := pending(t, db); got != 1 {
		t.Fatalf("got %d pending events after a commit, want 1", got)
	}
	var stored struct {
		EventID, Topic, MsgKey, EventType string
		Payload                           []byte
	}
	require.NoError(t, db.Raw("SELECT event_id, topic, msg_key, event_type, payload FROM outbox").Scan(&stored).Error)
	if stored.EventID != e.ID || stored.Topic != "topic" || stored.MsgKey != "c1" || stored.EventType != events.ClaimRequested.Name {
		t.Fatalf("got row %+v, want event %s on topic with key c1 and type %s", stored, e.ID, events.ClaimRequested.Name)
	}
	decoded, err := events.Decode(stored.Payload)
	require.NoError(t, err, "stored payload is a valid envelope")
	if decoded.ID != e.ID {
		t.Fatalf("got payload of event %s, want %s", decoded.ID, e.ID)
	}
}

func TestAppendAllKeepsOrderAndRefusesDuplicateEventIDs(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	a, b := envelope(t, "c1", 0), envelope(t, "c1", 1)
	require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
		return outboxpg.AppendAll(tx, []events.Outgoing{{Topic: "x", Envelope: a}, {Topic: "y", Envelope: b}})
	}))
	var ids []string
	require.NoError(t, db.Raw("SELECT event_id FROM outbox ORDER BY id").Scan(&ids).Error)
	require.Equal(t, []string{a.ID, b.ID}, ids, "event ids in id order")

	// An event id is stored once: appending it again fails the transaction.
	err := db.Transaction(func(tx *gorm.DB) error { return outboxpg.Append(tx, "x", a) })
	if err == nil {
		t.Fatalf("got no error appending event %s twice, want a unique violation", a.ID)
	}
	if got := countRows(t, db, "true"); got != 2 {
		t.Fatalf("got %d rows, want 2", got)
	}
}

func TestPublishPendingPublishesInIDOrderAndMarksSent(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	ctx := context.Background()
	ids := appendCommitted(t, db, "claims.intake.v1", 5)

	pub := &recorder{}
	relay := outboxpg.NewRelay(db, pub, discard(), 42)
	relay.Batch = 2
	var reported atomic.Int64
	relay.OnPublished = func(n int) { reported.Add(int64(n)) }

	var counts []int
	for range 4 {
		n, err := relay.PublishPending(ctx)
		require.NoError(t, err)
		counts = append(counts, n)
	}
	require.Equal(t, []int{2, 2, 1, 0}, counts, "events published per call with batch 2")
	require.Equal(t, ids, pub.eventIDs(), "events published in id order")
	if got := reported.Load(); got != 5 {
		t.Fatalf("got OnPublished total %d, want 5", got)
	}
	if got := pending(t, db); got != 0 {
		t.Fatalf("got %d pending after publishing, want 0", got)
	}
	if got := countRows(t, db, "sent_at IS NOT NULL"); got != 5 {
		t.Fatalf("got %d rows marked sent, want 5", got)
	}
	if pub.calls != 3 {
		t.Fatalf("got %d Publish calls, want 3 (no call when nothing is pending)", pub.calls)
	}

	// Each message carries the envelope as stored, keyed by claim.
	for i, m := range pub.msgs {
		e, err := events.Decode(m.Value)
		require.NoError(t, err, "message %d", i)
		if m.Topic != "claims.intake.v1" || m.Key != e.ClaimID || m.EventID != e.ID || m.Type != e.Type {
			t.Fatalf("got message %+v, want topic claims.intake.v1, key %s, id %s, type %s", m, e.ClaimID, e.ID, e.Type)
		}
	}
}

func TestPublishFailureLeavesEventsPendingUntilALaterCall(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	ctx := context.Background()
	ids := appendCommitted(t, db, "topic", 3)

	pub := &recorder{fail: errors.New("broker down")}
	relay := outboxpg.NewRelay(db, pub, discard(), 42)
	n, err := relay.PublishPending(ctx)
	if err == nil || n != 0 {
		t.Fatalf("got n=%d err=%v, want 0 and an error", n, err)
	}
	require.ErrorIs(t, err, pub.fail)
	if got := pending(t, db); got != 3 {
		t.Fatalf("got %d pending after a failed publish, want 3", got)
	}

	pub.fail = nil
	n, err = relay.PublishPending(ctx)
	require.NoError(t, err)
	if n != 3 {
		t.Fatalf("got %d published after recovery, want 3", n)
	}
	require.Equal(t, ids, pub.eventIDs(), "events published in id order after recovery")
	if got := pending(t, db); got != 0 {
		t.Fatalf("got %d pending after recovery, want 0", got)
	}
}

func TestConcurrentRelaysWithOneLockNeverPublishARowTwice(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	const total = 60
	ids := appendCommitted(t, db, "topic", total)

	// One publisher shared by both relays; the delay widens the window in
	// which both hold a transaction at once.
	pub := &recorder{delay: 5 * time.Millisecond}
	relays := []*outboxpg.Relay{outboxpg.NewRelay(db, pub, discard(), 7), outboxpg.NewRelay(db, pub, discard(), 7)}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, r := range relays {
		r.Batch = 5
		wg.Go(func() {
			<-start
			for ctx.Err() == nil {
				if _, err := r.PublishPending(ctx); err != nil {
					t.Errorf("PublishPending: got %v, want no error", err)
					return
				}
				n, err := outboxpg.Pending(ctx, db)
				if err != nil || n == 0 {
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()

	got := pub.eventIDs()
	seen := map[string]int{}
	for _, id := range got {
		seen[id]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("event %s: got published %d times, want 1", id, n)
		}
	}
	if len(got) != total {
		t.Fatalf("got %d messages published, want %d", len(got), total)
	}
	require.Equal(t, ids, got, "events published in id order across both relays")
}

func TestRunPublishesWhenWokenAndStopsWithItsContext(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	pub := &recorder{}
	relay := outboxpg.NewRelay(db, pub, discard(), 42)
	relay.Interval = time.Hour // only Wake can make it look again
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- relay.Run(ctx) }()

	ids := appendCommitted(t, db, "topic", 2)
	relay.Wake()
	deadline := time.Now().Add(10 * time.Second)
	for len(pub.eventIDs()) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	require.Equal(t, ids, pub.eventIDs(), "events published after Wake")

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("got Run error %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("got Run still running 10s after cancel, want it stopped")
	}
}

// The payload stored is the JSON of the envelope, so that consumers read
// exactly what the producer built.
func TestPayloadIsTheEnvelopeJSON(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	e := envelope(t, "c9", 9)
	require.NoError(t, db.Transaction(func(tx *gorm.DB) error { return outboxpg.Append(tx, "t", e) }))
	var payload []byte
	require.NoError(t, db.Raw("SELECT payload FROM outbox").Row().Scan(&payload))
	want, err := json.Marshal(e)
	require.NoError(t, err)
	require.JSONEq(t, string(want), string(payload))
}

// Issue 17: a sent row is deleted once it is older than the retention
// (it may carry personal data, sealed or masked, that has no reason to stay);
// a pending row, and a sent one younger than the retention, stay whatever
// their age.
func TestPurgeSentDeletesOnlySentRowsOlderThanTheRetention(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	ctx := context.Background()
	appendCommitted(t, db, "t", 5)
	relay := outboxpg.NewRelay(db, &recorder{}, discard(), 7101)
	n, err := relay.PublishPending(ctx)
	require.NoError(t, err)
	require.Equal(t, 5, n)
	appendCommitted(t, db, "t", 2) // pending, never sent
	// Three of the sent rows were sent two hours ago, two a minute ago.
	require.NoError(t, db.Exec(`UPDATE outbox SET sent_at = now() - interval '2 hours', created_at = now() - interval '2 hours'
		WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NOT NULL ORDER BY id LIMIT 3)`).Error)
	require.NoError(t, db.Exec(`UPDATE outbox SET created_at = now() - interval '3 hours' WHERE sent_at IS NULL`).Error)

	relay.Retention = time.Hour
	purged, err := relay.PurgeSent(ctx)
	require.NoError(t, err)
	if purged != 3 {
		t.Errorf("got %d rows purged, want the 3 sent more than an hour ago", purged)
	}
	if got := countRows(t, db, "sent_at IS NOT NULL"); got != 2 {
		t.Errorf("got %d sent rows left, want the 2 sent a minute ago", got)
	}
	if got := pending(t, db); got != 2 {
		t.Errorf("got %d pending rows left, want both: a pending row is never purged", got)
	}

	// A short retention in the relay's own loop purges the rest.
	relay.Retention, relay.PurgeEvery = time.Millisecond, 10*time.Millisecond
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- relay.Run(runCtx) }()
	deadline := time.Now().Add(10 * time.Second)
	for countRows(t, db, "true") != 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	require.NoError(t, <-done)
	if got := countRows(t, db, "true"); got != 0 {
		t.Errorf("got %d rows after the relay ran with a 1ms retention, want none", got)
	}
}

// partial is a Publisher whose first call the broker acknowledges in part:
// the messages at the odd places are refused.
type partial struct {
	recorder
	refusedOnce bool
}

func (p *partial) Publish(ctx context.Context, msgs []outbox.Message) error {
	if p.refusedOnce {
		return p.recorder.Publish(ctx, msgs)
	}
	p.refusedOnce = true
	delivered := make([]bool, len(msgs))
	var acked []outbox.Message
	for i := range msgs {
		delivered[i] = i%2 == 0
		if delivered[i] {
			acked = append(acked, msgs[i])
		}
	}
	if err := p.recorder.Publish(ctx, acked); err != nil {
		return err
	}
	return &outbox.PartialFailure{Delivered: delivered, Err: errors.New("not leader for partition")}
}

// TestAPartlyAcknowledgedBatchIsNotSentTwice: when the broker acknowledges
// some messages of a batch and refuses others (a leader moving during a
// broker restart), the acknowledged ones are marked sent and only the
// others are sent again: each event reaches the topic once.
func TestAPartlyAcknowledgedBatchIsNotSentTwice(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	ctx := context.Background()
	ids := appendCommitted(t, db, "topic", 4)

	pub := &partial{}
	relay := outboxpg.NewRelay(db, pub, discard(), 44)
	n, err := relay.PublishPending(ctx)
	if err == nil || n != 2 {
		t.Fatalf("got n=%d err=%v, want 2 and an error", n, err)
	}
	if got := pending(t, db); got != 2 {
		t.Fatalf("got %d pending after a partly acknowledged batch, want 2", got)
	}
	n, err = relay.PublishPending(ctx)
	require.NoError(t, err)
	if n != 2 {
		t.Fatalf("got %d published on the retry, want 2", n)
	}
	got := pub.eventIDs()
	require.ElementsMatch(t, ids, got, "every event reached the topic once")
	require.Len(t, got, 4, "no event sent twice")
}

// TestAppendAllStoresTheEventsOfAChangeInOneStatement: a change's events
// (payout's executor batch completes several payments) are inserted by one
// statement, in their order (issue 21: one INSERT an event before), and a
// duplicate among them fails the whole append.
func TestAppendAllStoresTheEventsOfAChangeInOneStatement(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	var inserts int
	var counting bool
	require.NoError(t, db.Callback().Create().After("*").Register("test:count", func(tx *gorm.DB) {
		if counting {
			inserts++
		}
	}))
	var out []events.Outgoing
	var want []string
	for i := range 5 {
		e := envelope(t, fmt.Sprintf("c%d", i%2), i)
		out = append(out, events.Outgoing{Topic: "x", Envelope: e})
		want = append(want, e.ID)
	}
	require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
		counting = true
		defer func() { counting = false }()
		return outboxpg.AppendAll(tx, out)
	}))
	if inserts != 1 {
		t.Errorf("got %d insert statements for 5 events, want 1", inserts)
	}
	var ids []string
	require.NoError(t, db.Raw("SELECT event_id FROM outbox ORDER BY id").Scan(&ids).Error)
	require.Equal(t, want, ids, "event ids in id order")

	dup := envelope(t, "c9", 9)
	err := db.Transaction(func(tx *gorm.DB) error {
		return outboxpg.AppendAll(tx, []events.Outgoing{{Topic: "x", Envelope: dup}, {Topic: "x", Envelope: out[0].Envelope}})
	})
	if err == nil || countRows(t, db, "true") != 5 {
		t.Fatalf("appending a stored event again with a new one: got %v and %d rows, want an error and 5", err, countRows(t, db, "true"))
	}
}

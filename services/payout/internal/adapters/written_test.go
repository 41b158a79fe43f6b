package adapters_test

import (
	"bytes"
	"context"
	"database/sql"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/payout/internal/adapters"
	"claims.local/payout/internal/app"
	"claims.local/payout/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/inbox"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking"
)

// updates records the SQL of every UPDATE of obligations db runs from now
// on: gorm's, and the raw statements that hold one (the executor's writes,
// held with their notices and events: held.flush).
func updates(t *testing.T, db *gorm.DB) func() []string {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	name := "test:updates:" + t.Name()
	record := func(tx *gorm.DB) {
		mu.Lock()
		seen = append(seen, tx.Statement.SQL.String())
		mu.Unlock()
	}
	require.NoError(t, db.Callback().Update().After("gorm:update").Register(name, func(tx *gorm.DB) {
		if tx.Statement.Table == "obligations" {
			record(tx)
		}
	}))
	raw := func(tx *gorm.DB) {
		if strings.Contains(tx.Statement.SQL.String(), "UPDATE obligations") {
			record(tx)
		}
	}
	require.NoError(t, db.Callback().Raw().After("gorm:raw").Register(name, raw))
	require.NoError(t, db.Callback().Row().After("gorm:row").Register(name, raw))
	return func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), seen...) }
}

func sealedPayee(t *testing.T, db *gorm.DB, id string) (box []byte, keyID string) {
	t.Helper()
	require.NoError(t, db.Raw(`SELECT payee_sealed, payee_key_id FROM obligations WHERE id = ?`, id).Row().Scan(&box, &keyID))
	return box, keyID
}

// TestAnExecutorsWriteStoresOnlyWhatChanged: marking a payment sent and
// completing it write the columns the domain changed, not every column of
// the row with its payee sealed again (issue 21: each obligation was
// written in full twice, the payee sealed anew each time). The payee box
// stays the bytes it was while its key is current; under a ring whose
// current key is another, the write still seals it under the current one
// (the lazy reseal), and the payee opens with the new key alone.
func TestAnExecutorsWriteStoresOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	o := obligation(t, "claim-w", t0)
	_, err := f.repo.Schedule(ctx, inbox.Receipt{}, o, nothing)
	require.NoError(t, err)
	box, keyID := sealedPayee(t, f.db, o.ID)
	seen := updates(t, f.db)

	found, err := due(f, t0, domain.StateScheduled, func(x *domain.Obligation) (app.Effects, error) {
		return app.Effects{}, x.Submit(t0)
	})
	require.NoError(t, err)
	require.True(t, found, "due obligation not found")
	found, err = due(f, t0.Add(time.Hour), domain.StateSent, func(x *domain.Obligation) (app.Effects, error) {
		return app.Effects{}, x.Complete("REF-W", t0.Add(time.Minute))
	})
	require.NoError(t, err)
	require.True(t, found, "sent obligation not found")

	after, afterKey := sealedPayee(t, f.db, o.ID)
	if !bytes.Equal(after, box) || afterKey != keyID {
		t.Errorf("got the payee box rewritten (key %s → %s), want it as sealed at scheduling", keyID, afterKey)
	}
	writes := seen()
	if len(writes) != 2 {
		t.Fatalf("got %d UPDATEs of obligations, want 2 (sent, completed): %q", len(writes), writes)
	}
	for _, w := range writes {
		for _, col := range []string{"payee_sealed", "case_id", "policy_number", "amount_fen", "parties"} {
			if strings.Contains(w, `"`+col+`"`) {
				t.Errorf("got %q, want an UPDATE without %s, which did not change", w, col)
			}
		}
	}
	got, err := f.repo.Get(ctx, o.ID)
	require.NoError(t, err)
	if got.State != domain.StateCompleted || got.BankReference != "REF-W" || got.Attempts != 1 || got.SentAt == nil ||
		got.CompletedAt == nil || !reflect.DeepEqual(got.Payee, o.Payee) {
		t.Fatalf("got %+v, want completed with REF-W, one attempt, the payee as scheduled", got)
	}

	// A write under a ring whose current key is another seals the payee
	// under it: an executor's write still moves a payee off an old key.
	o2 := obligation(t, "claim-w2", t0)
	_, err = f.repo.Schedule(ctx, inbox.Receipt{}, o2, nothing)
	require.NoError(t, err)
	rotated := adapters.NewObligations(f.db, nil, f.tracker, keyring(t, "k2", "k1"), shanghai(t))
	n, err := rotated.Due(ctx, t0, []domain.State{domain.StateScheduled}, 1, nil, func(_ context.Context, x *domain.Obligation) (app.Effects, error) {
		return app.Effects{}, x.Submit(t0)
	})
	require.NoError(t, err)
	require.Equal(t, 1, n)
	if _, k := sealedPayee(t, f.db, o2.ID); k != "k2" {
		t.Fatalf("got the payee under key %s after a write with k2 current, want k2", k)
	}
	newOnly := adapters.NewObligations(f.db, nil, f.tracker, keyring(t, "k2"), shanghai(t))
	if got, err := newOnly.Get(ctx, o2.ID); err != nil || !reflect.DeepEqual(got.Payee, o2.Payee) {
		t.Fatalf("got %v, %+v with k2 alone, want the payee", err, got.Payee)
	}
}

// statementsOf counts the statements db runs from now on, through any of
// gorm's processors.
func statementsOf(t *testing.T, db *gorm.DB) func() int {
	t.Helper()
	var mu sync.Mutex
	n := 0
	count := func(*gorm.DB) { mu.Lock(); n++; mu.Unlock() }
	name := "test:statements:" + t.Name()
	cb := db.Callback()
	require.NoError(t, cb.Create().After("gorm:create").Register(name, count))
	require.NoError(t, cb.Query().After("gorm:query").Register(name, count))
	require.NoError(t, cb.Update().After("gorm:update").Register(name, count))
	require.NoError(t, cb.Delete().After("gorm:delete").Register(name, count))
	require.NoError(t, cb.Row().After("gorm:row").Register(name, count))
	require.NoError(t, cb.Raw().After("gorm:raw").Register(name, count))
	return func() int { mu.Lock(); defer mu.Unlock(); return n }
}

// TestAnAgreementsReceiptAndObligationAreOneStatement: scheduling the
// obligation of an agreement stores the event's inbox receipt and the
// obligation by one statement (issue 21), then the effects (here one
// outbox row of another claim, which that statement does not take: see
// TestAnAgreementsObligationAndItsEffectsAreOneStatement): 2 statements, 3
// before. A redelivery stores nothing and is given no obligation to decide
// about (decide(nil) is asked before the statement, its effects dropped);
// an agreement of another event for a claim that owes a final payment
// already finds it, once.
func TestAnAgreementsReceiptAndObligationAreOneStatement(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	o := obligation(t, "claim-s", t0)
	count := statementsOf(t, f.db)
	calls := 0
	created, err := f.repo.Schedule(ctx, receipt("e-s1", "claim-s"), o, announce(t, &calls, nil))
	require.NoError(t, err)
	if n := count(); !created || calls != 1 || n != 2 {
		t.Fatalf("got created %v, %d decisions, %d statements, want true, 1, 2 (receipt with obligation, outbox)", created, calls, n)
	}
	got, err := f.repo.Get(ctx, o.ID)
	require.NoError(t, err)
	if !reflect.DeepEqual(got, o) {
		t.Fatalf("got %+v, want the obligation as scheduled %+v", got, o)
	}
	again := obligation(t, "claim-s", t0)
	var existing *domain.Obligation
	created, err = f.repo.Schedule(ctx, receipt("e-s1", "claim-s"), again, announce(t, &calls, &existing))
	require.NoError(t, err)
	if created || existing != nil || pgtest.Count(t, f.db, "SELECT count(*) FROM outbox") != 1 {
		t.Fatalf("redelivery: got created %v, given %v, want false, nothing given, one outbox row", created, existing)
	}
	created, err = f.repo.Schedule(ctx, receipt("e-s2", "claim-s"), again, announce(t, &calls, &existing))
	require.NoError(t, err)
	if created || existing == nil || existing.ID != o.ID {
		t.Fatalf("another event: got created %v, existing %v, want false, %s", created, existing, o.ID)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM obligations WHERE claim_id = 'claim-s'"); n != 1 {
		t.Fatalf("got %d obligations of the claim, want 1", n)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM inbox"); n != 2 {
		t.Fatalf("got %d receipts, want 2", n)
	}
}

// withEffects returns a decide function that counts its calls and, for a
// new obligation, returns what an agreement's does: its payee set in the
// audit trail (change id changeID), its R6 deadline opened, the
// payout-scheduled event.
func withEffects(t *testing.T, f *fixture, o domain.Obligation, changeID string, calls *int) func(*domain.Obligation) (app.Effects, error) {
	t.Helper()
	pay, err := f.tracker.New(tracking.Spec{ClaimID: o.ClaimID, Subject: tracking.PaymentSubject(o.ID), Rule: deadline.Payment, ClockStart: o.AgreedAt}, o.ScheduledAt)
	require.NoError(t, err)
	return func(e *domain.Obligation) (app.Effects, error) {
		*calls++
		if e != nil {
			return app.Effects{}, nil
		}
		return app.Effects{Events: []events.Outgoing{event(t, events.PayoutScheduled, o)}, Steps: []tracking.Step{tracking.Open(pay)},
			PayeeChanges: []domain.PayeeChange{o.Change(changeID, domain.PayeeSet, "handler-1", "agreement recorded in adjudication", nil, o.ScheduledAt)}}, nil
	}
}

// stored counts what scheduling the obligation of claimID left: receipts
// of the claim, its obligations, their payee changes, R6 deadlines and
// outbox rows.
func stored(t *testing.T, db *gorm.DB, claimID string) [5]int64 {
	t.Helper()
	var out [5]int64
	for i, q := range []string{
		"SELECT count(*) FROM inbox WHERE claim_id = ?",
		"SELECT count(*) FROM obligations WHERE claim_id = ?",
		"SELECT count(*) FROM payee_changes WHERE claim_id = ?",
		"SELECT count(*) FROM deadline_obligations WHERE claim_id = ? AND rule = 'payment'",
		"SELECT count(*) FROM outbox WHERE msg_key = ?",
	} {
		require.NoError(t, db.Raw(q, claimID).Row().Scan(&out[i]))
	}
	return out
}

// TestAnAgreementsObligationAndItsEffectsAreOneStatement: the obligation
// of an agreement is stored with its receipt, its payee set in the audit
// trail, its R6 deadline and its payout-scheduled event by one statement
// (issue 21: four, besides BEGIN and COMMIT), and each of them only with
// the obligation: a redelivery stores nothing, another event of the claim
// (same terms) stores its receipt alone, and a change that fails at its
// last part (its payee change refused by the table) leaves nothing of the
// statement, so that the event, delivered again, is scheduled whole.
func TestAnAgreementsObligationAndItsEffectsAreOneStatement(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	o := obligation(t, "claim-e", t0)
	calls := 0
	count := statementsOf(t, f.db)
	created, err := f.repo.Schedule(ctx, receipt("e-e1", "claim-e"), o, withEffects(t, f, o, "pc-e1", &calls))
	require.NoError(t, err)
	if n := count(); !created || n != 1 {
		t.Fatalf("got created %v in %d statements, want true in 1 (receipt, obligation, payee change, R6 deadline, event)", created, n)
	}
	if got, want := stored(t, f.db, "claim-e"), [5]int64{1, 1, 1, 1, 1}; got != want {
		t.Fatalf("got %v receipts, obligations, payee changes, R6 deadlines, events, want %v", got, want)
	}
	if f.commits.Load() != 1 {
		t.Fatalf("got %d wake-ups of the relay, want 1", f.commits.Load())
	}

	// The same event again, then another of the claim with the same terms.
	for _, r := range []inbox.Receipt{receipt("e-e1", "claim-e"), receipt("e-e2", "claim-e")} {
		again := obligation(t, "claim-e", t0)
		created, err = f.repo.Schedule(ctx, r, again, withEffects(t, f, again, "pc-"+r.EventID+"-again", &calls))
		require.NoError(t, err)
		if created {
			t.Fatalf("%s: got created, want the claim's obligation found", r.EventID)
		}
	}
	if got, want := stored(t, f.db, "claim-e"), [5]int64{2, 1, 1, 1, 1}; got != want {
		t.Fatalf("got %v receipts, obligations, payee changes, R6 deadlines, events after a redelivery and another event, want %v", got, want)
	}

	// A failure at the statement's last part: the payee change's id is
	// taken (claim-e's), so the table refuses it.
	p := obligation(t, "claim-f", t0)
	_, err = f.repo.Schedule(ctx, receipt("e-f1", "claim-f"), p, withEffects(t, f, p, "pc-e1", &calls))
	if err == nil {
		t.Fatal("got no error for a payee change the table refuses, want one")
	}
	if got, want := stored(t, f.db, "claim-f"), [5]int64{}; got != want {
		t.Fatalf("got %v receipts, obligations, payee changes, R6 deadlines, events after a failed change, want %v", got, want)
	}
	created, err = f.repo.Schedule(ctx, receipt("e-f1", "claim-f"), p, withEffects(t, f, p, "pc-f1", &calls))
	require.NoError(t, err)
	if got, want := stored(t, f.db, "claim-f"), [5]int64{1, 1, 1, 1, 1}; !created || got != want {
		t.Fatalf("delivered again: got created %v, %v, want true, %v", created, got, want)
	}
}

// beginCounter is the pool of a repository under test that counts the
// transactions it begins.
type beginCounter struct {
	*sql.DB
	begun atomic.Int64
}

func (p *beginCounter) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	p.begun.Add(1)
	return p.DB.BeginTx(ctx, opts)
}

// countingRepo returns a repository over f's database whose pool counts
// the transactions it begins, with its session (whose statements
// statementsOf counts) and that pool.
func countingRepo(t *testing.T, f *fixture) (*adapters.Obligations, *gorm.DB, *beginCounter) {
	t.Helper()
	pool, err := f.db.DB()
	require.NoError(t, err)
	counter := &beginCounter{DB: pool}
	db := f.db.Session(&gorm.Session{NewDB: true})
	db.Statement.ConnPool = counter
	return adapters.NewObligations(db, nil, f.tracker, keyring(t, "k1"), shanghai(t)), db, counter
}

// TestAnExecutorRoundThatFindsNothingDueBeginsNoTransaction: most of the
// executor's rounds find nothing due (it looks every 250 ms and whenever a
// payment is scheduled), and each cost a transaction of three statements
// (BEGIN, the locking read, COMMIT; issue 21: 1.3 of payout's 1.7 due reads
// a claim in a benchmark). A round that finds nothing due costs one
// statement and no transaction; a round that finds a payment due locks it
// and works on it in one transaction, as before.
func TestAnExecutorRoundThatFindsNothingDueBeginsNoTransaction(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	later := obligation(t, "claim-later", t0.Add(time.Hour))
	_, err := f.repo.Schedule(ctx, inbox.Receipt{}, later, nothing)
	require.NoError(t, err)
	repo, _, counter := countingRepo(t, f)
	count := statementsOf(t, f.db)
	prepared := 0
	states := []domain.State{domain.StateScheduled, domain.StateSent}
	n, err := repo.Due(ctx, t0, states, 32, func([]domain.Obligation) { prepared++ }, func(_ context.Context, o *domain.Obligation) (app.Effects, error) {
		t.Errorf("got work on %s, which is not due, want none", o.ID)
		return app.Effects{}, nil
	})
	require.NoError(t, err)
	if got, begun := count(), counter.begun.Load(); n != 0 || got != 1 || begun != 0 || prepared != 1 {
		t.Fatalf("nothing due: got %d locked, %d statements, %d transactions, %d prepares, want 0, 1, 0, 1", n, got, begun, prepared)
	}
	worked := 0
	n, err = repo.Due(ctx, t0.Add(2*time.Hour), states, 32, nil, func(_ context.Context, o *domain.Obligation) (app.Effects, error) {
		worked++
		return app.Effects{}, o.Submit(t0.Add(2 * time.Hour))
	})
	require.NoError(t, err)
	if begun := counter.begun.Load(); n != 1 || worked != 1 || begun != 1 {
		t.Fatalf("one due: got %d locked, %d worked, %d transactions, want 1, 1, 1", n, worked, begun)
	}
	got, err := f.repo.Get(ctx, later.ID)
	require.NoError(t, err)
	if got.State != domain.StateSent {
		t.Fatalf("got %s, want sent", got.State)
	}
}

// TestAmongLocksTheObligationsItIsToldOfWithoutALook: the executor pays
// payments it was told were scheduled, and asks about transfers at the
// time the bank said they settle, by their ids and together (issue 21's
// fourteenth round): one transaction, and no look for what is due first
// (Due's first statement). A scheduled obligation is taken only when due
// (a retry's back-off holds) and only to pay, a sent one to check whatever
// its next attempt, one in another state never, and one another
// transaction holds is skipped.
func TestAmongLocksTheObligationsItIsToldOfWithoutALook(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	schedule := func(claimID string, at time.Time) string {
		t.Helper()
		o := obligation(t, claimID, at)
		_, err := f.repo.Schedule(ctx, inbox.Receipt{}, o, nothing)
		require.NoError(t, err)
		return o.ID
	}
	now, later, sent := schedule("claim-now", t0), schedule("claim-later", t0.Add(time.Hour)), schedule("claim-sent", t0)
	held, notSent := schedule("claim-held", t0), schedule("claim-not-sent", t0)
	submit := func(_ context.Context, o *domain.Obligation) (app.Effects, error) { return app.Effects{}, o.Submit(t0) }
	_, err := f.repo.Among(ctx, t0, []string{sent}, nil, nil, submit)
	require.NoError(t, err)
	repo, db, counter := countingRepo(t, f)
	pool := counter.DB

	// Another transaction holds held's row while the executor takes the
	// ids it was told of.
	tx := f.db.Begin()
	require.NoError(t, tx.Error)
	defer tx.Rollback()
	require.NoError(t, tx.Exec("SELECT 1 FROM obligations WHERE id = ? FOR UPDATE", held).Error)

	count := statementsOf(t, db)
	begunBefore := counter.begun.Load()
	var paid, checked []string
	n, err := repo.Among(ctx, t0, []string{later, held, sent, now}, []string{sent, notSent}, nil, func(_ context.Context, o *domain.Obligation) (app.Effects, error) {
		if o.State == domain.StateSent {
			checked = append(checked, o.ID)
			if !o.NextAttemptAt.After(t0) {
				t.Errorf("got %s next attempted at %v, want after %v (not yet due)", o.ID, o.NextAttemptAt, t0)
			}
			return app.Effects{}, nil
		}
		paid = append(paid, o.ID)
		// The claim's lock is held (the R10 count of a completion reads
		// the claim's other payments under it): another session cannot
		// take it.
		var free bool
		require.NoError(t, pool.QueryRowContext(ctx, `SELECT pg_try_advisory_xact_lock(hashtextextended('payout.claim:' || $1, 0))`, o.ClaimID).Scan(&free))
		if free {
			t.Errorf("got the lock of claim %s free while its payment is locked, want it held", o.ClaimID)
		}
		return app.Effects{}, o.Submit(t0)
	})
	require.NoError(t, err)
	// The locking read with the claims' locks, and the sent mark: Due
	// reads its look before them.
	if got, begun := count(), counter.begun.Load()-begunBefore; n != 2 || !slices.Equal(paid, []string{now}) || !slices.Equal(checked, []string{sent}) || got != 2 || begun != 1 {
		t.Fatalf("got %d locked (paid %v, checked %v) in %d statements, %d transactions, want 2 (paid %s, checked %s) in 2 and 1",
			n, paid, checked, got, begun, now, sent)
	}
}

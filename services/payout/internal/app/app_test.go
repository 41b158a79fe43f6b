package app_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/payout/internal/adapters"
	"claims.local/payout/internal/app"
	"claims.local/payout/internal/domain"
	"claims.local/pkg/events"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking"
)

var topics = events.Topics{Prefix: "test."}

// tracker counts with the calendar built into the binary.
func tracker() *tracking.Tracker { return tracking.NewTracker(tracking.NewCalendars(nil), -1) }

// openDB returns a fresh database with the service's tables.
func openDB(t *testing.T) *gorm.DB {
	t.Helper()
	return pgtest.NewMigrated(t, 10, adapters.Migrations)
}

func shanghai(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	return loc
}

// countingBank counts every transfer asked of the bank behind it.
type countingBank struct {
	inner app.Bank
	calls atomic.Int64
}

func (b *countingBank) Transfer(ctx context.Context, req app.TransferRequest) (string, error) {
	b.calls.Add(1)
	return b.inner.Transfer(ctx, req)
}

// scriptedBank answers every transfer with err.
type scriptedBank struct{ err error }

func (b scriptedBank) Transfer(context.Context, app.TransferRequest) (string, error) {
	return "", b.err
}

func decided(t *testing.T, claimID, outcome string, amountFen int64) events.Envelope {
	t.Helper()
	e, err := events.New(events.ClaimDecided, "adjudication", claimID, time.Now(), events.ClaimDecidedData{
		ClaimID: claimID, CaseID: "case-" + claimID, Outcome: outcome, AmountFen: amountFen, Currency: "CNY",
		DecidedBy: "h1", DecidedAt: time.Now().UTC(),
	})
	require.NoError(t, err)
	return e
}

func payoutEvents(t *testing.T, db *gorm.DB, typ events.Type) []events.PayoutData {
	t.Helper()
	var payloads [][]byte
	rows, err := db.Raw("SELECT payload FROM outbox WHERE event_type = ? ORDER BY id", typ.Name).Rows()
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var p []byte
		require.NoError(t, rows.Scan(&p))
		payloads = append(payloads, p)
	}
	require.NoError(t, rows.Err())
	out := make([]events.PayoutData, len(payloads))
	for i, p := range payloads {
		e, err := events.Decode(p)
		require.NoError(t, err)
		require.NoError(t, events.DecodeData(e, typ, &out[i]))
	}
	return out
}

func TestConcurrentExecutorsPayEachObligationOnce(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	ctx := context.Background()
	repo := adapters.NewObligations(db, nil, tracker())
	sim := adapters.NewBankSimulator()
	bank := &countingBank{inner: sim}
	a := app.NewService(repo, tracker(), bank, topics, time.Now, shanghai(t))

	const n = 20
	for i := range n {
		require.NoError(t, a.HandleDecision(ctx, decided(t, fmt.Sprintf("claim-%02d", i), events.OutcomeApproved, int64(1000+i))))
	}
	if got := pgtest.Count(t, db, "SELECT count(*) FROM obligations WHERE state = 'scheduled'"); got != n {
		t.Fatalf("got %d scheduled obligations, want %d", got, n)
	}

	var wg sync.WaitGroup
	var tried atomic.Int64
	start := make(chan struct{})
	for i := range 3 {
		wg.Go(func() {
			<-start
			k, err := a.ExecuteDue(ctx)
			if err != nil {
				t.Errorf("ExecuteDue #%d: got %v, want no error", i, err)
			}
			tried.Add(int64(k))
		})
	}
	close(start)
	wg.Wait()

	if got := tried.Load(); got != n {
		t.Fatalf("got %d obligations tried by 3 executors, want %d", got, n)
	}
	if got := pgtest.Count(t, db, "SELECT count(*) FROM obligations WHERE state = 'completed' AND attempts = 1"); got != n {
		t.Fatalf("got %d obligations completed in one attempt, want %d", got, n)
	}
	if got := pgtest.Count(t, db, "SELECT count(*) FROM deadline_obligations WHERE rule = 'payment' AND state = 'met'"); got != n {
		t.Fatalf("got %d payment deadlines (R6) met, want %d", got, n)
	}
	if got := bank.calls.Load(); got != n {
		t.Fatalf("got %d transfers asked of the bank, want %d", got, n)
	}
	if got := sim.Transfers(); got != n {
		t.Fatalf("got %d transfers executed by the bank, want %d", got, n)
	}
	completed := payoutEvents(t, db, events.PayoutCompleted)
	if len(completed) != n {
		t.Fatalf("got %d payout-completed events, want %d", len(completed), n)
	}
	seen := map[string]bool{}
	for _, d := range completed {
		if seen[d.ObligationID] {
			t.Fatalf("got two payout-completed events for obligation %s, want one", d.ObligationID)
		}
		seen[d.ObligationID] = true
		o, err := a.Obligation(ctx, d.ObligationID)
		require.NoError(t, err)
		want := events.PayoutData{ObligationID: o.ID, ClaimID: o.ClaimID, PayoutType: "final", AmountFen: o.AmountFen,
			Currency: "CNY", Status: "completed", BankReference: o.BankReference,
			ValueDate: o.CompletedAt.In(shanghai(t)).Format(time.DateOnly), ScheduledAt: o.ScheduledAt, CompletedAt: o.CompletedAt}
		require.Equal(t, want, d, "payout-completed data of %s equals the stored obligation", o.ID)
	}
	// Nothing is left to do.
	if k, err := a.ExecuteDue(ctx); err != nil || k != 0 {
		t.Fatalf("ExecuteDue after all were paid: got %d, %v; want 0, nil", k, err)
	}
}

func TestHandleDecisionSchedulesOncePerEventAndClaim(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	ctx := context.Background()
	a := app.NewService(adapters.NewObligations(db, nil, tracker()), tracker(), adapters.NewBankSimulator(), topics, time.Now, shanghai(t))

	approved := decided(t, "claim-1", events.OutcomeApproved, 5000)
	require.NoError(t, a.HandleDecision(ctx, approved))
	require.NoError(t, a.HandleDecision(ctx, approved), "redelivered decision")
	require.NoError(t, a.HandleDecision(ctx, decided(t, "claim-1", events.OutcomeApproved, 7000)), "second decision for the claim")
	require.NoError(t, a.HandleDecision(ctx, decided(t, "claim-2", events.OutcomeRejected, 0)), "rejection")

	list, err := a.Obligations(ctx, "", 100)
	require.NoError(t, err)
	if len(list) != 1 || list[0].ClaimID != "claim-1" || list[0].AmountFen != 5000 || list[0].State != domain.StateScheduled {
		t.Fatalf("got obligations %+v, want one scheduled payment of 5000 fen for claim-1", list)
	}
	scheduled := payoutEvents(t, db, events.PayoutScheduled)
	if len(scheduled) != 1 || scheduled[0].ObligationID != list[0].ID || !scheduled[0].ScheduledAt.Equal(list[0].ScheduledAt) {
		t.Fatalf("got payout-scheduled events %+v, want one for obligation %s scheduled at %v", scheduled, list[0].ID, list[0].ScheduledAt)
	}
	if got := pgtest.Count(t, db, "SELECT count(*) FROM inbox"); got != 3 {
		t.Fatalf("got %d receipts, want 3 (the redelivery adds none)", got)
	}
}

func TestHandleDecisionRefusesWhatItCannotPay(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	ctx := context.Background()
	a := app.NewService(adapters.NewObligations(db, nil, tracker()), tracker(), adapters.NewBankSimulator(), topics, time.Now, shanghai(t))

	for name, e := range map[string]events.Envelope{
		"approval without amount": decided(t, "claim-1", events.OutcomeApproved, 0),
		"other event type": func() events.Envelope {
			e := decided(t, "claim-2", events.OutcomeApproved, 10)
			e.Type = events.ClaimRequested.Name
			return e
		}(),
		"newer schema": func() events.Envelope {
			e := decided(t, "claim-3", events.OutcomeApproved, 10)
			e.SchemaVersion = 2
			return e
		}(),
	} {
		if err := a.HandleDecision(ctx, e); !errors.Is(err, events.ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed so that it is parked", name, err)
		}
	}
	if got := pgtest.Count(t, db, "SELECT count(*) FROM obligations") + pgtest.Count(t, db, "SELECT count(*) FROM outbox"); got != 0 {
		t.Fatalf("got %d obligations and events, want 0", got)
	}
}

func TestBankRefusalsAreRetriedOrFailed(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	ctx := context.Background()
	repo := adapters.NewObligations(db, nil, tracker())
	now := time.Date(2026, 10, 9, 1, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	schedule := func(a *app.Service, claimID string) string {
		t.Helper()
		require.NoError(t, a.HandleDecision(ctx, decided(t, claimID, events.OutcomeApproved, 100)))
		list, err := a.Obligations(ctx, claimID, 1)
		require.NoError(t, err)
		require.Len(t, list, 1)
		return list[0].ID
	}

	// A transient refusal leaves the obligation scheduled for later, silently.
	transient := app.NewService(repo, tracker(), scriptedBank{err: errors.New("connection reset")}, topics, clock, shanghai(t))
	id := schedule(transient, "claim-1")
	k, err := transient.ExecuteDue(ctx)
	require.NoError(t, err)
	if k != 1 {
		t.Fatalf("got %d tried, want 1", k)
	}
	o, err := transient.Obligation(ctx, id)
	require.NoError(t, err)
	if o.State != domain.StateScheduled || o.Attempts != 1 || o.LastError != "connection reset" || !o.NextAttemptAt.Equal(now.Add(time.Second)) {
		t.Fatalf("got %+v, want scheduled, 1 attempt, the error, next attempt at %v", o, now.Add(time.Second))
	}
	if k, _ := transient.ExecuteDue(ctx); k != 0 {
		t.Fatalf("got %d tried before the retry time, want 0", k)
	}

	// A permanent refusal fails it and tells finance.
	permanent := app.NewService(repo, tracker(), scriptedBank{err: &app.BankError{Permanent: true, Reason: "account closed"}}, topics,
		func() time.Time { return now.Add(time.Minute) }, shanghai(t))
	k, err = permanent.ExecuteDue(ctx)
	require.NoError(t, err)
	if k != 1 {
		t.Fatalf("got %d tried, want 1", k)
	}
	o, err = permanent.Obligation(ctx, id)
	require.NoError(t, err)
	if o.State != domain.StateFailed || o.Attempts != 2 || o.LastError != "account closed" {
		t.Fatalf("got %+v, want failed after 2 attempts with the bank's reason", o)
	}
	failed := payoutEvents(t, db, events.PayoutFailed)
	if len(failed) != 1 || failed[0].ObligationID != id || failed[0].Status != "failed" || failed[0].FailureReason != "account closed" {
		t.Fatalf("got payout-failed events %+v, want one for %s with the reason", failed, id)
	}
	if got := len(payoutEvents(t, db, events.PayoutCompleted)); got != 0 {
		t.Fatalf("got %d payout-completed events, want 0", got)
	}
}

package adapters_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/payout/internal/adapters"
	"claims.local/payout/internal/app"
	"claims.local/payout/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/events"
	"claims.local/pkg/inbox"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking"
)

type fixture struct {
	repo    *adapters.Obligations
	db      *gorm.DB
	commits atomic.Int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{db: pgtest.NewMigrated(t, 5, adapters.Migrations)}
	f.repo = adapters.NewObligations(f.db, func() { f.commits.Add(1) }, tracking.NewTracker(tracking.NewCalendars(nil), -1))
	return f
}

var t0 = time.Date(2026, 10, 9, 1, 0, 0, 123456000, time.UTC)

func obligation(t *testing.T, claimID string, at time.Time) domain.Obligation {
	t.Helper()
	o, err := domain.NewFinalObligation(uuid.NewString(), claimID, 123456, at)
	require.NoError(t, err)
	return o
}

func receipt(eventID, claimID string) inbox.Receipt {
	return inbox.Receipt{Consumer: app.DecisionsConsumer, EventID: eventID, EventType: events.ClaimDecided.Name, ClaimID: claimID}
}

// announce returns an out function that counts its calls and returns one
// payout-scheduled event.
func announce(t *testing.T, calls *int) func(domain.Obligation) (tracking.Effects, error) {
	return func(o domain.Obligation) (tracking.Effects, error) {
		*calls++
		e, err := events.New(events.PayoutScheduled, "payout", o.ClaimID, o.ScheduledAt, map[string]string{"obligation_id": o.ID})
		require.NoError(t, err)
		return tracking.Effects{Events: []events.Outgoing{{Topic: "t.claims.payout.v1", Envelope: e}}}, nil
	}
}

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if got := apperr.CodeOf(err); got != code {
		t.Fatalf("got error %v (code %s), want code %s", err, got, code)
	}
}

func TestScheduleThenGetReturnsTheObligation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	o := obligation(t, "claim-1", t0)
	calls := 0
	created, err := f.repo.Schedule(ctx, receipt("e1", "claim-1"), o, announce(t, &calls))
	require.NoError(t, err)
	if !created || calls != 1 {
		t.Fatalf("got created=%v with %d event calls, want true and 1", created, calls)
	}
	got, err := f.repo.Get(ctx, o.ID)
	require.NoError(t, err)
	require.Equal(t, o, got, "obligation read back")
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox"); n != 1 {
		t.Fatalf("got %d outbox rows, want 1", n)
	}
	if n := f.commits.Load(); n != 1 {
		t.Fatalf("got %d after-commit calls, want 1", n)
	}
}

func TestScheduleIsIdempotentPerReceiptAndPerClaim(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	first := obligation(t, "claim-1", t0)
	calls := 0
	_, err := f.repo.Schedule(ctx, receipt("e1", "claim-1"), first, announce(t, &calls))
	require.NoError(t, err)

	tests := []struct {
		name string
		r    inbox.Receipt
		o    domain.Obligation
	}{
		{"same event again", receipt("e1", "claim-1"), obligation(t, "claim-1", t0.Add(time.Hour))},
		{"another event for the same claim", receipt("e2", "claim-1"), obligation(t, "claim-1", t0.Add(time.Hour))},
		{"same event id for another claim", receipt("e1", "claim-2"), obligation(t, "claim-2", t0)},
		{"no event, same claim", inbox.Receipt{}, obligation(t, "claim-1", t0)},
	}
	for _, tt := range tests {
		created, err := f.repo.Schedule(ctx, tt.r, tt.o, announce(t, &calls))
		require.NoError(t, err, tt.name)
		if created {
			t.Fatalf("%s: got created=true, want false", tt.name)
		}
		_, err = f.repo.Get(ctx, tt.o.ID)
		wantCode(t, err, apperr.NotFound)
	}
	if calls != 1 {
		t.Fatalf("got %d event calls, want 1 (only for the first obligation)", calls)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM obligations"); n != 1 {
		t.Fatalf("got %d obligations, want 1", n)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox"); n != 1 {
		t.Fatalf("got %d outbox rows, want 1", n)
	}
	if n := f.commits.Load(); n != 1 {
		t.Fatalf("got %d after-commit calls, want 1", n)
	}
}

func TestScheduleOfNothingRecordsOnlyTheReceipt(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	created, err := f.repo.Schedule(ctx, receipt("e1", "claim-1"), domain.Obligation{}, nil)
	require.NoError(t, err)
	if created {
		t.Fatal("got created=true for a decision that owes nothing, want false")
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM inbox"); n != 1 {
		t.Fatalf("got %d receipts, want 1", n)
	}
	// The event is spent: offering an obligation under it now stores nothing.
	calls := 0
	created, err = f.repo.Schedule(ctx, receipt("e1", "claim-1"), obligation(t, "claim-1", t0), announce(t, &calls))
	require.NoError(t, err)
	if created || calls != 0 || pgtest.Count(t, f.db, "SELECT count(*) FROM obligations") != 0 {
		t.Fatalf("got created=%v with %d event calls, want nothing stored for a spent event", created, calls)
	}
}

func TestUnknownObligationIsNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, err := f.repo.Get(context.Background(), "nope")
	wantCode(t, err, apperr.NotFound)
}

func TestListNewestFirstByClaimWithLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	var ids []string
	for i, claim := range []string{"c1", "c2", "c3"} {
		o := obligation(t, claim, t0.Add(time.Duration(i)*time.Hour))
		_, err := f.repo.Schedule(ctx, inbox.Receipt{}, o, func(domain.Obligation) (tracking.Effects, error) { return tracking.Effects{}, nil })
		require.NoError(t, err)
		ids = append(ids, o.ID)
	}
	list := func(claimID string, limit int) []string {
		t.Helper()
		got, err := f.repo.List(ctx, claimID, limit)
		require.NoError(t, err)
		out := []string{}
		for _, o := range got {
			out = append(out, o.ID)
		}
		return out
	}
	require.Equal(t, []string{ids[2], ids[1], ids[0]}, list("", 0), "all, newest first")
	require.Equal(t, []string{ids[2], ids[1]}, list("", 2), "limit 2")
	require.Equal(t, []string{ids[1]}, list("c2", 10), "claim c2")
	require.Equal(t, []string{}, list("c9", 10), "unknown claim")
}

func TestExecuteNextDueTakesOnlyWhatIsDue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	noop := func(domain.Obligation) (tracking.Effects, error) { return tracking.Effects{}, nil }
	never := func(o *domain.Obligation) (tracking.Effects, error) {
		t.Errorf("got work called with %s, want no call", o.ID)
		return tracking.Effects{}, nil
	}

	found, err := f.repo.ExecuteNextDue(ctx, t0, never)
	require.NoError(t, err)
	if found {
		t.Fatal("got found=true on an empty table, want false")
	}

	o := obligation(t, "claim-1", t0.Add(time.Minute))
	_, err = f.repo.Schedule(ctx, inbox.Receipt{}, o, noop)
	require.NoError(t, err)
	found, err = f.repo.ExecuteNextDue(ctx, t0, never)
	require.NoError(t, err)
	if found {
		t.Fatal("got found=true before the obligation is due, want false")
	}

	// A failing work changes nothing.
	boom := errors.New("boom")
	found, err = f.repo.ExecuteNextDue(ctx, t0.Add(time.Minute), func(x *domain.Obligation) (tracking.Effects, error) {
		x.Fail("should not stick")
		return tracking.Effects{}, boom
	})
	if !found || !errors.Is(err, boom) {
		t.Fatalf("got found=%v err=%v, want true and the work's error", found, err)
	}
	got, err := f.repo.Get(ctx, o.ID)
	require.NoError(t, err)
	require.Equal(t, o, got, "obligation after a failed work")

	// A work that completes it stores the result with its event.
	commitsBefore := f.commits.Load()
	completedAt := t0.Add(2 * time.Minute)
	found, err = f.repo.ExecuteNextDue(ctx, t0.Add(time.Minute), func(x *domain.Obligation) (tracking.Effects, error) {
		if x.ID != o.ID {
			t.Errorf("got work on %s, want %s", x.ID, o.ID)
		}
		if err := x.Complete("REF-1", completedAt); err != nil {
			return tracking.Effects{}, err
		}
		e, err := events.New(events.PayoutCompleted, "payout", x.ClaimID, completedAt, map[string]string{"obligation_id": x.ID})
		require.NoError(t, err)
		return tracking.Effects{Events: []events.Outgoing{{Topic: "t.claims.payout.v1", Envelope: e}}}, nil
	})
	require.NoError(t, err)
	if !found {
		t.Fatal("got found=false for a due obligation, want true")
	}
	got, err = f.repo.Get(ctx, o.ID)
	require.NoError(t, err)
	if got.State != domain.StateCompleted || got.BankReference != "REF-1" || got.Attempts != 1 || got.CompletedAt == nil || !got.CompletedAt.Equal(completedAt) {
		t.Fatalf("got %+v, want completed with REF-1 at %v", got, completedAt)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox"); n != 1 {
		t.Fatalf("got %d outbox rows, want 1", n)
	}
	if n := f.commits.Load() - commitsBefore; n != 1 {
		t.Fatalf("got %d after-commit calls for the completion, want 1", n)
	}
	// A completed obligation is never due again.
	found, err = f.repo.ExecuteNextDue(ctx, t0.Add(time.Hour), never)
	require.NoError(t, err)
	if found {
		t.Fatal("got found=true for a completed obligation, want false")
	}
}

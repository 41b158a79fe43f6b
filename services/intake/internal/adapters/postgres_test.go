package adapters_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/intake/internal/adapters"
	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/events"
	"claims.local/pkg/postgres/pgtest"
)

// fixture is a Reports repository on a fresh database, counting the
// after-commit calls.
type fixture struct {
	repo    *adapters.Reports
	db      *gorm.DB
	commits atomic.Int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{db: pgtest.NewMigrated(t, 10, adapters.Migrations)}
	f.repo = adapters.NewReports(f.db, func() { f.commits.Add(1) })
	return f
}

func sample(id string) domain.IncidentReport {
	return domain.IncidentReport{
		ID: id, ClaimID: "claim-" + id, PolicyNumber: "P-2026-000123", InsuredName: "张三",
		IncidentType: domain.IncidentMedical, IncidentTime: time.Date(2026, 9, 28, 2, 0, 0, 0, time.UTC),
		Reporter:   domain.Reporter{Name: "李四", Role: domain.RoleBeneficiary},
		ReportedAt: time.Date(2026, 9, 30, 8, 20, 0, 123456000, time.UTC),
	}
}

func event(t *testing.T, r domain.IncidentReport) []events.Outgoing {
	t.Helper()
	e, err := events.New(events.IncidentReported, "intake", r.ClaimID, r.ReportedAt, map[string]string{"report_id": r.ID})
	require.NoError(t, err)
	return []events.Outgoing{{Topic: "t.claims.intake.v1", Envelope: e}}
}

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if got := apperr.CodeOf(err); got != code {
		t.Fatalf("got error %v (code %s), want code %s", err, got, code)
	}
}

func TestAddThenGetReturnsTheReportWithItsEvent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r := sample("r1")
	require.NoError(t, f.repo.Add(ctx, r, event(t, r)))

	got, err := f.repo.Get(ctx, "r1")
	require.NoError(t, err)
	require.Equal(t, r, got, "report read back")
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox WHERE msg_key = ?", r.ClaimID); n != 1 {
		t.Fatalf("got %d outbox rows for the claim, want 1", n)
	}
	if n := f.commits.Load(); n != 1 {
		t.Fatalf("got %d after-commit calls, want 1", n)
	}
}

func TestAddIsAtomic(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r := sample("r1")
	require.NoError(t, f.repo.Add(ctx, r, event(t, r)))

	// The same id again fails, and its event is not stored either.
	if err := f.repo.Add(ctx, r, event(t, r)); err == nil {
		t.Fatal("got no error adding report r1 twice, want one")
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox"); n != 1 {
		t.Fatalf("got %d outbox rows after a failed Add, want 1", n)
	}
	if n := f.commits.Load(); n != 1 {
		t.Fatalf("got %d after-commit calls, want 1 (none for the failed Add)", n)
	}
}

func TestUnknownReportIsNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.repo.Get(ctx, "nope")
	wantCode(t, err, apperr.NotFound)

	called := false
	_, err = f.repo.Update(ctx, "nope", func(*domain.IncidentReport) ([]events.Outgoing, error) {
		called = true
		return nil, nil
	})
	wantCode(t, err, apperr.NotFound)
	if called {
		t.Fatal("got change called for an unknown report, want it not called")
	}
}

func TestUpdateStoresTheChangeWithItsEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r := sample("r1")
	require.NoError(t, f.repo.Add(ctx, r, nil))
	before := f.commits.Load()

	at := time.Date(2026, 10, 1, 1, 2, 3, 456789000, time.UTC)
	updated, err := f.repo.Update(ctx, "r1", func(x *domain.IncidentReport) ([]events.Outgoing, error) {
		if first, err := x.RequestClaim(nil, at); err != nil || !first {
			t.Errorf("got RequestClaim false on a fresh report, want true")
		}
		return event(t, *x), nil
	})
	require.NoError(t, err)
	got, err := f.repo.Get(ctx, "r1")
	require.NoError(t, err)
	require.Equal(t, updated, got, "Update's result equals what is stored")
	if got.ClaimRequestedAt == nil || !got.ClaimRequestedAt.Equal(at) {
		t.Fatalf("got claim_requested_at %v, want %v", got.ClaimRequestedAt, at)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox"); n != 1 {
		t.Fatalf("got %d outbox rows, want 1", n)
	}
	if n := f.commits.Load() - before; n != 1 {
		t.Fatalf("got %d after-commit calls for an Update with an event, want 1", n)
	}

	// A change that sends nothing does not wake the relay.
	_, err = f.repo.Update(ctx, "r1", func(*domain.IncidentReport) ([]events.Outgoing, error) { return nil, nil })
	require.NoError(t, err)
	if n := f.commits.Load() - before; n != 1 {
		t.Fatalf("got %d after-commit calls after a change without events, want still 1", n)
	}
}

func TestUpdateThatFailsChangesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r := sample("r1")
	require.NoError(t, f.repo.Add(ctx, r, nil))

	refused := apperr.New(apperr.Conflict, "no")
	_, err := f.repo.Update(ctx, "r1", func(x *domain.IncidentReport) ([]events.Outgoing, error) {
		_, _ = x.RequestClaim(nil, time.Now())
		x.PolicyNumber = "CHANGED"
		return event(t, *x), refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("got %v, want the change's own error", err)
	}
	got, err := f.repo.Get(ctx, "r1")
	require.NoError(t, err)
	require.Equal(t, r, got, "report after a failed change")
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox"); n != 0 {
		t.Fatalf("got %d outbox rows after a failed change, want 0", n)
	}
}

func TestConcurrentClaimRequestsAreReceivedOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	require.NoError(t, f.repo.Add(ctx, sample("r1"), nil))

	const n = 8
	var wg sync.WaitGroup
	var firsts atomic.Int64
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, err := f.repo.Update(ctx, "r1", func(x *domain.IncidentReport) ([]events.Outgoing, error) {
				if first, _ := x.RequestClaim(nil, time.Date(2026, 10, 1, 0, 0, i, 0, time.UTC)); !first {
					return nil, nil
				}
				firsts.Add(1)
				return event(t, *x), nil
			})
			if err != nil {
				t.Errorf("Update #%d: got %v, want no error", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if got := firsts.Load(); got != 1 {
		t.Fatalf("got %d first claim requests from %d concurrent ones, want 1", got, n)
	}
	if got := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox"); got != 1 {
		t.Fatalf("got %d events, want 1", got)
	}
}

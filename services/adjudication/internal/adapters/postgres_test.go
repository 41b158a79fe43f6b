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

	"claims.local/adjudication/internal/adapters"
	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/apperr/apperrtest"
	"claims.local/pkg/events"
	"claims.local/pkg/inbox"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking"
)

type fixture struct {
	repo    *adapters.Cases
	db      *gorm.DB
	commits atomic.Int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{db: pgtest.NewMigrated(t, 5, adapters.Migrations)}
	f.repo = adapters.NewCases(f.db, func() { f.commits.Add(1) }, tracking.NewTracker(tracking.NewCalendars(nil), -1))
	return f
}

func newCase(claimID string, received time.Time) domain.Case {
	return domain.Case{ID: uuid.NewString(), ClaimID: claimID, ReportID: "r-" + claimID, PolicyNumber: "P-2026-000123",
		InsuredName: "张三", IncidentType: "medical", IncidentTime: received.Add(-48 * time.Hour), FirstReceivedAt: received,
		OpenedAt: received.Add(time.Second), State: domain.StateReceived, Version: 1}
}

var (
	handler   = domain.Actor{Subject: "h1", Roles: []string{domain.RoleHandler}}
	authority = func() domain.Authority {
		a, err := domain.NewAuthority(map[string]int64{domain.RoleHandler: 5_000_000, domain.RoleSenior: domain.Unlimited})
		if err != nil {
			panic(err)
		}
		return a
	}()
)

func approve(amount int64) domain.DecisionInput {
	return domain.DecisionInput{Outcome: "approve", Lines: []domain.BenefitLine{{Benefit: "medical_expense", ClaimedFen: amount, ApprovedFen: amount}}}
}

func reject() domain.DecisionInput {
	return domain.DecisionInput{Outcome: "reject", Reasons: []domain.RejectionReason{{Code: "WAITING_PERIOD", Text: "等待期内", Clause: "《条款》第四条"}}}
}

func receipt(eventID, claimID string) inbox.Receipt {
	return inbox.Receipt{Consumer: app.ClaimsConsumer, EventID: eventID, EventType: events.ClaimRequested.Name, ClaimID: claimID}
}

var t0 = time.Date(2026, 9, 30, 8, 20, 0, 123456000, time.UTC)

func TestOpenThenGetReturnsTheCase(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	c := newCase("claim-1", t0)
	created, err := f.repo.Open(ctx, receipt("e1", "claim-1"), c)
	require.NoError(t, err)
	if !created {
		t.Fatal("got created=false for a new claim, want true")
	}
	got, err := f.repo.Get(ctx, "claim-1")
	require.NoError(t, err)
	require.Equal(t, c, got, "case read back")
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM inbox WHERE event_id = 'e1'"); n != 1 {
		t.Fatalf("got %d receipts for e1, want 1", n)
	}
}

func TestOpenIsIdempotentPerReceiptAndPerClaim(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	first := newCase("claim-1", t0)
	_, err := f.repo.Open(ctx, receipt("e1", "claim-1"), first)
	require.NoError(t, err)

	tests := []struct {
		name string
		r    inbox.Receipt
		c    domain.Case
	}{
		{"same event again", receipt("e1", "claim-1"), newCase("claim-1", t0.Add(time.Hour))},
		{"another event for the same claim", receipt("e2", "claim-1"), newCase("claim-1", t0.Add(time.Hour))},
		{"same event id claiming another claim", receipt("e1", "claim-2"), newCase("claim-2", t0)},
		{"no event, same claim", inbox.Receipt{}, newCase("claim-1", t0.Add(time.Hour))},
	}
	for _, tt := range tests {
		created, err := f.repo.Open(ctx, tt.r, tt.c)
		require.NoError(t, err, tt.name)
		if created {
			t.Fatalf("%s: got created=true, want false", tt.name)
		}
	}
	got, err := f.repo.Get(ctx, "claim-1")
	require.NoError(t, err)
	require.Equal(t, first, got, "the first case stands")
	_, err = f.repo.Get(ctx, "claim-2")
	apperrtest.WantCode(t, err, apperr.NotFound)
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM cases"); n != 1 {
		t.Fatalf("got %d cases, want 1", n)
	}
	// The second event for the claim was recorded although it opened nothing.
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM inbox"); n != 2 {
		t.Fatalf("got %d receipts, want 2 (e1 and e2)", n)
	}
}

func TestUnknownClaimIsNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.repo.Get(ctx, "nope")
	apperrtest.WantCode(t, err, apperr.NotFound)
	called := false
	_, err = f.repo.Update(ctx, "nope", func(*domain.Case) (tracking.Effects, error) {
		called = true
		return tracking.Effects{}, nil
	})
	apperrtest.WantCode(t, err, apperr.NotFound)
	if called {
		t.Fatal("got change called for an unknown claim, want it not called")
	}
}

func decidedEvent(t *testing.T, c domain.Case) tracking.Effects {
	t.Helper()
	e, err := events.New(events.ClaimDecided, "adjudication", c.ClaimID, time.Now(), map[string]string{"case_id": c.ID})
	require.NoError(t, err)
	return tracking.Effects{Events: []events.Outgoing{{Topic: "t.claims.adjudication.v1", Envelope: e}}}
}

func TestUpdateStoresTheDecisionWithItsEvent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.repo.Open(ctx, inbox.Receipt{}, newCase("claim-1", t0))
	require.NoError(t, err)

	versionBefore := pgtest.Count(t, f.db, "SELECT version FROM cases")
	decidedAt := time.Date(2026, 10, 9, 1, 0, 0, 654321000, time.UTC)
	updated, err := f.repo.Update(ctx, "claim-1", func(c *domain.Case) (tracking.Effects, error) {
		if err := c.Decide(handler, authority, reject(), decidedAt); err != nil {
			return tracking.Effects{}, err
		}
		return decidedEvent(t, *c), nil
	})
	require.NoError(t, err)
	got, err := f.repo.Get(ctx, "claim-1")
	require.NoError(t, err)
	require.Equal(t, updated, got, "Update's result equals what is stored")
	want := &domain.Decision{Outcome: domain.Reject, Reasons: reject().Reasons, DecidedBy: "h1", DecidedAt: decidedAt}
	if got.State != domain.StateRejected {
		t.Fatalf("got state %s, want rejected", got.State)
	}
	require.Equal(t, want, got.Decision, "decision read back")
	if n := pgtest.Count(t, f.db, "SELECT version FROM cases"); n != versionBefore+1 {
		t.Fatalf("got version %d, want %d", n, versionBefore+1)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox"); n != 1 {
		t.Fatalf("got %d outbox rows, want 1", n)
	}
	if n := f.commits.Load(); n != 1 {
		t.Fatalf("got %d after-commit calls, want 1", n)
	}

	// A second decision is refused by the case, and nothing changes.
	_, err = f.repo.Update(ctx, "claim-1", func(c *domain.Case) (tracking.Effects, error) {
		if err := c.Decide(handler, authority, approve(1), time.Now()); err != nil {
			return tracking.Effects{}, err
		}
		return decidedEvent(t, *c), nil
	})
	apperrtest.WantCode(t, err, apperr.Conflict)
	again, err := f.repo.Get(ctx, "claim-1")
	require.NoError(t, err)
	require.Equal(t, got, again, "case after a refused second decision")
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox"); n != 1 {
		t.Fatalf("got %d outbox rows after a refused decision, want 1", n)
	}
}

func TestUpdateThatFailsChangesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	c := newCase("claim-1", t0)
	_, err := f.repo.Open(ctx, inbox.Receipt{}, c)
	require.NoError(t, err)
	boom := errors.New("boom")
	_, err = f.repo.Update(ctx, "claim-1", func(x *domain.Case) (tracking.Effects, error) {
		x.State = domain.StateApproved
		return decidedEvent(t, *x), boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want the change's own error", err)
	}
	got, err := f.repo.Get(ctx, "claim-1")
	require.NoError(t, err)
	require.Equal(t, c, got, "case after a failed change")
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox"); n != 0 {
		t.Fatalf("got %d outbox rows, want 0", n)
	}
}

func TestListFiltersOrdersAndLimits(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	// Opened out of order: the list orders by first receipt.
	for _, x := range []struct {
		claim string
		at    time.Duration
	}{{"c3", 3 * time.Hour}, {"c1", time.Hour}, {"c2", 2 * time.Hour}} {
		_, err := f.repo.Open(ctx, inbox.Receipt{}, newCase(x.claim, t0.Add(x.at)))
		require.NoError(t, err)
	}
	_, err := f.repo.Update(ctx, "c2", func(c *domain.Case) (tracking.Effects, error) {
		return tracking.Effects{}, c.Decide(handler, authority, approve(100), t0)
	})
	require.NoError(t, err)

	list := func(filter app.ListFilter) []string {
		t.Helper()
		cases, err := f.repo.List(ctx, filter)
		require.NoError(t, err)
		out := []string{}
		for _, c := range cases {
			out = append(out, c.ClaimID)
		}
		return out
	}
	require.Equal(t, []string{"c1", "c2", "c3"}, list(app.ListFilter{}), "all cases, oldest request first")
	require.Equal(t, []string{"c1", "c3"}, list(app.ListFilter{State: domain.StateReceived}), "received cases")
	require.Equal(t, []string{"c2"}, list(app.ListFilter{State: domain.StateApproved}), "approved cases")
	require.Equal(t, []string{}, list(app.ListFilter{State: domain.StateRejected}), "rejected cases")
	require.Equal(t, []string{"c1", "c2"}, list(app.ListFilter{Limit: 2}), "first two cases")

	cases, err := f.repo.List(ctx, app.ListFilter{State: domain.StateApproved})
	require.NoError(t, err)
	if cases[0].Decision == nil || cases[0].Decision.AmountFen != 100 {
		t.Fatalf("got decision %+v in the list, want the stored one of 100 fen", cases[0].Decision)
	}
}

// TestTheAdvanceAgreementIsKeptWithTheCase: the advance agreement and its
// sealed payee (issue 19) are stored with the case as received and read
// back with it.
func TestTheAdvanceAgreementIsKeptWithTheCase(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	c := newCase("claim-adv", t0)
	c.Advance = &domain.AdvanceAgreement{Channel: "app", AgreedAt: t0.Add(-time.Minute), PayeeRole: "insured", BankName: "中国建设银行",
		AccountLast4: "5678", AccountFingerprint: "fp", NameFingerprint: "nf", AccountKey: "ak", Sealed: "test-payout:sealed"}
	_, err := f.repo.Open(ctx, receipt("e-adv", "claim-adv"), c)
	require.NoError(t, err)
	got, err := f.repo.Get(ctx, "claim-adv")
	require.NoError(t, err)
	require.Equal(t, c, got, "case read back")
}

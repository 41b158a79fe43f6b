package app_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/adjudication/internal/adapters"
	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/events"
	"claims.local/pkg/inbox"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking"
)

var topics = events.Topics{Prefix: "test."}

// tracker counts with the calendar built into the binary.
func tracker() *tracking.Tracker { return tracking.NewTracker(tracking.NewCalendars(nil), -1) }

// openDB returns a fresh database with the service's tables.
func openDB(t *testing.T) *gorm.DB {
	t.Helper()
	return pgtest.NewMigrated(t, 20, adapters.Migrations)
}

func receivedCase(claimID string) domain.Case {
	at := time.Date(2026, 9, 30, 8, 20, 0, 0, time.UTC)
	return domain.Case{ID: uuid.NewString(), ClaimID: claimID, ReportID: "r-" + claimID, PolicyNumber: "P-2026-000123",
		InsuredName: "张三", IncidentType: "medical", IncidentTime: at.Add(-48 * time.Hour), FirstReceivedAt: at,
		OpenedAt: at.Add(time.Second), State: domain.StateReceived}
}

func TestConcurrentDecisionsOnOneCaseExactlyOneWins(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	ctx := context.Background()
	repo := adapters.NewCases(db, nil, tracker())
	created, err := repo.Open(ctx, inbox.Receipt{}, receivedCase("claim-1"))
	require.NoError(t, err)
	require.True(t, created, "case opened")
	a := app.NewService(repo, tracker(), topics, time.Now)

	const n = 10
	type result struct {
		c   domain.Case
		err error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			c, err := a.Decide(ctx, "claim-1", domain.DecisionInput{Outcome: "approve", AmountFen: int64(1000 + i), DecidedBy: fmt.Sprintf("handler-%d", i)})
			results[i] = result{c, err}
		})
	}
	close(start)
	wg.Wait()

	var winners []domain.Case
	for i, r := range results {
		switch {
		case r.err == nil:
			winners = append(winners, r.c)
		case apperr.CodeOf(r.err) != apperr.Conflict:
			t.Errorf("Decide #%d: got %v, want success or a conflict", i, r.err)
		}
	}
	if len(winners) != 1 {
		t.Fatalf("got %d successful decisions of %d concurrent ones, want exactly 1", len(winners), n)
	}
	if got := pgtest.Count(t, db, "SELECT count(*) FROM decisions"); got != 1 {
		t.Fatalf("got %d rows in decisions, want 1", got)
	}
	if got := pgtest.Count(t, db, "SELECT count(*) FROM outbox WHERE event_type = ?", events.ClaimDecided.Name); got != 1 {
		t.Fatalf("got %d claim-decided events in the outbox, want 1", got)
	}

	// What the winner was told is what is stored and what was announced.
	stored, err := a.Case(ctx, "claim-1")
	require.NoError(t, err)
	require.Equal(t, winners[0], stored, "the winner's case equals the stored one")

	var payload []byte
	require.NoError(t, db.Raw("SELECT payload FROM outbox WHERE event_type = ?", events.ClaimDecided.Name).Row().Scan(&payload))
	e, err := events.Decode(payload)
	require.NoError(t, err)
	var d events.ClaimDecidedData
	require.NoError(t, events.DecodeData(e, events.ClaimDecided, &d))
	want := events.ClaimDecidedData{ClaimID: "claim-1", CaseID: stored.ID, Outcome: events.OutcomeApproved,
		AmountFen: stored.Decision.AmountFen, Currency: "CNY", DecidedBy: stored.Decision.DecidedBy, DecidedAt: stored.Decision.DecidedAt}
	require.Equal(t, want, d, "claim-decided data")
	if got := pgtest.Count(t, db, "SELECT count(*) FROM outbox WHERE topic = ?", topics.Adjudication()); got != 1 {
		t.Fatalf("got %d events on %s, want 1", got, topics.Adjudication())
	}
}

func claimRequested(t *testing.T, claimID string, at time.Time) events.Envelope {
	t.Helper()
	e, err := events.New(events.ClaimRequested, "intake", claimID, at, events.ClaimRequestedData{
		ClaimID: claimID, ReportID: "r-" + claimID, PolicyNumber: "P-1", InsuredName: "张三", IncidentType: "medical",
		IncidentTime: at.Add(-time.Hour), FirstReceivedAt: at,
	})
	require.NoError(t, err)
	return e
}

func TestOpenCaseOncePerEventAndPerClaim(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	ctx := context.Background()
	a := app.NewService(adapters.NewCases(db, nil, tracker()), tracker(), topics, time.Now)
	at := time.Date(2026, 9, 30, 8, 20, 0, 5000, time.UTC)

	e := claimRequested(t, "claim-1", at)
	require.NoError(t, a.OpenCase(ctx, e))
	require.NoError(t, a.OpenCase(ctx, e), "redelivered event")
	require.NoError(t, a.OpenCase(ctx, claimRequested(t, "claim-1", at.Add(time.Hour))), "a second request for the claim")
	if got := pgtest.Count(t, db, "SELECT count(*) FROM cases"); got != 1 {
		t.Fatalf("got %d cases, want 1", got)
	}
	c, err := a.Case(ctx, "claim-1")
	require.NoError(t, err)
	if !c.FirstReceivedAt.Equal(at) || c.State != domain.StateReceived || c.ReportID != "r-claim-1" {
		t.Fatalf("got case %+v, want the first request's, received at %v", c, at)
	}
}

func TestOpenCaseRefusesAnEventItCannotRead(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	ctx := context.Background()
	a := app.NewService(adapters.NewCases(db, nil, tracker()), tracker(), topics, time.Now)

	newer := claimRequested(t, "claim-1", time.Now())
	newer.SchemaVersion = 2
	if err := a.OpenCase(ctx, newer); !errors.Is(err, events.ErrMalformed) {
		t.Fatalf("schema version 2: got %v, want ErrMalformed", err)
	}
	other := claimRequested(t, "claim-1", time.Now())
	other.Type = events.ClaimDecided.Name
	if err := a.OpenCase(ctx, other); !errors.Is(err, events.ErrMalformed) {
		t.Fatalf("other type: got %v, want ErrMalformed", err)
	}
	if got := pgtest.Count(t, db, "SELECT count(*) FROM cases") + pgtest.Count(t, db, "SELECT count(*) FROM inbox"); got != 0 {
		t.Fatalf("got %d cases and receipts, want 0", got)
	}
}

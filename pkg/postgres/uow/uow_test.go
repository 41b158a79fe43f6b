package uow_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/outbox/outboxpg"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/postgres/uow"
	"claims.local/pkg/tracking"
)

// fixture is a database with the outbox and deadline tables and a unit of
// work over it that counts the relay's wake-ups.
type fixture struct {
	db      *gorm.DB
	tracker *tracking.Tracker
	work    *uow.UnitOfWork
	wakes   int
}

func newFixture(t *testing.T, withTracker bool) *fixture {
	t.Helper()
	f := &fixture{db: pgtest.NewMigrated(t, 4, func() ([]postgres.Migration, error) {
		return uow.Shared()
	})}
	var tracker *tracking.Tracker
	if withTracker {
		tracker = tracking.NewTracker(tracking.NewCalendars(nil), 1)
	}
	f.tracker = tracker
	f.work = uow.New(f.db, tracker, func() { f.wakes++ })
	return f
}

// open returns the step that starts tracking the decision deadline of
// claimID.
func (f *fixture) open(t *testing.T, claimID string) tracking.Step {
	t.Helper()
	tracker := f.tracker
	if tracker == nil {
		tracker = tracking.NewTracker(tracking.NewCalendars(nil), 1)
	}
	d, err := tracker.New(tracking.Spec{ClaimID: claimID, Subject: "claim/" + claimID, Rule: deadline.Decision, ClockStart: time.Now()}, time.Now())
	require.NoError(t, err)
	return tracking.Open(d)
}

func (f *fixture) deadlines(t *testing.T) int64 {
	t.Helper()
	return pgtest.Count(t, f.db, "SELECT count(*) FROM deadline_obligations")
}

func (f *fixture) pending(t *testing.T) int64 {
	t.Helper()
	n, err := outboxpg.Pending(context.Background(), f.db)
	require.NoError(t, err)
	return n
}

func outgoing(t *testing.T, claimID string) events.Outgoing {
	t.Helper()
	e, err := events.New(events.ClaimRequested, "test", claimID, time.Now(), map[string]string{"claim": claimID})
	require.NoError(t, err)
	return events.Outgoing{Topic: "topic", Envelope: e}
}

func TestDoStoresTheEventsAndStepsAndWakesTheRelayAfterTheCommit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	step := f.open(t, "c1")
	err := f.work.Do(context.Background(), func(tx *gorm.DB) (tracking.Effects, error) {
		if f.wakes != 0 {
			t.Errorf("got %d wake-ups inside the transaction, want 0", f.wakes)
		}
		return tracking.Effects{Events: []events.Outgoing{outgoing(t, "c1"), outgoing(t, "c1")}, Steps: []tracking.Step{step}}, nil
	})
	require.NoError(t, err)
	if got := f.pending(t); got != 2 {
		t.Fatalf("got %d pending events, want 2", got)
	}
	if got := f.deadlines(t); f.wakes != 1 || got != 1 {
		t.Fatalf("got %d wake-ups and %d deadlines, want 1 and 1", f.wakes, got)
	}
}

func TestDoRollsBackEverythingWhenTheChangeFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	refused := errors.New("refused")
	err := f.work.Do(context.Background(), func(tx *gorm.DB) (tracking.Effects, error) {
		if err := outboxpg.Append(tx, "topic", outgoing(t, "c1").Envelope); err != nil {
			return tracking.Effects{}, err
		}
		return tracking.Effects{Events: []events.Outgoing{outgoing(t, "c1")}, Steps: []tracking.Step{f.open(t, "c1")}}, refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("got error %v, want %v", err, refused)
	}
	if got, deadlines := f.pending(t), f.deadlines(t); got != 0 || deadlines != 0 || f.wakes != 0 {
		t.Fatalf("got %d pending events, %d deadlines and %d wake-ups after a failed change, want none", got, deadlines, f.wakes)
	}
}

func TestDoWithoutEventsDoesNotWakeTheRelay(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	require.NoError(t, f.work.Do(context.Background(), func(*gorm.DB) (tracking.Effects, error) { return tracking.Effects{}, nil }))
	if f.wakes != 0 {
		t.Fatalf("got %d wake-ups, want 0", f.wakes)
	}
}

func TestDoRefusesStepsItCannotApply(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	err := f.work.Do(context.Background(), func(*gorm.DB) (tracking.Effects, error) {
		return tracking.Effects{Events: []events.Outgoing{outgoing(t, "c1")},
			Steps: []tracking.Step{f.open(t, "c1")}}, nil
	})
	if err == nil {
		t.Fatal("got no error for steps without a tracker, want one")
	}
	if got := f.pending(t); got != 0 || f.wakes != 0 {
		t.Fatalf("got %d pending events and %d wake-ups, want 0 and 0: a step must never be skipped", got, f.wakes)
	}
}

func TestNewAcceptsNoAfterCommit(t *testing.T) {
	t.Parallel()
	db := pgtest.NewMigrated(t, 2, uow.Shared)
	work := uow.New(db, nil, nil)
	require.NoError(t, work.Do(context.Background(), func(*gorm.DB) (tracking.Effects, error) {
		return tracking.Effects{Events: []events.Outgoing{outgoing(t, "c1")}}, nil
	}))
}

func TestMigrationsPutTheSharedTablesBeforeTheServicesOwn(t *testing.T) {
	own := fstest.MapFS{"migrations/0001_own.sql": {Data: []byte("CREATE TABLE own (id text PRIMARY KEY);")}}
	ms, err := uow.Migrations(own, "svc")
	require.NoError(t, err)
	if len(ms) < 4 {
		t.Fatalf("got %d migrations, want the outbox, inbox and deadline tables and the service's own", len(ms))
	}
	if last := ms[len(ms)-1]; !strings.Contains(last.SQL, "CREATE TABLE own") {
		t.Fatalf("got %q last, want the service's own migration", last.SQL)
	}
}

// TestDoInABatchIsASavepointAndWakesTheRelayAfterTheBatchCommits: two
// units of work in one postgres.Batch, the second failing: the first's
// event and deadline are stored, the second's are not, and the relay is
// woken once, after the batch's commit (its rows are not visible before).
func TestDoInABatchIsASavepointAndWakesTheRelayAfterTheBatchCommits(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	refused := errors.New("refused")
	err := postgres.Batch(context.Background(), f.db, func(ctx context.Context) error {
		step := f.open(t, "c1")
		require.NoError(t, f.work.Do(ctx, func(tx *gorm.DB) (tracking.Effects, error) {
			return tracking.Effects{Events: []events.Outgoing{outgoing(t, "c1")}, Steps: []tracking.Step{step}}, nil
		}))
		step = f.open(t, "c2")
		err := f.work.Do(ctx, func(tx *gorm.DB) (tracking.Effects, error) {
			return tracking.Effects{Events: []events.Outgoing{outgoing(t, "c2")}, Steps: []tracking.Step{step}}, refused
		})
		require.ErrorIs(t, err, refused)
		if f.wakes != 0 {
			t.Errorf("got %d wake-ups inside the batch, want 0", f.wakes)
		}
		if got := f.pending(t); got != 0 {
			t.Errorf("got %d pending events visible outside the batch before its commit, want 0", got)
		}
		return nil
	})
	require.NoError(t, err)
	if got, deadlines := f.pending(t), f.deadlines(t); got != 1 || deadlines != 1 || f.wakes != 1 {
		t.Fatalf("got %d pending events, %d deadlines and %d wake-ups, want 1, 1 and 1", got, deadlines, f.wakes)
	}
}

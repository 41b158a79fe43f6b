package uow_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/outbox/outboxpg"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/postgres/uow"
	"claims.local/pkg/tracking"
)

// fixture is a database with the outbox table and a unit of work over it
// that counts the relay's wake-ups and the steps it was given.
type fixture struct {
	db    *gorm.DB
	work  *uow.UnitOfWork
	wakes int
	steps []tracking.Step
}

func newFixture(t *testing.T, withSteps bool) *fixture {
	t.Helper()
	f := &fixture{db: pgtest.NewMigrated(t, 4, outboxpg.Migrations)}
	var steps uow.Steps
	if withSteps {
		steps = func(tx *gorm.DB, now time.Time, s ...tracking.Step) error {
			f.steps = append(f.steps, s...)
			return nil
		}
	}
	f.work = uow.New(f.db, steps, func() { f.wakes++ })
	return f
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
	step := tracking.Complete("claim/c1", deadline.Decision, time.Now())
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
	if f.wakes != 1 || len(f.steps) != 1 {
		t.Fatalf("got %d wake-ups and %d steps, want 1 and 1", f.wakes, len(f.steps))
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
		return tracking.Effects{Events: []events.Outgoing{outgoing(t, "c1")}}, refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("got error %v, want %v", err, refused)
	}
	if got := f.pending(t); got != 0 || f.wakes != 0 {
		t.Fatalf("got %d pending events and %d wake-ups after a failed change, want 0 and 0", got, f.wakes)
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
			Steps: []tracking.Step{tracking.Complete("claim/c1", deadline.Decision, time.Now())}}, nil
	})
	if err == nil {
		t.Fatal("got no error for steps without a step applier, want one")
	}
	if got := f.pending(t); got != 0 || f.wakes != 0 {
		t.Fatalf("got %d pending events and %d wake-ups, want 0 and 0: a step must never be skipped", got, f.wakes)
	}
}

func TestNewAcceptsNoAfterCommit(t *testing.T) {
	t.Parallel()
	db := pgtest.NewMigrated(t, 2, outboxpg.Migrations)
	work := uow.New(db, nil, nil)
	require.NoError(t, work.Do(context.Background(), func(*gorm.DB) (tracking.Effects, error) {
		return tracking.Effects{Events: []events.Outgoing{outgoing(t, "c1")}}, nil
	}))
}

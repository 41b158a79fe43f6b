// Package uow is the unit of work every repository runs its changes in:
// one PostgreSQL transaction holds a use case's state change, the events
// announcing it (the outbox, package outboxpg) and its steps on the
// service's deadlines (package trackingpg), and the outbox relay is woken
// only after that transaction commits.
//
// The invariant: an event is in the outbox if and only if the state change
// it announces committed, and a deadline is opened, paused, resumed, met or
// cancelled in the same commit as the change that makes it so. Nothing is
// published from inside the transaction, so a rollback leaves nothing
// behind; the relay publishes what committed, in commit order per claim.
package uow

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"

	"claims.local/pkg/outbox/outboxpg"
	"claims.local/pkg/postgres"
	"claims.local/pkg/tracing"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
)

// sharedFS holds the schema of the tables every service's unit of work
// writes besides its own: the outbox (package outboxpg), the inbox and dead
// letters (inboxpg), the deadlines and calendar versions (trackingpg).
//
//go:embed migrations
var sharedFS embed.FS

// Shared lists the migrations of the shared tables, in the order they run:
// outbox, inbox, tracking. Their ids ("outbox/0001_outbox.sql", ...) never
// change.
func Shared() ([]postgres.Migration, error) {
	var out []postgres.Migration
	for _, set := range []string{"outbox", "inbox", "tracking"} {
		ms, err := postgres.MigrationsFromFS(sharedFS, "migrations/"+set, set)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	return out, nil
}

// Migrations lists the schema of a service's database: the shared tables,
// then the schemas of more shared packages, then the service's own
// migrations in dir "migrations" of own, named name.
func Migrations(own fs.FS, name string, more ...func() ([]postgres.Migration, error)) ([]postgres.Migration, error) {
	parts := append([]func() ([]postgres.Migration, error){Shared}, more...)
	return postgres.Collect(append(parts, func() ([]postgres.Migration, error) {
		return postgres.MigrationsFromFS(own, "migrations", name)
	})...)
}

// UnitOfWork runs changes of one service's database.
type UnitOfWork struct {
	db          *gorm.DB
	deadlines   *tracking.Tracker
	afterCommit func()
}

// New returns the unit of work of db. deadlines applies the deadline steps
// of the changes; it may be nil for a repository whose changes make none
// (a change that returns steps there fails and rolls back). afterCommit,
// which wakes the outbox relay, may be nil.
func New(db *gorm.DB, deadlines *tracking.Tracker, afterCommit func()) *UnitOfWork {
	if afterCommit == nil {
		afterCommit = func() {}
	}
	return &UnitOfWork{db: db, deadlines: deadlines, afterCommit: afterCommit}
}

// errNoTracker is returned when a change makes deadline steps in a unit of
// work that cannot apply them: a wiring mistake, never a skipped step.
var errNoTracker = errors.New("uow: deadline steps without a tracker")

// Do runs fn in one transaction and stores the effects it returns in the
// same one: the deadline steps, then the events in the outbox. An error
// from fn or from storing rolls everything back. After a commit that
// stored events it wakes the relay. Within a postgres.Batch the
// transaction is a savepoint of the batch's, and "commit" is the batch's.
func (u *UnitOfWork) Do(ctx context.Context, fn func(tx *gorm.DB) (tracking.Effects, error)) error {
	return u.DoAt(ctx, time.Time{}, fn)
}

// DoAt is Do with the time the deadline steps record as now (the zero time
// means the time they are stored), for a change that keeps its own clock.
// Within a trace (a request, an event, a job) the transaction runs in a
// span of its own, tagged with the claim of the events it stores, which
// carry that span as their traceparent; a background poll outside any
// trace starts none, so idle workers fill no trace store.
func (u *UnitOfWork) DoAt(ctx context.Context, now time.Time, fn func(tx *gorm.DB) (tracking.Effects, error)) (err error) {
	sent := false
	if trace.SpanContextFromContext(ctx).IsValid() {
		var span trace.Span
		ctx, span = tracing.Start(ctx, "db transaction", trace.SpanKindInternal, "", attribute.String("db.system.name", "postgresql"))
		defer func() { tracing.End(span, err) }()
	}
	// Within a consumer's batch (postgres.Batch) this is a savepoint of the
	// batch's transaction, and the relay is woken after the batch commits.
	err = postgres.Transaction(ctx, u.db, func(tx *gorm.DB) error {
		eff, err := fn(tx)
		if err != nil {
			return err
		}
		if len(eff.Steps) > 0 {
			if u.deadlines == nil {
				return errNoTracker
			}
			at := now
			if at.IsZero() {
				at = time.Now()
			}
			if err := trackingpg.Apply(tx, u.deadlines, at, eff.Steps...); err != nil {
				return err
			}
		}
		sent = len(eff.Events) > 0
		return outboxpg.AppendAll(tx, eff.Events)
	})
	if err == nil && sent && !postgres.AfterCommit(ctx, u.afterCommit) {
		u.afterCommit()
	}
	return err
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"claims.local/pkg/apperr"
)

// batchKey is the context key of a Batch's transaction.
type batchKey struct{}

// batch is one Batch's transaction, begun by its first statement, its
// savepoints and what runs after it commits.
type batch struct {
	db *gorm.DB
	// tx is the transaction, nil until a statement needs it; err is why it
	// could not begin.
	tx  *gorm.DB
	err error
	// step is the savepoint of the Step running; stepOpen tells that the
	// Step has made a statement in the transaction. The Step that begins
	// the transaction takes no savepoint (bare): the transaction holds
	// nothing but its work, so rolling the transaction back undoes it as
	// well as a savepoint would, for two round trips less (issue 21).
	step     string
	stepOpen bool
	bare     bool
	steps    int
	after    []func()
}

// begin returns the batch's transaction, beginning it (and the running
// Step's savepoint) at its first use: a batch of events that need no
// statement (a consumer's events of no concern to it) costs no
// transaction.
func (b *batch) begin() (*gorm.DB, error) {
	if b.tx != nil || b.err != nil {
		return b.tx, b.err
	}
	tx := b.db.Begin()
	if tx.Error != nil {
		b.err = fmt.Errorf("%w: begin: %w", ErrBatchBroken, tx.Error)
		return nil, b.err
	}
	b.tx = tx
	if b.step != "" {
		b.stepOpen, b.bare = true, true
	}
	return tx, nil
}

// first runs fn, a unit of work (Transaction), as the first work of the
// batch's transaction, which it begins: without a savepoint of its own
// (issue 21: two round trips less, SAVEPOINT and its RELEASE at the
// batch's commit). The transaction holds nothing but fn's work, so when
// fn fails, rolling the whole transaction back undoes it as a savepoint
// would; the next statement begins another, and the step that ran fn may
// go on as after a savepoint's rollback.
func (b *batch) first(ctx context.Context, fn func(tx *gorm.DB) error) error {
	tx, err := b.begin()
	if err != nil {
		return err
	}
	if err := fn(tx.WithContext(ctx)); err != nil {
		b.tx, b.stepOpen, b.bare = nil, false, false
		if rerr := tx.Rollback().Error; rerr != nil {
			b.err = fmt.Errorf("%w: rollback: %w", ErrBatchBroken, rerr)
		}
		return err
	}
	return nil
}

// ErrBatchBroken wraps the error of a Step that left its Batch's
// transaction unusable (the connection lost, a failed statement whose error
// was swallowed so that its savepoint cannot be released): the whole batch
// must be rolled back, and what it held applied again on its own.
var ErrBatchBroken = errors.New("postgres: batch transaction broken")

// Batch runs fn in one read-write READ COMMITTED transaction that every
// statement made through db (opened by Open) under fn's context joins: a
// unit of work (Transaction, and so uow.UnitOfWork) runs as a savepoint of
// it, a Snapshot or ReadOnly read reads through it (and so sees what fn
// wrote before it, uncommitted), a write outside a unit of work writes in
// it. The transaction begins with the first statement; none, none begun.
// A consumer applies the events it fetched together in one Batch, one Step
// each, so that their inbox receipts, effects, deadline steps and outbox
// rows cost one commit (issue 21). The functions given to AfterCommit
// under fn's context run after the commit, in order; none runs when fn
// fails or the commit does. Statements under fn's context run one after
// another: a transaction serves one statement at a time.
func Batch(ctx context.Context, db *gorm.DB, fn func(ctx context.Context) error) (err error) {
	b := &batch{db: db.WithContext(ctx)}
	committed := false
	defer func() {
		if b.tx != nil && !committed {
			b.tx.Rollback()
		}
	}()
	if err := fn(context.WithValue(ctx, batchKey{}, b)); err != nil {
		return err
	}
	if b.err != nil {
		return b.err
	}
	if b.tx != nil {
		if err := b.tx.Commit().Error; err != nil {
			return err
		}
	}
	committed = true
	for _, f := range b.after {
		f()
	}
	return nil
}

// Step runs fn in a savepoint of the Batch of ctx, so that a failing fn
// undoes only what it did and the batch goes on; outside a Batch it runs
// fn. It returns fn's error, and an error wrapping ErrBatchBroken when the
// transaction or the savepoint could not be begun, rolled back or
// released: the batch's transaction is unusable then. The AfterCommit
// functions fn registered are dropped when it fails.
func Step(ctx context.Context, fn func(ctx context.Context) error) (err error, broken error) {
	b, ok := ctx.Value(batchKey{}).(*batch)
	if !ok {
		return fn(ctx), nil
	}
	if b.err != nil {
		return nil, b.err
	}
	b.steps++
	sp := fmt.Sprintf("step%d", b.steps)
	b.step, b.stepOpen, b.bare = sp, false, false
	defer func() { b.step, b.stepOpen, b.bare = "", false, false }()
	if b.tx != nil {
		// Exec, not gorm's SavePoint: the PostgreSQL dialector's drops
		// the statement's error, and a savepoint refused (the transaction
		// aborted by a step before) must break the batch.
		if err := b.tx.Exec("SAVEPOINT " + sp).Error; err != nil {
			return nil, fmt.Errorf("%w: savepoint: %w", ErrBatchBroken, err)
		}
		b.stepOpen = true
	}
	after := len(b.after)
	err = fn(ctx)
	if err != nil {
		b.after = b.after[:after]
	}
	switch {
	case b.err != nil:
		return err, b.err
	case !b.stepOpen: // fn made no statement: nothing to undo or keep
		return err, nil
	case b.bare && err != nil:
		// The transaction holds only fn's work: roll it back, and let the
		// next statement begin another.
		tx := b.tx
		b.tx = nil
		if rerr := tx.Rollback().Error; rerr != nil {
			b.err = fmt.Errorf("%w: rollback: %w", ErrBatchBroken, rerr)
			return err, b.err
		}
		return err, nil
	case b.bare:
		// No savepoint to release: a statement of fn that failed without
		// fn failing (its error handled as an answer) left the
		// transaction aborted, and the next step's savepoint or the
		// batch's commit fails on it, so the batch commits nothing.
		return nil, nil
	case err != nil:
		if rerr := b.tx.Exec("ROLLBACK TO SAVEPOINT " + sp).Error; rerr != nil {
			return err, fmt.Errorf("%w: rollback to savepoint: %w", ErrBatchBroken, rerr)
		}
		return err, nil
	}
	// A statement of fn that failed without fn failing (its error handled
	// as an answer) aborted the transaction: the release fails then, and
	// the batch with it, rather than commit what fn did after it.
	if err := b.tx.Exec("RELEASE SAVEPOINT " + sp).Error; err != nil {
		b.after = b.after[:after]
		return nil, fmt.Errorf("%w: release savepoint: %w", ErrBatchBroken, err)
	}
	return nil, nil
}

// AfterCommit runs f after the Batch of ctx commits and tells true; outside
// a Batch it tells false and the caller runs f itself (its own transaction
// has committed). The outbox relay is woken this way: its rows are visible
// only after the batch commits.
func AfterCommit(ctx context.Context, f func()) bool {
	b, ok := ctx.Value(batchKey{}).(*batch)
	if !ok {
		return false
	}
	b.after = append(b.after, f)
	return true
}

// Transaction runs fn in a transaction of its own on db, or, within a
// Batch, in a savepoint of the batch's transaction (what fn did is undone
// when it fails, and committed with the batch).
//
// A transaction of its own that PostgreSQL failed as a deadlock's victim
// or on a serialization conflict (Retryable) is run again from its
// beginning, fn included, so that it reads again what the winner
// committed: up to TxAttempts times in all, after a pause that grows with
// each attempt and is jittered so that two losers do not meet again. The
// failed attempt was rolled back whole, so nothing is applied twice; fn
// must do nothing outside the transaction that may not be repeated (events
// go to the outbox, in the transaction; the relay is woken after the
// commit). When every attempt failed so, Transaction returns an apperr of
// code Busy (an HTTP 503 the client may send again), not an internal
// error. A savepoint is not run again: within a Batch the batch's earlier
// steps hold their locks, which a second try would only wait for again;
// the consumer applies the event on its own after the batch (Step), and
// that transaction of its own is retried here. Nor is one nested in a
// transaction db already is.
func Transaction(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB) error) error {
	if b, ok := ctx.Value(batchKey{}).(*batch); ok {
		if b.tx == nil && b.err == nil {
			return b.first(ctx, fn)
		}
		tx, err := b.begin()
		if err != nil {
			return err
		}
		return tx.WithContext(ctx).Transaction(fn)
	}
	if _, nested := db.Statement.ConnPool.(gorm.TxCommitter); nested {
		return db.WithContext(ctx).Transaction(fn)
	}
	for attempt := 1; ; attempt++ {
		err := db.WithContext(ctx).Transaction(fn)
		if err == nil || !Retryable(err) {
			return err
		}
		if attempt == TxAttempts {
			return &apperr.Error{Code: apperr.Busy, Err: err, Message: fmt.Sprintf(
				"the database gave up this change %d times in a row for a conflicting one (a deadlock or a serialization conflict); nothing of it was applied: send it again", attempt)}
		}
		pause := time.Duration(attempt) * (retryPause + rand.N(retryPause))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

// TxAttempts is how many times Transaction runs a transaction that
// PostgreSQL keeps failing as a deadlock's victim or on a serialization
// conflict; retryPause is the least pause before the second attempt.
const (
	TxAttempts = 3
	retryPause = 10 * time.Millisecond
)

// The SQLSTATEs of a transaction that failed only because another one ran
// beside it: run again, it can succeed.
const (
	sqlstateSerializationFailure = "40001"
	sqlstateDeadlockDetected     = "40P01"
)

// Retryable reports whether err is PostgreSQL's failure of a transaction
// for a conflict with another one, which the same transaction run again
// from its beginning can overcome: deadlock_detected (40P01, the victim of
// a deadlock) or serialization_failure (40001). Any other failure, a
// constraint violated or a lock not available (55P03) among them, would
// fail again or is an answer in itself.
func Retryable(err error) bool {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		return false
	}
	return pg.Code == sqlstateDeadlockDetected || pg.Code == sqlstateSerializationFailure
}

// inBatch tells whether ctx is within a Batch.
func inBatch(ctx context.Context) bool {
	_, ok := ctx.Value(batchKey{}).(*batch)
	return ok
}

// joinBatches makes the statements of db (opened by Open) made outside a
// transaction of their own run in the Batch of their context, and its
// reads in the Snapshot of their context.
func joinBatches(db *gorm.DB) error {
	join := func(reads bool) func(tx *gorm.DB) {
		return func(tx *gorm.DB) {
			ctx := tx.Statement.Context
			if ctx == nil {
				return
			}
			if _, own := tx.Statement.ConnPool.(gorm.TxCommitter); own {
				return // a transaction of its own (a unit of work) keeps its connection
			}
			if b, ok := ctx.Value(batchKey{}).(*batch); ok {
				btx, err := b.begin()
				if err != nil {
					_ = tx.AddError(err)
					return
				}
				tx.Statement.ConnPool = btx.Statement.ConnPool
				return
			}
			if pool, ok := ctx.Value(snapshotKey{}).(gorm.ConnPool); ok && reads {
				tx.Statement.ConnPool = pool
			}
		}
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Query().Before("gorm:query").Register("claims:join_snapshot", join(true)),
		cb.Row().Before("gorm:row").Register("claims:join_snapshot", join(true)),
		cb.Raw().Before("gorm:raw").Register("claims:join_batch", join(false)),
		// Writes join first of all: gorm drops its gorm:begin_transaction
		// callback when default transactions are off (Open turns them off),
		// and a callback ordered before a missing one ran last, after the
		// statement had run on a connection of its own.
		cb.Create().Before("*").Register("claims:join_batch", join(false)),
		cb.Update().Before("*").Register("claims:join_batch", join(false)),
		cb.Delete().Before("*").Register("claims:join_batch", join(false)),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// Batches runs the Batches of a consumer (kafkabus.Consumer.Batch) on DB.
type Batches struct{ DB *gorm.DB }

// Batch runs fn in a Batch on b.DB.
func (b Batches) Batch(ctx context.Context, fn func(ctx context.Context) error) error {
	return Batch(ctx, b.DB, fn)
}

// Step runs fn in a Step of the Batch of ctx.
func (Batches) Step(ctx context.Context, fn func(ctx context.Context) error) (err error, broken error) {
	return Step(ctx, fn)
}

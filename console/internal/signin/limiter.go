package signin

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/pkg/postgres"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations is the schema of the console's database (CONSOLE_DATABASE_DSN).
func Migrations() ([]postgres.Migration, error) {
	return postgres.MigrationsFromFS(migrationFS, "migrations", "signin")
}

// LimitPolicy says how many sign-in attempts a key (a user name, a client
// address) may make within Window before it is locked for Lockout.
type LimitPolicy struct {
	MaxFailures int
	Window      time.Duration
	Lockout     time.Duration
}

// attemptRow is a row of signin_attempts.
type attemptRow struct {
	Key         string `gorm:"primaryKey"`
	Attempts    int
	WindowStart time.Time
	LockedUntil *time.Time
}

func (attemptRow) TableName() string { return "signin_attempts" }

// Limiter counts sign-in attempts per key in PostgreSQL, so that every
// console replica sees the same counts (issue 15: counters in one replica's
// memory let an attacker spread guesses over replicas). An attempt is
// counted before the password is checked, under the row's lock, so that
// concurrent guesses cannot all reach bcrypt: at most MaxFailures attempts
// pass per window, and the next one locks the key.
type Limiter struct {
	db     *gorm.DB
	policy LimitPolicy
	now    func() time.Time
}

// NewLimiter returns a limiter with policy over db; now is the clock
// (time.Now when nil).
func NewLimiter(db *gorm.DB, policy LimitPolicy, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{db: db, policy: policy, now: now}
}

// Attempt counts an attempt of key and reports whether it may go on; when
// it may not, for how long the key stays locked.
func (l *Limiter) Attempt(ctx context.Context, key string) (time.Duration, bool, error) {
	now := l.now().UTC()
	var left time.Duration
	allowed := false
	err := underRowLock(ctx, l.db, &attemptRow{Key: key, WindowStart: now}, "key = ?", key, func(r *attemptRow) map[string]any {
		// Run again after a deadlock (underRowLock), an attempt decides
		// afresh: a lost attempt's "allowed" must not stand.
		left, allowed = 0, false
		if r.LockedUntil != nil && r.LockedUntil.After(now) {
			left = r.LockedUntil.Sub(now)
			return nil
		}
		if now.Sub(r.WindowStart) > l.policy.Window || r.LockedUntil != nil {
			r.Attempts, r.WindowStart, r.LockedUntil = 0, now, nil
		}
		if r.Attempts >= l.policy.MaxFailures {
			until := now.Add(l.policy.Lockout)
			r.LockedUntil, left = &until, l.policy.Lockout
		} else {
			r.Attempts++
			allowed = true
		}
		return map[string]any{"attempts": r.Attempts, "window_start": r.WindowStart, "locked_until": r.LockedUntil}
	})
	if err != nil {
		return 0, false, fmt.Errorf("count sign-in attempt: %w", err)
	}
	return left, allowed, nil
}

// underRowLock stores seed unless its row exists, then, in one transaction
// under the row's lock (where/key select it), lets change read and change it
// and stores the columns change returns (none: nothing). The transaction is
// run again when PostgreSQL picks it as a deadlock's victim
// (postgres.Transaction), change included: change sets whatever it tells
// outside afresh each time. Every replica
// counts through the same row, so concurrent attempts are counted one by
// one before any password is checked.
func underRowLock[T any](ctx context.Context, db *gorm.DB, seed *T, where string, key any, change func(*T) map[string]any) error {
	return postgres.Transaction(ctx, db, func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(seed).Error; err != nil {
			return err
		}
		var r T
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where(where, key).Take(&r).Error; err != nil {
			return err
		}
		cols := change(&r)
		if len(cols) == 0 {
			return nil
		}
		return tx.Model(new(T)).Where(where, key).Updates(cols).Error
	})
}

// Succeed forgets the attempts of key.
func (l *Limiter) Succeed(ctx context.Context, key string) error {
	err := l.db.WithContext(ctx).Where("key = ?", key).Delete(&attemptRow{}).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("forget sign-in attempts: %w", err)
	}
	return nil
}

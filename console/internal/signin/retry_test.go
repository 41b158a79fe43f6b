package signin

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// TestAttackAnAttemptRunAgainAfterADeadlockDecidesAfresh: a sign-in
// attempt's count (Limiter.Attempt) runs in a transaction that PostgreSQL
// may pick as a deadlock's victim; postgres.Transaction then runs it again,
// its callback included. Here the first run counts the attempt as allowed
// and its update is failed as a deadlock's victim (40P01); before the
// second run another replica locks the key. The second run must refuse
// the attempt: the first run's "allowed", rolled back with it, must not
// stand (it did, when the callback set it only on the allowing branch).
func TestAttackAnAttemptRunAgainAfterADeadlockDecidesAfresh(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	l := NewLimiter(db, LimitPolicy{MaxFailures: 5, Window: time.Minute, Lockout: 5 * time.Minute}, func() time.Time { return now })
	if _, ok, err := l.Attempt(ctx, "user:victim"); err != nil || !ok {
		t.Fatalf("got allowed %v, %v on the first attempt, want it allowed", ok, err)
	}

	var mu sync.Mutex
	updates, creates := 0, 0
	cb := db.Callback()
	if err := cb.Update().After("gorm:update").Register("test:deadlock-once", func(tx *gorm.DB) {
		mu.Lock()
		defer mu.Unlock()
		if tx.Statement.Table == "signin_attempts" {
			if updates++; updates == 1 {
				_ = tx.AddError(&pgconn.PgError{Code: "40P01", Message: "deadlock detected (provoked by the test)"})
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := cb.Create().Before("gorm:create").Register("test:lock-between", func(tx *gorm.DB) {
		mu.Lock()
		creates++
		second := creates == 2
		mu.Unlock()
		if second && tx.Statement.Table == "signin_attempts" {
			// Another replica locks the key between the two runs.
			if err := db.Exec("UPDATE signin_attempts SET locked_until = ? WHERE key = ?", now.Add(time.Hour), "user:victim").Error; err != nil {
				t.Errorf("lock the key: %v", err)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}

	left, ok, err := l.Attempt(ctx, "user:victim")
	if err != nil {
		t.Fatalf("got %v, want the attempt counted (the deadlock's victim run again)", err)
	}
	if ok || left != time.Hour {
		t.Fatalf("got allowed %v, %v left, want the attempt refused with 1h0m0s left (the key locked before the second run)", ok, left)
	}
	mu.Lock()
	defer mu.Unlock()
	if creates != 2 || updates != 1 {
		t.Errorf("got %d runs of the seed and %d updates, want 2 and 1 (the second run found the key locked)", creates, updates)
	}
}

package signin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/httpapi"
	"claims.local/pkg/postgres"
)

// ThrottlePolicy slows the attempts on one user name from every source
// together: FreeFailures attempts pass, then each further attempt must wait
// BaseDelay doubled per attempt, up to MaxDelay; the count starts again
// after Window without an attempt. It never locks: a stranger guessing a
// colleague's name from many addresses delays the colleague by at most
// MaxDelay, while the guesser gets FreeFailures plus about one guess per
// MaxDelay (issue 20).
//
// An address the user signed in from within KnownFor (30 days when zero)
// is exempt: a stranger keeping the throttle engaged with one guess per
// delay would otherwise hold the colleague out for as long as they go on.
// Guesses from such an address are bounded by the per-(user, source) lock.
type ThrottlePolicy struct {
	FreeFailures int
	BaseDelay    time.Duration
	MaxDelay     time.Duration
	Window       time.Duration
	KnownFor     time.Duration
}

// knownSourceRow is a row of signin_known_sources.
type knownSourceRow struct {
	Username    string `gorm:"primaryKey"`
	Client      string `gorm:"primaryKey"`
	LastSuccess time.Time
}

func (knownSourceRow) TableName() string { return "signin_known_sources" }

// throttleRow is a row of signin_user_throttle, keyed by the name's keyed
// hash (Handler.nameKey), never the name as typed.
type throttleRow struct {
	NameKey     string `gorm:"primaryKey"`
	Failures    int
	LastAttempt time.Time
	NextAllowed time.Time
}

func (throttleRow) TableName() string { return "signin_user_throttle" }

// unlockRow is a row of signin_unlocks, the audit of admin unlocks.
type unlockRow struct {
	ID         int64 `gorm:"primaryKey"`
	Username   string
	UnlockedBy string
	UnlockedAt time.Time
	Keys       int
}

func (unlockRow) TableName() string { return "signin_unlocks" }

// Throttle delays attempts per user name across sources in PostgreSQL,
// shared by every replica. Like Limiter, an attempt is counted before the
// password is checked, under the row's lock.
type Throttle struct {
	db     *gorm.DB
	policy ThrottlePolicy
	now    func() time.Time
}

// NewThrottle returns a throttle with policy over db; now is the clock.
func NewThrottle(db *gorm.DB, policy ThrottlePolicy, now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	if policy.KnownFor == 0 {
		policy.KnownFor = 30 * 24 * time.Hour
	}
	return &Throttle{db: db, policy: policy, now: now}
}

// Known reports whether name signed in from client within the policy's
// KnownFor.
func (t *Throttle) Known(ctx context.Context, name, client string) (bool, error) {
	var n int64
	err := t.db.WithContext(ctx).Model(&knownSourceRow{}).
		Where("username = ? AND client = ? AND last_success > ?", name, client, t.now().UTC().Add(-t.policy.KnownFor)).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("read known sign-in sources: %w", err)
	}
	return n > 0, nil
}

// Attempt counts an attempt on the name whose keyed hash is nameKey and
// reports whether it may go on; when it may not, how long until the next may.
func (t *Throttle) Attempt(ctx context.Context, nameKey string) (time.Duration, bool, error) {
	now := t.now().UTC()
	var left time.Duration
	allowed := false
	err := underRowLock(ctx, t.db, &throttleRow{NameKey: nameKey, LastAttempt: now, NextAllowed: now}, "name_key = ?", nameKey, func(r *throttleRow) map[string]any {
		// Run again after a deadlock (underRowLock), an attempt decides
		// afresh: a lost attempt's "allowed" must not stand.
		left, allowed = 0, false
		if r.NextAllowed.After(now) {
			left = r.NextAllowed.Sub(now)
			return nil
		}
		if now.Sub(r.LastAttempt) > t.policy.Window {
			r.Failures = 0
		}
		r.Failures++
		r.LastAttempt, r.NextAllowed, allowed = now, now, true
		if over := r.Failures - t.policy.FreeFailures; over > 0 {
			delay := t.policy.MaxDelay
			if over < 30 && t.policy.BaseDelay<<(over-1) < t.policy.MaxDelay {
				delay = t.policy.BaseDelay << (over - 1)
			}
			r.NextAllowed = now.Add(delay)
		}
		return map[string]any{"failures": r.Failures, "last_attempt": r.LastAttempt, "next_allowed": r.NextAllowed}
	})
	if err != nil {
		return 0, false, fmt.Errorf("count sign-in attempt: %w", err)
	}
	return left, allowed, nil
}

// Succeed forgets the attempts on name (its keyed hash nameKey) and
// remembers client as a source name signed in from: name is then a user's,
// not a mistyped password.
func (t *Throttle) Succeed(ctx context.Context, nameKey, name, client string) error {
	err := t.db.WithContext(ctx).Where("name_key = ?", nameKey).Delete(&throttleRow{}).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("forget sign-in attempts: %w", err)
	}
	err = t.db.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "username"}, {Name: "client"}},
		DoUpdates: clause.AssignmentColumns([]string{"last_success"})}).
		Create(&knownSourceRow{Username: name, Client: client, LastSuccess: t.now().UTC()}).Error
	if err != nil {
		return fmt.Errorf("remember sign-in source: %w", err)
	}
	return nil
}

// userSourceKey is the limiter key of a user name, by its keyed hash
// (Handler.nameKey), at a client address.
func userSourceKey(nameKey, client string) string {
	return "user:" + nameKey + "|client:" + client
}

// UnlockAnswer is the answer of an unlock.
type UnlockAnswer struct {
	Username string `json:"username"`
	// Cleared counts the locks and throttles lifted.
	Cleared int `json:"cleared"`
}

// Unlock answers POST /api/auth/users/:subject/unlock (an admin only):
// every lock of the user name, from every source, and its throttle are
// lifted, and the unlock is recorded (signin_unlocks) with the admin.
func (h *Handler) Unlock(v *auth.Verifier) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := h.admin(c, v, "only an admin unlocks a user")
		if !ok {
			return
		}
		name := NormalizeUsername(c.Param("subject"))
		if name == "" {
			httpapi.WriteError(c, h.log, apperr.InvalidField("username", "is required"))
			return
		}
		now := h.cfg.Now().UTC()
		cleared := 0
		err := postgres.Transaction(c.Request.Context(), h.cfg.DB, func(tx *gorm.DB) error {
			// Run again after a deadlock, an attempt counts afresh.
			cleared = 0
			nameKey := h.nameKey(name)
			res := tx.Where("starts_with(key, ?)", userSourceKey(nameKey, "")).Delete(&attemptRow{})
			if res.Error != nil {
				return res.Error
			}
			cleared += int(res.RowsAffected)
			res = tx.Where("name_key = ?", nameKey).Delete(&throttleRow{})
			if res.Error != nil {
				return res.Error
			}
			cleared += int(res.RowsAffected)
			return tx.Create(&unlockRow{Username: name, UnlockedBy: p.Subject, UnlockedAt: now, Keys: cleared}).Error
		})
		if err != nil {
			httpapi.WriteError(c, h.log, &apperr.Error{Code: apperr.Unavailable, Message: "could not unlock; try again", Err: err})
			return
		}
		h.log.InfoContext(c.Request.Context(), "user unlocked", "username", name, "by", p.Subject, "cleared", cleared)
		c.JSON(http.StatusOK, UnlockAnswer{Username: name, Cleared: cleared})
	}
}

package signin

import (
	"sync"
	"time"
)

// LimitPolicy says how many failed sign-ins a key (a user name, a client
// address) may have within Window before it is locked for Lockout.
type LimitPolicy struct {
	MaxFailures int
	Window      time.Duration
	Lockout     time.Duration
}

// maxTracked bounds the keys a Limiter remembers; past it, keys whose
// failures and lock have expired are forgotten first.
const maxTracked = 10000

type attempts struct {
	failures    int
	first       time.Time
	lockedUntil time.Time
}

// Limiter counts failed sign-ins per key and locks a key that fails too
// often. It is safe for concurrent use.
type Limiter struct {
	policy LimitPolicy
	now    func() time.Time
	mu     sync.Mutex
	keys   map[string]*attempts
}

// NewLimiter returns a limiter with policy; now is the clock (time.Now when
// nil).
func NewLimiter(policy LimitPolicy, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{policy: policy, now: now, keys: map[string]*attempts{}}
}

// Locked reports whether key is locked, and for how long still.
func (l *Limiter) Locked(key string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, ok := l.keys[key]
	if !ok {
		return 0, false
	}
	left := a.lockedUntil.Sub(l.now())
	return left, left > 0
}

// Fail records a failed sign-in for key and reports whether it locked the
// key.
func (l *Limiter) Fail(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	a, ok := l.keys[key]
	if !ok {
		if len(l.keys) >= maxTracked {
			l.forgetExpired(now)
		}
		a = &attempts{}
		l.keys[key] = a
	}
	if a.failures == 0 || now.Sub(a.first) > l.policy.Window {
		a.failures, a.first = 0, now
	}
	a.failures++
	if a.failures >= l.policy.MaxFailures {
		a.lockedUntil = now.Add(l.policy.Lockout)
		a.failures = 0
		return true
	}
	return false
}

// Succeed forgets the failures of key.
func (l *Limiter) Succeed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, key)
}

func (l *Limiter) forgetExpired(now time.Time) {
	for k, a := range l.keys {
		if now.After(a.lockedUntil) && now.Sub(a.first) > l.policy.Window {
			delete(l.keys, k)
		}
	}
}

// Package clocktest is a settable clock for tests: the use cases, the
// deadline tracker and the simulated bank read it instead of the time, so
// that a test moves time on (a deadline, a retry's backoff, the bank's
// latency) without waiting.
package clocktest

import (
	"sync"
	"time"
)

// Clock is a clock that moves only when told; the zero Clock reads the real
// time until it is set. It is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock standing at t.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		return time.Now()
	}
	return c.t
}

// Set stands the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Add moves the clock on by d (from the real time, if it was never set).
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		c.t = time.Now()
	}
	c.t = c.t.Add(d)
}

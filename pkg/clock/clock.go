// Package clock holds what the services do with the time they read.
package clock

import (
	"context"
	"time"
)

// Micro returns a clock that reads now to the microsecond, the precision
// PostgreSQL keeps, so that a time in an answer or an event equals the one
// read back from the database later.
func Micro(now func() time.Time) func() time.Time {
	return func() time.Time { return now().Truncate(time.Microsecond) }
}

// Sleep waits d and reports true, or false as soon as ctx ends.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

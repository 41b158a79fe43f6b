package deadline

import (
	"testing"
	"time"

	"claims.local/pkg/calendar"
)

// at parses an RFC 3339 timestamp.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time.Parse(%q): %v", s, err)
	}
	return ts
}

// day parses a YYYY-MM-DD date.
func day(t testing.TB, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatalf("ParseDate(%q): %v", s, err)
	}
	return d
}

// compute runs Compute with the embedded calendar and fails the test on
// error.
func compute(t testing.TB, calc *Calculator, req Request) Deadline {
	t.Helper()
	d, err := calc.Compute(req)
	if err != nil {
		t.Fatalf("Compute(%s from %s): %v", req.Rule, req.From.Format(time.RFC3339), err)
	}
	return d
}

// pause builds a Pause from two RFC 3339 timestamps.
func pause(t testing.TB, pausedAt, resumedAt string) Pause {
	t.Helper()
	return Pause{PausedAt: at(t, pausedAt), ResumedAt: at(t, resumedAt)}
}

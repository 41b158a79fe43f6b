package clocktest_test

import (
	"testing"
	"time"

	"claims.local/pkg/clock/clocktest"
)

func TestClockMovesOnlyWhenTold(t *testing.T) {
	t0 := time.Date(2026, 10, 12, 2, 0, 0, 0, time.UTC)
	c := clocktest.New(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("got %v, want %v", got, t0)
	}
	c.Add(time.Second)
	if got, want := c.Now(), t0.Add(time.Second); !got.Equal(want) {
		t.Fatalf("after Add: got %v, want %v", got, want)
	}
	c.Set(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("after Set: got %v, want %v", got, t0)
	}
}

func TestZeroClockReadsTheRealTimeUntilSet(t *testing.T) {
	var c clocktest.Clock
	before := time.Now()
	if got := c.Now(); got.Before(before) || got.After(time.Now()) {
		t.Fatalf("got %v, want the real time (after %v)", got, before)
	}
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	c.Set(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("got %v, want %v", got, t0)
	}
}

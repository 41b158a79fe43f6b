package clock_test

import (
	"testing"
	"time"

	"claims.local/pkg/clock"
)

func TestMicroReadsToTheMicrosecond(t *testing.T) {
	at := time.Date(2026, 10, 12, 2, 0, 0, 123456789, time.UTC)
	got := clock.Micro(func() time.Time { return at })()
	if want := time.Date(2026, 10, 12, 2, 0, 0, 123456000, time.UTC); !got.Equal(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

package tracking_test

import (
	"testing"
	"time"

	"claims.local/pkg/deadline"
	"claims.local/pkg/tracking"
)

// BenchmarkTheCheckOfAnHonestMove measures what session 14's monitor adds
// per honest move of a due it now reads (session 13's read the moves to a
// later due only): the due derived again from the move's inputs
// (Tracker.Expected) and compared (Unexplained). "derive" is the check of
// one move; "compare" the comparison alone, the baseline in the same run.
func BenchmarkTheCheckOfAnHonestMove(b *testing.B) {
	tr := newTracker()
	now := time.Date(2026, 9, 30, 8, 21, 0, 0, time.UTC)
	o, err := tr.New(tracking.Spec{ClaimID: "claim-1", Subject: "claim/claim-1", Rule: deadline.Decision,
		ClockStart: time.Date(2026, 9, 30, 8, 20, 0, 0, time.UTC)}, now)
	if err != nil {
		b.Fatal(err)
	}
	want, _, err := tr.Expected(o)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("derive", func(b *testing.B) {
		for b.Loop() {
			w, ok, err := tr.Expected(o)
			if err != nil || !ok || tracking.Unexplained(o, w) {
				b.Fatalf("got %v, %v, unexplained %v, want the honest due explained", ok, err, tracking.Unexplained(o, w))
			}
		}
	})
	b.Run("compare", func(b *testing.B) {
		for b.Loop() {
			if tracking.Unexplained(o, want) {
				b.Fatal("got the honest due unexplained")
			}
		}
	})
}

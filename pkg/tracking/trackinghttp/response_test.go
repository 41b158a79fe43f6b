package trackinghttp

import (
	"testing"
	"time"

	"claims.local/pkg/deadline"
	"claims.local/pkg/tracking"
)

// Issue 20: a deadline carries its provisions in both languages and how it
// was counted as values, so that a console words the explanation from its
// own catalogue instead of showing English prose with UTC instants.
func TestADeadlineSaysHowItWasCountedAsValues(t *testing.T) {
	start := time.Date(2026, 9, 30, 17, 0, 0, 0, time.UTC) // 1 October in Shanghai
	paused := deadline.Pause{PausedAt: start.Add(24 * time.Hour), ResumedAt: start.Add(72 * time.Hour)}
	tests := []struct {
		name          string
		o             tracking.Deadline
		want          counting
		wantCitations int
		wantLast      string
	}{
		{"the statutory period", tracking.Deadline{Rule: deadline.Decision, ClockStart: start},
			counting{StartDate: "2026-10-01", Length: 5, Unit: "working-days"}, 4, "Civil Code of the PRC, art. 201"},
		{"a pause deducted", tracking.Deadline{Rule: deadline.Decision, ClockStart: start, Pauses: []deadline.Pause{paused}},
			counting{StartDate: "2026-10-01", Length: 5, Unit: "working-days", Pauses: 1}, 5, "Judicial Interpretation II of the Insurance Law, art. 15"},
		{"the contract's period", tracking.Deadline{Rule: deadline.Decision, ClockStart: start, Override: &deadline.Override{Length: 10, Unit: deadline.Days}},
			counting{StartDate: "2026-10-01", Length: 10, Unit: "days", Contract: true}, 5, "Civil Code of the PRC, art. 203"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := toResponse(tt.o, start)
			if got.Counting != tt.want {
				t.Fatalf("counting: got %+v, want %+v", got.Counting, tt.want)
			}
			if len(got.BasisCitations) != tt.wantCitations {
				t.Fatalf("citations: got %d %+v, want %d", len(got.BasisCitations), got.BasisCitations, tt.wantCitations)
			}
			last := got.BasisCitations[len(got.BasisCitations)-1]
			if last.EN != tt.wantLast || last.ZH == "" {
				t.Fatalf("last citation: got %+v, want %q with its Chinese", last, tt.wantLast)
			}
		})
	}
}

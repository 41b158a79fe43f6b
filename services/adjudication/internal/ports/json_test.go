package ports

import (
	"testing"

	"claims.local/adjudication/internal/domain"
)

// Issue 20: the reasons adjudication writes itself on a timeline carry a
// code for the console's catalogue; a person's own words carry none.
func TestTimelineEntriesNameTheSystemsReasons(t *testing.T) {
	tests := []struct {
		reason string
		want   string
	}{
		{"took the case to decide it", "took_case.decide"},
		{"took the case to review it", "took_case.review"},
		{"dispatched for review", "dispatched"},
		{"原件已在柜面核验", ""},
		{"took the case to decide it ", ""},
	}
	for _, tt := range tests {
		got := toEntries([]domain.Change{{Reason: tt.reason}})[0].ReasonCode
		if got != tt.want {
			t.Fatalf("reason %q: got code %q, want %q", tt.reason, got, tt.want)
		}
	}
}

package outboxpg

import "testing"

// TestTheFloorRisesOnlyPastIDsSettledAndPublished walks the floor through
// reads: it takes the sequence's id of one read as a bound, settles it once a
// later read's xmin reaches the xmax of the read after it, and moves past
// neither a bound not settled, nor rows not published, nor the end of a full
// batch.
func TestTheFloorRisesOnlyPastIDsSettledAndPublished(t *testing.T) {
	type read struct {
		xmin, xmax, seq int64
		published       bool
		n               int
		lastID          int64
	}
	const batch = 10
	tests := []struct {
		name  string
		reads []read
		want  int64
	}{
		{"one read sets no floor: nothing is settled yet", []read{{100, 105, 50, true, 3, 50}}, 0},
		{"a bound waits for the transactions running after its read",
			[]read{{100, 105, 50, true, 3, 50}, {101, 110, 60, true, 3, 60}, {104, 112, 70, true, 3, 70}}, 0},
		{"a bound settles once xmin reaches the next read's xmax",
			[]read{{100, 105, 50, true, 3, 50}, {101, 110, 60, true, 3, 60}, {110, 115, 70, true, 3, 70}}, 51},
		{"a full batch holds the floor at its end",
			[]read{{100, 105, 50, true, 3, 50}, {101, 110, 60, true, 3, 60}, {110, 115, 70, true, batch, 40}}, 41},
		{"a read whose rows did not all go out does not move it",
			[]read{{100, 105, 50, true, 3, 50}, {101, 110, 60, true, 3, 60}, {110, 115, 70, false, 3, 70}}, 0},
		{"a settled bound serves a later read that publishes",
			[]read{{100, 105, 50, true, 3, 50}, {101, 110, 60, true, 3, 60}, {110, 115, 70, false, 3, 70}, {111, 116, 71, true, 1, 71}}, 51},
		{"the floor never falls",
			[]read{{100, 105, 50, true, 3, 50}, {101, 110, 60, true, 3, 60}, {110, 115, 70, true, 3, 70}, {111, 120, 80, true, batch, 20}}, 51},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f floor
			for _, r := range tt.reads {
				f = f.next(r.xmin, r.xmax, r.seq, r.published, r.n, batch, r.lastID)
			}
			if f.from != tt.want {
				t.Errorf("got the floor at %d, want %d", f.from, tt.want)
			}
		})
	}
}

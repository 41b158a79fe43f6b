package outboxpg_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"claims.local/pkg/events"
	"claims.local/pkg/outbox/outboxpg"
)

// TestABatchArgumentIsBuiltInOneBuffer counts the bytes BatchArg
// allocates for a group of 16 events of a kilobyte each (intake's group
// commit, issue 21): each event's envelope and columns are encoded once
// (json.Marshal's results, the data compacted once more inside the
// envelope's), and the argument is written into one buffer of its final
// size: less than three times the argument's length in all. Grown as it was
// written, the buffer was copied about log2 of its size times (twice its
// length), a tenth of the bytes intake allocated while filing reports.
func TestABatchArgumentIsBuiltInOneBuffer(t *testing.T) {
	var out []events.Outgoing
	for i := range 16 {
		e, err := events.New(events.IncidentReported, "intake", fmt.Sprintf("CLM-A%d", i), time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
			map[string]string{"note": strings.Repeat("x", 1000)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, events.Outgoing{Topic: "t.claims.intake.v1", Envelope: e})
	}
	arg, err := outboxpg.BatchArg(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	const calls = 50
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range calls {
		if _, err := outboxpg.BatchArg(context.Background(), out); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	if got, want := (after.TotalAlloc-before.TotalAlloc)/calls, uint64(3*len(arg)); got > want {
		t.Fatalf("got %d bytes allocated for a batch argument of %d bytes, want at most %d", got, len(arg), want)
	}
}

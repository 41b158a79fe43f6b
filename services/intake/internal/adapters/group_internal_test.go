package adapters

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestGroupWritersAnswerEveryReportAndGiveUpTheirTurns: many callers at
// once, groups that take a varying time. Every caller is answered, no more
// than groupWriters groups are written at once, no report is written twice,
// and when all are answered no caller holds a writer's turn.
func TestGroupWritersAnswerEveryReportAndGiveUpTheirTurns(t *testing.T) {
	t.Parallel()
	var running, most atomic.Int64
	var written sync.Map
	g := &groupCommit{}
	g.write = func(_ context.Context, batch []*groupEntry) {
		now := running.Add(1)
		for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
		}
		time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
		for _, e := range batch {
			if _, again := written.LoadOrStore(e, true); again {
				t.Errorf("got report %s written twice, want once", e.row.ID)
			}
			e.alone = true
			close(e.done)
		}
		running.Add(-1)
	}
	const callers, each = 64, 50
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for range each {
				g.store(context.Background(), &groupEntry{})
			}
		})
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(60 * time.Second):
		t.Fatal("got callers still waiting after 60 s, want every one answered")
	}
	if m := most.Load(); m > groupWriters {
		t.Fatalf("got %d groups written at once, want at most %d", m, groupWriters)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.writers != 0 || len(g.queue) != 0 {
		t.Fatalf("got %d writers and %d waiting once all were answered, want 0 and 0", g.writers, len(g.queue))
	}
}

package ports

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

// TestAWakeBeforeARoundIsTakenUpByIt wakes a worker before its first round
// (a commit made before the worker read anything): that round serves it,
// and no second round runs to find nothing; a wake during a round gets a
// round of its own, told it was woken.
func TestAWakeBeforeARoundIsTakenUpByIt(t *testing.T) {
	t.Parallel()
	wake := make(chan struct{}, 1)
	wake <- struct{}{}
	var rounds, wokenRounds atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	run := everyOrWoken(slog.New(slog.NewTextHandler(io.Discard, nil)), time.Hour, wake, "test", func(_ context.Context, woken bool) error {
		rounds.Add(1)
		if woken {
			wokenRounds.Add(1)
		}
		return nil
	})
	go func() {
		defer close(done)
		_ = run(ctx)
	}()
	time.Sleep(200 * time.Millisecond)
	if got := rounds.Load(); got != 1 {
		t.Fatalf("got %d rounds for a wake that came before the first, want 1", got)
	}
	wake <- struct{}{}
	deadline := time.Now().Add(5 * time.Second)
	for rounds.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if got, woken := rounds.Load(), wokenRounds.Load(); got != 2 || woken != 1 {
		t.Fatalf("got %d rounds, %d woken, after a wake between rounds, want 2 and 1", got, woken)
	}
}

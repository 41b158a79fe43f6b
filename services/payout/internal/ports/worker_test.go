package ports

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"claims.local/payout/internal/app"
)

// TestAWakeBeforeARoundIsTakenUpByIt wakes a worker before its first round
// (a commit made before the worker read anything): that round serves it,
// and no second round runs to find nothing; a wake between rounds gets a
// round of its own.
func TestAWakeBeforeARoundIsTakenUpByIt(t *testing.T) {
	t.Parallel()
	wake := make(chan struct{}, 1)
	wake <- struct{}{}
	var rounds atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	run := everyOrWoken(slog.New(slog.NewTextHandler(io.Discard, nil)), time.Hour, wake, "test", func(context.Context) error {
		rounds.Add(1)
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
	if got := rounds.Load(); got != 2 {
		t.Fatalf("got %d rounds after a wake between rounds, want 2", got)
	}
}

// TestTheAgendaHandsOverPaymentsAtOnceAndChecksWhenTheirTimeComes: the
// executor takes every payment it was told of at once, and a check only
// once its time has come, all that came by then together (issue 21's
// fourteenth round); an obligation told of twice keeps its earlier time,
// and the time of the next check left tells the executor when to wake.
func TestTheAgendaHandsOverPaymentsAtOnceAndChecksWhenTheirTimeComes(t *testing.T) {
	t.Parallel()
	g := NewAgenda(slog.New(slog.NewTextHandler(io.Discard, nil)))
	now := time.Now()
	g.Pay("p2")
	g.Pay("p1")
	g.Check([]app.Check{{ObligationID: "c3", At: now.Add(time.Hour)}, {ObligationID: "c2", At: now}, {ObligationID: "c1", At: now.Add(-time.Second)}})
	g.Check([]app.Check{{ObligationID: "c1", At: now.Add(time.Minute)}, {ObligationID: "c3", At: now.Add(30 * time.Minute)}})
	select {
	case <-g.wake:
	default:
		t.Fatal("got no wake after payments and checks were told, want one")
	}
	pay, check, next := g.take(now)
	if !slices.Equal(pay, []string{"p1", "p2"}) || !slices.Equal(check, []string{"c1", "c2"}) || !next.Equal(now.Add(30*time.Minute)) {
		t.Fatalf("got payments %v, checks %v, next at %v, want [p1 p2], [c1 c2], next at %v", pay, check, next, now.Add(30*time.Minute))
	}
	if pay, check, _ := g.take(now.Add(29 * time.Minute)); len(pay) != 0 || len(check) != 0 {
		t.Fatalf("got payments %v, checks %v before the next check's time, want none", pay, check)
	}
	if _, check, next := g.take(now.Add(30 * time.Minute)); !slices.Equal(check, []string{"c3"}) || !next.IsZero() {
		t.Fatalf("got checks %v, next at %v, at c3's time, want [c3] and none left", check, next)
	}
}

// TestWhileABankCallIsUnderWayTheAgendaHandsOverChecksAndKeepsPayments:
// a paying round's bank call runs beside the executor (issue 21's
// fifteenth round). While it is under way the executor takes the checks
// due, and the payments told wait for the round after the call, as they
// gathered before while the executor waited for it; the call's end wakes
// the executor, which then takes them.
func TestWhileABankCallIsUnderWayTheAgendaHandsOverChecksAndKeepsPayments(t *testing.T) {
	t.Parallel()
	g := NewAgenda(slog.New(slog.NewTextHandler(io.Discard, nil)))
	now := time.Now()
	started, release := make(chan struct{}), make(chan struct{})
	g.HandOver(func() error {
		close(started)
		<-release
		return nil
	})
	<-started
	g.Pay("p1")
	g.Check([]app.Check{{ObligationID: "c1", At: now}})
	pay, check, _ := g.take(now)
	if len(pay) != 0 || !slices.Equal(check, []string{"c1"}) {
		t.Fatalf("during the bank call: got payments %v, checks %v, want none and [c1]", pay, check)
	}
	select {
	case <-g.wake:
	default:
	}
	close(release)
	select {
	case <-g.wake:
	case <-time.After(30 * time.Second):
		t.Fatal("got no wake within 30s of the bank call's end, want one")
	}
	if pay, _, _ := g.take(now); !slices.Equal(pay, []string{"p1"}) {
		t.Fatalf("after the bank call: got payments %v, want [p1]", pay)
	}
	g.calls.Wait()
}

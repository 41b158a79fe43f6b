package ports

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"claims.local/payout/internal/app"
	"claims.local/payout/internal/domain"
)

// every runs work at once and then every interval until ctx ends, logging
// its failures: the next round tries again.
func every(log *slog.Logger, interval time.Duration, what string, work func(context.Context) error) func(context.Context) error {
	return everyOrWoken(log, interval, nil, what, func(ctx context.Context, _ bool) error { return work(ctx) })
}

// everyOrWoken is every, with a round also as soon as wake receives (a nil
// wake never does); work is told whether the round was woken. A wake that
// came before a round begins is taken up by it: it tells of a commit made
// before the round's reads, which see what it committed, so it needs no
// round of its own (a round that would find nothing).
func everyOrWoken(log *slog.Logger, interval time.Duration, wake <-chan struct{}, what string, work func(ctx context.Context, woken bool) error) func(context.Context) error {
	return func(ctx context.Context) error {
		t := time.NewTicker(interval)
		defer t.Stop()
		woken := false
		for {
			select {
			case <-wake:
			default:
			}
			if err := work(ctx, woken); err != nil && ctx.Err() == nil {
				log.Warn(what+" failed; will retry", "error", err.Error())
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
				woken = false
			case <-wake:
				woken = true
			}
		}
	}
}

// Executor pays due obligations and asks the bank about sent ones, in one
// transaction a batch (app.Execute). Without checks it does both every
// interval, and pays as soon as wake receives (an obligation due now was
// scheduled): a woken round only pays, since what it was woken for is a
// payment to make. With checks (issue 21's thirteenth round) the paying
// rounds only pay, every interval and when woken, and the asking is a
// loop of its own: a round at each time checks were set for
// (app.Controls.CheckDue: FirstCheck after the bank took a batch, or a
// pending payment's next check), so that a settled payment is recorded
// then rather than at the paying loop's next round after it, and every
// checkFallback (and at once at start) for the sent payments no time was
// set for in this process (another instance's, one sent before a restart).
// The two loops may run at once: each locks its obligations with SKIP
// LOCKED, as two instances' executors do.
func Executor(a *app.Service, log *slog.Logger, interval time.Duration, wake <-chan struct{}, checks *Checks) func(context.Context) error {
	paying := everyOrWoken(log, interval, wake, "executing due payments", func(ctx context.Context, woken bool) error {
		states := []domain.State{domain.StateScheduled, domain.StateSent}
		if woken || checks != nil {
			states = states[:1]
		}
		_, err := a.Execute(ctx, states...)
		return err
	})
	if checks == nil {
		return paying
	}
	return func(ctx context.Context) error {
		done := make(chan struct{})
		go func() {
			defer close(done)
			checks.run(ctx, max(interval, checkFallback), func(ctx context.Context) {
				if _, err := a.Execute(ctx, domain.StateSent); err != nil && ctx.Err() == nil {
					log.Warn("asking the bank about sent payments failed; will retry", "error", err.Error())
				}
			})
		}()
		err := paying(ctx)
		<-done
		return err
	}
}

// checkFallback is the least time between two rounds asking about every
// sent payment due, whether a time was set for it or not.
const checkFallback = time.Second

// Checks are the times at which sent payments are next to be asked about
// (app.Controls.CheckDue), kept until each has come.
type Checks struct {
	mu  sync.Mutex
	at  []time.Time
	set chan struct{}
}

// NewChecks returns an empty set of checks.
func NewChecks() *Checks { return &Checks{set: make(chan struct{}, 1)} }

// Due adds a check at t.
func (c *Checks) Due(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = append(c.at, t)
	select {
	case c.set <- struct{}{}:
	default:
	}
}

// next returns the earliest time set, and whether there is one.
func (c *Checks) next() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.at) == 0 {
		return time.Time{}, false
	}
	return slices.MinFunc(c.at, time.Time.Compare), true
}

// passed forgets every time up to now.
func (c *Checks) passed(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = slices.DeleteFunc(c.at, func(at time.Time) bool { return !at.After(now) })
}

// run calls round at once, then at each time set and every fallback,
// until ctx ends: once for all the times that came by then.
func (c *Checks) run(ctx context.Context, fallback time.Duration, round func(context.Context)) {
	tick := time.NewTicker(fallback)
	defer tick.Stop()
	round(ctx)
	for {
		var timer *time.Timer
		var fired <-chan time.Time
		if at, ok := c.next(); ok {
			timer = time.NewTimer(max(time.Until(at), 0))
			fired = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case <-c.set:
		case <-fired:
			c.passed(time.Now())
			round(ctx)
		case <-tick.C:
			round(ctx)
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// Notifier hands waiting notices to the gateway's topic every interval,
// and as soon as wake receives (a payment completed with its notices).
func Notifier(a *app.Service, log *slog.Logger, interval time.Duration, wake <-chan struct{}) func(context.Context) error {
	return everyOrWoken(log, interval, wake, "sending notices", func(ctx context.Context, _ bool) error {
		_, err := a.SendNotices(ctx)
		return err
	})
}

// Resealer seals payees sealed with an old data key again with the current
// one, at start and every interval, so that an old key can be retired.
func Resealer(a *app.Service, log *slog.Logger, interval time.Duration) func(context.Context) error {
	return every(log, interval, "resealing payee data", func(ctx context.Context) error {
		n, err := a.Reseal(ctx)
		if n > 0 {
			log.Info("payee data sealed again with the current key", "obligations", n)
		}
		return err
	})
}

// ThreeWayDaily runs the three-way reconciliation of the day before, once
// a day from hour (Asia/Shanghai), checking every interval: the first round
// at or after the hour reconciles yesterday and raises its alarms. Every
// instance may run it; each alarm is recorded once (per line and day) in
// the transaction that stores its event, as the deadline monitor marks its
// alarms, so several instances or a rerun raise nothing twice.
func ThreeWayDaily(a *app.Service, log *slog.Logger, hour int, interval time.Duration) func(context.Context) error {
	done := ""
	return every(log, interval, "three-way reconciliation", func(ctx context.Context) error {
		now := time.Now().In(a.Location())
		if now.Hour() < hour {
			return nil
		}
		day := now.AddDate(0, 0, -1).Format(time.DateOnly)
		if day == done {
			return nil
		}
		r, err := a.ThreeWay(ctx, day)
		if err != nil {
			return err
		}
		if r.AuthorisationsUnavailable != "" {
			// Try again next round, until adjudication answers.
			return errors.New("three-way reconciliation of " + day + ": " + r.AuthorisationsUnavailable)
		}
		done = day
		log.Info("three-way reconciliation done", "date", day, "lines", len(r.Lines))
		return nil
	})
}

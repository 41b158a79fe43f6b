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
	return everyOrWoken(log, interval, nil, what, work)
}

// everyOrWoken is every, with a round also as soon as wake receives (a nil
// wake never does). A wake that came before a round begins is taken up by
// it: it tells of a commit made before the round's reads, which see what it
// committed, so it needs no round of its own (a round that would find
// nothing).
func everyOrWoken(log *slog.Logger, interval time.Duration, wake <-chan struct{}, what string, work func(ctx context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-wake:
			default:
			}
			if err := work(ctx); err != nil && ctx.Err() == nil {
				log.Warn(what+" failed; will retry", "error", err.Error())
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			case <-wake:
			}
		}
	}
}

// Executor pays due obligations and asks the bank about sent ones, in one
// transaction a batch. It serves agenda (issue 21's fourteenth round):
// as soon as an obligation due now was scheduled (app.Controls.Scheduled)
// it pays it, and when the time the bank stated for a transfer comes
// (app.Controls.CheckAt) it asks about it, by their ids (app.ExecuteAmong:
// no look for what is due first), in one round for all that came by then:
// payments to make are not held for a round, nor settlements for the one
// after the sent mark's next attempt, and a round in progress gathers what
// comes meanwhile into the next. At start and every interval a round pays
// and asks about every obligation due (app.Execute), for what this
// process was not told of: another instance's, one from before a
// restart, one a person scheduled, a transfer still pending when it was
// asked about, one whose answer was lost. A paying round's bank call runs
// beside the loop (Agenda.HandOver), which waits for it before it returns.
func Executor(a *app.Service, log *slog.Logger, interval time.Duration, agenda *Agenda) func(context.Context) error {
	return func(ctx context.Context) error {
		defer agenda.calls.Wait()
		warn := func(err error) {
			if err != nil && ctx.Err() == nil {
				log.Warn("executing due payments failed; will retry", "error", err.Error())
			}
		}
		sweep := func() {
			// The look finds the payments the agenda was told of: they
			// committed before they were told.
			agenda.forgetPayments()
			_, err := a.Execute(ctx, domain.StateScheduled, domain.StateSent)
			warn(err)
		}
		tick := time.NewTicker(interval)
		defer tick.Stop()
		sweep()
		for ctx.Err() == nil {
			select {
			case <-tick.C:
				sweep()
			default:
			}
			pay, check, next := agenda.take(time.Now())
			if len(pay)+len(check) > 0 {
				_, err := a.ExecuteAmong(ctx, pay, check)
				warn(err)
				continue
			}
			var timer *time.Timer
			var fired <-chan time.Time
			if !next.IsZero() {
				timer = time.NewTimer(time.Until(next))
				fired = timer.C
			}
			select {
			case <-ctx.Done():
			case <-tick.C:
				sweep()
			case <-agenda.wake:
			case <-fired:
			}
			if timer != nil {
				timer.Stop()
			}
		}
		return nil
	}
}

// Agenda holds what the executor was told to do: payments to make now,
// and sent ones to ask the bank about at the times it stated. It is in
// memory only: what it loses (a restart) the executor's rounds find. It
// also makes the paying rounds' bank calls (HandOver).
type Agenda struct {
	mu     sync.Mutex
	pay    map[string]bool
	checks map[string]time.Time
	wake   chan struct{}
	log    *slog.Logger
	// calling holds a token while a bank call is under way; calls counts
	// the calls the executor waits for before it returns.
	calling chan struct{}
	calls   sync.WaitGroup
}

// NewAgenda returns an empty agenda; the failures of its bank calls go to
// log.
func NewAgenda(log *slog.Logger) *Agenda {
	return &Agenda{pay: map[string]bool{}, checks: map[string]time.Time{}, wake: make(chan struct{}, 1), log: log,
		calling: make(chan struct{}, 1)}
}

// HandOver makes call, the bank call of a paying round
// (app.Controls.HandOver), in a goroutine of its own, so that the executor
// goes on with the checks due meanwhile (issue 21's fifteenth round: a
// settled payment waited for the rounds' bank calls). One call at a time:
// a second one waits for the first, and while one is under way take keeps
// the payments told, for the round after it, as they gathered while the
// executor waited for the call before (the paying rounds no smaller, and
// no more of them). The end of a call wakes the executor.
func (g *Agenda) HandOver(call func() error) {
	g.calling <- struct{}{}
	g.calls.Add(1)
	go func() {
		defer g.calls.Done()
		if err := call(); err != nil {
			g.log.Warn("recording the bank's answers failed; the payments stay sent and are asked about", "error", err.Error())
		}
		<-g.calling
		g.woken()
	}()
}

// Pay puts the payment of obligation id on the agenda, to make now.
func (g *Agenda) Pay(id string) {
	g.mu.Lock()
	g.pay[id] = true
	g.mu.Unlock()
	g.woken()
}

// Check puts the checks on the agenda, each at its time, or keeps the
// earlier time an obligation has.
func (g *Agenda) Check(checks []app.Check) {
	g.mu.Lock()
	for _, c := range checks {
		if was, ok := g.checks[c.ObligationID]; !ok || c.At.Before(was) {
			g.checks[c.ObligationID] = c.At
		}
	}
	g.mu.Unlock()
	g.woken()
}

// woken wakes the executor, unless a wake is waiting already.
func (g *Agenda) woken() {
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// take removes from the agenda the payments, unless a bank call is under
// way (HandOver), and the checks due at now, and returns their ids, sorted,
// and the earliest time of the checks left (zero when none).
func (g *Agenda) take(now time.Time) (pay, check []string, next time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.calling) == 0 {
		for id := range g.pay {
			pay = append(pay, id)
		}
		clear(g.pay)
	}
	for id, at := range g.checks {
		if !at.After(now) {
			check = append(check, id)
			delete(g.checks, id)
		} else if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	slices.Sort(pay)
	slices.Sort(check)
	return pay, check, next
}

// forgetPayments removes the payments from the agenda.
func (g *Agenda) forgetPayments() {
	g.mu.Lock()
	defer g.mu.Unlock()
	clear(g.pay)
}

// Notifier hands waiting notices to the gateway's topic every interval,
// and as soon as wake receives (a payment completed with its notices).
func Notifier(a *app.Service, log *slog.Logger, interval time.Duration, wake <-chan struct{}) func(context.Context) error {
	return everyOrWoken(log, interval, wake, "sending notices", func(ctx context.Context) error {
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

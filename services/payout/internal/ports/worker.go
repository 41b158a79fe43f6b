package ports

import (
	"context"
	"errors"
	"log/slog"
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

// Executor pays due obligations and asks the bank about sent ones every
// interval, in one transaction a batch (app.Execute), and pays as soon as
// wake receives (an obligation due now was scheduled): a woken round only
// pays, since what it was woken for is a payment to make.
func Executor(a *app.Service, log *slog.Logger, interval time.Duration, wake <-chan struct{}) func(context.Context) error {
	return everyOrWoken(log, interval, wake, "executing due payments", func(ctx context.Context, woken bool) error {
		states := []domain.State{domain.StateScheduled, domain.StateSent}
		if woken {
			states = states[:1]
		}
		_, err := a.Execute(ctx, states...)
		return err
	})
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

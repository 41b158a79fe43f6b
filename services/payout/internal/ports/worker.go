package ports

import (
	"context"
	"log/slog"
	"time"

	"claims.local/payout/internal/app"
)

// Executor pays due obligations every interval until ctx ends.
func Executor(a *app.Service, log *slog.Logger, interval time.Duration) func(context.Context) error {
	return func(ctx context.Context) error {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if _, err := a.ExecuteDue(ctx); err != nil && ctx.Err() == nil {
				log.Warn("executing due payments failed; will retry", "error", err.Error())
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}
}

// Package lifecycle runs the long-lived parts of a service (HTTP server,
// outbox relay, consumers, workers) together: when one fails, or the context
// ends (SIGTERM), all are told to stop and Run waits for each to finish its
// work in flight.
package lifecycle

import (
	"context"
	"errors"
	"log/slog"
	"sync"
)

// Component is one long-lived part. Run must return when ctx ends.
type Component struct {
	Name string
	Run  func(ctx context.Context) error
}

// Run runs every component until ctx ends or one of them fails, and returns
// the first failure.
func Run(ctx context.Context, log *slog.Logger, components ...Component) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for _, c := range components {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := c.Run(ctx)
			if err != nil && !errors.Is(err, context.Canceled) {
				log.Error("component failed", "component", c.Name, "error", err.Error())
				once.Do(func() { first = err })
			} else {
				log.Info("component stopped", "component", c.Name)
			}
			cancel()
		}()
	}
	wg.Wait()
	return first
}

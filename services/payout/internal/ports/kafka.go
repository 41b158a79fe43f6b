package ports

import (
	"context"

	"claims.local/payout/internal/app"
	"claims.local/pkg/events"
)

// Decisions returns the handler of adjudication's topic.
func Decisions(a *app.Service) func(context.Context, events.Envelope) error {
	return func(ctx context.Context, e events.Envelope) error {
		if e.Type != events.ClaimDecided.Name {
			return nil
		}
		return a.HandleDecision(ctx, e)
	}
}

package ports

import (
	"context"

	"claims.local/payout/internal/app"
	"claims.local/pkg/events"
)

// Agreements returns the handler of adjudication's topic. Payments start
// from the claimant's agreement (R6); a decision alone owes nothing, and
// the topic's other events are not payout's business.
func Agreements(a *app.Service) func(context.Context, events.Envelope) error {
	return func(ctx context.Context, e events.Envelope) error {
		if e.Type != events.AgreementReached.Name {
			return nil
		}
		return a.HandleAgreement(ctx, e)
	}
}

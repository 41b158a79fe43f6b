package ports

import (
	"context"

	"claims.local/payout/internal/app"
	"claims.local/pkg/events"
)

// Agreements returns the handler of adjudication's topic. Payments start
// from the claimant's agreement (R6) or an approved advance (R7, R8); a
// decision owes nothing, but a rejection settles the advances paid. The
// topic's other events are not payout's business.
func Agreements(a *app.Service) func(context.Context, events.Envelope) error {
	return func(ctx context.Context, e events.Envelope) error {
		switch e.Type {
		case events.AgreementReached.Name:
			return a.HandleAgreement(ctx, e)
		case events.AdvanceApproved.Name:
			return a.HandleAdvance(ctx, e)
		case events.ClaimDecided.Name:
			return a.HandleDecision(ctx, e)
		}
		return nil
	}
}

package ports

import (
	"context"

	"claims.local/adjudication/internal/app"
	"claims.local/pkg/events"
)

// ClaimRequests returns the handler of intake's topic: claim requests open
// cases, and a notice's delivery recorded after the hand-over moves the
// case's decision deadline; the other intake events are not adjudication's
// business.
func ClaimRequests(a *app.Service) func(context.Context, events.Envelope) error {
	return func(ctx context.Context, e events.Envelope) error {
		switch e.Type {
		case events.ClaimRequested.Name:
			return a.OpenCase(ctx, e)
		case events.NoticeDelivered.Name:
			return a.RecordIntakeDelivery(ctx, e)
		}
		return nil
	}
}

// Payouts returns the handler of payout's topic: completed payments are
// kept for the indicators (R13).
func Payouts(a *app.Service) func(context.Context, events.Envelope) error {
	return a.RecordPayout
}

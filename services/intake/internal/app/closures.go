package app

import (
	"context"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/events"
	"claims.local/pkg/inbox"
)

// The inbox names of intake's consumers of claim closures (issue 20):
// adjudication's decisions and payout's payments.
const (
	DecisionsConsumer = "intake.claim-decisions"
	PayoutsConsumer   = "intake.payouts"
)

// RecordClaimClosure learns from adjudication's and payout's events that a
// report's claim is closed: a rejection (claim-decided, outcome rejected),
// a withdrawal (claim-withdrawn) or the final payment (payout-completed of
// type final). A closed report
// is no longer offered as the report a new one of the same incident is
// linked to (issue 20). Other events are ignored.
func (s *Service) RecordClaimClosure(consumer string) func(context.Context, events.Envelope) error {
	return func(ctx context.Context, e events.Envelope) error {
		var c domain.Closure
		switch e.Type {
		case events.ClaimDecided.Name:
			var d events.ClaimDecidedData
			if err := events.DecodeData(e, events.ClaimDecided, &d); err != nil {
				return err
			}
			if d.Outcome != events.OutcomeRejected {
				return nil
			}
			c = domain.Closure{ClaimID: d.ClaimID, Kind: domain.ClosureRejected, At: d.DecidedAt.UTC()}
		case events.ClaimWithdrawn.Name:
			var d events.ClaimWithdrawnData
			if err := events.DecodeData(e, events.ClaimWithdrawn, &d); err != nil {
				return err
			}
			c = domain.Closure{ClaimID: d.ClaimID, Kind: domain.ClosureWithdrawn, At: d.WithdrawnAt.UTC()}
		case events.PayoutCompleted.Name:
			var d events.PayoutData
			if err := events.DecodeData(e, events.PayoutCompleted, &d); err != nil {
				return err
			}
			if d.PayoutType != events.PayoutTypeFinal || d.ClaimID == "" {
				return nil
			}
			c = domain.Closure{ClaimID: d.ClaimID, Kind: domain.ClosurePaid, At: e.Time.UTC()}
			if d.CompletedAt != nil {
				c.At = d.CompletedAt.UTC()
			}
		default:
			return nil
		}
		return s.d.Repo.CloseClaim(ctx, inbox.Receipt{Consumer: consumer, EventID: e.ID, EventType: e.Type, ClaimID: e.ClaimID}, c)
	}
}

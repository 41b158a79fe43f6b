package app

import (
	"context"
	"errors"

	"claims.local/payout/internal/domain"
	"claims.local/pkg/events"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/inbox"
)

// RefusedInstructionsConsumer is the inbox name under which the alarm of a
// refused instruction is recorded, once per event id. It is not
// AgreementsConsumer, so that a forgery refused under some event id never
// makes payout skip a genuine instruction of the same id.
const RefusedInstructionsConsumer = "payout.refused-instructions"

// checkInstruction lets a payment instruction through only when it is
// signed by one of adjudication's trusted keys (issue 15: authorisation on
// the broker and a signature on the instruction, two locks on the money
// path). Anything else is never paid: the alarm is raised once per event
// (claims.payout.instruction-refused on the payout topic, an error log
// line, the metric) and the error returned wraps events.ErrMalformed, so
// that the consumer parks the event as a dead letter for a person.
func (s *Service) checkInstruction(ctx context.Context, e events.Envelope) error {
	r := signing.Check(s.controls.Instructions, e)
	if r == nil {
		return nil
	}
	now := s.now()
	raised := false
	receipt := inbox.Receipt{Consumer: RefusedInstructionsConsumer, EventID: e.ID, EventType: e.Type, ClaimID: e.ClaimID}
	_, serr := s.repo.Schedule(ctx, receipt, domain.Obligation{}, func(*domain.Obligation) (Effects, error) {
		raised = true
		alarm, err := events.New(events.InstructionRefused, Producer, e.ClaimID, now, events.InstructionRefusedData{
			EventID: e.ID, EventType: e.Type, ClaimID: e.ClaimID, Source: e.Source, KeyID: r.KeyID,
			Reason: string(r.Reason), Detail: r.Detail, DetectedAt: now})
		if err != nil {
			return Effects{}, err
		}
		return Effects{Events: []events.Outgoing{{Topic: s.topics.Payout(), Envelope: alarm}}}, nil
	})
	if serr != nil {
		return serr
	}
	if raised {
		// The alarm's record is undone with the event's part of a
		// consumer's batch when the event fails there, and made again when
		// it is handled on its own: the log line and the metric wait for
		// the record's commit, so each refusal is told once.
		s.afterCommit(ctx, func() {
			if s.controls.Log != nil {
				s.controls.Log.Error("payment instruction refused: not signed by a trusted key of adjudication; parked, nothing paid",
					"event_id", e.ID, "event_type", e.Type, "claim_id", e.ClaimID, "source", e.Source,
					"key_id", r.KeyID, "reason", string(r.Reason), "detail", r.Detail)
			}
			if s.controls.Refused != nil {
				s.controls.Refused(r.Reason)
			}
		})
	}
	return errors.Join(events.ErrMalformed, r)
}

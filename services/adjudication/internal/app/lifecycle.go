package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/tracking"
)

// change runs a change of a case that sets off no effects.
func (s *Service) change(ctx context.Context, claimID string, do func(c *domain.Case, now time.Time) error) (domain.Case, error) {
	return s.repo.Update(ctx, claimID, func(c *domain.Case) (tracking.Effects, error) {
		return tracking.Effects{}, do(c, s.now())
	})
}

// StartReview puts a received case under review, taking it for the actor
// when nobody has it.
func (s *Service) StartReview(ctx context.Context, actor domain.Actor, claimID string) (domain.Case, error) {
	return s.change(ctx, claimID, func(c *domain.Case, now time.Time) error { return c.StartReview(actor, now) })
}

// Assign gives a case to a handler, or takes it from whoever has it.
func (s *Service) Assign(ctx context.Context, actor domain.Actor, claimID, assignee, reason string) (domain.Case, error) {
	return s.change(ctx, claimID, func(c *domain.Case, now time.Time) error { return c.Assign(actor, assignee, reason, now) })
}

// RequestDocuments records a supplementary notice of missing documents
// (Insurance Law art. 22; a repeat without a reason is refused) and sends
// it to the claimant through the notification gateway, in the transaction
// of the change. The decision clock (R4) keeps running until the notice is
// delivered (RecordNoticeDelivered).
func (s *Service) RequestDocuments(ctx context.Context, actor domain.Actor, claimID string, req domain.DocumentRequest) (domain.Case, error) {
	return s.repo.Update(ctx, claimID, func(c *domain.Case) (tracking.Effects, error) {
		now := s.now()
		if err := c.RequestDocuments(actor, req, now); err != nil {
			return tracking.Effects{}, err
		}
		sup := c.Supplements[len(c.Supplements)-1]
		claimant := c.InsuredName
		if c.Beneficiary != nil {
			claimant = c.Beneficiary.Name
		}
		e, err := events.New(events.SupplementaryNoticeRequested, Producer, c.ClaimID, now, events.SupplementaryNoticeData{
			NotificationID: fmt.Sprintf("%s/supplement/%d", c.ClaimID, len(c.Supplements)), ClaimID: c.ClaimID, CaseID: c.ID,
			PolicyNumber: c.PolicyNumber, Rule: events.NoticeSupplement,
			Recipient: events.Recipient{Role: events.RecipientClaimant, Name: events.MaskName(claimant)},
			Channel:   sup.Channel, Language: "zh-CN", Documents: sup.Documents, Reason: sup.Reason,
			Text: domain.SupplementaryNoticeText(*c, sup), SentAt: sup.NoticeSentAt,
		})
		if err != nil {
			return tracking.Effects{}, err
		}
		return tracking.Effects{Events: []events.Outgoing{{Topic: s.topics.Notifications(), Envelope: e}}}, nil
	})
}

// RecordNoticeDelivered records when the awaited supplementary notice
// reached the claimant (the gateway's delivery receipt, or the signed postal
// receipt) and stops the decision clock (R4) from then; the days after it
// are deducted (Judicial Interpretation II of the Insurance Law, art. 15).
func (s *Service) RecordNoticeDelivered(ctx context.Context, actor domain.Actor, claimID string, at time.Time, receipt string) (domain.Case, error) {
	return s.repo.Update(ctx, claimID, func(c *domain.Case) (tracking.Effects, error) {
		now := s.now()
		delivered, err := c.RecordNoticeDelivered(actor, at.Truncate(time.Microsecond), receipt, now)
		if err != nil {
			return tracking.Effects{}, err
		}
		return tracking.Effects{Steps: []tracking.Step{tracking.Pause(tracking.ClaimSubject(c.ClaimID), c.DecisionRule(), delivered)}}, nil
	})
}

// RecordIntakeDelivery applies intake's announcement that a notice it
// handed over with the claim request as a stop not known delivered reached
// the claimant (events.NoticeDelivered: its postal receipt came back after
// the hand-over). The event is applied only signed by intake
// (checkRequest: else parked with the alarm). The supplement's delivery is
// written once (domain.Case.RecordIntakeDelivery) and the decision
// deadline (R4), if still owed and not yet past, is recomputed with the
// stop (tracking.Repause); a met, missed or breached one stays as it was.
// Intake's events of a claim come on one partition, after its claim
// request, so the delivery finds the case. A delivery refused (before the
// notice's sending, in the future, of a notice or a claim adjudication
// does not know) is parked for a person: it would never apply.
func (s *Service) RecordIntakeDelivery(ctx context.Context, e events.Envelope) error {
	if err := s.checkRequest(ctx, e); err != nil {
		return err
	}
	var d events.NoticeDeliveredData
	if err := events.DecodeData(e, events.NoticeDelivered, &d); err != nil {
		return err
	}
	_, err := s.repo.Update(ctx, e.ClaimID, func(c *domain.Case) (tracking.Effects, error) {
		now := s.now()
		changed, err := c.RecordIntakeDelivery(d.NoticeSentAt, d.DeliveredAt.Truncate(time.Microsecond), d.Receipt, now)
		if err != nil || !changed {
			return tracking.Effects{}, err
		}
		closed, _ := c.Pauses()
		return tracking.Effects{Steps: []tracking.Step{tracking.Repause(tracking.ClaimSubject(c.ClaimID), c.DecisionRule(), closed, now)}}, nil
	})
	if code := apperr.CodeOf(err); code == apperr.Invalid || code == apperr.NotFound {
		return errors.Join(events.ErrMalformed, err)
	}
	return err
}

// RecordDocumentsReceived records the arrival of the documents asked for at
// at (now when zero) and starts the decision clock (R4) again if the notice
// had stopped it; the days awaited are deducted. A claim whose materials are
// complete for the first time starts its R7 clock.
func (s *Service) RecordDocumentsReceived(ctx context.Context, actor domain.Actor, claimID string, at time.Time) (domain.Case, error) {
	return s.repo.Update(ctx, claimID, func(c *domain.Case) (tracking.Effects, error) {
		now := s.now()
		received, err := c.RecordDocumentsReceived(actor, at.Truncate(time.Microsecond), now)
		if err != nil {
			return tracking.Effects{}, err
		}
		var steps []tracking.Step
		if c.Supplements[len(c.Supplements)-1].PauseStart() != nil {
			steps = append(steps, tracking.Resume(tracking.ClaimSubject(c.ClaimID), c.DecisionRule(), received))
		}
		// The materials are complete: R7's 60 days start now, unless they
		// started when the claim was first complete.
		advance, started, err := s.advanceObligation(c, now)
		if err != nil {
			return tracking.Effects{}, err
		}
		if started {
			steps = append(steps, tracking.Open(advance))
		}
		return tracking.Effects{Steps: steps}, nil
	})
}

// MarkComplex puts a case on the complex path: the 5-working-day decision
// deadline is cancelled and the 30-day one (R4; or the contract's period)
// opened from the same clock start, with the same clock stops.
func (s *Service) MarkComplex(ctx context.Context, actor domain.Actor, claimID, reason string) (domain.Case, error) {
	product, err := s.productOfCase(ctx, claimID)
	if err != nil {
		return domain.Case{}, err
	}
	return s.repo.Update(ctx, claimID, func(c *domain.Case) (tracking.Effects, error) {
		now := s.now()
		if err := c.MarkComplex(actor, reason, now); err != nil {
			return tracking.Effects{}, err
		}
		o, err := s.decisionObligation(c, deadline.ComplexDecision, product, now)
		if err != nil {
			return tracking.Effects{}, err
		}
		return tracking.Effects{Steps: []tracking.Step{
			tracking.Cancel(tracking.ClaimSubject(c.ClaimID), deadline.Decision, now, "superseded by the complex-case decision deadline: "+c.Complex.Reason).
				Proven(domain.ComplexEvidence(c.ID)),
			tracking.Open(o),
		}}, nil
	})
}

// Close closes a case. Closing an undecided case withdraws the claim: its
// decision and advance (R7) deadlines are owed no more, and claim-withdrawn
// tells intake, in the transaction of the change, that the claim's report
// is closed (issue 20: a new report is linked only to an open one).
func (s *Service) Close(ctx context.Context, actor domain.Actor, claimID, reason string) (domain.Case, error) {
	return s.repo.Update(ctx, claimID, func(c *domain.Case) (tracking.Effects, error) {
		now := s.now()
		rule := c.DecisionRule()
		withdrawn, err := c.Close(actor, reason, now)
		if err != nil || !withdrawn {
			return tracking.Effects{}, err
		}
		e, err := events.New(events.ClaimWithdrawn, Producer, c.ClaimID, now, events.ClaimWithdrawnData{ClaimID: c.ClaimID, CaseID: c.ID,
			ReasonCode: events.WithdrawalClosedUndecided, Reason: c.Closure.Reason, WithdrawnAt: c.Closure.At})
		if err != nil {
			return tracking.Effects{}, err
		}
		why := "claim withdrawn: " + c.Closure.Reason
		withdrawal := domain.WithdrawalEvidence(c.ID)
		return tracking.Effects{Steps: []tracking.Step{tracking.Cancel(tracking.ClaimSubject(c.ClaimID), rule, now, why).Proven(withdrawal),
			tracking.Cancel(tracking.ClaimSubject(c.ClaimID), deadline.AdvancePayment, now, why).Proven(withdrawal)},
			Events: []events.Outgoing{{Topic: s.topics.Adjudication(), Envelope: e}}}, nil
	})
}

// OverrideCheck records that the handler accepts a check that did not
// pass. Whoever entered what the straight-through path left to a second
// person (entered_by_staff) overrides none of the claim's checks.
func (s *Service) OverrideCheck(ctx context.Context, actor domain.Actor, claimID string, check domain.CheckName, reason string) (domain.Case, error) {
	results, err := s.Checks(ctx, claimID)
	if err != nil {
		return domain.Case{}, err
	}
	enteredBy, err := s.enteredByStaff(ctx, claimID)
	if err != nil {
		return domain.Case{}, err
	}
	var current domain.CheckResult
	for _, r := range results {
		if r.Check == check {
			current = r
		}
	}
	return s.change(ctx, claimID, func(c *domain.Case, now time.Time) error {
		if err := domain.RefuseEnteredBy(actor, enteredBy, claimID, "overrides its checks"); err != nil {
			return err
		}
		return c.OverrideCheck(actor, current, reason, now)
	})
}

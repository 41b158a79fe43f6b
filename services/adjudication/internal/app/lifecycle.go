package app

import (
	"context"
	"time"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/deadline"
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

// RequestDocuments records a request for missing documents and stops the
// decision clock (R4) until they arrive.
func (s *Service) RequestDocuments(ctx context.Context, actor domain.Actor, claimID string, documents []string, note string) (domain.Case, error) {
	return s.repo.Update(ctx, claimID, func(c *domain.Case) (tracking.Effects, error) {
		now := s.now()
		if err := c.RequestDocuments(actor, documents, note, now); err != nil {
			return tracking.Effects{}, err
		}
		return tracking.Effects{Steps: []tracking.Step{tracking.Pause(tracking.ClaimSubject(c.ClaimID), c.DecisionRule(), now)}}, nil
	})
}

// RecordDocumentsReceived records the arrival of the documents asked for at
// at (now when zero) and starts the decision clock (R4) again; the days
// awaited are deducted. A claim whose materials are complete for the first
// time starts its R7 clock.
func (s *Service) RecordDocumentsReceived(ctx context.Context, actor domain.Actor, claimID string, at time.Time) (domain.Case, error) {
	return s.repo.Update(ctx, claimID, func(c *domain.Case) (tracking.Effects, error) {
		now := s.now()
		received, err := c.RecordDocumentsReceived(actor, at.Truncate(time.Microsecond), now)
		if err != nil {
			return tracking.Effects{}, err
		}
		steps := []tracking.Step{tracking.Resume(tracking.ClaimSubject(c.ClaimID), c.DecisionRule(), received)}
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
			tracking.Cancel(tracking.ClaimSubject(c.ClaimID), deadline.Decision, now, "superseded by the complex-case decision deadline: "+c.Complex.Reason),
			tracking.Open(o),
		}}, nil
	})
}

// Close closes a case. Closing an undecided case withdraws the claim: its
// decision and advance (R7) deadlines are owed no more.
func (s *Service) Close(ctx context.Context, actor domain.Actor, claimID, reason string) (domain.Case, error) {
	return s.repo.Update(ctx, claimID, func(c *domain.Case) (tracking.Effects, error) {
		now := s.now()
		rule := c.DecisionRule()
		withdrawn, err := c.Close(actor, reason, now)
		if err != nil || !withdrawn {
			return tracking.Effects{}, err
		}
		why := "claim withdrawn: " + c.Closure.Reason
		return tracking.Effects{Steps: []tracking.Step{tracking.Cancel(tracking.ClaimSubject(c.ClaimID), rule, now, why),
			tracking.Cancel(tracking.ClaimSubject(c.ClaimID), deadline.AdvancePayment, now, why)}}, nil
	})
}

// OverrideCheck records that the handler accepts a check that did not pass.
func (s *Service) OverrideCheck(ctx context.Context, actor domain.Actor, claimID string, check domain.CheckName, reason string) (domain.Case, error) {
	results, err := s.Checks(ctx, claimID)
	if err != nil {
		return domain.Case{}, err
	}
	var current domain.CheckResult
	for _, r := range results {
		if r.Check == check {
			current = r
		}
	}
	return s.change(ctx, claimID, func(c *domain.Case, now time.Time) error { return c.OverrideCheck(actor, current, reason, now) })
}

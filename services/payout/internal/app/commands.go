package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"claims.local/payout/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/reveal"
	"claims.local/pkg/tracking"
)

// CorrectPayee takes the payee details a handler confirmed with the
// claimant for a payment the bank refused (or returned), for reason, and
// schedules it again: at once up to the segregation-of-duties threshold,
// above it once a second senior (not the corrector, nor anyone who decided,
// approved or recorded it) confirmed the new payee. Finance sees it
// scheduled again; the change is in the payee audit trail. by is the
// handler.
func (s *Service) CorrectPayee(ctx context.Context, id string, p domain.Payee, by, reason string) (domain.Obligation, error) {
	now := s.now()
	return s.repo.Update(ctx, id, now, func(o *domain.Obligation) (Effects, error) {
		before := o.Payee
		if err := o.CorrectPayee(p, by, s.threshold(), now); err != nil {
			return Effects{}, err
		}
		evs, err := s.payoutEvent(events.PayoutScheduled, *o, "")
		return Effects{Events: evs, PayeeChanges: []domain.PayeeChange{o.Change(uuid.NewString(), domain.PayeeCorrected, by, reason, &before, now)}}, err
	})
}

// Reverse records that the bank returned a completed payment (退汇) at
// returnedAt (now when nil), as finance learns it from the bank. Finance
// gets a payout-reversed event; the money is owed again by a replacement
// obligation with its own bank key, which waits for a handler to confirm or
// correct the payee and is tracked like a payment (R6) from the return.
// It returns the reversed obligation and its replacement.
func (s *Service) Reverse(ctx context.Context, id, reason string, returnedAt *time.Time) (reversed, replacement domain.Obligation, err error) {
	now := s.now()
	at := now
	if returnedAt != nil {
		if returnedAt.After(now) {
			return domain.Obligation{}, domain.Obligation{}, apperr.InvalidField("returned_at", "must not be in the future")
		}
		at = returnedAt.Truncate(time.Microsecond)
	}
	reversed, err = s.repo.Update(ctx, id, now, func(o *domain.Obligation) (Effects, error) {
		if err := o.Reverse(reason, at); err != nil {
			return Effects{}, err
		}
		var err error
		if replacement, err = o.Replacement(uuid.NewString(), now); err != nil {
			return Effects{}, err
		}
		pay, err := s.deadline.New(tracking.Spec{ClaimID: o.ClaimID, Subject: tracking.PaymentSubject(replacement.ID), Rule: deadline.Payment,
			ClockStart: at}, now)
		if err != nil {
			return Effects{}, err
		}
		evs, err := s.payoutEvent(events.PayoutReversed, *o, "")
		return Effects{Events: evs, Steps: []tracking.Step{tracking.Open(pay)}, Create: []domain.Obligation{replacement}}, err
	})
	return reversed, replacement, err
}

// RevealPayee returns the payee of obligation id in clear, for a person
// whose role allows it and who says why (R11): the reveal is recorded with
// who, whose, what, when and why before the data leaves.
func (s *Service) RevealPayee(ctx context.Context, id string, who auth.Principal, reason string) (domain.Payee, error) {
	o, err := s.repo.Reveal(ctx, id, func(o domain.Obligation) (reveal.Reveal, error) {
		return reveal.New(who, o.ClaimID, tracking.PaymentSubject(o.ID), "payee", reason, s.now())
	})
	if err != nil {
		return domain.Payee{}, err
	}
	return o.Payee, nil
}

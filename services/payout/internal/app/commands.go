package app

import (
	"context"
	"slices"
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
// handler. A payment held because its sealed payee cannot be opened takes
// the payee through replaceUnreadablePayee instead.
func (s *Service) CorrectPayee(ctx context.Context, id string, p domain.Payee, by, reason string) (domain.Obligation, error) {
	// Advances split below the threshold count together, as when they
	// were scheduled.
	cur, err := s.repo.Get(ctx, id)
	if err != nil {
		return domain.Obligation{}, err
	}
	// A payee typed in payout is paid only into an account its bank says
	// is held by its name.
	if err := s.bankHolds(ctx, p); err != nil {
		return domain.Obligation{}, err
	}
	if cur.PayeeUnreadable != "" {
		return s.replaceUnreadablePayee(ctx, cur, p, by, reason)
	}
	advances, err := s.repo.Advances(ctx, cur.ClaimID)
	if err != nil {
		return domain.Obligation{}, err
	}
	advances = slices.DeleteFunc(advances, func(a domain.Obligation) bool { return a.ID == id })
	now := s.now()
	return s.repo.Update(ctx, id, now, func(o *domain.Obligation) (Effects, error) {
		before := o.Payee
		if err := o.CorrectPayee(p, by, domain.ThresholdLeft(s.threshold(), advances), now); err != nil {
			return Effects{}, err
		}
		evs, err := s.payoutEvent(events.PayoutScheduled, *o, "")
		return Effects{Events: evs, PayeeChanges: []domain.PayeeChange{o.Change(uuid.NewString(), domain.PayeeCorrected, by, reason, &before, now)}}, err
	})
}

// replaceUnreadablePayee gives held, a payment held because its sealed
// payee cannot be opened, the payee by confirmed with the claimant
// (domain.Obligation.ReplaceUnreadablePayee): into the account adjudication
// authorised it to, read from adjudication (its keyed fingerprint), and
// then confirmed by a second senior whatever the amount. The payee audit
// trail records it (PayeeReplaced, with no payee before: none opens).
// Without adjudication's answer nothing changes.
func (s *Service) replaceUnreadablePayee(ctx context.Context, held domain.Obligation, p domain.Payee, by, reason string) (domain.Obligation, error) {
	if s.controls.Authorisations == nil {
		return domain.Obligation{}, apperr.New(apperr.Unavailable,
			"adjudication's address is not configured (PAYOUT_ADJUDICATION_URL): the account of the payee cannot be checked")
	}
	from := held.AgreedAt
	if from.IsZero() || held.ScheduledAt.Before(from) {
		from = held.ScheduledAt
	}
	now := s.now()
	auths, err := s.controls.Authorisations.PaymentAuthorisations(ctx, from.Add(-authorisationMargin), now.Add(time.Second))
	if err != nil {
		return domain.Obligation{}, apperr.New(apperr.Unavailable, "adjudication's payment authorisations could not be read: %v", err)
	}
	return s.repo.UpdateHeld(ctx, held.ID, now, func(o *domain.Obligation) (Effects, error) {
		var auth *domain.Authorisation
		if a, ok := domain.AuthorisationOf(*o, auths); ok {
			auth = &a
		}
		if err := o.ReplaceUnreadablePayee(p, by, reason, s.controls.Fingerprints, auth, now); err != nil {
			return Effects{}, err
		}
		return Effects{PayeeChanges: []domain.PayeeChange{o.Change(uuid.NewString(), domain.PayeeReplaced, by, reason, nil, now)}}, nil
	})
}

// authorisationMargin is how long before a payment's agreement (or its
// scheduling) adjudication is asked for its authorisation: the two
// services' clocks and the instruction's time differ by little.
const authorisationMargin = 24 * time.Hour

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

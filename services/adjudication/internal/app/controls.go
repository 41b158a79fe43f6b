package app

import (
	"context"
	"time"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
)

// PaymentAuthorisation is one payment adjudication authorised: an agreement
// (ReferenceID the case id; AmountFen the agreed total, AdvancedFen what was
// advanced before) or an approved advance (ReferenceID the advance id).
// AccountFingerprint identifies the account (domain.AccountFingerprint).
type PaymentAuthorisation struct {
	Kind               string
	ClaimID            string
	ReferenceID        string
	AmountFen          int64
	AdvancedFen        int64
	AccountFingerprint string
	AuthorisedAt       time.Time
}

// MaxPaymentAuthorisationWindow bounds the period one listing of payment
// authorisations covers.
const MaxPaymentAuthorisationWindow = 31 * 24 * time.Hour

// PaymentAuthorisations lists the payments authorised in [from, to): what
// payout's three-way reconciliation matches every payment against.
func (s *Service) PaymentAuthorisations(ctx context.Context, from, to time.Time) ([]PaymentAuthorisation, error) {
	switch {
	case !from.Before(to):
		return nil, apperr.InvalidField("to", "must be after from")
	case to.Sub(from) > MaxPaymentAuthorisationWindow:
		return nil, apperr.InvalidField("to", "at most 31 days after from")
	}
	return s.repo.PaymentAuthorisations(ctx, from, to)
}

// MaxPayable returns the most the contract allows on a claim's case, nil
// when its policy is not in adjudication's data: the decision form offers
// it.
func (s *Service) MaxPayable(ctx context.Context, c domain.Case) (*domain.MaxPayable, error) {
	ev, err := s.evidence(ctx, c)
	if err != nil {
		return nil, err
	}
	return domain.MaxPayableOf(&c, ev), nil
}

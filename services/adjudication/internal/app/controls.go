package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/events"
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

// burst returns the claim-burst signal of c's insured, nil below the
// configured threshold.
func (s *Service) burst(ctx context.Context, c domain.Case) (*domain.Signal, error) {
	if s.signals.BurstClaims < 2 {
		return nil, nil
	}
	n, err := s.repo.RecentClaims(ctx, c, c.FirstReceivedAt.Add(-s.signals.BurstWindow))
	if err != nil {
		return nil, err
	}
	return domain.BurstSignal(&c, n, s.signals), nil
}

// signalEvents announces the fraud signals raised on c since it had raised
// of them (fraud-signal-raised).
func (s *Service) signalEvents(c *domain.Case, raised int) ([]events.Outgoing, error) {
	var out []events.Outgoing
	for _, sig := range c.Signals[raised:] {
		e, err := events.New(events.FraudSignalRaised, Producer, c.ClaimID, sig.At, events.FraudSignalRaisedData{
			ClaimID: c.ClaimID, CaseID: c.ID, Signal: string(sig.Kind), Explanation: sig.Explanation, Blocking: sig.Blocking,
			RaisedBy: sig.RaisedBy, RaisedAt: sig.At})
		if err != nil {
			return nil, err
		}
		out = append(out, events.Outgoing{Topic: s.topics.Adjudication(), Envelope: e})
	}
	return out, nil
}

// EmployeeInput is one employee of the registry: their id and account.
type EmployeeInput struct {
	EmployeeID    string
	AccountNumber string
}

// MaxEmployees bounds the employee registry.
const MaxEmployees = 100_000

// PutEmployees replaces the employee registry the employee-account signal
// reads. Only the keyed hash of each account is kept; without a signal key
// the registry cannot be loaded.
func (s *Service) PutEmployees(ctx context.Context, actor domain.Actor, in []EmployeeInput) (int, error) {
	if len(s.signalKey) == 0 {
		return 0, apperr.New(apperr.Conflict, "the employee registry is off: it needs ADJUDICATION_SIGNAL_KEY, which is not set")
	}
	if len(in) > MaxEmployees {
		return 0, apperr.InvalidField("employees", "has %d employees, more than %d", len(in), MaxEmployees)
	}
	keys := make(map[string]string, len(in))
	for i, e := range in {
		field := fmt.Sprintf("employees[%d]", i)
		id := strings.TrimSpace(e.EmployeeID)
		if id == "" || len(id) > 64 {
			return 0, apperr.InvalidField(field+".employee_id", "is required, at most 64 characters")
		}
		if _, dup := keys[id]; dup {
			return 0, apperr.InvalidField(field+".employee_id", "%q is listed twice", id)
		}
		account, err := bankaccount.Normalize(field+".account_number", e.AccountNumber)
		if err != nil {
			return 0, err
		}
		keys[id] = domain.AccountKey(s.signalKey, account)
	}
	if err := s.repo.PutEmployees(ctx, keys, actor.Subject, s.now()); err != nil {
		return 0, err
	}
	return len(keys), nil
}

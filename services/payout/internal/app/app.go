// Package app holds payout's use cases: schedule the payment of an approved
// claim, execute due payments through the bank, and read obligations back.
package app

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"claims.local/payout/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/inbox"
	"claims.local/pkg/tracking"
)

// Producer is the source name of payout's events.
const Producer = "payout"

// DecisionsConsumer is the inbox name of the consumer of decisions.
const DecisionsConsumer = "payout.decisions"

// Repository stores obligations.
type Repository interface {
	// Schedule stores o with its events unless the claim already has an
	// obligation of o's type, recording receipt in the same transaction.
	Schedule(ctx context.Context, receipt inbox.Receipt, o domain.Obligation, out func(domain.Obligation) (tracking.Effects, error)) (bool, error)
	// ExecuteNextDue locks one scheduled obligation due at now that no other
	// instance holds, lets work change it, and stores the result with its
	// events. It reports false when nothing was due.
	ExecuteNextDue(ctx context.Context, now time.Time, work func(*domain.Obligation) (tracking.Effects, error)) (bool, error)
	Get(ctx context.Context, id string) (domain.Obligation, error)
	List(ctx context.Context, claimID string, limit int) ([]domain.Obligation, error)
}

// TransferRequest asks the bank to move money. The bank executes a key once,
// however often it is asked.
type TransferRequest struct {
	IdempotencyKey string
	AmountFen      int64
	Currency       string
	Reference      string
}

// BankError is a refusal by the bank. Permanent ones need a person.
type BankError struct {
	Permanent bool
	Reason    string
}

func (e *BankError) Error() string { return "bank: " + e.Reason }

// Bank moves money.
type Bank interface {
	Transfer(ctx context.Context, req TransferRequest) (reference string, err error)
}

// Service is payout's application layer.
type Service struct {
	repo     Repository
	deadline *tracking.Tracker
	bank     Bank
	topics   events.Topics
	now      func() time.Time
	shanghai *time.Location
}

// NewService returns the use cases. The clock is read to the microsecond,
// the precision PostgreSQL keeps, so that a time in an answer or an event
// equals the one read back later.
func NewService(repo Repository, deadlines *tracking.Tracker, bank Bank, topics events.Topics, now func() time.Time, shanghai *time.Location) *Service {
	return &Service{repo: repo, deadline: deadlines, bank: bank, topics: topics, shanghai: shanghai,
		now: func() time.Time { return now().Truncate(time.Microsecond) }}
}

// HandleDecision schedules the payment of an approved claim, once. A
// rejection owes nothing.
func (s *Service) HandleDecision(ctx context.Context, e events.Envelope) error {
	var d events.ClaimDecidedData
	if err := events.DecodeData(e, events.ClaimDecided, &d); err != nil {
		return err
	}
	receipt := inbox.Receipt{Consumer: DecisionsConsumer, EventID: e.ID, EventType: e.Type, ClaimID: e.ClaimID}
	if d.Outcome != events.OutcomeApproved {
		_, err := s.repo.Schedule(ctx, receipt, domain.Obligation{}, nil)
		return err
	}
	o, err := domain.NewFinalObligation(uuid.NewString(), e.ClaimID, d.AmountFen, s.now())
	if err != nil {
		return errors.Join(events.ErrMalformed, err)
	}
	// R6: pay within 10 days of the agreement on the amount. Until
	// adjudication records the claimant's agreement, the approval stands
	// for it.
	pay, err := s.deadline.New(tracking.Spec{ClaimID: o.ClaimID, Subject: subject(o.ID), Rule: deadline.Payment,
		ClockStart: d.DecidedAt}, s.now())
	if err != nil {
		return errors.Join(events.ErrMalformed, err)
	}
	_, err = s.repo.Schedule(ctx, receipt, o, func(o domain.Obligation) (tracking.Effects, error) {
		evs, err := s.payoutEvent(events.PayoutScheduled, o)
		return tracking.Effects{Events: evs, Steps: []tracking.Step{tracking.Open(pay)}}, err
	})
	return err
}

// subject names a payment obligation in payout's deadline tracking.
func subject(obligationID string) string { return "payout/" + obligationID }

// ExecuteDue pays every obligation that is due, and returns how many it tried.
func (s *Service) ExecuteDue(ctx context.Context) (int, error) {
	tried := 0
	for ctx.Err() == nil {
		found, err := s.repo.ExecuteNextDue(ctx, s.now(), func(o *domain.Obligation) (tracking.Effects, error) {
			ref, err := s.bank.Transfer(ctx, TransferRequest{IdempotencyKey: o.ID, AmountFen: o.AmountFen,
				Currency: o.Currency, Reference: o.ClaimID})
			var bankErr *BankError
			switch {
			case err == nil:
				now := s.now()
				if err := o.Complete(ref, now); err != nil {
					return tracking.Effects{}, err
				}
				evs, err := s.payoutEvent(events.PayoutCompleted, *o)
				return tracking.Effects{Events: evs, Steps: []tracking.Step{tracking.Complete(subject(o.ID), deadline.Payment, now)}}, err
			case errors.As(err, &bankErr) && bankErr.Permanent:
				// The payment is still owed: its R6 deadline stays open.
				o.Fail(bankErr.Reason)
				evs, err := s.payoutEvent(events.PayoutFailed, *o)
				return tracking.Effects{Events: evs}, err
			default:
				o.RetryLater(err.Error(), s.now())
				return tracking.Effects{}, nil
			}
		})
		if err != nil || !found {
			return tried, err
		}
		tried++
	}
	return tried, nil
}

func (s *Service) payoutEvent(t events.Type, o domain.Obligation) ([]events.Outgoing, error) {
	e, err := events.New(t, Producer, o.ClaimID, s.now(), events.PayoutData{
		ObligationID: o.ID, ClaimID: o.ClaimID, PayoutType: string(o.Type), AmountFen: o.AmountFen,
		Currency: o.Currency, Status: string(o.State), BankReference: o.BankReference, FailureReason: o.LastError,
		ValueDate: o.ValueDate(s.shanghai), ScheduledAt: o.ScheduledAt, CompletedAt: o.CompletedAt,
	})
	if err != nil {
		return nil, err
	}
	return []events.Outgoing{{Topic: s.topics.Payout(), Envelope: e}}, nil
}

// Obligation returns one obligation.
func (s *Service) Obligation(ctx context.Context, id string) (domain.Obligation, error) {
	return s.repo.Get(ctx, id)
}

// Obligations lists obligations, of one claim when claimID is set.
func (s *Service) Obligations(ctx context.Context, claimID string, limit int) ([]domain.Obligation, error) {
	return s.repo.List(ctx, claimID, limit)
}

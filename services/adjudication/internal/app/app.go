// Package app holds adjudication's use cases: open a case from a claim
// request, decide it, and read cases back.
package app

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/inbox"
	"claims.local/pkg/tracking"
)

// Producer is the source name of adjudication's events.
const Producer = "adjudication"

// ClaimsConsumer is the inbox name of the consumer of claim requests.
const ClaimsConsumer = "adjudication.claim-requests"

// Repository stores cases.
type Repository interface {
	// Open stores c unless a case for its claim exists, recording receipt
	// and applying the deadline steps in the same transaction; it reports
	// whether a case was created.
	Open(ctx context.Context, receipt inbox.Receipt, c domain.Case, steps ...tracking.Step) (bool, error)
	Get(ctx context.Context, claimID string) (domain.Case, error)
	List(ctx context.Context, f ListFilter) ([]domain.Case, error)
	// Update loads a case under a row lock, applies change and stores the
	// result with the effects change returns, in one transaction.
	Update(ctx context.Context, claimID string, change func(*domain.Case) (tracking.Effects, error)) (domain.Case, error)
}

// ListFilter narrows a list of cases.
type ListFilter struct {
	State string
	Limit int
}

// Service is adjudication's application layer.
type Service struct {
	repo     Repository
	deadline *tracking.Tracker
	topics   events.Topics
	now      func() time.Time
}

// NewService returns the use cases over repo. The clock is read to the
// microsecond, the precision PostgreSQL keeps, so that a time in an answer or
// an event equals the one read back later.
func NewService(repo Repository, deadlines *tracking.Tracker, topics events.Topics, now func() time.Time) *Service {
	return &Service{repo: repo, deadline: deadlines, topics: topics, now: func() time.Time { return now().Truncate(time.Microsecond) }}
}

// subject names a claim's obligations in adjudication's deadline tracking.
func subject(claimID string) string { return "claim/" + claimID }

// OpenCase opens the case of a claim request event, once.
func (s *Service) OpenCase(ctx context.Context, e events.Envelope) error {
	var d events.ClaimRequestedData
	if err := events.DecodeData(e, events.ClaimRequested, &d); err != nil {
		return err
	}
	c := domain.Case{
		ID: uuid.NewString(), ClaimID: e.ClaimID, ReportID: d.ReportID, PolicyNumber: d.PolicyNumber,
		InsuredName: d.InsuredName, IncidentType: d.IncidentType, IncidentTime: d.IncidentTime,
		FirstReceivedAt: d.FirstReceivedAt, OpenedAt: s.now().UTC(), State: domain.StateReceived,
	}
	// R4: decide within 5 working days of the first receipt of the request.
	decide, err := s.deadline.New(tracking.Spec{ClaimID: c.ClaimID, Subject: subject(c.ClaimID), Rule: deadline.Decision,
		ClockStart: c.FirstReceivedAt}, s.now())
	if err != nil {
		return errors.Join(events.ErrMalformed, err)
	}
	receipt := inbox.Receipt{Consumer: ClaimsConsumer, EventID: e.ID, EventType: e.Type, ClaimID: e.ClaimID}
	_, err = s.repo.Open(ctx, receipt, c, tracking.Open(decide))
	return err
}

// Decide records a handler's decision and announces it.
func (s *Service) Decide(ctx context.Context, claimID string, in domain.DecisionInput) (domain.Case, error) {
	return s.repo.Update(ctx, claimID, func(c *domain.Case) (tracking.Effects, error) {
		now := s.now()
		if err := c.Decide(in, now); err != nil {
			return tracking.Effects{}, err
		}
		d := c.Decision
		outcome := events.OutcomeApproved
		if d.Outcome == domain.Reject {
			outcome = events.OutcomeRejected
		}
		e, err := events.New(events.ClaimDecided, Producer, c.ClaimID, now, events.ClaimDecidedData{
			ClaimID: c.ClaimID, CaseID: c.ID, Outcome: outcome, AmountFen: d.AmountFen, Currency: "CNY",
			Reason: d.Reason, DecidedBy: d.DecidedBy, DecidedAt: d.DecidedAt,
		})
		if err != nil {
			return tracking.Effects{}, err
		}
		eff := tracking.Effects{
			Events: []events.Outgoing{{Topic: s.topics.Adjudication(), Envelope: e}},
			Steps:  []tracking.Step{tracking.Complete(subject(c.ClaimID), deadline.Decision, now)},
		}
		if d.Outcome == domain.Reject {
			// R5: the written rejection notice is due within 3 days of
			// the decision.
			letter, err := s.deadline.New(tracking.Spec{ClaimID: c.ClaimID, Subject: subject(c.ClaimID),
				Rule: deadline.RejectionNotice, ClockStart: now}, now)
			if err != nil {
				return tracking.Effects{}, err
			}
			eff.Steps = append(eff.Steps, tracking.Open(letter))
		}
		return eff, nil
	})
}

// RecordRejectionLetterSent records that the written rejection notice of a
// rejected claim was sent, which meets its R5 deadline.
func (s *Service) RecordRejectionLetterSent(ctx context.Context, claimID, channel, sentBy string) (domain.Case, error) {
	return s.repo.Update(ctx, claimID, func(c *domain.Case) (tracking.Effects, error) {
		now := s.now()
		if err := c.RecordRejectionLetterSent(channel, sentBy, now); err != nil {
			return tracking.Effects{}, err
		}
		return tracking.Effects{Steps: []tracking.Step{tracking.Complete(subject(c.ClaimID), deadline.RejectionNotice, now)}}, nil
	})
}

// Case returns the case of a claim.
func (s *Service) Case(ctx context.Context, claimID string) (domain.Case, error) {
	return s.repo.Get(ctx, claimID)
}

// Cases lists cases, oldest request first.
func (s *Service) Cases(ctx context.Context, f ListFilter) ([]domain.Case, error) {
	return s.repo.List(ctx, f)
}

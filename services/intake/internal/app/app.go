// Package app holds intake's use cases: take an incident report, receive the
// claim request on it, and read reports back.
package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/events"
)

// Producer is the source name of intake's events.
const Producer = "intake"

// Repository stores reports. Add and Update store the outgoing events in the
// same transaction as the report (transactional outbox).
type Repository interface {
	Add(ctx context.Context, r domain.IncidentReport, out []events.Outgoing) error
	Get(ctx context.Context, id string) (domain.IncidentReport, error)
	// Update loads the report under a row lock, applies change and stores
	// the result with the events change returns.
	Update(ctx context.Context, id string, change func(*domain.IncidentReport) ([]events.Outgoing, error)) (domain.IncidentReport, error)
}

// Service is intake's application layer.
type Service struct {
	repo   Repository
	topics events.Topics
	now    func() time.Time
}

// NewService returns the use cases over repo. The clock is read to the
// microsecond, the precision PostgreSQL keeps, so that a time in an answer or
// an event equals the one read back later.
func NewService(repo Repository, topics events.Topics, now func() time.Time) *Service {
	return &Service{repo: repo, topics: topics, now: func() time.Time { return now().Truncate(time.Microsecond) }}
}

// ReportIncident validates and stores a report and announces it.
func (s *Service) ReportIncident(ctx context.Context, in domain.NewReport) (domain.IncidentReport, error) {
	now := s.now()
	r, err := domain.NewIncidentReport(uuid.NewString(), uuid.NewString(), in, now)
	if err != nil {
		return domain.IncidentReport{}, err
	}
	e, err := events.New(events.IncidentReported, Producer, r.ClaimID, now, events.IncidentReportedData{
		ReportID: r.ID, ClaimID: r.ClaimID, PolicyNumber: r.PolicyNumber, InsuredName: r.InsuredName,
		IncidentType: string(r.IncidentType), IncidentTime: r.IncidentTime,
		Reporter: events.Reporter{Name: r.Reporter.Name, Role: string(r.Reporter.Role)}, ReportedAt: r.ReportedAt,
	})
	if err != nil {
		return domain.IncidentReport{}, err
	}
	if err := s.repo.Add(ctx, r, []events.Outgoing{{Topic: s.topics.Intake(), Envelope: e}}); err != nil {
		return domain.IncidentReport{}, err
	}
	return r, nil
}

// RequestClaim receives the claim request on a report and hands it to
// adjudication; receivedAt, if set, is when a request on paper was received.
// Asking again returns the same request and sends nothing new.
func (s *Service) RequestClaim(ctx context.Context, reportID string, receivedAt *time.Time) (r domain.IncidentReport, created bool, err error) {
	r, err = s.repo.Update(ctx, reportID, func(r *domain.IncidentReport) ([]events.Outgoing, error) {
		now := s.now()
		if created, err = r.RequestClaim(receivedAt, now); err != nil || !created {
			return nil, err
		}
		e, err := events.New(events.ClaimRequested, Producer, r.ClaimID, now, events.ClaimRequestedData{
			ClaimID: r.ClaimID, ReportID: r.ID, PolicyNumber: r.PolicyNumber, InsuredName: r.InsuredName,
			IncidentType: string(r.IncidentType), IncidentTime: r.IncidentTime, FirstReceivedAt: *r.ClaimRequestedAt,
		})
		if err != nil {
			return nil, err
		}
		return []events.Outgoing{{Topic: s.topics.Intake(), Envelope: e}}, nil
	})
	return r, created, err
}

// Report returns one report.
func (s *Service) Report(ctx context.Context, id string) (domain.IncidentReport, error) {
	return s.repo.Get(ctx, id)
}

package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/deadline"
	"claims.local/pkg/tracking"
)

// Complaints stores the complaint register (R12).
type Complaints interface {
	// Register stores a new complaint and the steps that open its reply
	// deadline, in one transaction.
	Register(ctx context.Context, c domain.Complaint, steps ...tracking.Step) error
	// Get returns a complaint with its reply deadline as it stands at now.
	Get(ctx context.Context, id string, now time.Time) (ComplaintView, error)
	// List returns complaints, newest receipt first.
	List(ctx context.Context, f ComplaintFilter, now time.Time) ([]ComplaintView, error)
	// Update loads a complaint under a row lock, lets change add a
	// progress notice or the reply, and stores what it added with the
	// effects it returns, in one transaction; nothing stored is changed.
	Update(ctx context.Context, id string, now time.Time, change func(*ComplaintView) (tracking.Effects, error)) (ComplaintView, error)
}

// ComplaintFilter narrows the register. Answered nil means both.
type ComplaintFilter struct {
	ClaimID  string
	Answered *bool
	Risk     tracking.Risk
	Limit    int
}

// ComplaintView is a complaint with its reply deadline (R12).
type ComplaintView struct {
	Complaint domain.Complaint
	Deadline  *QueueDeadline
}

// ComplaintSubject names the reply deadline of a complaint:
// "complaint/<complaint id>".
func ComplaintSubject(id string) string { return "complaint/" + id }

// RegisterComplaint enters a complaint in the register and starts its reply
// deadline (R12: 10 working days from the receipt, Reg. art. 29). A linked
// claim must be one adjudication has a case for.
func (s *Service) RegisterComplaint(ctx context.Context, who domain.Actor, in domain.ComplaintInput) (ComplaintView, error) {
	now := s.now()
	c, err := domain.NewComplaint(who, in, uuid.NewString(), now)
	if err != nil {
		return ComplaintView{}, err
	}
	if c.ClaimID != "" {
		if _, err := s.repo.Get(ctx, c.ClaimID); err != nil {
			if apperr.CodeOf(err) == apperr.NotFound {
				return ComplaintView{}, apperr.InvalidField("claim_id", "no case for claim %q", c.ClaimID)
			}
			return ComplaintView{}, err
		}
	}
	o, err := s.deadline.New(tracking.Spec{ClaimID: c.TrackingClaimID(), Subject: ComplaintSubject(c.ID),
		Rule: deadline.ComplaintReply, ClockStart: c.ReceivedAt}, now)
	if err != nil {
		return ComplaintView{}, err
	}
	if err := s.complaints.Register(ctx, c, tracking.Open(o)); err != nil {
		return ComplaintView{}, err
	}
	return s.complaints.Get(ctx, c.ID, now)
}

// Complaint returns one complaint of the register.
func (s *Service) Complaint(ctx context.Context, id string) (ComplaintView, error) {
	return s.complaints.Get(ctx, id, s.now())
}

// ListComplaints returns the register, newest first.
func (s *Service) ListComplaints(ctx context.Context, f ComplaintFilter) ([]ComplaintView, error) {
	return s.complaints.List(ctx, f, s.now())
}

// SendProgressNotice records the progress notice that tells the complainant
// the reply will be late (Reg. art. 29). It changes no deadline: the reply
// is still owed by its due time, and one after it is missed.
func (s *Service) SendProgressNotice(ctx context.Context, who domain.Actor, id, text, channel string) (ComplaintView, error) {
	now := s.now()
	return s.complaints.Update(ctx, id, now, func(v *ComplaintView) (tracking.Effects, error) {
		due := now
		if v.Deadline != nil {
			due = v.Deadline.DueAt
		}
		_, err := v.Complaint.AddProgressNotice(who, text, channel, due, now)
		return tracking.Effects{}, err
	})
}

// AnswerComplaint stores the written reply and meets the reply deadline:
// met when on time, missed when late (a late reply never makes it met).
func (s *Service) AnswerComplaint(ctx context.Context, who domain.Actor, id, text, channel string) (ComplaintView, error) {
	now := s.now()
	return s.complaints.Update(ctx, id, now, func(v *ComplaintView) (tracking.Effects, error) {
		if err := v.Complaint.Answer(who, text, channel, now); err != nil {
			return tracking.Effects{}, err
		}
		return tracking.Effects{Steps: []tracking.Step{tracking.Complete(ComplaintSubject(id), deadline.ComplaintReply, now).
			Proven(domain.ReplyEvidence(id))}}, nil
	})
}

package adapters

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
	"claims.local/pkg/deadline"
	"claims.local/pkg/postgres/uow"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
)

// complaintRow is a row of complaints (ID is the primary key).
type complaintRow struct {
	ID, ClaimID, Channel, Complainant, Contact, Category, Content, AcceptedBy string
	ReceivedAt, CreatedAt                                                     time.Time
}

func (complaintRow) TableName() string { return "complaints" }

// complaintNoticeRow is a row of complaint_notices.
type complaintNoticeRow struct {
	Seq                                int64 `gorm:"primaryKey;autoIncrement"`
	ComplaintID, Text, Channel, SentBy string
	SentAt                             time.Time
	BeforeDue                          bool
}

func (complaintNoticeRow) TableName() string { return "complaint_notices" }

// complaintReplyRow is a row of complaint_replies (ComplaintID is the
// primary key: one reply per complaint).
type complaintReplyRow struct {
	ComplaintID, Text, Channel, RepliedBy string
	RepliedAt                             time.Time
}

func (complaintReplyRow) TableName() string { return "complaint_replies" }

// complaintDeadlineRow is the reply deadline of a complaint.
type complaintDeadlineRow struct {
	Subject, DueDate, State string
	DueAt, AtRiskFrom       time.Time
}

// Complaints is the PostgreSQL implementation of app.Complaints.
type Complaints struct {
	db   *gorm.DB
	work *uow.UnitOfWork
}

// NewComplaints returns the complaint register of db; deadlines applies the
// steps on the reply deadlines.
func NewComplaints(db *gorm.DB, afterCommit func(), deadlines *tracking.Tracker) *Complaints {
	return &Complaints{db: db, work: uow.New(db, deadlines, afterCommit)}
}

// Register stores c and opens its reply deadline in one transaction.
func (s *Complaints) Register(ctx context.Context, c domain.Complaint, steps ...tracking.Step) error {
	return s.work.DoAt(ctx, c.CreatedAt, func(tx *gorm.DB) (tracking.Effects, error) {
		row := complaintRow{ID: c.ID, ClaimID: c.ClaimID, Channel: c.Channel, Complainant: c.Complainant, Contact: c.Contact,
			Category: c.Category, Content: c.Content, AcceptedBy: c.AcceptedBy, ReceivedAt: c.ReceivedAt, CreatedAt: c.CreatedAt}
		if err := tx.Create(&row).Error; err != nil {
			return tracking.Effects{}, fmt.Errorf("store complaint: %w", err)
		}
		return tracking.Effects{Steps: steps}, nil
	})
}

// Get returns complaint id with its reply deadline.
func (s *Complaints) Get(ctx context.Context, id string, now time.Time) (app.ComplaintView, error) {
	views, err := s.load(s.db.WithContext(ctx), []string{id}, now)
	if err != nil {
		return app.ComplaintView{}, err
	}
	if len(views) == 0 {
		return app.ComplaintView{}, apperr.New(apperr.NotFound, "no complaint %q", id)
	}
	return views[0], nil
}

// List returns complaints, newest receipt first, up to f.Limit (1 to 500,
// else 100).
func (s *Complaints) List(ctx context.Context, f app.ComplaintFilter, now time.Time) ([]app.ComplaintView, error) {
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	db := s.db.WithContext(ctx)
	q := db.Table("complaints AS c").Select("c.id").
		Joins("LEFT JOIN deadline_obligations o ON o.subject = 'complaint/' || c.id AND o.rule = ?", string(deadline.ComplaintReply)).
		Order("c.received_at DESC, c.id").Limit(limit)
	if f.ClaimID != "" {
		q = q.Where("c.claim_id = ?", f.ClaimID)
	}
	if f.Answered != nil {
		if *f.Answered {
			q = q.Where("EXISTS (SELECT 1 FROM complaint_replies r WHERE r.complaint_id = c.id)")
		} else {
			q = q.Where("NOT EXISTS (SELECT 1 FROM complaint_replies r WHERE r.complaint_id = c.id)")
		}
	}
	if f.Risk != "" {
		cond, args := trackingpg.RiskCondition("o.", f.Risk, now)
		q = q.Where(cond, args...)
	}
	var ids []string
	if err := q.Pluck("c.id", &ids).Error; err != nil {
		return nil, fmt.Errorf("list complaints: %w", err)
	}
	return s.load(db, ids, now)
}

// Update changes complaint id under a row lock: it stores the notices and
// the reply change adds, never rewriting what is stored.
func (s *Complaints) Update(ctx context.Context, id string, now time.Time, change func(*app.ComplaintView) (tracking.Effects, error)) (app.ComplaintView, error) {
	err := s.work.DoAt(ctx, now, func(tx *gorm.DB) (tracking.Effects, error) {
		var locked complaintRow
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&locked).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return tracking.Effects{}, apperr.New(apperr.NotFound, "no complaint %q", id)
		}
		if err != nil {
			return tracking.Effects{}, fmt.Errorf("load complaint: %w", err)
		}
		views, err := s.load(tx, []string{id}, now)
		if err != nil {
			return tracking.Effects{}, err
		}
		v := views[0]
		notices, answered := len(v.Complaint.Notices), v.Complaint.Answered()
		eff, err := change(&v)
		if err != nil {
			return tracking.Effects{}, err
		}
		for _, n := range v.Complaint.Notices[notices:] {
			row := complaintNoticeRow{ComplaintID: id, Text: n.Text, Channel: n.Channel, SentBy: n.SentBy, SentAt: n.SentAt, BeforeDue: n.BeforeDue}
			if err := tx.Create(&row).Error; err != nil {
				return tracking.Effects{}, fmt.Errorf("store progress notice: %w", err)
			}
		}
		if r := v.Complaint.Reply; r != nil && !answered {
			row := complaintReplyRow{ComplaintID: id, Text: r.Text, Channel: r.Channel, RepliedBy: r.RepliedBy, RepliedAt: r.RepliedAt}
			if err := tx.Create(&row).Error; err != nil {
				return tracking.Effects{}, fmt.Errorf("store complaint reply: %w", err)
			}
		}
		return eff, nil
	})
	if err != nil {
		return app.ComplaintView{}, err
	}
	return s.Get(ctx, id, now)
}

// load reads the complaints ids, in that order, with their notices, reply
// and reply deadline.
func (s *Complaints) load(db *gorm.DB, ids []string, now time.Time) ([]app.ComplaintView, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []complaintRow
	if err := db.Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load complaints: %w", err)
	}
	var notices []complaintNoticeRow
	if err := db.Where("complaint_id IN ?", ids).Order("seq").Find(&notices).Error; err != nil {
		return nil, fmt.Errorf("load progress notices: %w", err)
	}
	var replies []complaintReplyRow
	if err := db.Where("complaint_id IN ?", ids).Find(&replies).Error; err != nil {
		return nil, fmt.Errorf("load complaint replies: %w", err)
	}
	subjects := make([]string, len(ids))
	for i, id := range ids {
		subjects[i] = app.ComplaintSubject(id)
	}
	var dls []complaintDeadlineRow
	if err := db.Table("deadline_obligations").Select("subject, due_date, state, due_at, at_risk_from").
		Where("subject IN ? AND rule = ?", subjects, string(deadline.ComplaintReply)).Scan(&dls).Error; err != nil {
		return nil, fmt.Errorf("load complaint deadlines: %w", err)
	}
	byID := make(map[string]*app.ComplaintView, len(rows))
	for _, r := range rows {
		byID[r.ID] = &app.ComplaintView{Complaint: domain.Complaint{ID: r.ID, ClaimID: r.ClaimID, Channel: r.Channel,
			Complainant: r.Complainant, Contact: r.Contact, Category: r.Category, Content: r.Content, AcceptedBy: r.AcceptedBy,
			ReceivedAt: r.ReceivedAt.UTC(), CreatedAt: r.CreatedAt.UTC()}}
	}
	for _, n := range notices {
		v := byID[n.ComplaintID]
		v.Complaint.Notices = append(v.Complaint.Notices, domain.ProgressNotice{Text: n.Text, Channel: n.Channel,
			SentAt: n.SentAt.UTC(), SentBy: n.SentBy, BeforeDue: n.BeforeDue})
	}
	for _, r := range replies {
		byID[r.ComplaintID].Complaint.Reply = &domain.ComplaintReply{Text: r.Text, Channel: r.Channel, RepliedAt: r.RepliedAt.UTC(), RepliedBy: r.RepliedBy}
	}
	for _, d := range dls {
		v := byID[d.Subject[len("complaint/"):]]
		due, err := calendar.ParseDate(d.DueDate[:min(len(d.DueDate), 10)])
		if err != nil {
			return nil, fmt.Errorf("due date of %s: %w", d.Subject, err)
		}
		o := tracking.Deadline{State: tracking.State(d.State), DueAt: d.DueAt.In(calendar.Location()), AtRiskFrom: d.AtRiskFrom}
		v.Deadline = &app.QueueDeadline{Rule: deadline.ComplaintReply, DueAt: o.DueAt, DueDate: due, State: o.State, Risk: o.RiskAt(now)}
	}
	out := make([]app.ComplaintView, 0, len(ids))
	for _, id := range ids {
		if v, ok := byID[id]; ok {
			out = append(out, *v)
		}
	}
	return out, nil
}

// Package adapters holds adjudication's PostgreSQL repository.
package adapters

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/inbox"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations lists adjudication's schema: the outbox, the inbox, then its own tables.
func Migrations() ([]postgres.Migration, error) {
	return postgres.Collect(outbox.Migrations, inbox.Migrations, trackingpg.Migrations, func() ([]postgres.Migration, error) {
		return postgres.MigrationsFromFS(migrationFS, "migrations", "adjudication")
	})
}

type caseRow struct {
	ID              string `gorm:"primaryKey"`
	ClaimID         string
	ReportID        string
	PolicyNumber    string
	InsuredName     string
	IncidentType    string
	IncidentTime    time.Time
	FirstReceivedAt time.Time
	OpenedAt        time.Time
	State           string
	Version         int
	Decision        *decisionRow `gorm:"foreignKey:CaseID"`
	RejectionLetter *letterRow   `gorm:"foreignKey:CaseID"`
}

func (caseRow) TableName() string { return "cases" }

type decisionRow struct {
	CaseID    string `gorm:"primaryKey"`
	Outcome   string
	AmountFen int64
	Reason    string
	DecidedBy string
	DecidedAt time.Time
}

func (decisionRow) TableName() string { return "decisions" }

type letterRow struct {
	CaseID  string `gorm:"primaryKey"`
	Channel string
	SentBy  string
	SentAt  time.Time
}

func (letterRow) TableName() string { return "rejection_letters" }

func toRow(c domain.Case) caseRow {
	return caseRow{
		ID: c.ID, ClaimID: c.ClaimID, ReportID: c.ReportID, PolicyNumber: c.PolicyNumber, InsuredName: c.InsuredName,
		IncidentType: c.IncidentType, IncidentTime: c.IncidentTime, FirstReceivedAt: c.FirstReceivedAt,
		OpenedAt: c.OpenedAt, State: string(c.State),
	}
}

func (w caseRow) toDomain() domain.Case {
	c := domain.Case{
		ID: w.ID, ClaimID: w.ClaimID, ReportID: w.ReportID, PolicyNumber: w.PolicyNumber, InsuredName: w.InsuredName,
		IncidentType: w.IncidentType, IncidentTime: w.IncidentTime.UTC(), FirstReceivedAt: w.FirstReceivedAt.UTC(),
		OpenedAt: w.OpenedAt.UTC(), State: domain.State(w.State),
	}
	if d := w.Decision; d != nil {
		c.Decision = &domain.Decision{Outcome: domain.Outcome(d.Outcome), AmountFen: d.AmountFen, Reason: d.Reason,
			DecidedBy: d.DecidedBy, DecidedAt: d.DecidedAt.UTC()}
	}
	if l := w.RejectionLetter; l != nil {
		c.RejectionLetter = &domain.LetterSent{Channel: l.Channel, SentBy: l.SentBy, SentAt: l.SentAt.UTC()}
	}
	return c
}

// Cases is the PostgreSQL implementation of app.Repository.
type Cases struct {
	db          *gorm.DB
	afterCommit func()
	deadlines   *tracking.Tracker
}

// NewCases returns the repository; afterCommit (may be nil) runs after a
// commit that stored events; deadlines applies the deadline steps.
func NewCases(db *gorm.DB, afterCommit func(), deadlines *tracking.Tracker) *Cases {
	if afterCommit == nil {
		afterCommit = func() {}
	}
	return &Cases{db: db, afterCommit: afterCommit, deadlines: deadlines}
}

// Open stores a new case once per claim and once per event.
func (s *Cases) Open(ctx context.Context, receipt inbox.Receipt, c domain.Case, steps ...tracking.Step) (bool, error) {
	created := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		first, err := inbox.Record(tx, receipt)
		if err != nil || !first {
			return err
		}
		row := toRow(c)
		res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "claim_id"}}, DoNothing: true}).Create(&row)
		if res.Error != nil {
			return fmt.Errorf("open case: %w", res.Error)
		}
		created = res.RowsAffected == 1
		if !created {
			return nil
		}
		return trackingpg.Apply(tx, s.deadlines, c.OpenedAt, steps...)
	})
	return created, err
}

// Get returns the case of a claim with its decision.
func (s *Cases) Get(ctx context.Context, claimID string) (domain.Case, error) {
	var row caseRow
	err := s.db.WithContext(ctx).Preload("Decision").Preload("RejectionLetter").Where("claim_id = ?", claimID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return domain.Case{}, apperr.New(apperr.NotFound, "no case for claim %q", claimID)
	}
	if err != nil {
		return domain.Case{}, fmt.Errorf("load case: %w", err)
	}
	return row.toDomain(), nil
}

// List returns cases, oldest request first.
func (s *Cases) List(ctx context.Context, f app.ListFilter) ([]domain.Case, error) {
	q := s.db.WithContext(ctx).Preload("Decision").Preload("RejectionLetter").Order("first_received_at, id")
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var rows []caseRow
	if err := q.Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	out := make([]domain.Case, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// Update changes a case under a row lock. Two handlers deciding at once are
// serialised here: the second sees the first's decision and is refused.
func (s *Cases) Update(ctx context.Context, claimID string, change func(*domain.Case) (tracking.Effects, error)) (domain.Case, error) {
	var result domain.Case
	var sent bool
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row caseRow
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Preload("Decision").Preload("RejectionLetter").
			Where("claim_id = ?", claimID).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return apperr.New(apperr.NotFound, "no case for claim %q", claimID)
		}
		if err != nil {
			return fmt.Errorf("load case: %w", err)
		}
		c := row.toDomain()
		hadDecision, hadLetter := c.Decision != nil, c.RejectionLetter != nil
		eff, err := change(&c)
		if err != nil {
			return err
		}
		res := tx.Model(&caseRow{}).Where("id = ? AND version = ?", row.ID, row.Version).
			Updates(map[string]any{"state": string(c.State), "version": row.Version + 1})
		if res.Error != nil {
			return fmt.Errorf("store case: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return apperr.New(apperr.Conflict, "case of claim %s changed meanwhile; reload and try again", claimID)
		}
		if c.Decision != nil && !hadDecision {
			dd := c.Decision
			if err := tx.Create(&decisionRow{CaseID: c.ID, Outcome: string(dd.Outcome), AmountFen: dd.AmountFen,
				Reason: dd.Reason, DecidedBy: dd.DecidedBy, DecidedAt: dd.DecidedAt}).Error; err != nil {
				return fmt.Errorf("store decision: %w", err)
			}
		}
		if l := c.RejectionLetter; l != nil && !hadLetter {
			if err := tx.Create(&letterRow{CaseID: c.ID, Channel: l.Channel, SentBy: l.SentBy, SentAt: l.SentAt}).Error; err != nil {
				return fmt.Errorf("store rejection letter: %w", err)
			}
		}
		result = c
		sent, err = trackingpg.Commit(tx, s.deadlines, time.Now(), eff)
		return err
	})
	if err != nil {
		return domain.Case{}, err
	}
	if sent {
		s.afterCommit()
	}
	return result, nil
}

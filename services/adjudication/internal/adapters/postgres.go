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
	"claims.local/pkg/events"
	"claims.local/pkg/inbox"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations lists adjudication's schema: the outbox, the inbox, then its own tables.
func Migrations() ([]postgres.Migration, error) {
	return postgres.Collect(outbox.Migrations, inbox.Migrations, func() ([]postgres.Migration, error) {
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
	return c
}

// Cases is the PostgreSQL implementation of app.Repository.
type Cases struct {
	db          *gorm.DB
	afterCommit func()
}

// NewCases returns the repository; afterCommit (may be nil) runs after a
// commit that stored events.
func NewCases(db *gorm.DB, afterCommit func()) *Cases {
	if afterCommit == nil {
		afterCommit = func() {}
	}
	return &Cases{db: db, afterCommit: afterCommit}
}

// Open stores a new case once per claim and once per event.
func (s *Cases) Open(ctx context.Context, receipt inbox.Receipt, c domain.Case) (bool, error) {
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
		return nil
	})
	return created, err
}

// Get returns the case of a claim with its decision.
func (s *Cases) Get(ctx context.Context, claimID string) (domain.Case, error) {
	var row caseRow
	err := s.db.WithContext(ctx).Preload("Decision").Where("claim_id = ?", claimID).Take(&row).Error
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
	q := s.db.WithContext(ctx).Preload("Decision").Order("first_received_at, id")
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
func (s *Cases) Update(ctx context.Context, claimID string, change func(*domain.Case) ([]events.Outgoing, error)) (domain.Case, error) {
	var result domain.Case
	var sent bool
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row caseRow
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("claim_id = ?", claimID).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return apperr.New(apperr.NotFound, "no case for claim %q", claimID)
		}
		if err != nil {
			return fmt.Errorf("load case: %w", err)
		}
		var d decisionRow
		switch err := tx.Where("case_id = ?", row.ID).Take(&d).Error; {
		case err == nil:
			row.Decision = &d
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return fmt.Errorf("load decision: %w", err)
		}
		c := row.toDomain()
		hadDecision := c.Decision != nil
		out, err := change(&c)
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
		if err := outbox.AppendAll(tx, out); err != nil {
			return err
		}
		result, sent = c, len(out) > 0
		return nil
	})
	if err != nil {
		return domain.Case{}, err
	}
	if sent {
		s.afterCommit()
	}
	return result, nil
}

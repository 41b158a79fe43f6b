// Package adapters holds intake's PostgreSQL repository.
package adapters

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/events"
	"claims.local/pkg/inbox"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations lists intake's schema: the outbox, the inbox, then its own tables.
func Migrations() ([]postgres.Migration, error) {
	return postgres.Collect(outbox.Migrations, inbox.Migrations, func() ([]postgres.Migration, error) {
		return postgres.MigrationsFromFS(migrationFS, "migrations", "intake")
	})
}

type reportRow struct {
	ID               string `gorm:"primaryKey"`
	ClaimID          string
	PolicyNumber     string
	InsuredName      string
	IncidentType     string
	IncidentTime     time.Time
	ReporterName     string
	ReporterRole     string
	ReportedAt       time.Time
	ClaimRequestedAt *time.Time
}

func (reportRow) TableName() string { return "incident_reports" }

func toRow(r domain.IncidentReport) reportRow {
	return reportRow{
		ID: r.ID, ClaimID: r.ClaimID, PolicyNumber: r.PolicyNumber, InsuredName: r.InsuredName,
		IncidentType: string(r.IncidentType), IncidentTime: r.IncidentTime, ReporterName: r.Reporter.Name,
		ReporterRole: string(r.Reporter.Role), ReportedAt: r.ReportedAt, ClaimRequestedAt: r.ClaimRequestedAt,
	}
}

func (w reportRow) toDomain() domain.IncidentReport {
	return domain.IncidentReport{
		ID: w.ID, ClaimID: w.ClaimID, PolicyNumber: w.PolicyNumber, InsuredName: w.InsuredName,
		IncidentType: domain.IncidentType(w.IncidentType), IncidentTime: w.IncidentTime.UTC(),
		Reporter:   domain.Reporter{Name: w.ReporterName, Role: domain.ReporterRole(w.ReporterRole)},
		ReportedAt: w.ReportedAt.UTC(), ClaimRequestedAt: utc(w.ClaimRequestedAt),
	}
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Reports is the PostgreSQL implementation of app.Repository.
type Reports struct {
	db *gorm.DB
	// afterCommit runs after a commit that stored events (wakes the relay).
	afterCommit func()
}

// NewReports returns the repository; afterCommit may be nil.
func NewReports(db *gorm.DB, afterCommit func()) *Reports {
	if afterCommit == nil {
		afterCommit = func() {}
	}
	return &Reports{db: db, afterCommit: afterCommit}
}

// Add stores a new report and its events in one transaction.
func (s *Reports) Add(ctx context.Context, r domain.IncidentReport, out []events.Outgoing) error {
	row := toRow(r)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("store report: %w", err)
		}
		return outbox.AppendAll(tx, out)
	})
	if err != nil {
		return err
	}
	s.afterCommit()
	return nil
}

// Get returns one report.
func (s *Reports) Get(ctx context.Context, id string) (domain.IncidentReport, error) {
	var row reportRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return domain.IncidentReport{}, apperr.New(apperr.NotFound, "no incident report with id %q", id)
	}
	if err != nil {
		return domain.IncidentReport{}, fmt.Errorf("load report: %w", err)
	}
	return row.toDomain(), nil
}

// Update changes a report under a row lock, with its events, in one transaction.
func (s *Reports) Update(ctx context.Context, id string, change func(*domain.IncidentReport) ([]events.Outgoing, error)) (domain.IncidentReport, error) {
	var result domain.IncidentReport
	var sent bool
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row reportRow
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return apperr.New(apperr.NotFound, "no incident report with id %q", id)
		}
		if err != nil {
			return fmt.Errorf("load report: %w", err)
		}
		r := row.toDomain()
		out, err := change(&r)
		if err != nil {
			return err
		}
		updated := toRow(r)
		if err := tx.Save(&updated).Error; err != nil {
			return fmt.Errorf("store report: %w", err)
		}
		if err := outbox.AppendAll(tx, out); err != nil {
			return err
		}
		result, sent = r, len(out) > 0
		return nil
	})
	if err != nil {
		return domain.IncidentReport{}, err
	}
	if sent {
		s.afterCommit()
	}
	return result, nil
}

// Package adapters holds payout's PostgreSQL repository and the bank simulator.
package adapters

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/payout/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/inbox"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations lists payout's schema: the outbox, the inbox, then its own tables.
func Migrations() ([]postgres.Migration, error) {
	return postgres.Collect(outbox.Migrations, inbox.Migrations, trackingpg.Migrations, func() ([]postgres.Migration, error) {
		return postgres.MigrationsFromFS(migrationFS, "migrations", "payout")
	})
}

type obligationRow struct {
	ID            string `gorm:"primaryKey"`
	ClaimID       string
	PayoutType    string
	AmountFen     int64
	Currency      string
	State         string
	Attempts      int
	LastError     string
	BankReference string
	ScheduledAt   time.Time
	NextAttemptAt time.Time
	CompletedAt   *time.Time
}

func (obligationRow) TableName() string { return "obligations" }

func toRow(o domain.Obligation) obligationRow {
	return obligationRow{ID: o.ID, ClaimID: o.ClaimID, PayoutType: string(o.Type), AmountFen: o.AmountFen,
		Currency: o.Currency, State: string(o.State), Attempts: o.Attempts, LastError: o.LastError,
		BankReference: o.BankReference, ScheduledAt: o.ScheduledAt, NextAttemptAt: o.NextAttemptAt, CompletedAt: o.CompletedAt}
}

func (w obligationRow) toDomain() domain.Obligation {
	o := domain.Obligation{ID: w.ID, ClaimID: w.ClaimID, Type: domain.PayoutType(w.PayoutType), AmountFen: w.AmountFen,
		Currency: w.Currency, State: domain.State(w.State), Attempts: w.Attempts, LastError: w.LastError,
		BankReference: w.BankReference, ScheduledAt: w.ScheduledAt.UTC(), NextAttemptAt: w.NextAttemptAt.UTC()}
	if w.CompletedAt != nil {
		t := w.CompletedAt.UTC()
		o.CompletedAt = &t
	}
	return o
}

// Obligations is the PostgreSQL implementation of app.Repository.
type Obligations struct {
	db          *gorm.DB
	afterCommit func()
	deadlines   *tracking.Tracker
}

// NewObligations returns the repository; afterCommit (may be nil) runs after
// a commit that stored events.
func NewObligations(db *gorm.DB, afterCommit func(), deadlines *tracking.Tracker) *Obligations {
	if afterCommit == nil {
		afterCommit = func() {}
	}
	return &Obligations{db: db, afterCommit: afterCommit, deadlines: deadlines}
}

// Schedule stores o once per claim and type, and once per event. A zero o
// records only the receipt (a decision that owes nothing).
func (s *Obligations) Schedule(ctx context.Context, receipt inbox.Receipt, o domain.Obligation, out func(domain.Obligation) (tracking.Effects, error)) (bool, error) {
	created := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		first, err := inbox.Record(tx, receipt)
		if err != nil || !first || o.ID == "" {
			return err
		}
		row := toRow(o)
		res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "claim_id"}, {Name: "payout_type"}}, DoNothing: true}).Create(&row)
		if res.Error != nil {
			return fmt.Errorf("schedule obligation: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		created = true
		eff, err := out(o)
		if err != nil {
			return err
		}
		_, err = trackingpg.Commit(tx, s.deadlines, o.ScheduledAt, eff)
		return err
	})
	if err == nil && created {
		s.afterCommit()
	}
	return created, err
}

// ExecuteNextDue locks the oldest due obligation with FOR UPDATE SKIP LOCKED,
// so that several instances never execute the same one at once, and keeps
// the lock across the bank call: the bank's idempotency key covers a crash
// between the call and the commit.
func (s *Obligations) ExecuteNextDue(ctx context.Context, now time.Time, work func(*domain.Obligation) (tracking.Effects, error)) (bool, error) {
	found, sent := false, false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row obligationRow
		err := tx.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"}).
			Where("state = ? AND next_attempt_at <= ?", string(domain.StateScheduled), now).
			Order("next_attempt_at, id").Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find due obligation: %w", err)
		}
		found = true
		o := row.toDomain()
		eff, err := work(&o)
		if err != nil {
			return err
		}
		updated := toRow(o)
		if err := tx.Save(&updated).Error; err != nil {
			return fmt.Errorf("store obligation: %w", err)
		}
		sent, err = trackingpg.Commit(tx, s.deadlines, now, eff)
		return err
	})
	if err == nil && sent {
		s.afterCommit()
	}
	return found, err
}

// Get returns one obligation.
func (s *Obligations) Get(ctx context.Context, id string) (domain.Obligation, error) {
	var row obligationRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return domain.Obligation{}, apperr.New(apperr.NotFound, "no payment obligation with id %q", id)
	}
	if err != nil {
		return domain.Obligation{}, fmt.Errorf("load obligation: %w", err)
	}
	return row.toDomain(), nil
}

// List returns obligations, newest first, of one claim when claimID is set.
func (s *Obligations) List(ctx context.Context, claimID string, limit int) ([]domain.Obligation, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q := s.db.WithContext(ctx).Order("scheduled_at DESC, id").Limit(limit)
	if claimID != "" {
		q = q.Where("claim_id = ?", claimID)
	}
	var rows []obligationRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list obligations: %w", err)
	}
	out := make([]domain.Obligation, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// Package revealpg stores the reveal records of package reveal (R11) in
// PostgreSQL, in the transaction of the read that reveals, and lists them
// for an auditor.
package revealpg

import (
	"context"
	"embed"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"claims.local/pkg/auth"
	"claims.local/pkg/postgres"
	"claims.local/pkg/reveal"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations returns the schema of the reveal records, to run with the
// service's own migrations.
func Migrations() ([]postgres.Migration, error) {
	return postgres.MigrationsFromFS(migrationFS, "migrations", "reveal")
}

type row struct {
	ID         int64 `gorm:"primaryKey;autoIncrement"`
	ClaimID    string
	Subject    string
	Field      string
	RevealedBy string
	Roles      string
	Reason     string
	RevealedAt time.Time
}

func (row) TableName() string { return "personal_data_reveals" }

// Record stores r inside tx, the transaction of the read that reveals.
func Record(tx *gorm.DB, r reveal.Reveal) error {
	roles := make([]string, len(r.Roles))
	for i, role := range r.Roles {
		roles[i] = string(role)
	}
	rw := row{ClaimID: r.ClaimID, Subject: r.Subject, Field: r.Field, RevealedBy: r.RevealedBy,
		Roles: strings.Join(roles, ","), Reason: r.Reason, RevealedAt: r.RevealedAt}
	if err := tx.Create(&rw).Error; err != nil {
		return fmt.Errorf("record reveal of %s: %w", r.Field, err)
	}
	return nil
}

// List returns reveals, newest first.
func List(ctx context.Context, db *gorm.DB, f reveal.Filter) ([]reveal.Reveal, error) {
	q := db.WithContext(ctx).Order("revealed_at DESC, id DESC")
	if f.ClaimID != "" {
		q = q.Where("claim_id = ?", f.ClaimID)
	}
	if f.RevealedBy != "" {
		q = q.Where("revealed_by = ?", f.RevealedBy)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var rows []row
	if err := q.Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list reveals: %w", err)
	}
	out := make([]reveal.Reveal, len(rows))
	for i, r := range rows {
		var roles []auth.Role
		for _, s := range strings.Split(r.Roles, ",") {
			if s != "" {
				roles = append(roles, auth.Role(s))
			}
		}
		out[i] = reveal.Reveal{ID: r.ID, ClaimID: r.ClaimID, Subject: r.Subject, Field: r.Field, RevealedBy: r.RevealedBy,
			Roles: roles, Reason: r.Reason, RevealedAt: r.RevealedAt.UTC()}
	}
	return out, nil
}

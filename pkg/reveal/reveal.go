// Package reveal records every deliberate reveal of masked personal data
// (R11: personal data is not disclosed without need; notice §7.3). Identity
// numbers, bank accounts and telephone numbers are masked in every answer;
// a person whose role allows it may reveal one for a stated reason, and the
// reveal is recorded (who, whose, what, when, why) in the same transaction
// as the read that returns the data, in an append-only table an auditor can
// list.
package reveal

import (
	"context"
	"embed"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/postgres"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations returns the schema of the reveal records, to run with the
// service's own migrations.
func Migrations() ([]postgres.Migration, error) {
	return postgres.MigrationsFromFS(migrationFS, "migrations", "reveal")
}

// Reveal is one record: Subject names whose data ("obligation/<id>"),
// Field which ("payee.account_number").
type Reveal struct {
	ID         int64
	ClaimID    string
	Subject    string
	Field      string
	RevealedBy string
	Roles      []auth.Role
	Reason     string
	RevealedAt time.Time
}

// MaxReasonRunes bounds the stated reason.
const MaxReasonRunes = 500

// New checks a reveal request: a reason is required, because a reveal
// without one cannot be audited.
func New(p auth.Principal, claimID, subject, field, reason string, now time.Time) (Reveal, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return Reveal{}, apperr.InvalidField("reason", "is required: say why the full value is needed")
	case utf8.RuneCountInString(reason) > MaxReasonRunes:
		return Reveal{}, apperr.InvalidField("reason", "is longer than %d characters", MaxReasonRunes)
	case p.Subject == "":
		return Reveal{}, apperr.New(apperr.Unauthenticated, "sign in first")
	}
	return Reveal{ClaimID: claimID, Subject: subject, Field: field, RevealedBy: p.Subject, Roles: p.Roles,
		Reason: reason, RevealedAt: now.UTC()}, nil
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
func Record(tx *gorm.DB, r Reveal) error {
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

// Filter narrows the list of reveals.
type Filter struct {
	ClaimID    string
	RevealedBy string
	Limit      int
}

// List returns reveals, newest first.
func List(ctx context.Context, db *gorm.DB, f Filter) ([]Reveal, error) {
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
	out := make([]Reveal, len(rows))
	for i, r := range rows {
		var roles []auth.Role
		for _, s := range strings.Split(r.Roles, ",") {
			if s != "" {
				roles = append(roles, auth.Role(s))
			}
		}
		out[i] = Reveal{ID: r.ID, ClaimID: r.ClaimID, Subject: r.Subject, Field: r.Field, RevealedBy: r.RevealedBy,
			Roles: roles, Reason: r.Reason, RevealedAt: r.RevealedAt.UTC()}
	}
	return out, nil
}

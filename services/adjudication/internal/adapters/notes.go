package adapters

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"claims.local/adjudication/internal/domain"
)

// noteRow is a row of case_notes (ID is the primary key).
type noteRow struct {
	ID, ClaimID, Author, Text string
	CreatedAt                 time.Time
}

func (noteRow) TableName() string { return "case_notes" }

// Notes is the PostgreSQL implementation of app.Notes: the case diaries,
// append-only (the table refuses updates and deletes).
type Notes struct {
	db *gorm.DB
}

// NewNotes returns the case diaries of db.
func NewNotes(db *gorm.DB) *Notes { return &Notes{db: db} }

// Add stores n.
func (s *Notes) Add(ctx context.Context, n domain.Note) error {
	row := noteRow{ID: n.ID, ClaimID: n.ClaimID, Author: n.Author, Text: n.Text, CreatedAt: n.CreatedAt}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("store case note: %w", err)
	}
	return nil
}

// List returns the notes of a claim's case, oldest first.
func (s *Notes) List(ctx context.Context, claimID string) ([]domain.Note, error) {
	var rows []noteRow
	if err := s.db.WithContext(ctx).Where("claim_id = ?", claimID).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list case notes: %w", err)
	}
	out := make([]domain.Note, len(rows))
	for i, r := range rows {
		out[i] = domain.Note{ID: r.ID, ClaimID: r.ClaimID, Author: r.Author, Text: r.Text, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

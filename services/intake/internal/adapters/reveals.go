package adapters

import (
	"context"

	"gorm.io/gorm"

	"claims.local/pkg/reveal"
	"claims.local/pkg/reveal/revealpg"
)

// Reveals records the reveals of documents' personal data in the
// append-only table auditors list (app.Reveals).
type Reveals struct {
	db *gorm.DB
}

// NewReveals returns the reveal records in db.
func NewReveals(db *gorm.DB) *Reveals { return &Reveals{db: db} }

// Record stores r; the caller shows nothing until it returned nil.
func (s *Reveals) Record(ctx context.Context, r reveal.Reveal) error {
	return revealpg.Record(s.db.WithContext(ctx), r)
}

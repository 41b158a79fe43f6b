package app

import (
	"context"

	"github.com/google/uuid"

	"claims.local/adjudication/internal/domain"
)

// Notes stores the case diaries, append-only.
type Notes interface {
	Add(ctx context.Context, n domain.Note) error
	// List returns the notes of a claim's case, oldest first.
	List(ctx context.Context, claimID string) ([]domain.Note, error)
}

// AddNote appends a note by who to the diary of a claim's case; the case
// must exist. Notes are never edited (domain.Note).
func (s *Service) AddNote(ctx context.Context, who domain.Actor, claimID, text string) (domain.Note, error) {
	if _, err := s.repo.Get(ctx, claimID); err != nil {
		return domain.Note{}, err
	}
	n, err := domain.NewNote(who, claimID, text, uuid.NewString(), s.now())
	if err != nil {
		return domain.Note{}, err
	}
	return n, s.notes.Add(ctx, n)
}

// Notes returns the diary of a claim's case, oldest first.
func (s *Service) Notes(ctx context.Context, claimID string) ([]domain.Note, error) {
	if _, err := s.repo.Get(ctx, claimID); err != nil {
		return nil, err
	}
	return s.notes.List(ctx, claimID)
}

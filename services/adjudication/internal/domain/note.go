package domain

import (
	"strings"
	"time"
	"unicode/utf8"

	"claims.local/pkg/apperr"
)

// MaxNoteRunes bounds the text of a case note.
const MaxNoteRunes = 4000

// Note is an entry of a case's diary (issue 20): what a handler saw, heard
// or agreed that has no other place in the case. The diary is append-only:
// a note is never edited or deleted, a correction is a new note, so the
// diary stays evidence of what was known when.
type Note struct {
	ID        string
	ClaimID   string
	Author    string
	Text      string
	CreatedAt time.Time
}

// NewNote is a note by who on the case of claimID; the text is trimmed and
// must be non-empty and at most MaxNoteRunes characters.
func NewNote(who Actor, claimID, text, id string, now time.Time) (Note, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return Note{}, apperr.InvalidField("text", "is required")
	case utf8.RuneCountInString(text) > MaxNoteRunes:
		return Note{}, apperr.InvalidField("text", "must be at most %d characters", MaxNoteRunes)
	case who.Subject == "":
		return Note{}, apperr.New(apperr.Unauthenticated, "a note needs an author")
	}
	return Note{ID: id, ClaimID: claimID, Author: who.Subject, Text: text, CreatedAt: now}, nil
}

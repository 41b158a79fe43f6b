// Package reveal records every deliberate reveal of masked personal data
// (R11: personal data is not disclosed without need; notice §7.3). Identity
// numbers, bank accounts and telephone numbers are masked in every answer;
// a person whose role allows it may reveal one for a stated reason, and the
// reveal is recorded (who, whose, what, when, why) in the same transaction
// as the read that returns the data, in an append-only table an auditor can
// list.
//
// This package holds the record and its checks; package revealpg stores
// and lists records in PostgreSQL.
package reveal

import (
	"strings"
	"time"
	"unicode/utf8"

	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
)

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

// Filter narrows the list of reveals.
type Filter struct {
	ClaimID    string
	RevealedBy string
	Limit      int
}

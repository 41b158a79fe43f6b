// Package domain holds adjudication's rules about cases and their decision
// (核定). Later work deepens the states (review, awaiting documents, complex,
// agreement); the walking skeleton knows received and decided.
package domain

import (
	"strings"
	"time"
	"unicode/utf8"

	"claims.local/pkg/apperr"
)

// State is where a case stands.
type State string

// The states of a case.
const (
	StateReceived State = "received"
	StateApproved State = "approved"
	StateRejected State = "rejected"
)

// Outcome is what a handler decided.
type Outcome string

// The outcomes of a decision.
const (
	Approve Outcome = "approve"
	Reject  Outcome = "reject"
)

// MaxAmountFen bounds an approved amount (one hundred million yuan) so that a
// typo cannot send a number no policy covers.
const MaxAmountFen int64 = 100_000_000_00

// Case is one claim under adjudication. FirstReceivedAt is when the claim
// request was first received, the clock start of the decision deadline (R4).
type Case struct {
	ID              string
	ClaimID         string
	ReportID        string
	PolicyNumber    string
	InsuredName     string
	IncidentType    string
	IncidentTime    time.Time
	FirstReceivedAt time.Time
	OpenedAt        time.Time
	State           State
	Decision        *Decision
}

// Decision is the decision on a case. AmountFen is in fen (1/100 yuan).
type Decision struct {
	Outcome   Outcome
	AmountFen int64
	Reason    string
	DecidedBy string
	DecidedAt time.Time
}

// DecisionInput is what a handler submits.
type DecisionInput struct {
	Outcome   string
	AmountFen int64
	Reason    string
	DecidedBy string
}

// Decide records the decision on a case that has none yet. A second decision
// is refused: a claim is decided once.
func (c *Case) Decide(in DecisionInput, now time.Time) error {
	if c.State != StateReceived {
		return apperr.New(apperr.Conflict, "case of claim %s is already %s; it cannot be decided again", c.ClaimID, c.State)
	}
	by := strings.TrimSpace(in.DecidedBy)
	if by == "" {
		return apperr.InvalidField("decided_by", "is required")
	}
	reason := strings.TrimSpace(in.Reason)
	if utf8.RuneCountInString(reason) > 2000 {
		return apperr.InvalidField("reason", "is longer than 2000 characters")
	}
	d := Decision{Outcome: Outcome(in.Outcome), DecidedBy: by, DecidedAt: now.UTC(), Reason: reason}
	switch d.Outcome {
	case Approve:
		if in.AmountFen <= 0 {
			return apperr.InvalidField("amount_fen", "must be a positive whole number of fen for an approval")
		}
		if in.AmountFen > MaxAmountFen {
			return apperr.InvalidField("amount_fen", "exceeds the largest amount the platform pays (%d fen)", MaxAmountFen)
		}
		d.AmountFen = in.AmountFen
		c.State = StateApproved
	case Reject:
		if in.AmountFen != 0 {
			return apperr.InvalidField("amount_fen", "must be 0 or absent for a rejection")
		}
		if reason == "" {
			return apperr.InvalidField("reason", "is required for a rejection: say why the claim is not covered")
		}
		c.State = StateRejected
	default:
		return apperr.InvalidField("outcome", "must be approve or reject")
	}
	c.Decision = &d
	return nil
}

// Package domain holds adjudication's rules about cases and their decision
// (核定). Later work deepens the states (review, awaiting documents, complex,
// agreement); the walking skeleton knows received and decided.
package domain

import (
	"slices"
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
	// RejectionLetter records the sending of the written rejection notice
	// (R5) of a rejected case.
	RejectionLetter *LetterSent
}

// LetterSent records how and when a letter left the company.
type LetterSent struct {
	Channel string
	SentBy  string
	SentAt  time.Time
}

// LetterChannels lists the ways a rejection letter can be sent.
func LetterChannels() []string { return []string{"post", "email", "sms", "app", "in_person"} }

// RecordRejectionLetterSent records that the written notice of a rejection
// was sent (Insurance Law art. 24; Reg. art. 24: within 3 days of the
// decision, with reasons). A case that is not rejected has no such letter,
// and a letter is sent once.
func (c *Case) RecordRejectionLetterSent(channel, sentBy string, now time.Time) error {
	if c.State != StateRejected {
		return apperr.New(apperr.Conflict, "case of claim %s is %s; only a rejected case has a rejection letter", c.ClaimID, c.State)
	}
	if c.RejectionLetter != nil {
		return apperr.New(apperr.Conflict, "the rejection letter of claim %s was already sent on %s", c.ClaimID,
			c.RejectionLetter.SentAt.Format(time.RFC3339))
	}
	channel = strings.TrimSpace(channel)
	if !slices.Contains(LetterChannels(), channel) {
		return apperr.InvalidField("channel", "must be one of %s", strings.Join(LetterChannels(), ", "))
	}
	by := strings.TrimSpace(sentBy)
	if by == "" {
		return apperr.InvalidField("sent_by", "is required")
	}
	c.RejectionLetter = &LetterSent{Channel: channel, SentBy: by, SentAt: now.UTC()}
	return nil
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

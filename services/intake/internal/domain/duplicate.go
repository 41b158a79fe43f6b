package domain

import (
	"time"

	"claims.local/pkg/apperr"
)

// The closures of a claim that end its report's openness (issue 20): a
// report whose claim was rejected, withdrawn or paid is no longer one a new
// report of the same incident may be linked to.
const (
	ClosureRejected  = "rejected"
	ClosureWithdrawn = "withdrawn"
	ClosurePaid      = "paid"
)

// LinkChoice is what the person entering a report answered when intake
// found an open report of the same incident (same policy, insured, incident
// type and Asia/Shanghai incident date): LinkTo names that report to link
// to, ConfirmNew says the report is of another incident. Neither is given
// on the first try; intake then shows the candidate (PossibleDuplicate).
type LinkChoice struct {
	LinkTo     string
	ConfirmNew bool
}

// LinkAction is what becomes of a new report.
type LinkAction int

// The link actions: store the report as new, link it to the candidate, or
// ask the person entering it first.
const (
	StoreNew LinkAction = iota
	LinkToCandidate
	AskFirst
)

// ResolveLink decides what becomes of a new report given the open report
// of the same incident, if any (candidateID empty when none), and the
// choice made (issue 20). A report is linked only to an open report, and
// only when the person entering it confirmed that candidate: a closed or
// paid claim is never reopened by a link, and what the new report says is
// never dropped silently.
func ResolveLink(candidateID string, c LinkChoice) (LinkAction, error) {
	if c.LinkTo != "" && c.ConfirmNew {
		return 0, apperr.InvalidField("link_to", "cannot be combined with confirm_new")
	}
	switch {
	case c.LinkTo != "" && c.LinkTo == candidateID:
		return LinkToCandidate, nil
	case c.LinkTo != "":
		return 0, apperr.InvalidField("link_to", "%q is not an open report of the same incident", c.LinkTo)
	case candidateID == "" || c.ConfirmNew:
		return StoreNew, nil
	}
	return AskFirst, nil
}

// Closure is the end of a report's claim, as adjudication or payout
// announced it.
type Closure struct {
	ClaimID string
	Kind    string
	At      time.Time
}

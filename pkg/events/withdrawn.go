package events

import "time"

// ClaimWithdrawn tells that a claim was withdrawn in adjudication: its case
// was closed before a decision (issue 20). Intake then counts the claim's
// report as closed, so a new report of the same incident is stored as new
// and never linked to the withdrawn claim. It carries no personal data.
var ClaimWithdrawn = Type{Name: "claims.adjudication.claim-withdrawn", Version: 1}

// WithdrawalClosedUndecided is the reason code of a claim withdrawn by
// closing its case before a decision.
const WithdrawalClosedUndecided = "closed_undecided"

// ClaimWithdrawnData is the payload of ClaimWithdrawn. Reason is the
// handler's words for the closure, ReasonCode its machine-readable kind.
type ClaimWithdrawnData struct {
	ClaimID     string    `json:"claim_id"`
	CaseID      string    `json:"case_id"`
	ReasonCode  string    `json:"reason_code"`
	Reason      string    `json:"reason"`
	WithdrawnAt time.Time `json:"withdrawn_at"`
}

package events

import (
	"encoding/json"
	"time"
)

// Type names an event type and the schema version of its data.
type Type struct {
	Name    string
	Version int
}

// The event types of the platform. Each is documented in events.md.
var (
	IncidentReported = Type{Name: "claims.intake.incident-reported", Version: 1}
	ClaimRequested   = Type{Name: "claims.intake.claim-requested", Version: 1}
	ClaimDecided     = Type{Name: "claims.adjudication.claim-decided", Version: 1}
	PayoutScheduled  = Type{Name: "claims.payout.payout-scheduled", Version: 1}
	PayoutCompleted  = Type{Name: "claims.payout.payout-completed", Version: 1}
	PayoutFailed     = Type{Name: "claims.payout.payout-failed", Version: 1}
	DeadlineAtRisk   = Type{Name: "claims.deadline.at-risk", Version: 1}
	DeadlineBreached = Type{Name: "claims.deadline.breached", Version: 1}
	DeadlineMoved    = Type{Name: "claims.deadline.moved", Version: 1}
	DeadlineTampered = Type{Name: "claims.deadline.tampered", Version: 1}
	CalendarUpdated  = Type{Name: "claims.calendar.updated", Version: 1}
)

// CalendarKey is the claimid and Kafka key of calendar events, which are
// about no claim: all of them share one key and so one partition, in order.
const CalendarKey = "calendar"

// Reporter is who reported an incident.
type Reporter struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// IncidentReportedData announces a stored incident report (报案).
type IncidentReportedData struct {
	ReportID     string    `json:"report_id"`
	ClaimID      string    `json:"claim_id"`
	PolicyNumber string    `json:"policy_number"`
	InsuredName  string    `json:"insured_name"`
	IncidentType string    `json:"incident_type"`
	IncidentTime time.Time `json:"incident_time"`
	Reporter     Reporter  `json:"reporter"`
	ReportedAt   time.Time `json:"reported_at"`
	// CatastropheCode tags a report whose incident matches an active
	// catastrophe (R8).
	CatastropheCode string `json:"catastrophe_code,omitempty"`
}

// ClaimRequestedData hands a claim request (索赔申请) to adjudication.
// FirstReceivedAt is when the request was first received: the clock start
// of the decision deadline (R4).
type ClaimRequestedData struct {
	ClaimID         string    `json:"claim_id"`
	ReportID        string    `json:"report_id"`
	PolicyNumber    string    `json:"policy_number"`
	InsuredName     string    `json:"insured_name"`
	IncidentType    string    `json:"incident_type"`
	IncidentTime    time.Time `json:"incident_time"`
	FirstReceivedAt time.Time `json:"first_received_at"`
	// IncidentPlace is the administrative division code (行政区划代码) of
	// the place of the incident, when known.
	IncidentPlace string `json:"incident_place,omitempty"`
	// Supplements are the R4 clock stops: each one-time notice of missing
	// documents (R3) and the arrival of the supplement it asked for.
	Supplements []Supplement `json:"supplements,omitempty"`
	// Documents are the supporting documents with what was read from them
	// (machine reading, or a handler's correction where there is one).
	Documents []ClaimDocument `json:"documents,omitempty"`
	// ClaimedAmountFen is the total of the invoices claimed, in fen, when
	// the claim is for expenses.
	ClaimedAmountFen int64 `json:"claimed_amount_fen,omitempty"`
	// Beneficiary is who claims the benefit, when not the insured.
	Beneficiary *Person `json:"beneficiary,omitempty"`
	// CatastropheCode tags a claim whose incident matches an active
	// catastrophe (R8): it takes the fast channel.
	CatastropheCode string `json:"catastrophe_code,omitempty"`
	// Payee is who the claimant asks to be paid, given with the claim
	// request and sealed by intake for payout and for this claim
	// (Payee.SealFor): only its role, bank, last four digits and
	// fingerprints are in clear. AdvanceAgreement is the claimant's
	// advance agreement to the amount decided under the product's rules.
	// Both are nil when the claimant gave none (issue 19).
	Payee            *Payee            `json:"payee,omitempty"`
	AdvanceAgreement *AdvanceAgreement `json:"advance_agreement,omitempty"`
}

// Decision outcomes.
const (
	OutcomeApproved = "approved"
	OutcomeRejected = "rejected"
)

// ClaimDecidedData announces the decision (核定) on a claim. AmountFen is the
// approved amount in fen (1/100 yuan); zero for a rejection.
type ClaimDecidedData struct {
	ClaimID   string    `json:"claim_id"`
	CaseID    string    `json:"case_id"`
	Outcome   string    `json:"outcome"`
	AmountFen int64     `json:"amount_fen"`
	Currency  string    `json:"currency"`
	Reason    string    `json:"reason,omitempty"`
	DecidedBy string    `json:"decided_by"`
	DecidedAt time.Time `json:"decided_at"`
	// ExGratia marks a payment beyond the contract (通融赔付), approved by
	// the top authority; added in schema version 1 as optional.
	ExGratia bool `json:"ex_gratia,omitempty"`
}

// PayoutData is the payload of every finance event (scheduled, completed,
// failed, reversed). It is the public contract with finance; see
// schemas/payout.v1.schema.json. Members after CompletedAt were added
// in schema version 1 as optional members.
type PayoutData struct {
	ObligationID  string     `json:"obligation_id"`
	ClaimID       string     `json:"claim_id"`
	PayoutType    string     `json:"payout_type"`
	AmountFen     int64      `json:"amount_fen"`
	Currency      string     `json:"currency"`
	Status        string     `json:"status"`
	BankReference string     `json:"bank_reference,omitempty"`
	FailureReason string     `json:"failure_reason,omitempty"`
	ValueDate     string     `json:"value_date,omitempty"`
	ScheduledAt   time.Time  `json:"scheduled_at"`
	CompletedAt   *time.Time `json:"completed_at,omitempty"`
	// CaseID and PolicyNumber tie the payment to adjudication's case and
	// the policy, for finance's reconciliation.
	CaseID       string `json:"case_id,omitempty"`
	PolicyNumber string `json:"policy_number,omitempty"`
	// Payee is who is paid, masked (R11).
	Payee *MaskedPayee `json:"payee,omitempty"`
	// AgreedAmountFen is the amount agreed with the claimant and
	// AdvancedFen the advance deducted from it: AmountFen is their
	// difference for a final payment.
	AgreedAmountFen int64 `json:"agreed_amount_fen,omitempty"`
	AdvancedFen     int64 `json:"advanced_fen,omitempty"`
	// DueDate is the last day of the payment deadline (R6).
	DueDate string `json:"due_date,omitempty"`
	// Attempt counts the transfers asked of the bank so far.
	Attempt int `json:"attempt,omitempty"`
	// ReversedAt and ReversalReason are set when the bank returned a
	// completed payment (退汇); ReplacesObligationID on the obligation
	// that pays it again.
	ReversedAt           *time.Time `json:"reversed_at,omitempty"`
	ReversalReason       string     `json:"reversal_reason,omitempty"`
	ReplacesObligationID string     `json:"replaces_obligation_id,omitempty"`
}

// DeadlineData is the payload of the deadline events (at-risk, breached,
// moved) about one tracked obligation. Service is the service that owes it;
// Subject names what is owed (e.g. "case/<id>"). PreviousDueDate and
// PreviousDueAt are set on moved events only.
type DeadlineData struct {
	ObligationID    string     `json:"obligation_id"`
	Service         string     `json:"service"`
	ClaimID         string     `json:"claim_id"`
	Subject         string     `json:"subject"`
	Rule            string     `json:"rule"`
	RNumber         string     `json:"r_number"`
	State           string     `json:"state"`
	ClockStart      time.Time  `json:"clock_start"`
	DueDate         string     `json:"due_date"`
	DueAt           time.Time  `json:"due_at"`
	AtRiskFrom      time.Time  `json:"at_risk_from"`
	Basis           string     `json:"basis"`
	CalendarVersion string     `json:"calendar_version"`
	Provisional     bool       `json:"provisional"`
	DetectedAt      time.Time  `json:"detected_at"`
	PreviousDueDate string     `json:"previous_due_date,omitempty"`
	PreviousDueAt   *time.Time `json:"previous_due_at,omitempty"`
}

// CalendarUpdatedData carries a new version of the working-day calendar, in
// the format of cn-holidays.json, with who submitted it and why (the audit).
type CalendarUpdatedData struct {
	Version     string          `json:"version"`
	Calendar    json.RawMessage `json:"calendar"`
	Reason      string          `json:"reason"`
	SubmittedBy string          `json:"submitted_by"`
	SubmittedAt time.Time       `json:"submitted_at"`
}

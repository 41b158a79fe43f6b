package events

import "time"

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
)

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
}

// PayoutData is the payload of every finance event (scheduled, completed,
// failed). It is the public contract with finance; see payout.schema.json.
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
}

package events

import "time"

// The event types of catastrophe fast-track mode (R7, R8).
var (
	// CatastropheState is the whole current state of one declared
	// catastrophe, on the compacted catastrophes topic keyed by its code:
	// every declaration, activation and deactivation publishes it again.
	CatastropheState = Type{Name: "claims.catastrophe.state", Version: 1}
	// AdvanceApproved asks payout to pay an advance (预付赔款) on a claim:
	// in catastrophe mode once the policy is verified in force and the
	// incident matches (R8), or without a catastrophe for the amount that
	// can already be determined when the full amount takes longer than 60
	// days (R7). On the adjudication topic.
	AdvanceApproved = Type{Name: "claims.adjudication.advance-approved", Version: 1}
	// RecoveryDue tells finance that a claim rejected after an advance was
	// paid owes the advance back. On the payout topic.
	RecoveryDue = Type{Name: "claims.payout.recovery-due", Version: 1}
)

// CatastropheKeyPrefix starts the claimid (and Kafka key) of catastrophe
// state events, which are about a catastrophe, not a claim: the key is
// "catastrophe/<code>", so compaction keeps the last state of each code.
const CatastropheKeyPrefix = "catastrophe/"

// AdvancePolicy is how much a catastrophe's claims get in advance: ShareBps
// of the expected benefit (basis points: 5000 is half), at most CapFen per
// claim, for the incident types listed.
type AdvancePolicy struct {
	ShareBps      int      `json:"share_bps"`
	CapFen        int64    `json:"cap_fen"`
	IncidentTypes []string `json:"incident_types"`
}

// CatastropheStateData is the state of a catastrophe. Regions are
// administrative division codes (行政区划代码); a prefix covers the areas
// below it ("4401" is all of Guangzhou). The window is the incident dates
// covered, Asia/Shanghai, both ends included. InternalTargetWorkingDays is
// the company's decision target for tagged claims. Version increases with
// every change; a consumer ignores a state older than the one it holds.
type CatastropheStateData struct {
	Code                      string        `json:"code"`
	Name                      string        `json:"name"`
	Peril                     string        `json:"peril"`
	Regions                   []string      `json:"regions"`
	WindowStart               string        `json:"window_start"`
	WindowEnd                 string        `json:"window_end"`
	AdvancePolicy             AdvancePolicy `json:"advance_policy"`
	InternalTargetWorkingDays int           `json:"internal_target_working_days"`
	Active                    bool          `json:"active"`
	Version                   int           `json:"version"`
	DeclaredBy                string        `json:"declared_by"`
	DeclaredAt                time.Time     `json:"declared_at"`
	SwitchedBy                string        `json:"switched_by,omitempty"`
	SwitchedAt                *time.Time    `json:"switched_at,omitempty"`
	SwitchReason              string        `json:"switch_reason,omitempty"`
}

// The grounds of an advance.
const (
	AdvanceGroundCatastrophe = "catastrophe" // R8
	AdvanceGroundSixtyDays   = "sixty-days"  // R7
)

// AdvanceApprovedData is an advance to pay. AdvanceID is unique per advance
// and becomes payout's obligation id (the bank's idempotency key);
// ExpectedBenefitFen is what the advance was computed from.
type AdvanceApprovedData struct {
	AdvanceID          string `json:"advance_id"`
	ClaimID            string `json:"claim_id"`
	CaseID             string `json:"case_id"`
	PolicyNumber       string `json:"policy_number"`
	Ground             string `json:"ground"`
	CatastropheCode    string `json:"catastrophe_code,omitempty"`
	AmountFen          int64  `json:"amount_fen"`
	Currency           string `json:"currency"`
	ExpectedBenefitFen int64  `json:"expected_benefit_fen"`
	Payee              Payee  `json:"payee"`
	ApprovedBy         string `json:"approved_by"`
	// OfferedBy is who offered the advance; with ApprovedBy (who set the
	// payee) they may not confirm its payee in payout.
	OfferedBy  string    `json:"offered_by,omitempty"`
	ApprovedAt time.Time `json:"approved_at"`
	// Priority asks payout to pay it before ordinary payments (R8).
	Priority bool `json:"priority"`
	// EnteredBy names the members of staff who entered or corrected what
	// the claim rests on (AgreementReachedData.EnteredBy): they may not
	// confirm the advance's payee either.
	EnteredBy []string `json:"entered_by,omitempty"`
}

// RecoveryDueData is an advance to recover from a claim that was rejected
// after it was paid.
type RecoveryDueData struct {
	ClaimID         string       `json:"claim_id"`
	ObligationIDs   []string     `json:"obligation_ids"`
	AmountFen       int64        `json:"amount_fen"`
	Currency        string       `json:"currency"`
	Reason          string       `json:"reason"`
	RecordedAt      time.Time    `json:"recorded_at"`
	CatastropheCode string       `json:"catastrophe_code,omitempty"`
	PolicyNumber    string       `json:"policy_number"`
	MaskedPayee     *MaskedPayee `json:"payee,omitempty"`
}

package events

import "time"

// The event types of the claim's life after the decision, on the
// adjudication topic.
var (
	// AgreementReached announces the claimant's agreement to the amount
	// (达成协议); payout starts the payment clock (R6) on it.
	AgreementReached = Type{Name: "claims.adjudication.agreement-reached", Version: 1}
)

// Supplement is one pause of the decision clock (R4): the one-time notice of
// missing documents (R3) was sent at NoticeSentAt and the supplement arrived
// at ReceivedAt (Judicial Interpretation II of the Insurance Law, art. 15).
// ReceivedAt is nil while the supplement is awaited.
type Supplement struct {
	NoticeSentAt time.Time  `json:"notice_sent_at"`
	ReceivedAt   *time.Time `json:"received_at,omitempty"`
}

// ClaimDocument is a supporting document handed on with a claim request,
// with the fields read from it. Type is one of the document vocabulary
// (id_card, death_certificate, medical_invoice, discharge_summary,
// diagnosis_certificate, accident_report, disability_appraisal, bank_card,
// relationship_proof, other). Resident ID numbers are not carried.
//
// A bank card's account number is not carried either (issue 17: no personal
// data in clear on topics): AccountFingerprint is the lowercase hex SHA-256
// of the claim id, ":" and its digits (the fingerprint adjudication keeps of
// the accounts it pays), AccountLast4 its last four digits, and HolderName
// the holder printed on it, when read or corrected by a handler.
type ClaimDocument struct {
	DocumentID         string `json:"document_id"`
	Type               string `json:"type"`
	SHA256             string `json:"sha256"`
	InvoiceNumber      string `json:"invoice_number,omitempty"`
	TotalAmountFen     int64  `json:"total_amount_fen,omitempty"`
	EventDate          string `json:"event_date,omitempty"`
	AccountFingerprint string `json:"account_fingerprint,omitempty"`
	AccountLast4       string `json:"account_last4,omitempty"`
	HolderName         string `json:"holder_name,omitempty"`
}

// Person is a named party of a claim and their relation to the insured
// (self, spouse, child, parent, other).
type Person struct {
	Name     string `json:"name"`
	Relation string `json:"relation"`
}

// Payee is who receives a payment. Role is beneficiary, insured,
// policyholder or agent (an agent collects for one of the others: R10).
// AccountNumber is the full account number: payout encrypts it at rest and
// masks it everywhere else.
type Payee struct {
	Name          string `json:"name"`
	Role          string `json:"role"`
	BankName      string `json:"bank_name"`
	AccountNumber string `json:"account_number"`
	// OnBehalfOf names the person an agent collects for.
	OnBehalfOf *Person `json:"on_behalf_of,omitempty"`
}

// AgreementReachedData records the claimant's agreement to the amount
// decided (达成赔偿或者给付保险金的协议). AgreedAt starts the payment clock
// (R6: 10 days, or PaymentPeriodDays when the contract sets its own).
// AmountFen is the total agreed; AdvancedFen what was already paid in
// advance (R7, catastrophe), to be deducted by payout.
//
// DecidedBy, DecisionApprovedBy (empty when the decision needed no second
// person) and RecordedBy name everyone who had a hand in the amount and
// the payee: payout lets none of them confirm the payee of a payment above
// the segregation-of-duties threshold. BlockingSignals lists the fraud
// signals on the case that block (issue 14) and that a senior other than
// the decider went past: payout then holds the payment for another
// senior's confirmation whatever its amount.
type AgreementReachedData struct {
	ClaimID            string    `json:"claim_id"`
	CaseID             string    `json:"case_id"`
	PolicyNumber       string    `json:"policy_number"`
	AmountFen          int64     `json:"amount_fen"`
	Currency           string    `json:"currency"`
	AdvancedFen        int64     `json:"advanced_fen,omitempty"`
	Payee              Payee     `json:"payee"`
	AgreedBy           string    `json:"agreed_by"`
	Channel            string    `json:"channel"`
	RecordedBy         string    `json:"recorded_by"`
	DecidedBy          string    `json:"decided_by,omitempty"`
	DecisionApprovedBy string    `json:"decision_approved_by,omitempty"`
	AgreedAt           time.Time `json:"agreed_at"`
	PaymentPeriodDays  int       `json:"payment_period_days,omitempty"`
	BlockingSignals    []string  `json:"blocking_signals,omitempty"`
}

package events

import "time"

// ReconciliationUnmatched is payout's alarm that a payment does not match
// an authorisation in adjudication (an agreement or an advance approval)
// or an execution at the bank, in amount or payee: the three-way
// reconciliation of issue 14. Finance investigates each one.
var ReconciliationUnmatched = Type{Name: "claims.payout.reconciliation-unmatched", Version: 1}

// ReconciliationUnmatchedData is one unmatched line of the three-way
// reconciliation of Date (Asia/Shanghai). ObligationID is empty for a bank
// execution payout does not know; BankKey is the bank's idempotency key.
// Issues say in words what did not match; no personal data is carried.
type ReconciliationUnmatchedData struct {
	Date         string    `json:"date"`
	ClaimID      string    `json:"claim_id,omitempty"`
	ObligationID string    `json:"obligation_id,omitempty"`
	BankKey      string    `json:"bank_key,omitempty"`
	PayoutType   string    `json:"payout_type,omitempty"`
	AmountFen    int64     `json:"amount_fen"`
	Currency     string    `json:"currency"`
	Issues       []string  `json:"issues"`
	DetectedAt   time.Time `json:"detected_at"`
}

package events

import (
	"strconv"
	"time"

	"claims.local/pkg/redact"
)

// The event types of payout beyond the walking skeleton: the reversal of a
// completed payment (on the payout topic, for finance) and the notices for
// the SMS or mail gateway (on the notifications topic).
var (
	// PayoutReversed announces that the bank returned a completed payment
	// (退汇); the payment is owed again and is paid by a replacement
	// obligation once the payee's details are corrected.
	PayoutReversed = Type{Name: "claims.payout.payout-reversed", Version: 1}
	// NotificationRequested asks the gateway to send a notice: the result
	// notice to the payee (R9) or the notice to a person an agent collected
	// more than RMB 1,000 for (R10).
	NotificationRequested = Type{Name: "claims.payout.notification-requested", Version: 1}
)

// The payout types of PayoutData.PayoutType. Final is the settlement of an
// agreement (R6), net of advances; Advance is a payment in advance (R7,
// R8); Offset settles an amount against another payout without moving
// money. Payout produces final and advance payments; offset is part of
// the contract for settling against other payouts.
const (
	PayoutTypeFinal   = "final"
	PayoutTypeAdvance = "advance"
	PayoutTypeOffset  = "offset"
)

// The statuses of PayoutData.Status, one per finance event type.
const (
	PayoutStatusScheduled = "scheduled"
	PayoutStatusCompleted = "completed"
	PayoutStatusFailed    = "failed"
	PayoutStatusReversed  = "reversed"
)

// MaskedPayee is a payee as it may be shown outside payout (R11): the name
// keeps its first character, the account number its last four digits.
type MaskedPayee struct {
	Name          string  `json:"name"`
	Role          string  `json:"role"`
	BankName      string  `json:"bank_name"`
	AccountNumber string  `json:"account_number"`
	OnBehalfOf    *Person `json:"on_behalf_of,omitempty"`
}

// The notice rules of NotificationData.Rule.
const (
	NoticeResult           = "R9"
	NoticeAgentCollection  = "R10"
	RecipientPayee         = "payee"
	RecipientRepresented   = "represented"
	NotificationChannelSMS = "sms"
)

// Recipient is who a notice is for: the payee, or the person an agent
// collected for (Relation to the insured). The name is masked: the gateway
// finds the contact details from the policy and the claim, so payout
// carries none.
type Recipient struct {
	Role     string `json:"role"`
	Name     string `json:"name"`
	Relation string `json:"relation,omitempty"`
}

// MaskName is a name as a Recipient carries it: the first character kept
// and the others masked (李四 becomes 李*, 欧阳娜娜 欧***); a name of one
// character is masked whole.
func MaskName(name string) string { return redact.Name(name) }

// NotificationData asks the SMS or mail gateway to send Text to Recipient.
// NotificationID is unique and stable: the gateway sends a notification
// once however often it is delivered. Method is how the money was paid
// (bank_transfer).
type NotificationData struct {
	NotificationID string    `json:"notification_id"`
	ClaimID        string    `json:"claim_id"`
	ObligationID   string    `json:"obligation_id"`
	PolicyNumber   string    `json:"policy_number"`
	Rule           string    `json:"rule"`
	Template       string    `json:"template"`
	Recipient      Recipient `json:"recipient"`
	Channel        string    `json:"channel"`
	Language       string    `json:"language"`
	Text           string    `json:"text"`
	AmountFen      int64     `json:"amount_fen"`
	Currency       string    `json:"currency"`
	Method         string    `json:"method"`
	ValueDate      string    `json:"value_date"`
	CreatedAt      time.Time `json:"created_at"`
}

// Yuan writes an amount of fen as yuan with two decimals ("1234.56"),
// exactly: the arithmetic stays in integers.
func Yuan(fen int64) string {
	sign := ""
	u := uint64(fen)
	if fen < 0 {
		sign, u = "-", uint64(-fen)
	}
	frac := strconv.FormatUint(u%100, 10)
	if len(frac) == 1 {
		frac = "0" + frac
	}
	return sign + strconv.FormatUint(u/100, 10) + "." + frac
}

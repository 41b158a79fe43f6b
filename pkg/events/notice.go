package events

import "time"

// SupplementaryNoticeRequested asks the SMS or mail gateway to send the
// claimant adjudication's supplementary notice of missing documents
// (Insurance Law art. 22), on the notifications topic beside payout's
// notices. The gateway answers with the delivery receipt
// (POST /v1/cases/{claimId}/document-request/delivery at adjudication),
// from which the R4 clock stops (Judicial Interpretation II art. 15).
var SupplementaryNoticeRequested = Type{Name: "claims.adjudication.supplementary-notice-requested", Version: 1}

// The rule and recipient of SupplementaryNoticeData.
const (
	NoticeSupplement  = "R4"
	RecipientClaimant = "claimant"
)

// SupplementaryNoticeData is the notice to send. NotificationID is unique
// and stable (the claim and the notice's number on the case): the gateway
// sends each once. Recipient names the claimant masked, as in
// NotificationData; Documents are the items asked for, Reason the new
// information that made a repeat necessary, Text the notice as sent.
type SupplementaryNoticeData struct {
	NotificationID string    `json:"notification_id"`
	ClaimID        string    `json:"claim_id"`
	CaseID         string    `json:"case_id"`
	PolicyNumber   string    `json:"policy_number"`
	Rule           string    `json:"rule"`
	Recipient      Recipient `json:"recipient"`
	Channel        string    `json:"channel"`
	Language       string    `json:"language"`
	Documents      []string  `json:"documents"`
	Reason         string    `json:"reason,omitempty"`
	Text           string    `json:"text"`
	SentAt         time.Time `json:"sent_at"`
}

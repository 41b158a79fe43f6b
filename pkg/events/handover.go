package events

import "time"

// ClaimRequestReceived is adjudication's receipt of a claim request: the
// case of the claim is open (red team, session 17). Adjudication signs it
// with its own key (package signing), in the transaction that records the
// request in its inbox, once per request event (a request handed over
// again gets a receipt of its own, naming the case already open). Intake
// holds every claim it hands over to it: a hand-over no signed receipt
// confirms within INTAKE_HANDOVER_CONFIRM_WITHIN raises the alarm
// HandOverUnconfirmed. The signature is what intake trusts: a row its own
// database role could write proves nothing. It carries no personal data.
var ClaimRequestReceived = Type{Name: "claims.adjudication.claim-request-received", Version: 1}

// ClaimRequestReceivedData is the payload of ClaimRequestReceived:
// RequestEventID is the claim request's event id, CaseID the case that
// holds the claim, ReceivedAt when adjudication recorded the request.
type ClaimRequestReceivedData struct {
	ClaimID        string    `json:"claim_id"`
	ReportID       string    `json:"report_id"`
	RequestEventID string    `json:"request_event_id"`
	CaseID         string    `json:"case_id"`
	ReceivedAt     time.Time `json:"received_at"`
}

// HandOverUnconfirmed is intake's alarm that a report it marked handed
// over to adjudication has no signed receipt (ClaimRequestReceived) of its
// claim within the bound (red team, session 17: the claim buried by an
// insider through intake's database role, or lost on its way, so that no
// case is open and the decision deadline, R4, never starts). Raised once
// per recorded hand-over. Intake then hands the claim over again (a new
// claim request, signed) when its file is complete, else takes back the
// step that met the one-time notice's deadline (R3) with the hand-over's
// evidence, so that its breach comes on time.
var HandOverUnconfirmed = Type{Name: "claims.intake.handover-unconfirmed", Version: 1}

// The actions of a HandOverUnconfirmed alarm.
const (
	// HandedOverAgain: a new claim request was put in the outbox.
	HandedOverAgain = "handed_over_again"
	// HandOverTakenBack: the claim file is not complete (or has no claim
	// request): the R3 step proven by the hand-over was taken back.
	HandOverTakenBack = "taken_back"
)

// HandOverUnconfirmedData is the payload of HandOverUnconfirmed: the
// hand-over as the database recorded it (the report's handed_over_at, the
// role and transaction that wrote it, when), the bound it was held to and
// what intake did.
type HandOverUnconfirmedData struct {
	ClaimID       string    `json:"claim_id"`
	ReportID      string    `json:"report_id"`
	HandedOverAt  time.Time `json:"handed_over_at"`
	RecordedAt    time.Time `json:"recorded_at"`
	Role          string    `json:"role"`
	TxID          int64     `json:"txid"`
	ConfirmWithin string    `json:"confirm_within"`
	Action        string    `json:"action"`
	DetectedAt    time.Time `json:"detected_at"`
}

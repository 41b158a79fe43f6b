package events

import "time"

// InstructionRefused is payout's alarm that a payment instruction on
// adjudication's topic (agreement-reached, advance-approved) was refused
// because it is not signed by one of adjudication's trusted keys (issue 15,
// package signing): it was parked as a dead letter and nothing was paid.
// Someone wrote the topic who should not have, or the keys are wrong.
var InstructionRefused = Type{Name: "claims.payout.instruction-refused", Version: 1}

// ClaimRequestRefused is adjudication's alarm that a claim request on
// intake's topic was refused because it is not signed by one of intake's
// trusted keys (the attack review of issue 19: adjudication decides and
// pays on who entered each document, what was read from it and the advance
// agreement, all of which the request carries): it was parked as a dead
// letter, no case was opened, nothing was decided or paid. Someone wrote
// the topic who should not have, or the keys are wrong. Its data is an
// InstructionRefusedData.
var ClaimRequestRefused = Type{Name: "claims.adjudication.claim-request-refused", Version: 1}

// InstructionRefusedData names the refused event, why it was refused
// (unsigned, unknown_key, bad_signature, wrong_source) and the key id it
// named: the data of both alarms, InstructionRefused and
// ClaimRequestRefused. No personal data is carried: the payee, the amount
// and the documents stay in the dead letter.
type InstructionRefusedData struct {
	EventID    string    `json:"event_id"`
	EventType  string    `json:"event_type"`
	ClaimID    string    `json:"claim_id"`
	Source     string    `json:"source"`
	KeyID      string    `json:"key_id,omitempty"`
	Reason     string    `json:"reason"`
	Detail     string    `json:"detail"`
	DetectedAt time.Time `json:"detected_at"`
}

package events

import "time"

// FraudSignalRaised tells that adjudication found a sign of fraud on a
// claim (issue 14): an account on claims of unrelated insureds, an
// employee's account, several claims by one insured in a short period, or a
// payee other than the one given earlier. Blocking signals hold the
// approval or the payment until a senior handler goes on.
var FraudSignalRaised = Type{Name: "claims.adjudication.fraud-signal-raised", Version: 1}

// FraudSignalRaisedData is the payload of FraudSignalRaised. Explanation
// is in plain words and names no account number.
type FraudSignalRaisedData struct {
	ClaimID     string    `json:"claim_id"`
	CaseID      string    `json:"case_id"`
	Signal      string    `json:"signal"`
	Explanation string    `json:"explanation"`
	Blocking    bool      `json:"blocking"`
	RaisedBy    string    `json:"raised_by"`
	RaisedAt    time.Time `json:"raised_at"`
}

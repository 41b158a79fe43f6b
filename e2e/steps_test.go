package e2e

import (
	"net/http"
	"testing"
)

// approve decides claimID approved for amountFen on one medical benefit line.
func (s *system) approve(t testing.TB, claimID string, amountFen int64) {
	t.Helper()
	body := map[string]any{"outcome": "approve", "lines": []map[string]any{{"benefit": "medical_expense",
		"claimed_fen": amountFen, "approved_fen": amountFen}}, "acknowledge_unknown": acknowledgement}
	if status := s.call(t, http.MethodPost, s.url("adjudication", "/v1/cases/"+claimID+"/decision"), body, nil); status != http.StatusOK {
		t.Fatalf("approve %s: got status %d, want 200", claimID, status)
	}
}

// agree records the claimant's agreement to the approved amount (达成协议),
// with the insured as payee (the one party entitled without policy data):
// the payment clock (R6) starts and payout pays.
func (s *system) agree(t testing.TB, claimID string) {
	t.Helper()
	var c struct {
		InsuredName string `json:"insured_name"`
	}
	if status := s.call(t, http.MethodGet, s.url("adjudication", "/v1/cases/"+claimID), nil, &c); status != http.StatusOK {
		t.Fatalf("case of %s: got status %d, want 200", claimID, status)
	}
	body := map[string]any{"agreed_by": c.InsuredName, "channel": "signed_form", "payee": map[string]any{
		"name": c.InsuredName, "role": "insured", "bank_name": "中国建设银行", "account_number": "6217000010001234567"}}
	if status := s.call(t, http.MethodPost, s.url("adjudication", "/v1/cases/"+claimID+"/agreement"), body, nil); status != http.StatusOK {
		t.Fatalf("agreement on %s: got status %d, want 200", claimID, status)
	}
}

// acknowledgement is what a decider says of the checks that could not run
// because the e2e policy is not in adjudication's data (an approval needs
// it: issue 14).
const acknowledgement = "保单信息已在保单系统人工核对"

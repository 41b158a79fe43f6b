package e2e

import (
	"net/http"
	"testing"
)

// approve decides claimID approved for amountFen on one medical benefit line.
func (s *system) approve(t testing.TB, claimID string, amountFen int64) {
	t.Helper()
	body := map[string]any{"outcome": "approve", "lines": []map[string]any{{"benefit": "medical_expense",
		"claimed_fen": amountFen, "approved_fen": amountFen}}}
	if status := s.call(t, http.MethodPost, s.url("adjudication", "/v1/cases/"+claimID+"/decision"), body, nil); status != http.StatusOK {
		t.Fatalf("approve %s: got status %d, want 200", claimID, status)
	}
}

// agree records the claimant's agreement to the approved amount (达成协议),
// with the insured as payee: the payment clock (R6) starts and payout pays.
func (s *system) agree(t testing.TB, claimID string) {
	t.Helper()
	body := map[string]any{"agreed_by": "王五", "channel": "signed_form", "payee": map[string]any{
		"name": "王五", "role": "insured", "bank_name": "中国建设银行", "account_number": "6217000010001234567"}}
	if status := s.call(t, http.MethodPost, s.url("adjudication", "/v1/cases/"+claimID+"/agreement"), body, nil); status != http.StatusOK {
		t.Fatalf("agreement on %s: got status %d, want 200", claimID, status)
	}
}

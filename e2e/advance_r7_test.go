package e2e

import (
	"net/http"
	"testing"
	"time"

	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus/kafkatest"
)

// ruleDeadline returns the deadline of rule of a claim at adjudication.
func (s *system) ruleDeadline(t testing.TB, claimID, rule string) deadlineJSON {
	t.Helper()
	for _, d := range s.deadlinesOf(t, "adjudication", claimID) {
		if d.Rule == rule {
			return d
		}
	}
	t.Fatalf("claim %s: got no %s deadline at adjudication, want one", claimID, rule)
	return deadlineJSON{}
}

// advanceDeadline returns the R7 advance-payment deadline of a claim at
// adjudication.
func (s *system) advanceDeadline(t testing.TB, claimID string) deadlineJSON {
	t.Helper()
	return s.ruleDeadline(t, claimID, "advance-payment")
}

// TestR7IsMetWhenTheAdvanceIsPaid: a handler approves an advance of the
// amount already determined (R7, Insurance Law art. 25) while payout is
// down. The approval alone leaves R7 owed; once payout runs and completes
// the advance, adjudication reads payout-completed and R7 is met, on time.
func TestR7IsMetWhenTheAdvanceIsPaid(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.start("intake")
	sys.start("adjudication")
	sys.waitReady("intake")
	sys.waitReady("adjudication")

	r, caseURL := sys.openedCase(t, "P-E2E-R7")
	advance := map[string]any{"amount_fen": 100_000, "reason": "门诊费用已确定，先行支付",
		"payee": map[string]any{"name": "赵六", "role": "insured", "bank_name": "中国工商银行", "account_number": "6222020200112233445"}}
	if status := sys.call(t, http.MethodPost, caseURL+"/advance", advance, nil); status != http.StatusOK {
		t.Fatalf("POST advance: got status %d, want 200", status)
	}
	if d := sys.advanceDeadline(t, r.ClaimID); d.State != "open" {
		t.Fatalf("approved, not paid: got R7 deadline %+v, want open", d)
	}

	sys.start("payout")
	sys.waitReady("payout")
	apitest.Eventually(t, 90*time.Second, "R7 met by the paid advance", func() bool {
		return sys.advanceDeadline(t, r.ClaimID).State == "met"
	})
	if d := sys.advanceDeadline(t, r.ClaimID); d.DelaySeconds != 0 {
		t.Fatalf("got R7 deadline %+v, want met without delay", d)
	}
}

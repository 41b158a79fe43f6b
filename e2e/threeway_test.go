package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"claims.local/pkg/auth"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus/kafkatest"
)

// Attack (issue 14): agreement-reached events forged on Kafka for invented
// claims, which adjudication never authorised: the small one is paid (below
// the segregation-of-duties threshold) and the three-way reconciliation
// against the real adjudication flags it unmatched and raises the alarm;
// the large one waits for a second person and is never sent to the bank.
// Since issue 15 payout pays only instructions signed with adjudication's
// key (TestAttackForgedPaymentInstructionsAreParkedNeverPaidAndAlarmed), so
// these are signed with it: the reconciliation still catches a forger who
// holds the key.
func TestAForgedAgreementIsFlaggedByTheThreeWayReconciliation(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.start("adjudication")
	sys.start("payout")
	sys.waitReady("adjudication")
	sys.waitReady("payout")
	small, large := uuid.NewString(), uuid.NewString()
	sys.agreed(t, small, 90_000, beneficiary("6222020200112233445"))
	sys.agreed(t, large, 4_000_000, beneficiary("6222020200112233445"))
	sys.payouts(t, func(es []events.Envelope) bool { return countOf(es, small, events.PayoutCompleted) == 1 })

	finance := sys.signedInAs(t, auth.Principal{Subject: "finance-e2e", Roles: []auth.Role{auth.Finance}})
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		Lines []struct {
			ClaimID string `json:"claim_id"`
			State   string `json:"state"`
			Status  string `json:"status"`
		} `json:"lines"`
	}
	if status := finance.call(t, http.MethodGet, sys.url("payout", "/v1/reconciliation/three-way?date="+time.Now().In(loc).Format(time.DateOnly)), nil, &report); status != http.StatusOK {
		t.Fatalf("three-way reconciliation: got %d (%+v), want 200", status, report)
	}
	got := map[string]string{}
	for _, l := range report.Lines {
		got[l.ClaimID] = l.Status + "/" + l.State
	}
	if got[small] != "unmatched/completed" || got[large] != "unmatched/awaiting_payee_confirmation" {
		t.Fatalf("got lines %+v, want both forged payments unmatched, the large one not sent", report.Lines)
	}
	sys.payouts(t, func(es []events.Envelope) bool {
		return countOf(es, small, events.ReconciliationUnmatched) == 1 && countOf(es, large, events.ReconciliationUnmatched) == 1
	})
	apitest.Eventually(t, 5*time.Second, "nothing paid on the large forged claim", func() bool {
		return countOfPayouts(sys, t, large) == 0
	})
}

// countOfPayouts is how many payments of claimID payout completed.
func countOfPayouts(sys *system, t *testing.T, claimID string) int {
	var list struct {
		Obligations []struct{} `json:"obligations"`
	}
	sys.call(t, http.MethodGet, sys.url("payout", "/v1/obligations?state=completed&claim_id="+claimID), nil, &list)
	return len(list.Obligations)
}

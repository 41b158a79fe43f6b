package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus/kafkatest"
)

// TestClaimFlowsFromReportToPayoutEvent drives one claim through the three
// services and reads the finance event back from Kafka.
func TestClaimFlowsFromReportToPayoutEvent(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.startAll()

	r, decision := sys.reportAndApprove(t, "P-E2E-0001")
	var conflict struct {
		Error struct{ Code, Message string }
	}
	if status := sys.call(t, http.MethodPost, sys.url("adjudication", "/v1/cases/"+r.ClaimID+"/decision"), decision, &conflict); status != http.StatusConflict || conflict.Error.Code != "conflict" {
		t.Fatalf("second decision: got %d %+v, want 409 conflict", status, conflict)
	}
	sys.agree(t, r.ClaimID)
	// Above RMB 5,000: a second senior confirms the payee (issue 14).
	sys.confirmPayees(t, r.ClaimID, 1)

	got := readTopic(t, sys.brokers, sys.topics.Payout(), 60*time.Second, func(es []events.Envelope) bool {
		return countOf(es, r.ClaimID, events.PayoutCompleted) >= 1
	})
	var types []string
	var completed events.PayoutData
	for _, e := range got {
		if e.ClaimID != r.ClaimID {
			continue
		}
		types = append(types, e.Type)
		if e.Type == events.PayoutCompleted.Name {
			if err := json.Unmarshal(e.Data, &completed); err != nil {
				t.Fatalf("decode payout-completed: %v", err)
			}
		}
	}
	if want := []string{events.PayoutScheduled.Name, events.PayoutCompleted.Name}; !equal(types, want) {
		t.Fatalf("got payout events %v, want %v", types, want)
	}
	if completed.AmountFen != 987654 || completed.Currency != "CNY" || completed.Status != "completed" || completed.BankReference == "" {
		t.Fatalf("got completed payout %+v, want 987654 fen CNY completed with a bank reference", completed)
	}
	if completed.ValueDate == "" || completed.ObligationID == "" {
		t.Fatalf("got value date %q obligation %q, want both set", completed.ValueDate, completed.ObligationID)
	}

	// What a finance team runs first: claimsctl events tail on the payout topic.
	out, err := sys.tail(t, "events", "tail", "--brokers", sys.brokers.Brokers[0],
		"--topic", sys.topics.Payout(), "--from-beginning", "--max", "2", "--idle-exit", "30s").Output()
	if err != nil {
		t.Fatalf("claimsctl events tail: %v", err)
	}
	var tailed []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var l struct{ Type, Key string }
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("claimsctl events tail printed %q: %v", line, err)
		}
		if l.Key != r.ClaimID {
			t.Fatalf("got key %s, want claim %s", l.Key, r.ClaimID)
		}
		tailed = append(tailed, l.Type)
	}
	if want := []string{events.PayoutScheduled.Name, events.PayoutCompleted.Name}; !equal(tailed, want) {
		t.Fatalf("claimsctl events tail: got %v, want %v", tailed, want)
	}
}

// reportAndApprove reports a claim on policy, waits for its case and
// approves RMB 9,876.54 of medical expenses; it returns the report and the
// decision sent.
func (s *system) reportAndApprove(t testing.TB, policy string) (report, map[string]any) {
	t.Helper()
	r := s.reportAndRequest(t, policy)
	apitest.Eventually(t, 60*time.Second, "case opened", func() bool {
		return s.call(t, http.MethodGet, s.url("adjudication", "/v1/cases/"+r.ClaimID), nil, nil) == http.StatusOK
	})
	decision := map[string]any{"outcome": "approve", "lines": []map[string]any{{"benefit": "medical_expense", "claimed_fen": 987654, "approved_fen": 987654}},
		"acknowledge_unknown": acknowledgement}
	if status := s.call(t, http.MethodPost, s.url("adjudication", "/v1/cases/"+r.ClaimID+"/decision"), decision, nil); status != http.StatusOK {
		t.Fatalf("decide: got status %d, want 200", status)
	}
	return r, decision
}

// TestRejectionOwesNothing shows a rejected claim creates no payment.
func TestRejectionOwesNothing(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.startAll()

	rejected := sys.reportAndRequest(t, "P-E2E-0002")
	approved := sys.reportAndRequest(t, "P-E2E-0003")
	for _, r := range []report{rejected, approved} {
		apitest.Eventually(t, 60*time.Second, "case opened", func() bool {
			return sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/cases/"+r.ClaimID), nil, nil) == http.StatusOK
		})
	}
	var bad struct{ Error struct{ Code, Field string } }
	if status := sys.call(t, http.MethodPost, sys.url("adjudication", "/v1/cases/"+rejected.ClaimID+"/decision"),
		map[string]any{"outcome": "reject"}, &bad); status != http.StatusBadRequest || bad.Error.Field != "reasons" {
		t.Fatalf("reject without reason: got %d %+v, want 400 on field reason", status, bad)
	}
	sys.call(t, http.MethodPost, sys.url("adjudication", "/v1/cases/"+rejected.ClaimID+"/decision"),
		map[string]any{"outcome": "reject", "reasons": []map[string]string{{"code": "WAITING_PERIOD", "text": "Incident within the 90-day waiting period", "clause": "《示例医疗保险条款》第四条第二款"}}}, nil)
	sys.approve(t, approved.ClaimID, 100)
	sys.agree(t, approved.ClaimID)

	// Payout consumes both decisions and the agreement; wait until it has,
	// then look.
	// The topic also carries the claim requests' receipts
	// (claim-request-received, red team 17): count the decisions and the
	// agreement.
	decidedAndAgreed := func(es []events.Envelope) (decided, agreed int) {
		return countOf(es, rejected.ClaimID, events.ClaimDecided) + countOf(es, approved.ClaimID, events.ClaimDecided),
			countOf(es, rejected.ClaimID, events.AgreementReached) + countOf(es, approved.ClaimID, events.AgreementReached)
	}
	decisions := readTopic(t, sys.brokers, sys.topics.Adjudication(), 60*time.Second, func(es []events.Envelope) bool {
		decided, agreed := decidedAndAgreed(es)
		return decided >= 2 && agreed >= 1
	})
	if decided, agreed := decidedAndAgreed(decisions); decided != 2 || agreed != 1 {
		t.Fatalf("got %d decisions and %d agreements on adjudication's topic, want 2 and 1", decided, agreed)
	}
	apitest.Eventually(t, 60*time.Second, "approved claim paid", func() bool {
		var list struct{ Obligations []struct{ State string } }
		sys.call(t, http.MethodGet, sys.url("payout", "/v1/obligations?claim_id="+approved.ClaimID), nil, &list)
		return len(list.Obligations) == 1 && list.Obligations[0].State == "completed"
	})
	var list struct{ Obligations []any }
	sys.call(t, http.MethodGet, sys.url("payout", "/v1/obligations?claim_id="+rejected.ClaimID), nil, &list)
	if len(list.Obligations) != 0 {
		t.Fatalf("got %d obligations for a rejected claim, want 0", len(list.Obligations))
	}
}

func countOf(es []events.Envelope, claimID string, t events.Type) int {
	n := 0
	for _, e := range es {
		if e.ClaimID == claimID && e.Type == t.Name {
			n++
		}
	}
	return n
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

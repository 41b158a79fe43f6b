package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"claims.local/pkg/calendar"
	"claims.local/pkg/kafkabus/kafkatest"
)

// decisionDeadline returns the R4 decision deadline (5 working days) of a
// claim at adjudication.
func (s *system) decisionDeadline(t testing.TB, claimID string) deadlineJSON {
	t.Helper()
	return s.ruleDeadline(t, claimID, "decision")
}

// openedCase makes a claim request received an hour ago, waits for its
// case at adjudication and returns the report and the case's URL.
func (s *system) openedCase(t testing.TB, policy string) (report, string) {
	t.Helper()
	r := s.reportReceivedAt(t, policy, time.Now().Add(-time.Hour).Truncate(time.Second))
	s.caseOpened(t, r.ClaimID)
	return r, s.url("adjudication", "/v1/cases/"+r.ClaimID)
}

// TestABreachedDecisionStaysMissedWhateverEndsIt: three claims received on
// paper three weeks before they were entered are past their 5-working-day
// decision (R4). One is then marked complex, one withdrawn, one paused by a
// document request: none of these erases the breach. Each decision deadline
// ends missed and the compliance report counts all three.
func TestABreachedDecisionStaysMissedWhateverEndsIt(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.startAll()

	received := time.Now().Add(-21 * 24 * time.Hour).Truncate(time.Second)
	type call struct {
		path string
		body map[string]any
	}
	steps := []struct {
		name  string
		calls []call
	}{
		{"marked complex", []call{{"/complex", map[string]any{"reason": "需调查既往病史"}}}},
		{"withdrawn", []call{{"/close", map[string]any{"reason": "申请人撤回索赔"}}}},
		// The notice pauses the clock once it reached the claimant.
		{"paused", []call{{"/document-request", map[string]any{"documents": []string{"出院小结"}}},
			{"/document-request/delivery", map[string]any{"receipt": "挂号信回执 XA987654321CN"}}}},
	}
	for i, step := range steps {
		r := sys.reportReceivedAt(t, fmt.Sprintf("P-E2E-BREACH-%d", i), received)
		sys.caseOpened(t, r.ClaimID)
		for _, c := range step.calls {
			if status := sys.call(t, http.MethodPost, sys.url("adjudication", "/v1/cases/"+r.ClaimID+c.path), c.body, nil); status != http.StatusOK {
				t.Fatalf("%s: POST %s: got status %d, want 200", step.name, c.path, status)
			}
		}
		if d := sys.decisionDeadline(t, r.ClaimID); d.State != "missed" || d.DelaySeconds <= 0 {
			t.Fatalf("%s: got decision deadline %+v, want missed with a delay", step.name, d)
		}
	}

	var report struct {
		Rules []struct {
			Rule   string `json:"rule"`
			Missed int    `json:"missed"`
		} `json:"rules"`
	}
	path := fmt.Sprintf("/v1/compliance-report?from=%s&to=%s", calendar.DateOf(received), calendar.DateOf(time.Now()))
	if status := sys.call(t, http.MethodGet, sys.url("adjudication", path), nil, &report); status != http.StatusOK {
		t.Fatalf("compliance report: got status %d, want 200", status)
	}
	missed := -1
	for _, l := range report.Rules {
		if l.Rule == "decision" {
			missed = l.Missed
		}
	}
	if missed != 3 {
		t.Fatalf("got %d decisions missed in the compliance report, want 3", missed)
	}
}

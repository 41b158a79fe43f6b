package e2e

import (
	"net/http"
	"testing"
	"time"

	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus/kafkatest"
)

// TestAWithdrawnClaimsIncidentReportedAgainIsANewReport (issue 20): a
// report is linked only to an open report. A claim withdrawn in
// adjudication (its case closed before a decision) closes its report
// through claim-withdrawn, so the same incident reported again is stored as
// a new report with its own claim, not answered 409 possible_duplicate.
func TestAWithdrawnClaimsIncidentReportedAgainIsANewReport(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.startAll()

	const policy, insured = "P-E2E-WITHDRAWN", "王五"
	incident := time.Date(2026, 10, 3, 2, 0, 0, 0, time.UTC)
	first := sys.newReport(t, policy, insured, incident)
	sys.satisfyChecklist(t, first.ID)
	if status := sys.call(t, http.MethodPost, sys.url("intake", "/v1/reports/"+first.ID+"/claim-request"), nil, nil); status != http.StatusCreated {
		t.Fatalf("POST claim-request: got status %d, want 201", status)
	}
	sys.caseOpened(t, first.ClaimID)

	body := map[string]any{
		"policy_number": policy, "insured_name": insured, "incident_type": "medical",
		"incident_time": incident.Format(time.RFC3339),
		"reporter":      map[string]string{"name": insured, "role": "insured"},
		"description":   "撤案后再次报案",
	}
	var dup struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if status := sys.call(t, http.MethodPost, sys.url("intake", "/v1/reports"), body, &dup); status != http.StatusConflict || dup.Error.Code != "possible_duplicate" {
		t.Fatalf("the same incident while the claim is open: got status %d code %q, want 409 possible_duplicate", status, dup.Error.Code)
	}

	if status := sys.call(t, http.MethodPost, sys.url("adjudication", "/v1/cases/"+first.ClaimID+"/close"),
		map[string]any{"reason": "申请人撤回索赔申请"}, nil); status != http.StatusOK {
		t.Fatalf("POST close: got status %d, want 200", status)
	}

	var again intakeReport
	apitest.Eventually(t, 60*time.Second, "the same incident stored as a new report after the withdrawal", func() bool {
		var r intakeReport
		switch status := sys.call(t, http.MethodPost, sys.url("intake", "/v1/reports"), body, &r); status {
		case http.StatusCreated:
			again = r
			return true
		case http.StatusConflict:
			return false
		default:
			t.Fatalf("POST /v1/reports after the withdrawal: got status %d, want 201 (or 409 until intake learns it)", status)
			return false
		}
	})
	if again.ID == first.ID || again.Linked || again.ClaimID == "" || again.ClaimID == first.ClaimID {
		t.Fatalf("got report %s (claim %s, linked %v), want a new report with its own claim, not %s", again.ID, again.ClaimID, again.Linked, first.ID)
	}
}

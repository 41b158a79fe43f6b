package service_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAttackANulByteInAJSONFieldIsABadRequest: the claimant's channel or a
// handler sends names and reasons holding a NUL byte (written \u0000 in
// JSON, which decodes to it). PostgreSQL's text refuses NUL, so a field
// reaching the database would answer 500; each is a 400 naming the field
// (held: the domain refuses control characters).
func TestAttackANulByteInAJSONFieldIsABadRequest(t *testing.T) {
	t.Parallel()
	r := start(t)
	doc := r.Spec(t)
	for _, tt := range []struct {
		name, field string
		change      func(m map[string]any)
	}{
		{"insured name", "insured_name", func(m map[string]any) { m["insured_name"] = "张\u0000三" }},
		{"reporter name", "reporter.name", func(m map[string]any) { m["reporter"] = map[string]any{"name": "李\u0000四", "role": "beneficiary"} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(newReportJSON("P-2026-000123")), &m))
			tt.change(m)
			b, err := json.Marshal(m)
			require.NoError(t, err)
			a := r.Do(t, http.MethodPost, "/v1/reports", string(b))
			doc.WantError(t, "POST /v1/reports", a, http.StatusBadRequest, "invalid_argument", tt.field)
		})
	}
	rep, _ := r.createReport(t, "P-2026-000124")
	base := "/v1/reports/" + rep.ID
	for _, tt := range []struct {
		name, op, path, body, field string
	}{
		{"a satisfied item's reason", "POST /v1/reports/{id}/checklist/items/{item}/satisfy", base + "/checklist/items/medical_invoices/satisfy",
			`{"reason":"原件\u0000已核验"}`, "reason"},
		{"a notice's channel", "POST /v1/reports/{id}/missing-documents-notices", base + "/missing-documents-notices",
			`{"channel":"letter\u0000"}`, "channel"},
		{"a notice's reason", "POST /v1/reports/{id}/missing-documents-notices", base + "/missing-documents-notices",
			`{"channel":"letter","reason":"新\u0000情况"}`, "reason"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := r.Do(t, http.MethodPost, tt.path, tt.body)
			if a.Status == http.StatusInternalServerError {
				t.Fatalf("%s: got 500 (%s), want a 4xx", tt.name, a.Body)
			}
			doc.WantError(t, tt.op, a, http.StatusBadRequest, "invalid_argument", tt.field)
		})
	}
}

// TestAttackAnswersHoldingPersonalDataAreNotKeptByTheBrowser: a handler
// reads a claim on a shared counter PC; the browser keeps in its disk cache
// every answer that does not forbid it, so the next person at the PC (or
// anyone reading the profile) finds the insured's name, the reporter's, the
// documents' masked text and the printable pages. Every answer must say
// Cache-Control: no-store, and nosniff so that no answer is ever read as
// another type than it says.
func TestAttackAnswersHoldingPersonalDataAreNotKeptByTheBrowser(t *testing.T) {
	t.Parallel()
	r := start(t)
	rep, _ := r.createReport(t, "P-2026-000125")
	base := "/v1/reports/" + rep.ID
	for _, path := range []string{base, base + "/documents", base + "/checklist.html", "/v1/claims/" + rep.ClaimID + "/report",
		"/v1/reports/no-such-report", "/v1/personal-data-reveals?claim_id=" + rep.ClaimID} {
		a := r.Do(t, http.MethodGet, path, "")
		if a.Status >= 500 {
			t.Fatalf("GET %s: got %d (%s), want an answer", path, a.Status, a.Body)
		}
		if got := a.Header.Values("Cache-Control"); len(got) != 1 || !strings.Contains(got[0], "no-store") {
			t.Errorf("GET %s (%d): got Cache-Control %q, want one no-store", path, a.Status, got)
		}
		if got := a.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s (%d): got X-Content-Type-Options %q, want nosniff", path, a.Status, got)
		}
	}
}

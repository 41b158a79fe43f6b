package service_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"claims.local/pkg/auth"
	"claims.local/pkg/postgres/pgtest"
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

// TestAttackMarkupInAPrintablePageIsEscaped: the console opens the
// printable checklist and notice as a blob: page in a new tab, which runs
// with the console's origin (the session's tokens are in reach of a script
// there). The insured's name comes from the claimant's channel and the
// handler's name from the token; both carry markup. Held: html/template
// escapes them, no tag of theirs reaches the page.
func TestAttackMarkupInAPrintablePageIsEscaped(t *testing.T) {
	t.Parallel()
	r := start(t)
	const tag = `<img src=x onerror=alert(1)>`
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(newReportJSON("P-2026-000126")), &m))
	m["insured_name"] = "张三" + tag
	b, err := json.Marshal(m)
	require.NoError(t, err)
	a := r.Do(t, http.MethodPost, "/v1/reports", string(b))
	if a.Status != http.StatusCreated {
		t.Fatalf("an insured named with markup: got %d (%s), want 201 (the page's escaping is what is tried)", a.Status, a.Body)
	}
	var rep report
	require.NoError(t, json.Unmarshal(a.Body, &rep))
	base := "/v1/reports/" + rep.ID
	if a := r.Do(t, http.MethodPost, base+"/claim-request", ""); a.Status >= 300 {
		t.Fatalf("claim request: got %d (%s), want it made", a.Status, a.Body)
	}
	handler := r.As(t, r.keys, auth.Principal{Subject: "h1" + tag, Roles: []auth.Role{auth.Handler}})
	sent := handler.Do(t, http.MethodPost, base+"/missing-documents-notices", `{"channel":"letter"}`)
	if sent.Status != http.StatusCreated {
		t.Fatalf("send the notice: got %d (%s), want 201", sent.Status, sent.Body)
	}
	for _, path := range []string{base + "/checklist.html", base + "/missing-documents-notices/1/letter.html"} {
		page := r.Do(t, http.MethodGet, path, "")
		if page.Status != http.StatusOK {
			t.Fatalf("GET %s: got %d (%s), want 200", path, page.Status, page.Body)
		}
		if strings.Contains(string(page.Body), "<img") || strings.Contains(string(page.Body), "<script") {
			t.Errorf("GET %s: got a tag of the attacker's in the page:\n%s", path, page.Body)
		}
	}
	for _, path := range []string{base + "/checklist.html", base + "/missing-documents-notices/1/letter.html"} {
		if page := r.Do(t, http.MethodGet, path, ""); !strings.Contains(string(page.Body), "&lt;img src=x") {
			t.Errorf("GET %s: got no name escaped, want &lt;img src=x in it:\n%s", path, page.Body)
		}
	}
}

// TestAttackADocumentIsReachedOnlyThroughItsOwnReport: a user who may read
// report A (or the claimant's channel, which files A) names a document of
// report B under A's address, guessing or copying its id. Every route of a
// document answers 404 there, and nothing is revealed or corrected.
func TestAttackADocumentIsReachedOnlyThroughItsOwnReport(t *testing.T) {
	t.Parallel()
	r := start(t)
	a, _ := r.createReport(t, "P-2026-000127")
	b, _ := r.createReport(t, "P-2026-000128")
	up := r.upload(t, b.ID, "invoice.png", grayPNG(t, 7))
	want(t, "upload to B", up, http.StatusCreated)
	doc := decode[documentJSON](t, up)
	under := "/v1/reports/" + a.ID + "/documents/" + doc.ID
	for _, tt := range []struct{ method, path, body string }{
		{http.MethodGet, under, ""},
		{http.MethodGet, under + "/content", ""},
		{http.MethodGet, under + "/content?reason=" + "the+insured+asked", ""},
		{http.MethodGet, under + "/pages/1", ""},
		{http.MethodPost, under + "/reveal", `{"reason":"the insured disputes the number"}`},
		{http.MethodPost, under + "/corrections", `{"type":"id_card","fields":{"names":["王五"]}}`},
	} {
		got := r.Do(t, tt.method, tt.path, tt.body)
		if got.Status != http.StatusNotFound {
			t.Errorf("%s %s: got %d (%.200s), want 404", tt.method, tt.path, got.Status, got.Body)
		}
	}
	db := pgtest.Open(t, r.dsn, 2)
	if n := pgtest.Count(t, db, "SELECT count(*) FROM personal_data_reveals"); n != 0 {
		t.Errorf("got %d reveals recorded, want 0", n)
	}
}

// TestAttackAPrintablePageRunsNoScript: should a name ever slip through
// the escaping (a template changed carelessly), the printable page, opened
// by the console as a blob: page with the console's origin, would run the
// attacker's script beside the session's tokens. The page forbids every
// script itself, in its own markup (a blob: page has no headers) and in its
// answer's header.
func TestAttackAPrintablePageRunsNoScript(t *testing.T) {
	t.Parallel()
	r := start(t)
	rep, _ := r.createReport(t, "P-2026-000129")
	base := "/v1/reports/" + rep.ID
	if a := r.Do(t, http.MethodPost, base+"/claim-request", ""); a.Status >= 300 {
		t.Fatalf("claim request: got %d (%s), want it made", a.Status, a.Body)
	}
	if a := r.Do(t, http.MethodPost, base+"/missing-documents-notices", `{"channel":"letter"}`); a.Status != http.StatusCreated {
		t.Fatalf("send the notice: got %d (%s), want 201", a.Status, a.Body)
	}
	const policy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
	for _, path := range []string{base + "/checklist.html", base + "/missing-documents-notices/1/letter.html"} {
		page := r.Do(t, http.MethodGet, path, "")
		if got := page.Header.Get("Content-Security-Policy"); got != policy {
			t.Errorf("GET %s: got Content-Security-Policy %q, want %q", path, got, policy)
		}
		if meta := `<meta http-equiv="Content-Security-Policy" content="` + policy + `">`; !strings.Contains(string(page.Body), meta) {
			t.Errorf("GET %s: got a page without %s in its head", path, meta)
		}
	}
}

// TestAttackAReportTakesABoundedNumberOfDocuments: the claimant's channel
// (or a handler) uploads file after distinct file to one report. Each
// upload loads every document of the report, each waits for OCR ahead of
// other claimants' documents (R3 and R4 run meanwhile), and the report's
// answers list them all; nothing bounded how many a report took. A report
// takes domain.MaxDocuments; the next distinct file is a 409 and is not
// stored, the documents taken before are all there.
func TestAttackAReportTakesABoundedNumberOfDocuments(t *testing.T) {
	t.Parallel()
	r := start(t)
	doc := r.Spec(t)
	rep, _ := r.createReport(t, "P-2026-000130")
	const most = 200 // domain.MaxDocuments, written out: the test states the bound
	for i := range most {
		if a := r.upload(t, rep.ID, "page.png", grayPNG(t, i)); a.Status != http.StatusCreated {
			t.Fatalf("upload %d: got %d (%s), want 201", i+1, a.Status, a.Body)
		}
	}
	files := storedFiles(t, r.storage)
	a := r.upload(t, rep.ID, "one more.png", grayPNG(t, most))
	doc.WantError(t, "POST /v1/reports/{id}/documents", a, http.StatusConflict, "conflict", "")
	if got := storedFiles(t, r.storage); len(got) != len(files) {
		t.Errorf("got %d stored files after the refusal, want %d", len(got), len(files))
	}
	list := decode[struct {
		Documents []documentJSON `json:"documents"`
	}](t, r.Do(t, http.MethodGet, "/v1/reports/"+rep.ID+"/documents", ""))
	if len(list.Documents) != most {
		t.Errorf("got %d documents on the report, want %d", len(list.Documents), most)
	}
}

package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"claims.local/pkg/kafkabus/kafkatest"
)

// TestConsoleShowsHowAScannedClaimsFieldsWereCorroborated is issue 19's
// straight-through panel in the browser: a clean scanned claim is
// assessed, some of its fields read below the confidence the rules
// require; the claim's page lists each such field the API lists with the
// same check that confirmed it (or none: a handler decides), its
// confidence as a percentage, and, asked, shows a corroborated field (the
// total when it was read below the threshold) on its page with the box it
// was read from.
func TestConsoleShowsHowAScannedClaimsFieldsWereCorroborated(t *testing.T) {
	type corroboration struct {
		Field      string  `json:"field"`
		Confidence float64 `json:"confidence"`
		By         string  `json:"by"`
	}
	t.Parallel()
	sys, fonts := newDocsSystem(t)
	base, otp := sys.startConsole(t)
	p := newPage(t, base)
	p.otp = otp

	incident := time.Now().Add(-48 * time.Hour)
	clean := stpClaimSet(40, "孙扫描丁", stpDay(incident), defectNone)
	claimID := sys.requestScanned(t, "P-STP-C40", "孙扫描丁", clean.CardNumber, incident, stpFiles(t, fonts, clean, 41, true, false))
	sys.awaitAssessment(t, claimID, "the clean scanned claim")
	var a struct {
		Reasons []struct {
			Code   string            `json:"code"`
			Params map[string]string `json:"params"`
		} `json:"reasons"`
		Corroborations []corroboration `json:"corroborations"`
	}
	if status := sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/cases/"+claimID+"/assessment"), nil, &a); status != http.StatusOK {
		t.Fatalf("GET the assessment: got status %d, want 200", status)
	}
	// What the panel must list: field~check for each corroboration, and
	// field~ for each field left to a handler.
	var want []string
	for _, c := range a.Corroborations {
		want = append(want, c.Field+"~"+c.By)
	}
	for _, r := range a.Reasons {
		if r.Code == "low_confidence" && r.Params["field"] != "" {
			want = append(want, r.Params["field"]+"~")
		}
	}
	slices.Sort(want)
	// The total when it was read below the threshold and corroborated;
	// read sure (a field is as sure as its own characters when they are
	// surer than its line), another corroborated field of the claim.
	if len(a.Corroborations) == 0 {
		t.Fatalf("got the assessment's low-confidence fields %v, want a field corroborated", want)
	}
	i := max(0, slices.IndexFunc(a.Corroborations, func(c corroboration) bool { return c.Field == "total_amount_fen" }))
	first := a.Corroborations[i]

	p.signIn("handler-1", "queue-page")
	p.open("/claims/" + claimID)
	row := `[data-testid="auto-low-field"]`
	p.waitCSS("the fields read with low confidence", row+`[data-field="`+first.Field+`"][data-by="`+first.By+`"]`, 30*time.Second)
	fields, bys := p.dataOf(row, "data-field"), p.dataOf(row, "data-by")
	var got []string
	for i := range fields {
		got = append(got, fields[i]+"~"+bys[i])
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("the panel's fields: got %v, want the assessment's %v", got, want)
	}
	field := row + `[data-field="` + first.Field + `"]`
	pct := fmt.Sprintf("%d%%", int(first.Confidence*100+1e-9))
	// The document is named once the claim's report has loaded beside the case.
	p.until(fmt.Sprintf("the %s row with its confidence %s and its document (got %q)", first.Field, pct, p.textOf(field)), 15*time.Second, func() bool {
		text := p.textOf(field)
		return strings.Contains(text, pct) && (first.Field != "total_amount_fen" || strings.Contains(text, "合计金额") && strings.Contains(text, "医疗收费票据"))
	})
	p.shot("auto-low-fields")

	p.click("show the field on its page", field+` [data-testid="auto-show-field"]`)
	p.waitCSS("the field's box drawn on its page", `[data-testid="field-highlight"][data-field="`+first.Field+`"]`, 30*time.Second)
	p.shot("auto-low-field-on-page")
	p.wantNoScriptErrors()
}

// TestConsoleReviewsASampledAutomaticDecision is issue 19's oversight in
// the browser: with every automatic decision sampled, a clean claim decided
// by the system waits in the review queue; a senior cannot call it wrong
// without saying why, confirms it with a note, and it leaves the pending
// queue for the list of all reviews, with its outcome and reviewer as the
// API records them.
func TestConsoleReviewsASampledAutomaticDecision(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.env = []string{"ADJUDICATION_AUTO_SAMPLE_BP=10000"}
	sys.startAll()
	sys.importSTP(t)
	base, otp := sys.startConsole(t)
	p := newPage(t, base)
	p.otp = otp

	clean := sys.inAdvance(t, stpRequest("P-STP-R0", "孙复核", "E2E-R001", stpAccount(0), defectNone), "孙复核", stpAccount(0))
	sys.stpPolicy(t, "P-STP-R0", "孙复核")
	sys.publishRequests(t, clean)
	if a := sys.awaitAssessment(t, clean.ClaimID, "the clean claim"); !a.Automatic {
		t.Fatalf("got reasons %+v, want the clean claim decided automatically", a.Reasons)
	}

	p.signIn("senior-1", "queue-page")
	p.open("/auto")
	review := fmt.Sprintf(`[data-testid="auto-review"][data-claim=%q]`, clean.ClaimID)
	p.waitCSS("the sampled decision awaiting review", review+`[data-outcome=""]`, 30*time.Second)
	if text := p.textOf(review); !strings.Contains(text, "自动核定抽样") || !strings.Contains(text, "¥160.00") || !strings.Contains(text, "system:auto-adjudication/MED-STP/v1") {
		t.Fatalf("the review's row: got %q, want the sample's reason, ¥160.00 and the system as the decider", text)
	}
	if !eval[bool](p, fmt.Sprintf(`document.querySelector(%q).disabled`, review+` [data-testid="auto-review-wrong"]`)) {
		t.Fatalf("'wrong' with no note: got enabled, want disabled (the server requires a note)")
	}
	p.fillCSS(review+` [data-testid="auto-review-note"]`, "金额与发票一致")
	p.click("confirm the decision", review+` [data-testid="auto-review-confirm"]`)
	p.until("the review gone from the pending queue", 15*time.Second, func() bool { return !p.exists(review) })
	p.click("list all reviews", `[data-testid="auto-reviews-all"]`)
	p.waitCSS("the review confirmed", review+`[data-outcome="confirmed"]`, 15*time.Second)
	if text := p.textOf(review); !strings.Contains(text, "senior-1") || !strings.Contains(text, "金额与发票一致") {
		t.Fatalf("the reviewed row: got %q, want the reviewer and the note", text)
	}
	p.shot("auto-reviews-all")

	type autoReview struct {
		ClaimID    string `json:"claim_id"`
		Reason     string `json:"reason"`
		Outcome    string `json:"outcome"`
		Note       string `json:"note"`
		ReviewedBy string `json:"reviewed_by"`
	}
	var got struct {
		Reviews []autoReview `json:"reviews"`
	}
	sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/auto/reviews?state=all"), nil, &got)
	i := slices.IndexFunc(got.Reviews, func(r autoReview) bool { return r.ClaimID == clean.ClaimID })
	if i < 0 || got.Reviews[i].Reason != "sampled" || got.Reviews[i].Outcome != "confirmed" || got.Reviews[i].Note != "金额与发票一致" || got.Reviews[i].ReviewedBy != "senior-1" {
		t.Fatalf("got reviews %+v, want %s sampled, confirmed by senior-1 with the note", got.Reviews, clean.ClaimID)
	}
	p.wantNoScriptErrors()
}

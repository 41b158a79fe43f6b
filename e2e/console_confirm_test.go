package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"claims.local/pkg/httpapi/apitest"
)

// intakeNotices is what intake holds of a report's checklist and notices.
type intakeNotices struct {
	Checklist struct {
		Items []struct {
			ID    string `json:"id"`
			State string `json:"state"`
		} `json:"items"`
	} `json:"checklist"`
	Notices []struct {
		Items []struct {
			ItemID string `json:"item_id"`
		} `json:"items"`
		DeliveredAt *time.Time `json:"delivered_at"`
		Receipt     string     `json:"receipt"`
	} `json:"missing_documents_notices"`
}

// getJSON GETs path of service, wants 200 and decodes the answer.
func getJSON[T any](t *testing.T, s *system, service, path string) T {
	t.Helper()
	var out T
	if status := s.call(t, http.MethodGet, s.url(service, path), nil, &out); status != http.StatusOK {
		t.Fatalf("GET %s %s: got status %d, want 200", service, path, status)
	}
	return out
}

func (s *system) notices(t *testing.T, reportID string) intakeNotices {
	t.Helper()
	return getJSON[intakeNotices](t, s, "intake", "/v1/reports/"+reportID)
}

// claimInRegion files a report of a medical incident an hour ago at place,
// marks its checklist satisfied and makes the claim request.
func (s *system) claimInRegion(t *testing.T, policy, place string) intakeReport {
	t.Helper()
	var r intakeReport
	if status := s.call(t, http.MethodPost, s.url("intake", "/v1/reports"), map[string]any{
		"policy_number": policy, "insured_name": "赵敏", "incident_type": "medical", "incident_place": place,
		"incident_time": time.Now().Add(-time.Hour).Format(time.RFC3339), "reporter": map[string]string{"name": "赵敏", "role": "insured"},
	}, &r); status != http.StatusCreated {
		t.Fatalf("report at %s: got status %d, want 201", place, status)
	}
	s.satisfyChecklist(t, r.ID)
	if status := s.call(t, http.MethodPost, s.url("intake", "/v1/reports/"+r.ID+"/claim-request"), nil, nil); status != http.StatusCreated {
		t.Fatalf("claim request at %s: got status %d, want 201", place, status)
	}
	return r
}

// declareCatastrophe declares a catastrophe on the catastrophe page, off,
// and answers the selector of its card.
func (p *page) declareCatastrophe(code, name, regions, from, to string) string {
	p.t.Helper()
	p.do("open the declaration", chromedp.Click(byTestID("cat-new")), chromedp.WaitVisible(byTestID("cat-declare-form")))
	p.fill("cat-code", code)
	p.fill("cat-name", name)
	p.fill("cat-regions", regions)
	p.fill("cat-start", from)
	p.fill("cat-end", to)
	p.do("declare", chromedp.Click(byTestID("cat-declare-submit")))
	cat := fmt.Sprintf(`[data-testid="cat-row"][data-code=%q]`, code)
	p.waitCSS("the catastrophe declared, off", cat+`[data-active="false"]`, 10*time.Second)
	return cat
}

// draftRejection opens the case of r and fills a rejection with one reason
// citing its clause, which it answers, without sending it.
func (p *page) draftRejection(r report) (reason, clause string) {
	p.t.Helper()
	p.open("/claims/" + r.ClaimID + "?report=" + r.ID)
	p.waitCSS("the case opened", `[data-testid="decision-panel"]`, 60*time.Second)
	reason, clause = "出险时间在等待期内", "《示例住院医疗保险条款》第四条"
	p.steady("choose to reject", `[data-testid="outcome-reject"]`)
	p.do("choose to reject", chromedp.Click(byTestID("outcome-reject")), chromedp.WaitVisible(byTestID("reason-text-0")))
	p.fill("reason-code-0", "WAITING_PERIOD")
	p.fill("reason-text-0", reason)
	p.fill("reason-clause-0", clause)
	return reason, clause
}

// dataOf lists the attribute attr of every element a CSS selector matches.
func (p *page) dataOf(selector, attr string) []string {
	p.t.Helper()
	return eval[[]string](p, fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map(e => e.getAttribute(%q))`, selector, attr))
}

// Issue 20: every irreversible action of the console (the one-time
// missing-documents notice, a rejection, a bank return, the catastrophe
// switch) asks a second time in a dialog that shows what will be sent.
// Cancelling sends nothing (checked through the APIs); confirming sends
// exactly what the preview showed. The payouts page's totals are payout's
// over the period, equal to the reconciliation's.
func TestConsoleConfirmsIrreversibleActionsWithAPreviewInTheBrowser(t *testing.T) {
	t.Parallel()
	sys, p := startConsoleSystem(t)

	// The notice: one item is satisfied before the claim request, another
	// while the dialog is open. The stale preview is refused (nothing
	// sent); a fresh one lists only what is missing now.
	r := sys.newReport(t, "P-CONFIRM-0001", "王五", time.Date(2026, 9, 20, 2, 0, 0, 0, time.UTC))
	var missing []string
	for _, it := range sys.notices(t, r.ID).Checklist.Items {
		if it.State == "missing" || it.State == "" {
			missing = append(missing, it.ID)
		}
	}
	if len(missing) < 3 {
		t.Fatalf("the checklist: got %v missing, want at least 3 items", missing)
	}
	satisfy := func(item string) {
		t.Helper()
		path := "/v1/reports/" + r.ID + "/checklist/items/" + item + "/satisfy"
		if status := sys.call(t, http.MethodPost, sys.url("intake", path), map[string]string{"reason": "原件已在柜面核验 (e2e)"}, nil); status != http.StatusCreated {
			t.Fatalf("satisfy %s: got status %d, want 201", item, status)
		}
	}
	missingNow := func() []string {
		t.Helper()
		var ids []string
		for _, it := range sys.notices(t, r.ID).Checklist.Items {
			if it.State == "missing" {
				ids = append(ids, it.ID)
			}
		}
		return ids
	}
	satisfy(missing[0])
	if status := sys.call(t, http.MethodPost, sys.url("intake", "/v1/reports/"+r.ID+"/claim-request"), nil, nil); status != http.StatusCreated {
		t.Fatalf("POST claim-request: got status %d, want 201", status)
	}
	p.signIn("handler-1", "queue-page")
	p.open("/claims/" + r.ClaimID + "?report=" + r.ID)
	p.wait("send-notice")
	askNotice := func() []string {
		t.Helper()
		p.do("ask to send the notice", chromedp.Click(byTestID("send-notice")))
		p.waitJS("the notice's preview", `(b => b !== null && !b.disabled)(document.querySelector('[data-testid="notice-confirm"]'))`, 10*time.Second)
		return p.dataOf(`[data-testid="notice-preview-item"]`, "data-item")
	}
	if stale, want := askNotice(), missingNow(); !slices.Equal(stale, want) || !slices.Contains(stale, missing[1]) {
		t.Fatalf("the notice's first preview: got %v, want the items missing now %v", stale, want)
	}
	satisfy(missing[1]) // uploaded while the dialog shows it missing
	p.do("confirm the stale preview", chromedp.Click(byTestID("notice-confirm")))
	p.waitCSS("the stale notice refused", `[data-testid="notice-dialog"] [data-testid="error"]`, 10*time.Second)
	if n := sys.notices(t, r.ID).Notices; len(n) != 0 {
		t.Fatalf("after a stale preview: got %d notices, want none sent", len(n))
	}
	p.do("close the refused dialog", chromedp.Click(byTestID("notice-cancel")))
	preview := askNotice()
	if want := missingNow(); !slices.Equal(preview, want) || slices.Contains(preview, missing[0]) || slices.Contains(preview, missing[1]) {
		t.Fatalf("the notice's preview: got %v, want the items missing now %v (not %s nor %s, satisfied)", preview, want, missing[0], missing[1])
	}
	p.shot("confirm-notice")
	p.do("cancel the notice", chromedp.Click(byTestID("notice-cancel")))
	if n := sys.notices(t, r.ID).Notices; len(n) != 0 {
		t.Fatalf("after cancelling: got %d notices, want none sent", len(n))
	}
	if again := askNotice(); !slices.Equal(again, preview) {
		t.Fatalf("the preview asked again: got %v, want %v", again, preview)
	}
	p.do("send the notice", chromedp.Click(byTestID("notice-confirm")))
	p.waitCSS("the notice sent", `[data-testid="notice"]`, 10*time.Second)
	sent := sys.notices(t, r.ID).Notices
	if len(sent) != 1 {
		t.Fatalf("after confirming: got %d notices, want 1", len(sent))
	}
	var items []string
	for _, it := range sent[0].Items {
		items = append(items, it.ItemID)
	}
	if !slices.Equal(items, preview) {
		t.Fatalf("the notice sent: got items %v, want the preview's %v", items, preview)
	}
	// Its delivery, from the receipt the handler enters: the decision clock
	// (R4) stops from then, not from the sending.
	if sent[0].DeliveredAt != nil {
		t.Fatalf("the notice as sent: got delivered at %v, want no delivery until its receipt", sent[0].DeliveredAt)
	}
	p.wait("intake-delivery-form")
	p.fill("intake-delivery-receipt", "SMS-GW 4711")
	p.click("record the notice's delivery", `[data-testid="intake-delivery-submit"]`)
	p.waitCSS("the notice shows its delivery", `[data-testid="notice"] [data-testid="notice-delivered"]`, 10*time.Second)
	if n := sys.notices(t, r.ID).Notices; len(n) != 1 || n[0].DeliveredAt == nil || n[0].Receipt != "SMS-GW 4711" {
		t.Fatalf("after recording the delivery: got notices %+v, want the one delivered by the receipt SMS-GW 4711", n)
	}

	// A rejection: Enter on the button opens the dialog with the letter's
	// reasons; cancelling leaves the case undecided.
	other := sys.reportAndRequest(t, "P-CONFIRM-0002")
	sys.caseOpened(t, other.ClaimID)
	reason, clause := p.draftRejection(other)
	p.do("Enter on the reject button", chromedp.Focus(byTestID("decide")), chromedp.KeyEvent("\r"))
	p.waitCSS("the rejection's dialog", `[data-testid="reject-dialog"]`, 5*time.Second)
	caseState := func() (string, []string) {
		t.Helper()
		var c struct {
			State    string `json:"state"`
			Decision *struct {
				Reasons []struct {
					Text   string `json:"text"`
					Clause string `json:"clause"`
				} `json:"reasons"`
			} `json:"decision"`
		}
		sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/cases/"+other.ClaimID), nil, &c)
		var rs []string
		if c.Decision != nil {
			for _, x := range c.Decision.Reasons {
				rs = append(rs, x.Text+"|"+x.Clause)
			}
		}
		return c.State, rs
	}
	if st, _ := caseState(); st == "rejected" {
		t.Fatalf("after Enter on the button: got the case %s, want it undecided until confirmed", st)
	}
	if got := p.text("reject-preview"); !strings.Contains(got, reason) || !strings.Contains(got, clause) {
		t.Fatalf("the rejection's preview: got %q, want the reason and its clause", got)
	}
	p.shot("confirm-reject")
	p.do("Enter again cancels (the focus is on Cancel)", chromedp.KeyEvent("\r"))
	p.waitJS("the dialog closed", `document.querySelector('[data-testid="reject-dialog"]') === null`, 5*time.Second)
	if st, _ := caseState(); st == "rejected" {
		t.Fatalf("after cancelling: got the case %s, want it undecided", st)
	}
	p.do("reject", chromedp.Click(byTestID("decide")), chromedp.WaitVisible(byTestID("reject-dialog")), chromedp.Click(byTestID("reject-confirm")),
		chromedp.WaitVisible(byTestID("rejection-letter")))
	if st, rs := caseState(); st != "rejected" || !slices.Equal(rs, []string{reason + "|" + clause}) {
		t.Fatalf("after confirming: got the case %s with reasons %v, want rejected with the preview's reason", st, rs)
	}
	p.signOut()

	// The catastrophe switch: the dialog names the regions, the period, the
	// types and how many open cases switching it on tags.
	now := time.Now().In(shanghai(t))
	yesterday, today := now.AddDate(0, 0, -1).Format("2006-01-02"), now.Format("2006-01-02")
	open := sys.claimInRegion(t, "P-CONFIRM-CAT", "310115")
	sys.caseOpened(t, open.ClaimID)
	p.signIn("cat-1", "catastrophe-page")
	cat := p.declareCatastrophe("TY-E2E-09", "台风“确认”", "3101", yesterday, today)
	p.click("ask to switch on", cat+` [data-testid="cat-switch"]`)
	p.waitCSS("the switch's preview", cat+` [data-testid="cat-switch-effect"]`, 10*time.Second)
	if got := p.textOf(cat + ` [data-testid="cat-switch-effect"]`); p.dataOf(cat+` [data-testid="cat-switch-effect"]`, "data-n")[0] != "1" {
		t.Fatalf("the switch's effect: got %q, want 1 open case to be tagged", got)
	}
	if got := p.textOf(cat + ` [data-testid="cat-switch-regions"]`); got != "上海市（3101）" {
		t.Fatalf("the switch's regions: got %q, want 上海市（3101）, the region by its name", got)
	}
	if got := p.textOf(cat + ` [data-testid="cat-switch-window"]`); !strings.Contains(got, yesterday) || !strings.Contains(got, today) {
		t.Fatalf("the switch's period: got %q, want %s to %s", got, yesterday, today)
	}
	if got := p.textOf(cat + ` [data-testid="cat-switch-types"]`); got == "" {
		t.Fatalf("the switch's incident types: got none")
	}
	p.shot("confirm-catastrophe")
	p.click("cancel the switch", cat+` [data-testid="cat-switch-cancel"]`)
	type catState struct {
		Catastrophes []struct {
			Code   string `json:"code"`
			Active bool   `json:"active"`
		} `json:"catastrophes"`
	}
	var cs catState
	sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/catastrophes"), nil, &cs)
	for _, c := range cs.Catastrophes {
		if c.Code == "TY-E2E-09" && c.Active {
			t.Fatalf("after cancelling: got the catastrophe active, want it off")
		}
	}
	p.withReason(cat, "cat-switch", "台风登陆上海，启动快速理赔")
	p.waitCSS("fast track on", cat+`[data-active="true"]`, 10*time.Second)
	var counts struct {
		Tagged int `json:"tagged"`
	}
	apitest.Eventually(t, 20*time.Second, "the open case tagged", func() bool {
		sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/catastrophes/TY-E2E-09/counts"), nil, &counts)
		return counts.Tagged == 1
	})
	p.until("the panel counts the tagged case", 30*time.Second, func() bool {
		if p.exists(cat + ` [data-testid="cat-counts"][data-tagged="1"]`) {
			return true
		}
		p.do("refresh", chromedp.Click(byTestID("refresh")))
		return false
	})
	p.signOut()

	// A bank return: the dialog names the payment, its amount and the
	// payee masked; cancelling leaves it paid.
	paid := uuid.NewString()
	sys.agreed(t, paid, 123_456, beneficiary("6222020200112233445"))
	// The claim's first payment, found by id: a return schedules a replacement.
	first := ""
	obligation := func() (string, string) {
		t.Helper()
		var list struct {
			Obligations []struct {
				ID       string `json:"id"`
				State    string `json:"state"`
				Replaces string `json:"replaces"`
			} `json:"obligations"`
		}
		sys.call(t, http.MethodGet, sys.url("payout", "/v1/obligations?claim_id="+paid), nil, &list)
		for _, o := range list.Obligations {
			if (first == "" && o.Replaces == "") || o.ID == first {
				return o.ID, o.State
			}
		}
		return "", ""
	}
	apitest.Eventually(t, 45*time.Second, "the payment completed", func() bool { _, st := obligation(); return st == "completed" })
	first, _ = obligation()
	p.signIn("finance-1", "payouts-page")
	row := fmt.Sprintf(`[data-testid="payout-row"][data-claim=%q][data-state="completed"]`, paid)
	p.waitCSS("the payment on the page", row, 20*time.Second)
	p.click("ask to record a return", row+` [data-testid="reversal"]`)
	p.waitCSS("the return's dialog", row+` [data-testid="reversal-dialog"]`, 5*time.Second)
	if got := p.textOf(row + ` [data-testid="reversal-amount"]`); got != "¥1,234.56" {
		t.Fatalf("the return's amount: got %q, want ¥1,234.56", got)
	}
	if got := p.textOf(row + ` [data-testid="reversal-payee"]`); strings.Contains(got, "6222020200112233445") || !strings.Contains(got, "****3445") || strings.Contains(got, "李四") {
		t.Fatalf("the return's payee: got %q, want the name and the account masked (李*, ****3445)", got)
	}
	p.shot("confirm-reversal")
	p.click("cancel the return", row+` [data-testid="reversal-cancel"]`)
	if _, st := obligation(); st != "completed" {
		t.Fatalf("after cancelling: got the payment %s, want completed", st)
	}
	p.withReason(row, "reversal", "账户已销户，银行退回")
	apitest.Eventually(t, 10*time.Second, "the payment returned", func() bool { _, st := obligation(); return st == "reversed" })

	// The page's totals over a period equal the reconciliation's.
	p.fill("payouts-period-from", today)
	p.fill("payouts-period-to", today)
	p.do("filter by value date", chromedp.Click(byTestID("payouts-period-show")))
	var recon struct {
		Totals []struct {
			CompletedCount     int64 `json:"completed_count"`
			CompletedAmountFen int64 `json:"completed_amount_fen"`
		} `json:"totals"`
	}
	sys.call(t, http.MethodGet, sys.url("payout", "/v1/reconciliation?from="+today+"&to="+today), nil, &recon)
	var n, fen int64
	for _, d := range recon.Totals {
		n, fen = n+d.CompletedCount, fen+d.CompletedAmountFen
	}
	if n == 0 {
		t.Fatalf("the reconciliation of %s: got no payment, want the one paid", today)
	}
	total := fmt.Sprintf(`[data-testid="payouts-total"][data-count="%d"][data-fen="%d"]`, n, fen)
	p.waitCSS(fmt.Sprintf("the page's totals equal the reconciliation's (%d, %d fen)", n, fen), total, 10*time.Second)
	p.shot("payouts-totals")
	p.wantNoScriptErrors()
}

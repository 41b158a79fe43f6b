package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestConsoleShowsNoticesComplaintsAndIndicators signs in to the console in
// headless Chromium as a senior handler. On a case they send a
// supplementary notice with its reason and channel, then record its
// delivery receipt (the R4 clock stops from delivery); the case page shows
// the channel, the reason and the receipt, as the API stored them. They
// register a complaint about the claim (R12) and see its page with the
// 10-working-day reply deadline, and the register lists it; the indicator
// page (R13) shows the claim decided in its total.
func TestConsoleShowsNoticesComplaintsAndIndicators(t *testing.T) {
	t.Parallel()
	sys, p := startConsoleSystem(t)
	noticed := sys.reportAndRequest(t, "P-CONSOLE-N-1")
	decided := sys.reportAndRequest(t, "P-CONSOLE-N-2")
	sys.caseOpened(t, noticed.ClaimID)
	sys.caseOpened(t, decided.ClaimID)
	approve := map[string]any{"outcome": "approve", "lines": []map[string]any{{"benefit": "medical_expense", "claimed_fen": 80_000, "approved_fen": 80_000}},
		"acknowledge_unknown": acknowledgement}
	if status := sys.call(t, http.MethodPost, sys.url("adjudication", "/v1/cases/"+decided.ClaimID+"/decision"), approve, nil); status != http.StatusOK {
		t.Fatalf("decide: got status %d, want 200", status)
	}

	p.signIn("senior-1", "queue-page")
	p.open("/claims/" + noticed.ClaimID + "?report=" + noticed.ID)
	p.do("open the document request", chromedp.WaitVisible(byTestID("request-documents")), chromedp.Click(byTestID("request-documents")))
	p.wait("request-documents-list")
	p.fill("request-documents-list", "出院小结、费用清单")
	p.fill("request-documents-reason", "病历显示另有住院记录")
	p.choose("notice_channel", "registered_electronic")
	p.shot("document-request-form")
	p.click("send the notice", `form.reason-prompt button[type="submit"]`)
	p.waitCSS("the notice awaiting its delivery", `[data-testid="notice-last"][data-channel="registered_electronic"][data-delivered="false"] [data-testid="delivery-form"]`, 10*time.Second)
	if got := p.text("notice-reason"); got != "病历显示另有住院记录" {
		t.Fatalf("the notice's reason on the page: got %q, want 病历显示另有住院记录", got)
	}
	if got := p.text("notice-channel"); got != "电子送达（留存回执）" {
		t.Fatalf("the notice's channel on the page: got %q, want 电子送达（留存回执）", got)
	}
	p.fill("delivery-receipt", "GW-RECEIPT-20261206-001")
	p.click("record the delivery", `[data-testid="delivery-submit"]`)
	p.waitCSS("the notice delivered", `[data-testid="notice-last"][data-delivered="true"] [data-testid="notice-delivered"]`, 10*time.Second)
	if got := p.text("notice-delivered"); !strings.Contains(got, "GW-RECEIPT-20261206-001") {
		t.Fatalf("the delivery on the page: got %q, want the gateway's receipt", got)
	}
	p.shot("notice-delivered")
	var stored struct {
		Supplements []struct {
			Reason      string     `json:"reason"`
			Channel     string     `json:"channel"`
			Receipt     string     `json:"receipt"`
			DeliveredAt *time.Time `json:"delivered_at"`
		} `json:"supplements"`
	}
	sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/cases/"+noticed.ClaimID), nil, &stored)
	if s := stored.Supplements; len(s) != 1 || s[0].Channel != "registered_electronic" || s[0].Reason != "病历显示另有住院记录" ||
		s[0].Receipt != "GW-RECEIPT-20261206-001" || s[0].DeliveredAt == nil {
		t.Fatalf("got supplements %+v, want the notice with its reason, channel and delivery", s)
	}

	// A complaint about the claim (R12): its page and the register.
	p.open("/complaints")
	p.wait("complaint-form")
	p.fill("complaint-complainant", "赵六")
	p.fill("complaint-claim", noticed.ClaimID)
	p.fill("complaint-content", "补充材料通知迟迟未到，理赔进度不明")
	p.do("register the complaint", chromedp.Click(byTestID("complaint-submit")), chromedp.WaitVisible(byTestID("complaint-page")))
	p.wait("complaint-due")
	if got := p.text("complaint-page"); !strings.Contains(got, "补充材料通知迟迟未到") || !strings.Contains(got, "赵六") || !strings.Contains(got, noticed.ClaimID) {
		t.Fatalf("the complaint's page: got %q, want its content, complainant and claim", got)
	}
	if got := p.text("complaint-due"); !strings.Contains(got, time.Now().Format("2006")) {
		t.Fatalf("the complaint's reply deadline: got %q, want a due date", got)
	}
	p.shot("complaint")
	p.open("/complaints")
	p.waitCSS("the complaint in the register", fmt.Sprintf(`[data-testid="complaint-row"][data-claim=%q]`, noticed.ClaimID), 10*time.Second)
	if got := p.textOf(`[data-testid="complaint-row"]`); !strings.Contains(got, "赵六") {
		t.Fatalf("the register's row: got %q, want the complainant", got)
	}

	// The service indicators (R13): the decided claim counts in the total.
	p.open("/indicators")
	p.waitJS("the indicators' total", `document.querySelectorAll('[data-testid="indicators-row"]').length >= 2`, 20*time.Second)
	total := eval[string](p, `[...document.querySelectorAll('[data-testid="indicators-row"]')].pop().children[1].textContent`)
	if total != "1" {
		t.Fatalf("claims decided in the indicators' total: got %q, want 1", total)
	}
	p.shot("indicators")
	p.wantNoScriptErrors()
}

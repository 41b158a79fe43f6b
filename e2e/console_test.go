package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus/kafkatest"
)

// chromiumPath is Debian's Chromium (deployments/local/infra.sh installs it).
const chromiumPath = "/usr/bin/chromium"

// consoleUser is a user of the console under test; the password of each is
// its name followed by "-pw".
type consoleUser struct {
	name string
	role string
}

func consoleUsers() []consoleUser {
	return []consoleUser{
		{"handler-1", "handler"}, {"senior-1", "senior_handler"}, {"cat-1", "catastrophe_coordinator"},
		{"finance-1", "finance"}, {"auditor-1", "auditor"},
	}
}

// writeConsoleUsers writes a users file for the console with cheap hashes.
func writeConsoleUsers(t *testing.T) string {
	t.Helper()
	type entry struct {
		Username       string   `json:"username"`
		Name           string   `json:"name"`
		Roles          []string `json:"roles"`
		PasswordBcrypt string   `json:"password_bcrypt"`
	}
	var users []entry
	for _, u := range consoleUsers() {
		h, err := bcrypt.GenerateFromPassword([]byte(u.name+"-pw"), bcrypt.MinCost)
		if err != nil {
			t.Fatalf("hash: %v", err)
		}
		users = append(users, entry{Username: u.name, Name: "测试 " + u.name, Roles: []string{u.role}, PasswordBcrypt: string(h)})
	}
	raw, err := json.Marshal(map[string]any{"users": users})
	if err != nil {
		t.Fatalf("encode users: %v", err)
	}
	path := filepath.Join(t.TempDir(), "users.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatalf("write users: %v", err)
	}
	return path
}

// startConsole runs bin/console in front of the system's services and waits
// until it serves the built console.
func (s *system) startConsole(t *testing.T) string {
	t.Helper()
	root := os.Getenv("CLAIMS_REPO_ROOT")
	if root == "" {
		root = ".."
	}
	addr := freeAddr(t)
	startProc(t, "console", []string{
		"CONSOLE_HTTP_ADDR=" + addr,
		"CONSOLE_STATIC_DIR=" + filepath.Join(root, "console", "web", "dist"),
		"CONSOLE_USERS_FILE=" + writeConsoleUsers(t),
		"INTAKE_URL=http://" + s.addr["intake"],
		"ADJUDICATION_URL=http://" + s.addr["adjudication"],
		"PAYOUT_URL=http://" + s.addr["payout"],
		"AUTH_KEYS=" + s.authKeys,
		"SHUTDOWN_GRACE=2s",
	})
	base := "http://" + addr
	apitest.Eventually(t, 30*time.Second, "console ready (is console/web built? run make build)", func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return base
}

// page drives one browser tab through the console.
type page struct {
	t     *testing.T
	ctx   context.Context
	base  string
	shots string
	n     int
	// errors collects the uncaught exceptions of the page's scripts.
	errors *syncBuffer
}

// newPage starts headless Chromium (no sandbox: the tests run as root; no
// background networking: the machine has no network beyond the registries).
func newPage(t *testing.T, base string) *page {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("%s not found: install Debian's chromium (make install does)", chromiumPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	root := os.Getenv("CLAIMS_REPO_ROOT")
	if root == "" {
		root = ".."
	}
	shots := filepath.Join(root, "test-artifacts", "screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatalf("screenshots folder: %v", err)
	}
	p := &page{t: t, ctx: ctx, base: base, shots: shots, errors: &syncBuffer{}}
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			msg := ev.ExceptionDetails.Text
			if e := ev.ExceptionDetails.Exception; e != nil {
				msg += " " + e.Description
			}
			fmt.Fprintln(p.errors, msg)
		}
	}()
	return p
}

// wantNoScriptErrors fails the test if a script of the page threw.
func (p *page) wantNoScriptErrors() {
	p.t.Helper()
	if got := p.errors.String(); got != "" {
		p.t.Fatalf("got uncaught exceptions in the page, want none:\n%s", got)
	}
}

// do runs steps within 30 seconds; what names them in a failure.
func (p *page) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.shot("failed")
		p.t.Fatalf("%s: %v", what, err)
	}
}

// byTestID selects the elements marked data-testid=id.
func byTestID(id string) chromedp.CSS {
	return chromedp.CSS(fmt.Sprintf(`[data-testid=%q]`, id))
}

// wait waits until the element marked id is visible.
func (p *page) wait(id string) {
	p.t.Helper()
	p.do("wait for "+id, chromedp.WaitVisible(byTestID(id)))
}

// waitJS waits until the JavaScript expression is truthy.
func (p *page) waitJS(what, expr string, within time.Duration) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, within+5*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(within), chromedp.WithPollingInterval(200*time.Millisecond))); err != nil {
		p.shot("failed")
		p.t.Fatalf("wait until %s: %v", what, err)
	}
}

// text is the text of the first element marked id.
func (p *page) text(id string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(byTestID(id)))
	if err != nil {
		p.shot("failed")
		p.t.Fatalf("text of %s: %v", id, err)
	}
	return strings.TrimSpace(s)
}

// eval evaluates a JavaScript expression (a promise is awaited).
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// choose picks value in the select named name as a person would (React
// sees the change event).
func (p *page) choose(name, value string) {
	p.t.Helper()
	js := fmt.Sprintf(`(() => {
		const el = document.querySelector('select[name=%q]');
		const set = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set;
		set.call(el, %q);
		el.dispatchEvent(new Event('change', { bubbles: true }));
		return el.value;
	})()`, name, value)
	if got := eval[string](p, js); got != value {
		p.t.Fatalf("choose %s=%s: got %q", name, value, got)
	}
}

// until calls cond every half second until it holds or within has passed.
func (p *page) until(what string, within time.Duration, cond func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			p.shot("failed")
			p.t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// open goes to a path of the console.
func (p *page) open(path string) {
	p.t.Helper()
	p.do("open "+path, chromedp.Navigate(p.base+path))
}

// shot keeps a screenshot of the whole page as test-artifacts/screenshots/NN-name.png.
func (p *page) shot(name string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 15*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Logf("screenshot %s: %v", name, err)
		return
	}
	p.n++
	file := filepath.Join(p.shots, fmt.Sprintf("console-%02d-%s.png", p.n, name))
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		p.t.Logf("write %s: %v", file, err)
	}
}

// signIn signs in from the sign-in page and waits for the user's start page.
func (p *page) signIn(user, startPage string) {
	p.t.Helper()
	p.open("/")
	p.wait("signin-form")
	p.do("sign in as "+user,
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), user),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), user+"-pw"),
		chromedp.Click(byTestID("signin-submit")),
		chromedp.WaitVisible(byTestID(startPage)),
	)
}

func (p *page) signOut() {
	p.t.Helper()
	p.do("sign out", chromedp.Click(byTestID("sign-out")), chromedp.WaitVisible(byTestID("signin-form")))
}

// TestConsoleDrivesAClaimFromReportToPayoutInTheBrowser signs in to the web
// console in headless Chromium as each kind of user: a handler files a
// report (the checklist panel shows as the type is chosen), makes the claim
// request and approves the claim; finance sees the payout; a handler is
// refused the finance page (and the API refuses them too); an auditor sees
// the compliance chart. Each page is kept as a screenshot.
func TestConsoleDrivesAClaimFromReportToPayoutInTheBrowser(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Brokers(t))
	sys.startAll()
	p := newPage(t, sys.startConsole(t))

	// Sign-in, with a wrong password first.
	p.open("/")
	p.wait("signin-form")
	p.do("wrong password",
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), "handler-1"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "not-the-password"),
		chromedp.Click(byTestID("signin-submit")),
		chromedp.WaitVisible(byTestID("signin-error")),
	)
	p.shot("signin-refused")
	p.signIn("handler-1", "queue-page")
	if nav := p.text("nav"); strings.Contains(nav, "支付") || !strings.Contains(nav, "新报案") {
		t.Fatalf("handler's navigation: got %q, want 新报案 and no 支付 (payouts)", nav)
	}

	// New incident report: the checklist panel answers as soon as the type is chosen.
	p.do("open the report form", chromedp.Click(byTestID("nav-new-report")), chromedp.WaitVisible(byTestID("report-form")))
	p.choose("incident_type", "disability")
	p.wait("disability-reminder")
	p.waitJS("the checklist panel shows the checklist or says it is coming",
		`document.querySelector('[data-testid="checklist-items"], [data-testid="checklist-pending"]') !== null`, 10*time.Second)
	p.do("fill the report",
		chromedp.SendKeys(chromedp.CSS(`input[name="policy_number"]`), "P-CONSOLE-0001"),
		chromedp.SendKeys(chromedp.CSS(`input[name="insured_name"]`), "王五"),
		chromedp.SendKeys(chromedp.CSS(`input[name="reporter_name"]`), "王五"),
	)
	p.shot("new-report-checklist")
	p.do("register the report", chromedp.Click(byTestID("report-submit")), chromedp.WaitVisible(byTestID("report-saved")))
	claimID := p.text("claim-id")
	if claimID == "" {
		t.Fatalf("got no claim id on the registered report")
	}
	p.shot("report-registered")

	// The claim request; the claim page waits for adjudication to open the case.
	p.do("make the claim request", chromedp.Click(byTestID("request-claim")), chromedp.WaitVisible(byTestID("claim-page")))
	p.waitJS("the case is opened and the decision panel shows", `document.querySelector('[data-testid="decision-panel"]') !== null`, 60*time.Second)
	p.waitJS("the decision deadline (R4) shows", `document.querySelector('[data-testid="deadline"][data-rule="decision"]') !== null`, 20*time.Second)
	p.shot("claim-received")

	// The work queue lists it with its deadline risk.
	p.open("/queue")
	p.waitJS("the claim in the queue", fmt.Sprintf(`document.querySelector('[data-testid="queue-row"][data-claim=%q] [data-testid="risk"]') !== null`, claimID), 20*time.Second)
	p.shot("work-queue")

	// Approve 9,876.54 yuan: sent as 987654 fen.
	p.do("open the claim",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid="queue-row"][data-claim=%q] a`, claimID))),
		chromedp.WaitVisible(byTestID("decision-panel")),
		chromedp.SendKeys(byTestID("amount"), "9876.54"),
		chromedp.Click(byTestID("decide")),
		chromedp.WaitVisible(byTestID("decision-outcome")),
	)
	if got := p.text("decision-amount"); got != "¥9,876.54" {
		t.Fatalf("decided amount: got %q, want ¥9,876.54", got)
	}
	var decided struct {
		Decision struct {
			AmountFen int64  `json:"amount_fen"`
			DecidedBy string `json:"decided_by"`
		}
	}
	sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/cases/"+claimID), nil, &decided)
	if decided.Decision.AmountFen != 987654 || decided.Decision.DecidedBy != "handler-1" {
		t.Fatalf("the case's decision: got %+v, want 987654 fen by handler-1", decided.Decision)
	}
	// TODO(lead): when payouts wait for the agreement on the amount (issue 6),
	// the claim page shows claim-payouts-empty here until the agreement is
	// recorded; then drive the agreement step from the console.
	p.waitJS("the claim's payment shows", `document.querySelector('[data-testid="claim-payouts"], [data-testid="claim-payouts-empty"]') !== null`, 20*time.Second)
	p.shot("claim-approved")

	// Reject another claim with reasons: the letter preview quotes them, and
	// the letter is recorded as sent (R5).
	other := sys.reportAndRequest(t, "P-CONSOLE-0002")
	reason := "出险时间在等待期内（条款第4.2条）"
	p.open("/claims/" + other.ClaimID + "?report=" + other.ID)
	p.waitJS("the second case opened", `document.querySelector('[data-testid="decision-panel"]') !== null`, 60*time.Second)
	p.do("write the reasons",
		chromedp.Click(byTestID("outcome-reject")),
		chromedp.SendKeys(byTestID("reason"), reason),
		chromedp.WaitVisible(byTestID("letter-preview")),
	)
	if got := p.text("letter-preview"); !strings.Contains(got, reason) || !strings.Contains(got, "P-CONSOLE-0002") {
		t.Fatalf("letter preview: got %q, want the reasons and the policy number", got)
	}
	p.shot("claim-reject-letter-preview")
	p.do("reject and record the letter",
		chromedp.Click(byTestID("decide")),
		chromedp.WaitVisible(byTestID("rejection-letter")),
		chromedp.Click(byTestID("record-letter")),
	)
	p.waitJS("the letter recorded as sent", `document.querySelector('[data-testid="letter-sent"]') !== null`, 10*time.Second)

	// A handler is refused the finance page, and the API refuses them what
	// the page would hide (the compliance report) anyway.
	p.open("/payouts")
	p.wait("not-allowed")
	p.shot("handler-refused-payouts")
	status := eval[int](p, `(async () => {
		const s = JSON.parse(sessionStorage.getItem('claims-console.session'));
		const r = await fetch('/api/adjudication/v1/compliance-report?from=2026-01-01&to=2026-12-31', { headers: { Authorization: 'Bearer ' + s.token } });
		return r.status;
	})()`)
	if status != http.StatusForbidden {
		t.Fatalf("handler calling the compliance report through the console: got %d, want 403", status)
	}
	if status := eval[int](p, `fetch('/api/payout/v1/obligations').then(r => r.status)`); status != http.StatusUnauthorized {
		t.Fatalf("a call without a token: got %d, want 401", status)
	}
	p.signOut()

	// Finance sees the payout.
	p.signIn("finance-1", "payouts-page")
	row := fmt.Sprintf(`[data-testid="payout-row"][data-claim=%q][data-state="completed"]`, claimID)
	// TODO(lead): with the agreement step of issue 6 no payout is due before
	// the agreement is recorded: drive it from the console, or assert the
	// page's empty state (payouts-empty) for this claim instead.
	p.until("finance sees the claim's payout completed", 45*time.Second, func() bool {
		if eval[bool](p, fmt.Sprintf(`document.querySelector('%s') !== null`, row)) {
			return true
		}
		p.do("refresh the payouts", chromedp.Click(byTestID("refresh")))
		return false
	})
	if got := eval[string](p, fmt.Sprintf(`document.querySelector('%s td.num').textContent`, row)); got != "¥9,876.54" {
		t.Fatalf("finance sees amount %q, want ¥9,876.54", got)
	}
	p.shot("finance-payouts")
	p.signOut()

	// An auditor sees the compliance chart over a period that holds the
	// claim's deadline, in English too.
	p.signIn("auditor-1", "queue-page")
	from, to := time.Now().AddDate(0, -1, 0).Format("2006-01-02"), time.Now().AddDate(0, 2, 0).Format("2006-01-02")
	p.open("/compliance?from=" + from + "&to=" + to)
	p.waitJS("the chart has a bar for the decision rule", `document.querySelectorAll('[data-testid="chart-row"]').length > 0 && document.querySelector('[data-testid="compliance-row"][data-rule="decision"]') !== null`, 20*time.Second)
	p.shot("compliance")
	p.do("switch to English", chromedp.Click(byTestID("lang-switch")))
	p.waitJS("English", `document.documentElement.lang === 'en'`, 5*time.Second)
	p.shot("compliance-en")
	p.do("back to Chinese", chromedp.Click(byTestID("lang-switch")))
	p.signOut()

	// The catastrophe console is the coordinator's.
	p.signIn("cat-1", "queue-page")
	p.open("/catastrophe")
	p.wait("catastrophe-page")
	p.shot("catastrophe")
	p.wantNoScriptErrors()
}

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"claims.local/pkg/auth"
	"claims.local/pkg/document"
	"claims.local/pkg/document/scantest"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/postgres/pgtest"
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
		{"handler-1", "handler"}, {"senior-1", "senior_handler"}, {"senior-2", "senior_handler"}, {"cat-1", "catastrophe_coordinator"},
		{"finance-1", "finance"}, {"auditor-1", "auditor"}, {"admin-1", "admin"},
	}
}

// writeConsoleUsers writes a users file for the console with cheap hashes,
// and a second factor for the users whose role needs one, whose secrets
// it returns by user name.
func writeConsoleUsers(t *testing.T) (string, map[string]auth.TOTPSecret) {
	t.Helper()
	type entry struct {
		Username       string   `json:"username"`
		Name           string   `json:"name"`
		Roles          []string `json:"roles"`
		PasswordBcrypt string   `json:"password_bcrypt"`
		TOTPSecret     string   `json:"totp_secret,omitempty"`
	}
	var users []entry
	otp := map[string]auth.TOTPSecret{}
	for _, u := range consoleUsers() {
		h, err := bcrypt.GenerateFromPassword([]byte(u.name+"-pw"), bcrypt.MinCost)
		if err != nil {
			t.Fatalf("hash: %v", err)
		}
		e := entry{Username: u.name, Name: "测试 " + u.name, Roles: []string{u.role}, PasswordBcrypt: string(h)}
		if slices.Contains(auth.SecondFactorRoles(), auth.Role(u.role)) {
			secret, err := auth.NewTOTPSecret()
			if err != nil {
				t.Fatal(err)
			}
			otp[u.name], e.TOTPSecret = secret, secret.String()
		}
		users = append(users, e)
	}
	raw, err := json.Marshal(map[string]any{"users": users})
	if err != nil {
		t.Fatalf("encode users: %v", err)
	}
	path := filepath.Join(t.TempDir(), "users.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatalf("write users: %v", err)
	}
	return path, otp
}

// startConsole runs bin/console in front of the system's services and waits
// until it serves the built console; it returns the console's address and
// the second-factor secrets of its users. env adds to or overrides its
// configuration.
func (s *system) startConsole(t *testing.T, env ...string) (string, map[string]auth.TOTPSecret) {
	t.Helper()
	root := os.Getenv("CLAIMS_REPO_ROOT")
	if root == "" {
		root = ".."
	}
	addr := freeAddr(t)
	usersFile, otp := writeConsoleUsers(t)
	db := pgtest.NewDatabase(t)
	startProc(t, "console", append([]string{
		"CONSOLE_HTTP_ADDR=" + addr,
		"CONSOLE_STATIC_DIR=" + filepath.Join(root, "console", "web", "dist"),
		"CONSOLE_USERS_FILE=" + usersFile,
		"INTAKE_URL=http://" + s.addr["intake"],
		"ADJUDICATION_URL=http://" + s.addr["adjudication"],
		"PAYOUT_URL=http://" + s.addr["payout"],
		// The console signs as the issuer the services trust.
		"CONSOLE_ISSUER=" + s.keys.Issuer(),
		"CONSOLE_SIGNING_KEY_FILE=" + s.keys.KeyFile(t),
		"CONSOLE_DATABASE_DSN=" + db.DSN,
		"CONSOLE_MIGRATION_DSN=" + db.OwnerDSN,
		"SHUTDOWN_GRACE=2s",
	}, env...))
	base := "http://" + addr
	apitest.Eventually(t, 30*time.Second, "console ready (is console/web built? run make build)", func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return base, otp
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
	// otp holds the second-factor secrets of the users who have one.
	otp map[string]auth.TOTPSecret
}

// startConsoleSystem starts the services and the console on a cluster of
// the test's own and opens a browser page on it that can answer the
// one-time passwords of the console's users.
func startConsoleSystem(t *testing.T) (*system, *page) {
	t.Helper()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.startAll()
	base, otp := sys.startConsole(t)
	p := newPage(t, base)
	p.otp = otp
	return sys, p
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
	actions := []chromedp.Action[chromedp.Void]{
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), user),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), user+"-pw"),
	}
	if secret, ok := p.otp[user]; ok {
		actions = append(actions, chromedp.SendKeys(chromedp.CSS(`input[name="otp"]`), secret.Code(time.Now())))
	}
	p.do("sign in as "+user, append(actions, chromedp.Click(byTestID("signin-submit")), chromedp.WaitVisible(byTestID(startPage)))...)
}

// fill sets the value of the input or text area marked id as a person
// typing it would (React sees the input event), replacing what was there.
func (p *page) fill(id, value string) {
	p.t.Helper()
	p.fillCSS(fmt.Sprintf(`[data-testid=%q]`, id), value)
}

// fillCSS is fill for the first element that a CSS selector matches.
func (p *page) fillCSS(selector, value string) {
	p.t.Helper()
	js := fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		if (!el) return null;
		const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
		Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, %q);
		el.dispatchEvent(new Event('input', { bubbles: true }));
		return el.value;
	})()`, selector, value)
	if got := eval[*string](p, js); got == nil || *got != value {
		p.shot("failed")
		p.t.Fatalf("fill %s with %q: got %v", selector, value, got)
	}
}

// exists reports whether a CSS selector matches an element now.
func (p *page) exists(selector string) bool {
	p.t.Helper()
	return eval[bool](p, fmt.Sprintf(`document.querySelector(%q) !== null`, selector))
}

// waitCSS waits until a CSS selector matches an element.
func (p *page) waitCSS(what, selector string, within time.Duration) {
	p.t.Helper()
	p.waitJS(what, fmt.Sprintf(`document.querySelector(%q) !== null`, selector), within)
}

// click clicks the first element a CSS selector matches, once it stands
// still (steady).
func (p *page) click(what, selector string) {
	p.t.Helper()
	p.steady(what, selector)
	p.do(what, chromedp.Click(chromedp.CSS(selector)))
}

// steadyJS answers whether the element a CSS selector matches is where it
// was 150 ms and an animation frame earlier.
const steadyJS = `new Promise((done) => {
	const el = document.querySelector(%q);
	if (!el) return done(false);
	const at = () => { const r = el.getBoundingClientRect(); return [r.top, r.left, r.width, r.height].join(); };
	const before = at();
	setTimeout(() => requestAnimationFrame(() => done(el.isConnected && at() === before)), 150);
})`

// steady waits until the element a CSS selector matches stands still. A
// click is aimed at where the element is, and lands a few round trips to
// the browser later: while the sections above it still load (a case page
// on a loaded machine) the element moves in between, and the click lands
// on something else or nothing, and what it should have set off never
// comes (the flake of "choose to reject": the rejection's reasons never
// showed). A person, too, clicks what stands still.
func (p *page) steady(what, selector string) {
	p.t.Helper()
	p.until(what+": "+selector+" standing still", 20*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
		defer cancel()
		// A page whose script context is replaced meanwhile is asked again.
		still, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(steadyJS, selector), chromedp.EvalAwaitPromise))
		return err == nil && still
	})
}

// textOf is the text of the first element a CSS selector matches.
func (p *page) textOf(selector string) string {
	p.t.Helper()
	return eval[string](p, fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ''`, selector))
}

// withReason clicks the button marked id inside scope (a CSS selector, or
// "" for the page), gives the reason it asks for and confirms.
func (p *page) withReason(scope, id, reason string) {
	p.t.Helper()
	sel := func(testID string) string {
		return strings.TrimSpace(fmt.Sprintf(`%s [data-testid=%q]`, scope, testID))
	}
	p.click("click "+id, sel(id))
	p.waitCSS(id+" asks for a reason", sel(id+"-reason"), 5*time.Second)
	p.fillCSS(sel(id+"-reason"), reason)
	// A confirm-with-preview dialog enables its button once its preview is in.
	p.waitJS(id+" may be confirmed", fmt.Sprintf(`(b => b !== null && !b.disabled)(document.querySelector(%q))`, sel(id+"-confirm")), 10*time.Second)
	p.click("confirm "+id, sel(id+"-confirm"))
}

// fetchStatus calls the API through the console's edge as the signed-in
// user and answers the status.
func (p *page) fetchStatus(method, path, body string) int {
	p.t.Helper()
	return eval[int](p, fmt.Sprintf(`(async () => {
		const s = JSON.parse(sessionStorage.getItem('claims-console.session'));
		const r = await fetch(%q, { method: %q, headers: { Authorization: 'Bearer ' + s.token, 'Content-Type': 'application/json' }, body: %s });
		return r.status;
	})()`, path, method, body))
}

// scannedInvoice renders the medical invoice sample of scantest as a
// scanned page and writes it where the browser can pick it up.
func scannedInvoice(t *testing.T) (path string, want scantest.Want) {
	t.Helper()
	return scanned(t, document.MedicalInvoice, 2)
}

// scanned renders the first scantest sample of type typ as a scanned page
// (seed picks the scan's noise) and writes it where the browser can pick
// it up.
func scanned(t *testing.T, typ document.Type, seed uint64) (path string, want scantest.Want) {
	t.Helper()
	fonts, err := scantest.LoadFonts()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scantest.Samples() {
		if s.Type != typ {
			continue
		}
		data, media, err := scantest.Scan(fonts, s, seed)
		if err != nil {
			t.Fatal(err)
		}
		path = filepath.Join(t.TempDir(), string(typ)+"."+string(media))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path, s.Want
	}
	t.Fatalf("scantest has no %s sample", typ)
	return "", scantest.Want{}
}

func (p *page) signOut() {
	p.t.Helper()
	p.do("sign out", chromedp.Click(byTestID("sign-out")), chromedp.WaitVisible(byTestID("signin-form")))
}

// TestConsoleDrivesAClaimFromReportToPayoutInTheBrowser signs in to the web
// console in headless Chromium as each kind of user. A handler files a
// report (the checklist panel answers as the type is chosen), uploads a
// scanned invoice and sees what OCR read from it, makes the claim request,
// marks the remaining checklist items satisfied so that the case opens,
// approves it per benefit line and records the claimant's agreement with
// the payee; rejects another with reasons and its letter (R5); sends a
// third above their authority to a senior handler (four-eyes). Finance sees
// the payout completed and reveals the payee for a reason (R11); a handler
// is refused the finance page and the reveal (the API refuses them too); an
// auditor sees the reveal and the compliance chart; a senior handler
// approves the third claim; the catastrophe team switches a catastrophe on
// and off with a reason, sees a claim of its region tagged and first in the
// queue, and the switches audited. Each page is kept as a screenshot.
func TestConsoleDrivesAClaimFromReportToPayoutInTheBrowser(t *testing.T) {
	t.Parallel()
	sys, p := startConsoleSystem(t)
	invoice, want := scannedInvoice(t)

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

	// New incident report: the checklist answers as soon as the type is
	// chosen, with the disability appraisal reminder (R2) for a disability.
	p.do("open the report form", chromedp.Click(byTestID("nav-new-report")), chromedp.WaitVisible(byTestID("report-form")))
	p.choose("incident_type", "disability")
	p.wait("disability-reminder")
	p.choose("incident_type", "medical")
	p.waitCSS("the medical checklist", `[data-testid="checklist-item"][data-item="medical_invoices"][data-state="required"]`, 10*time.Second)
	p.do("fill the report",
		chromedp.SendKeys(chromedp.CSS(`input[name="policy_number"]`), "P-CONSOLE-0001"),
		chromedp.SendKeys(chromedp.CSS(`input[name="insured_name"]`), "王五"),
		chromedp.SendKeys(chromedp.CSS(`input[name="incident_place"]`), "310115"),
		chromedp.SendKeys(chromedp.CSS(`input[name="reporter_name"]`), "王五"),
		chromedp.SendKeys(chromedp.CSS(`input[name="contact"]`), "13812345678"),
	)
	p.shot("new-report-checklist")
	p.do("register the report", chromedp.Click(byTestID("report-submit")), chromedp.WaitVisible(byTestID("report-saved")))
	claimID := p.text("claim-id")
	if claimID == "" {
		t.Fatalf("got no claim id on the registered report")
	}
	p.do("open the claim", chromedp.Click(byTestID("open-claim")), chromedp.WaitVisible(byTestID("claim-page")))

	// A scanned invoice is uploaded and read off the request path: its type
	// and fields show beside the page image, and it satisfies its item.
	p.do("upload the invoice", chromedp.SetUploadFiles(byTestID("upload-input"), []string{invoice}))
	p.waitCSS("the invoice read", `[data-testid="document-viewer"][data-state="read"] [data-testid="doc-type"]`, 60*time.Second)
	if got := eval[string](p, `document.querySelector('[data-testid="doc-type"]').dataset.type`); got != "medical_invoice" {
		t.Fatalf("the document's type on the page: got %q, want medical_invoice", got)
	}
	p.waitCSS("the page image", `[data-testid="doc-image"]`, 10*time.Second)
	if got, wantAmount := p.textOf(`[data-testid="doc-field-total_amount_fen"]`), fmt.Sprintf("¥%s", yuan(want.AmountFen)); got != wantAmount {
		t.Fatalf("the invoice's total on the page: got %q, want %q", got, wantAmount)
	}
	if got := p.textOf(`[data-testid="doc-text"]`); !strings.Contains(got, "票据") {
		t.Fatalf("the OCR text on the page: got %q, want the invoice's text", got)
	}
	p.waitCSS("the invoice satisfies its item", `[data-testid="checklist-item"][data-item="medical_invoices"][data-state="satisfied"]`, 10*time.Second)
	p.shot("document-ocr")

	// The claim request: incomplete, it waits in intake until the handler
	// marks the remaining items satisfied; then adjudication opens the case.
	p.do("make the claim request", chromedp.Click(byTestID("request-claim")), chromedp.WaitVisible(byTestID("claim-incomplete")))
	p.wait("send-notice")
	for _, item := range []string{"insured_id", "treatment_record"} {
		scope := fmt.Sprintf(`[data-testid="checklist-item"][data-item=%q]`, item)
		p.withReason(scope, "mark-satisfied", "原件已在柜面核验")
		p.waitCSS(item+" marked satisfied", scope+`[data-state="waived"]`, 10*time.Second)
	}
	p.waitCSS("the case opens and the decision panel shows", `[data-testid="decision-panel"]`, 60*time.Second)
	p.waitCSS("the decision deadline (R4) shows", `[data-testid="deadline"][data-rule="decision"]`, 20*time.Second)
	p.waitCSS("the missing-documents notice deadline (R3) shows", `[data-testid="deadline"][data-rule="missing-documents-notice"]`, 20*time.Second)
	p.shot("claim-received")

	// The work queue lists it with its deadline risk in colour and words.
	p.open("/queue")
	row := fmt.Sprintf(`[data-testid="queue-row"][data-claim=%q]`, claimID)
	p.waitCSS("the claim in the queue", row+` [data-testid="risk"]`, 20*time.Second)
	p.shot("work-queue")

	// Approve 1,234.50 yuan on one benefit line: sent as 123450 fen.
	p.click("open the claim from the queue", row+" a")
	p.wait("decision-panel")
	p.fill("line-benefit-0", "medical_expense")
	p.fill("line-claimed-0", "1234.50")
	if got := p.text("decision-total"); !strings.Contains(got, "¥1,234.50") {
		t.Fatalf("decision total: got %q, want ¥1,234.50", got)
	}
	// The policy is not imported: the checks could not run, which blocks an
	// approval until the decider says how they verified it (issue 14).
	p.waitCSS("the checks that block the approval", `[data-testid="check-blocking"]`, 10*time.Second)
	p.wait("max-payable-unknown")
	p.fill("acknowledge-unknown", acknowledgement)
	p.do("approve", chromedp.Click(byTestID("decide")), chromedp.WaitVisible(byTestID("decision-outcome")))
	p.waitCSS("the case is the decider's", `[data-testid="case-owner"][data-assignee="handler-1"]`, 10*time.Second)
	if got := p.text("decision-amount"); got != "¥1,234.50" {
		t.Fatalf("decided amount: got %q, want ¥1,234.50", got)
	}
	var decided struct {
		State    string `json:"state"`
		Decision struct {
			AmountFen int64  `json:"amount_fen"`
			DecidedBy string `json:"decided_by"`
			Lines     []struct {
				Benefit     string `json:"benefit"`
				ApprovedFen int64  `json:"approved_fen"`
			} `json:"lines"`
		} `json:"decision"`
	}
	sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/cases/"+claimID), nil, &decided)
	if d := decided.Decision; decided.State != "approved" || d.AmountFen != 123450 || d.DecidedBy != "handler-1" || len(d.Lines) != 1 || d.Lines[0].ApprovedFen != 123450 {
		t.Fatalf("the case: got %+v, want approved for 123450 fen on one line by handler-1", decided)
	}

	// The claimant agrees to the amount; payout pays the payee.
	p.wait("agreement-form")
	p.fill("payee-bank", "中国建设银行")
	p.fill("payee-account", "6217 0000 1000 1234 567")
	p.do("record the agreement", chromedp.Click(byTestID("agreement-submit")), chromedp.WaitVisible(byTestID("agreement-facts")))
	p.waitCSS("the payment completed on the claim", `[data-testid="claim-payout"][data-state="completed"] [data-testid="masked-payee"]`, 45*time.Second)
	if got := p.textOf(`[data-testid="masked-payee"]`); strings.Contains(got, "6217000010001234567") || !strings.Contains(got, "4567") {
		t.Fatalf("the handler sees the payee %q, want it masked to its last 4 digits", got)
	}
	if p.exists(`[data-testid="reveal-payee"]`) {
		t.Fatalf("a handler is offered the reveal of the payee, want no button (R11)")
	}
	p.waitCSS("the timeline has the agreement", `[data-testid="timeline-entry"][data-action="agreement_recorded"]`, 10*time.Second)
	p.shot("claim-agreed-paid")

	// Reject another claim with reasons citing the clause: the letter
	// preview quotes them, the PDF downloads, the letter is recorded as sent (R5).
	other := sys.reportAndRequest(t, "P-CONSOLE-0002")
	reason, clause := p.draftRejection(other)
	if got := p.text("letter-preview"); !strings.Contains(got, reason) || !strings.Contains(got, clause) || !strings.Contains(got, "P-CONSOLE-0002") {
		t.Fatalf("letter preview: got %q, want the reason, its clause and the policy number", got)
	}
	p.shot("claim-reject-letter-preview")
	p.do("reject", chromedp.Click(byTestID("decide")), chromedp.WaitVisible(byTestID("reject-dialog")),
		chromedp.Click(byTestID("reject-confirm")), chromedp.WaitVisible(byTestID("rejection-letter")))
	p.do("download the letter and record it sent", chromedp.Click(byTestID("rejection-letter-download")), chromedp.Click(byTestID("record-letter")))
	p.waitCSS("the letter recorded as sent", `[data-testid="letter-sent"]`, 10*time.Second)
	if p.exists(`[data-testid="rejection-letter"] [data-testid="error"]`) {
		t.Fatalf("the rejection letter: got an error on the page: %s", p.textOf(`[data-testid="rejection-letter"] [data-testid="error"]`))
	}

	// Above the handler's authority the decision waits for a senior handler
	// (four-eyes).
	big := sys.reportAndRequest(t, "P-CONSOLE-0003")
	p.open("/claims/" + big.ClaimID + "?report=" + big.ID)
	p.waitCSS("the third case opened", `[data-testid="decision-panel"]`, 60*time.Second)
	p.fill("line-claimed-0", "60000")
	p.fill("acknowledge-unknown", acknowledgement)
	p.do("approve above the authority", chromedp.Click(byTestID("decide")), chromedp.WaitVisible(byTestID("approval-waiting")))
	p.waitCSS("the decision awaits approval", `[data-testid="case-state"][data-state="pending_approval"]`, 5*time.Second)

	// A handler is refused the finance page, and the API refuses them the
	// reveal of the payee (R11) and the compliance report anyway.
	var paid struct {
		Obligations []struct {
			ID string `json:"id"`
		} `json:"obligations"`
	}
	sys.call(t, http.MethodGet, sys.url("payout", "/v1/obligations?claim_id="+claimID), nil, &paid)
	if len(paid.Obligations) != 1 {
		t.Fatalf("the claim's obligations: got %+v, want one", paid)
	}
	obligation := paid.Obligations[0].ID
	p.open("/payouts")
	p.wait("not-allowed")
	p.shot("handler-refused-payouts")
	if status := p.fetchStatus("POST", "/api/payout/v1/obligations/"+obligation+"/payee/reveal", `JSON.stringify({reason: '想看看'})`); status != http.StatusForbidden {
		t.Fatalf("handler revealing the payee through the console: got %d, want 403", status)
	}
	if status := p.fetchStatus("GET", "/api/adjudication/v1/compliance-report?from=2026-01-01&to=2026-12-31", "undefined"); status != http.StatusForbidden {
		t.Fatalf("handler calling the compliance report through the console: got %d, want 403", status)
	}
	if status := eval[int](p, `fetch('/api/payout/v1/obligations').then(r => r.status)`); status != http.StatusUnauthorized {
		t.Fatalf("a call without a token: got %d, want 401", status)
	}
	p.signOut()

	// Finance sees the payout completed, reveals the payee for a reason.
	p.signIn("finance-1", "payouts-page")
	payout := fmt.Sprintf(`[data-testid="payout-row"][data-claim=%q][data-state="completed"]`, claimID)
	p.waitCSS("finance sees the claim's payout completed", payout, 20*time.Second)
	if got := p.textOf(payout + ` [data-testid="payout-amount"]`); got != "¥1,234.50" {
		t.Fatalf("finance sees amount %q, want ¥1,234.50", got)
	}
	p.withReason(payout, "reveal-payee", "与银行核对退汇信息")
	p.waitCSS("the payee in clear", payout+` [data-testid="revealed-payee"]`, 10*time.Second)
	if got := p.textOf(payout + ` [data-testid="revealed-payee"]`); !strings.Contains(got, "6217000010001234567") || !strings.Contains(got, "王五") {
		t.Fatalf("finance revealed %q, want the full account and name", got)
	}
	p.waitCSS("the reconciliation report", `[data-testid="reconciliation-row"]`, 10*time.Second)
	p.shot("finance-payouts-revealed")
	p.signOut()

	// An auditor sees who revealed what and why, and the compliance chart
	// over a period that holds the claim's deadlines, in English too.
	p.signIn("auditor-1", "queue-page")
	p.open("/reveals")
	p.waitCSS("the reveal in the audit", fmt.Sprintf(`[data-testid="reveal-row"][data-claim=%q][data-by="finance-1"]`, claimID), 10*time.Second)
	if got := p.textOf(`[data-testid="reveal-reason"]`); got != "与银行核对退汇信息" {
		t.Fatalf("the reveal's reason in the audit: got %q", got)
	}
	p.shot("auditor-reveals")
	from, to := time.Now().AddDate(0, -1, 0).Format("2006-01-02"), time.Now().AddDate(0, 2, 0).Format("2006-01-02")
	p.open("/compliance?from=" + from + "&to=" + to)
	p.waitJS("the chart has bars for the decision and notice rules", `document.querySelectorAll('[data-testid="chart-row"]').length > 0 && document.querySelector('[data-testid="compliance-row"][data-rule="decision"]') !== null && document.querySelector('[data-testid="compliance-row"][data-rule="missing-documents-notice"]') !== null`, 20*time.Second)
	// Issue 19: the decisions are split by mode; these were a person's.
	p.waitCSS("the decisions split by mode", `[data-testid="compliance-mode-row"][data-rule="decision"][data-mode="manual"]`, 10*time.Second)
	p.shot("compliance")
	p.do("switch to English", chromedp.Click(byTestID("lang-switch")))
	p.waitJS("English", `document.documentElement.lang === 'en'`, 5*time.Second)
	p.shot("compliance-en")
	p.do("back to Chinese", chromedp.Click(byTestID("lang-switch")))
	p.signOut()

	// A senior handler, the second pair of eyes, approves the decision.
	p.signIn("senior-1", "queue-page")
	p.open("/claims/" + big.ClaimID)
	p.do("approve as the second senior", chromedp.WaitVisible(byTestID("approval-panel")), chromedp.Click(byTestID("approve-decision")))
	p.waitCSS("the decision took effect", `[data-testid="case-state"][data-state="approved"]`, 10*time.Second)
	if got := p.text("decision-facts"); !strings.Contains(got, "senior-1") || !strings.Contains(got, "¥60,000.00") {
		t.Fatalf("the approved decision: got %q, want ¥60,000.00 approved by senior-1", got)
	}
	p.shot("senior-four-eyes")

	// Above RMB 5,000 a second senior confirms the payee before payout pays
	// (issue 14): the senior who decided the amount may not, another may,
	// in a dialog, never on one click.
	held := uuid.NewString()
	sys.agreed(t, held, 4_000_000, beneficiary("6222020200112233445"), func(d *events.AgreementReachedData) {
		d.DecidedBy, d.DecisionApprovedBy = "handler-1", "senior-1"
	})
	waiting := fmt.Sprintf(`[data-testid="awaiting-row"][data-claim=%q]`, held)
	sys.awaitPayeeConfirmation(t, held)
	p.open("/payouts")
	p.waitCSS("the payee waiting for a second senior", waiting, 30*time.Second)
	if got := p.textOf(waiting + ` [data-testid="excluded"]`); !strings.Contains(got, "senior-1") || !strings.Contains(got, "handler-1") {
		t.Fatalf("who may not confirm: got %q, want handler-1 and senior-1", got)
	}
	p.click("ask to confirm", waiting+` [data-testid="confirm-payee"]`)
	p.waitCSS("the confirmation dialog", waiting+` [data-testid="confirm-payee-dialog"]`, 5*time.Second)
	p.click("confirm as the approver", waiting+` [data-testid="confirm-payee-yes"]`)
	p.waitCSS("the approver refused", waiting+` [data-testid="confirm-payee-dialog"] [data-testid="error"]`, 10*time.Second)
	if got := p.textOf(waiting + ` [data-testid="confirm-payee-dialog"] [data-testid="error"]`); !strings.Contains(got, "另一位高级理赔人员") {
		t.Fatalf("the approver's refusal: got %q, want it to say another senior must confirm", got)
	}
	p.shot("payee-confirmation-refused")
	p.signOut()
	p.signIn("senior-2", "queue-page")
	p.open("/payouts")
	p.waitCSS("the payee waiting for a second senior", waiting, 30*time.Second)
	p.click("ask to confirm", waiting+` [data-testid="confirm-payee"]`)
	p.click("confirm as a second senior", waiting+` [data-testid="confirm-payee-yes"]`)
	p.waitJS("the payee confirmed", fmt.Sprintf(`document.querySelector(%q) === null`, waiting), 10*time.Second)
	apitest.Eventually(t, 30*time.Second, "the confirmed payment paid", func() bool {
		var list struct {
			Obligations []struct {
				State string `json:"state"`
			} `json:"obligations"`
		}
		sys.call(t, http.MethodGet, sys.url("payout", "/v1/obligations?claim_id="+held), nil, &list)
		return len(list.Obligations) == 1 && list.Obligations[0].State == "completed"
	})
	p.shot("payee-confirmed")
	p.signOut()

	// The catastrophe team declares a catastrophe, switches its fast-track
	// mode on and off with a reason, and sees both switches in its audit.
	p.signIn("cat-1", "catastrophe-page")
	var doc struct {
		Paths map[string]json.RawMessage `json:"paths"`
	}
	sys.call(t, http.MethodGet, sys.url("adjudication", "/openapi.json"), nil, &doc)
	if _, served := doc.Paths["/v1/catastrophes"]; !served {
		p.wait("cat-pending")
		p.shot("catastrophe-pending")
		t.Log("adjudication serves no /v1/catastrophes yet: the catastrophe step is skipped")
		p.wantNoScriptErrors()
		return
	}
	// The window holds yesterday too: an incident an hour ago may be on
	// yesterday's date in Asia/Shanghai.
	now := time.Now().In(shanghai(t))
	yesterday, today := now.AddDate(0, 0, -1).Format("2006-01-02"), now.Format("2006-01-02")
	cat := p.declareCatastrophe("TY-E2E-01", "台风“测试”", "3101", yesterday, today)
	p.withReason(cat, "cat-switch", "台风登陆上海，启动快速理赔")
	p.waitCSS("fast track on", cat+`[data-active="true"]`, 10*time.Second)

	// A claim of an incident in the region today is tagged: it counts on
	// the console and goes first in the work queue.
	tagged := sys.claimInRegion(t, "P-CONSOLE-CAT", "310115")
	p.until("the tagged claim counts on the console", 45*time.Second, func() bool {
		if p.exists(`[data-testid="cat-counts"][data-code="TY-E2E-01"][data-tagged="1"]`) {
			return true
		}
		p.do("refresh the counts", chromedp.Click(byTestID("refresh")))
		return false
	})
	p.shot("catastrophe-on")
	p.open("/queue")
	p.waitCSS("the tagged claim first in the queue", fmt.Sprintf(`[data-testid="queue-row"]:first-child[data-claim=%q][data-cat="TY-E2E-01"]`, tagged.ClaimID), 10*time.Second)
	p.shot("catastrophe-queue")
	p.open("/catastrophe")
	p.waitCSS("the catastrophe console again", cat+`[data-active="true"]`, 10*time.Second)
	p.withReason(cat, "cat-switch", "灾情结束，恢复常规处理")
	p.waitCSS("fast track off", cat+`[data-active="false"]`, 10*time.Second)
	p.waitJS("both switches in the audit", fmt.Sprintf(`document.querySelectorAll('%s [data-testid="cat-switch-row"]').length === 3 && document.querySelector('%s [data-testid="cat-switch-row"][data-action="deactivated"]') !== null`, cat, cat), 10*time.Second)
	if got := p.textOf(cat + ` [data-testid="cat-switch-row"][data-action="activated"] [data-testid="cat-switch-reason"]`); got != "台风登陆上海，启动快速理赔" {
		t.Fatalf("the switch-on reason in the audit: got %q", got)
	}
	p.shot("catastrophe-audit")
	p.wantNoScriptErrors()
}

// Issue 17 (R11): in the console an ID card's image and full number are
// not shown by default; a handler's "查看完整信息" asks for a reason
// (none, none is sent), then shows the image and the full number, and the
// auditor lists the reveal with its reason. Attack: the reveal without a
// reason is refused through the console's edge too.
func TestConsoleShowsAnIDCardOnlyForAReasonInTheBrowser(t *testing.T) {
	t.Parallel()
	sys, p := startConsoleSystem(t)
	card, want := scanned(t, document.IDCard, 1)
	r := sys.newReport(t, "P-CONSOLE-0017", "张伟", time.Date(2026, 9, 28, 2, 0, 0, 0, time.UTC))

	p.signIn("handler-1", "queue-page")
	p.open("/claims/" + r.ClaimID + "?report=" + r.ID)
	p.wait("upload-drop")
	p.do("upload the ID card", chromedp.SetUploadFiles(byTestID("upload-input"), []string{card}))
	viewer := `[data-testid="document-viewer"][data-state="read"]`
	p.waitCSS("the ID card read", viewer+` [data-testid="doc-type"][data-type="id_card"]`, 90*time.Second)
	p.wait("doc-image-masked")
	if p.exists(`[data-testid="doc-image"]`) || p.exists(`.doc-image .alert-error`) {
		t.Fatalf("got the ID card's image (or an error box) before a reveal, want the masked notice only")
	}
	for _, id := range []string{"doc-text", "doc-field-id_number"} {
		if got := p.textOf(fmt.Sprintf(`[data-testid=%q]`, id)); strings.Contains(got, want.IDNumber) || !strings.Contains(got, want.IDNumber[len(want.IDNumber)-4:]) {
			t.Fatalf("%s before a reveal: got %q, want the ID number masked (last four digits shown)", id, got)
		}
	}
	p.shot("id-card-masked")

	// No reason, no reveal: the form stays open and nothing is recorded;
	// the API refuses an empty reason through the edge as well.
	p.click("reveal without a reason", `[data-testid="reveal-document"]`)
	p.click("confirm without a reason", `[data-testid="reveal-document-confirm"]`)
	p.wait("reveal-document-reason")
	path := "/api/intake/v1/reports/" + r.ID + "/documents/" + eval[string](p, `document.querySelector('[data-testid="document-viewer"]').dataset.doc`)
	if status := p.fetchStatus("POST", path+"/reveal", `JSON.stringify({reason: '  '})`); status != http.StatusBadRequest {
		t.Fatalf("revealing the ID card without a reason through the console: got %d, want 400", status)
	}
	p.fillCSS(`[data-testid="reveal-document-reason"]`, "核对被保险人身份")
	p.click("confirm the reveal", `[data-testid="reveal-document-confirm"]`)
	p.waitCSS("the image revealed", `[data-testid="document-viewer"][data-revealed="true"] [data-testid="doc-image"]`, 15*time.Second)
	for _, id := range []string{"doc-text", "doc-field-id_number"} {
		if got := p.textOf(fmt.Sprintf(`[data-testid=%q]`, id)); !strings.Contains(got, want.IDNumber) {
			t.Fatalf("%s after the reveal: got %q, want the full ID number %s", id, got, want.IDNumber)
		}
	}
	p.shot("id-card-revealed")

	// The auditor's list holds both reveals (text and image) with the reason.
	var list struct {
		Reveals []struct {
			Field      string `json:"field"`
			RevealedBy string `json:"revealed_by"`
			Reason     string `json:"reason"`
		} `json:"reveals"`
	}
	if status := sys.call(t, http.MethodGet, sys.url("intake", "/v1/personal-data-reveals?claim_id="+r.ClaimID), nil, &list); status != http.StatusOK {
		t.Fatalf("GET personal-data-reveals: got status %d, want 200", status)
	}
	var fields []string
	for _, rv := range list.Reveals {
		if rv.RevealedBy != "handler-1" || rv.Reason != "核对被保险人身份" {
			t.Fatalf("got reveal %+v, want by handler-1 for 核对被保险人身份", rv)
		}
		fields = append(fields, rv.Field)
	}
	if slices.Sort(fields); !slices.Equal(fields, []string{"content", "text"}) {
		t.Fatalf("got reveals of %v, want exactly the image's (content) and the text's", fields)
	}
	p.wantNoScriptErrors()
}

// yuan writes fen as yuan with grouping and two decimals, as the console shows it.
func yuan(fen int64) string {
	s := fmt.Sprintf("%d", fen/100)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return fmt.Sprintf("%s.%02d", s, fen%100)
}

// shanghai is the platform's time zone.
func shanghai(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestTheConsoleRefreshesItsTokenSilentlyInTheBrowser runs the console with
// access tokens of 20 seconds: the signed-in page swaps its refresh token
// for a new pair before the first token expires and keeps working past
// that expiry without a new sign-in. The refresh token it used, sent again
// (as a thief holding a copy would), is refused and ends the session: the
// page's current refresh token is refused too.
func TestTheConsoleRefreshesItsTokenSilentlyInTheBrowser(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.startAll()
	base, otp := sys.startConsole(t, "CONSOLE_TOKEN_TTL=20s")
	p := newPage(t, base)
	p.otp = otp
	p.signIn("handler-1", "queue-page")
	type tokens struct{ Access, Refresh, Expires string }
	current := func() tokens {
		return eval[tokens](p, `(() => { const s = JSON.parse(sessionStorage.getItem('claims-console.session') || '{}');
			return { Access: s.token || '', Refresh: s.refresh_token || '', Expires: s.expires_at || '' }; })()`)
	}
	first := current()
	if first.Refresh == "" {
		t.Fatalf("got a session without a refresh token, want one from the sign-in")
	}
	expires, err := time.Parse(time.RFC3339Nano, first.Expires)
	if err != nil {
		t.Fatalf("expires_at %q: %v", first.Expires, err)
	}
	apitest.Eventually(t, time.Until(expires), "a refreshed session before the first token expired", func() bool {
		return current().Refresh != first.Refresh
	})
	time.Sleep(time.Until(expires) + 2*time.Second)
	if status := p.fetchStatus("GET", "/api/adjudication/v1/queue", "undefined"); status != http.StatusOK {
		t.Fatalf("GET the queue after the first token expired: got %d, want 200 with the refreshed token", status)
	}
	p.wait("queue-page")
	next := current()

	refresh := func(token string) int {
		resp, err := http.Post(base+"/api/auth/refresh", "application/json", strings.NewReader(fmt.Sprintf(`{"refresh_token":%q}`, token)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if status := refresh(first.Refresh); status != http.StatusUnauthorized {
		t.Fatalf("the used refresh token sent again: got %d, want 401", status)
	}
	if status := refresh(next.Refresh); status != http.StatusUnauthorized {
		t.Fatalf("the page's refresh token after its predecessor was reused: got %d, want 401 (the session revoked)", status)
	}
}

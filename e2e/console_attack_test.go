package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestAttackMarkupShownByTheConsoleRunsNothingInTheBrowser: the claimant's
// channel names the insured and the reporter with markup, and a file is
// uploaded under a name holding markup; a handler opens the claim in the
// console. Held: React writes them as text (shown literally, no element of
// the attacker's in the page, nothing ran). Then the printable checklist
// as if a name had slipped through its escaping (a script and an image's
// onerror put into it): opened as the console opens it, a blob: page with
// the console's origin, it runs neither (its own policy forbids scripts)
// and cannot reach the session's tokens.
func TestAttackMarkupShownByTheConsoleRunsNothingInTheBrowser(t *testing.T) {
	t.Parallel()
	sys, p := startConsoleSystem(t)
	const nameTag = `<img src=x onerror=window.__xss=1>`
	const fileTag = `<img src=y onerror=window.__xss=2>`
	r := sys.newReport(t, "P-CONSOLE-0131", "张三"+nameTag, time.Date(2026, 9, 28, 2, 0, 0, 0, time.UTC))
	scan, _ := scannedInvoice(t)
	data, err := os.ReadFile(scan)
	if err != nil {
		t.Fatal(err)
	}
	named := filepath.Join(t.TempDir(), fileTag+".png")
	if err := os.WriteFile(named, data, 0o600); err != nil {
		t.Fatal(err)
	}

	p.signIn("handler-1", "queue-page")
	p.open("/claims/" + r.ClaimID + "?report=" + r.ID)
	p.wait("upload-drop")
	p.do("upload the file named with markup", chromedp.SetUploadFiles(byTestID("upload-input"), []string{named}))
	p.waitCSS("the document listed", `[data-testid="document-viewer"]`, 60*time.Second)
	p.until("the insured's name shown", 30*time.Second, func() bool {
		return strings.Contains(eval[string](p, `document.body.innerText`), nameTag)
	})
	p.shot("markup-as-text")
	if got := eval[string](p, `document.body.innerText`); !strings.Contains(got, fileTag) {
		t.Errorf("got a page without the file's name %q shown as text, want it there", fileTag)
	}
	if n := eval[int](p, `document.querySelectorAll('img[src="x"], img[src="y"]').length`); n != 0 {
		t.Errorf("got %d images of the attacker's in the page, want none", n)
	}
	if ran := eval[string](p, `String(window.__xss ?? '')`); ran != "" {
		t.Errorf("got window.__xss = %q: the attacker's markup ran, want nothing run", ran)
	}

	// The printable checklist with a script slipped in, opened as a blob:
	// page as the console's "print" does.
	eval[bool](p, fmt.Sprintf(`(async () => {
		const s = JSON.parse(sessionStorage.getItem('claims-console.session'));
		const r = await fetch(%q, { headers: { Authorization: 'Bearer ' + s.token } });
		const html = (await r.text()).replace('</body>',
			'<script>localStorage.setItem("xss-printed", "script:" + (sessionStorage.getItem("claims-console.session") ? "session" : "ran"))</script>' +
			'<img src=z onerror="localStorage.setItem(\'xss-printed\', \'onerror\')"></body>');
		localStorage.removeItem('xss-printed');
		window.__printed = window.open(URL.createObjectURL(new Blob([html], { type: 'text/html' })), '_blank');
		return true;
	})()`, "/api/intake/v1/reports/"+r.ID+"/checklist.html"))
	p.until("the printable page loaded", 30*time.Second, func() bool {
		return eval[bool](p, `(() => { try { const w = window.__printed; return !!w && w.location.protocol === 'blob:' && w.document.readyState === 'complete'; } catch (e) { return false; } })()`)
	})
	if got := eval[string](p, `(() => { const w = window.__printed; return w.document.body.innerText.includes('清单') || w.document.title; })() + ''`); got == "" {
		t.Errorf("got an empty printable page, want the checklist")
	}
	if got := eval[string](p, `localStorage.getItem('xss-printed') ?? ''`); got != "" {
		t.Errorf("got %q from the printable page: a slipped script ran beside the session, want nothing run", got)
	}
}

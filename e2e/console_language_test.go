package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
)

// englishAllowed are the Latin words the Chinese console may show: names of
// formats and techniques a Chinese user reads as they are, and the name of
// the other language on the switch. Numbers, dates, amounts and
// identifiers (a word with a digit: policy and claim numbers, user names)
// are allowed anyway.
var englishAllowed = []string{"OCR", "PDF", "CSV", "ID", "API", "JPEG", "PNG", "TIFF", "English", "RMB", "CNY"}

// latinWordsJS lists the visible Latin words of the page outside
// englishAllowed, each as "word<TAB>where: text": its text nodes, the
// placeholders of its fields, the options of its lists and its titles. A
// word with a digit and no underscore is an identifier (P-CONSOLE-0001,
// handler-1); a word with an underscore is a raw code (medical_invoices)
// and counts. What people typed or are called (user names, a policy's
// clause) is marked translate="no" and is not the console's to translate.
const latinWordsJS = `((allowed) => {
	const ok = new Set(allowed);
	const out = [];
	const visible = (el) => {
		if (!el || el.closest('script,style,noscript,[hidden],[translate="no"]')) return false;
		if (el.getClientRects().length === 0 && el.tagName !== 'OPTION') return false;
		const cs = getComputedStyle(el);
		return cs.visibility !== 'hidden' && cs.display !== 'none';
	};
	const check = (text, el, what) => {
		for (const token of text.split(/\s+/)) {
			if (/\d/.test(token) && !/_/.test(token)) continue;
			for (const w of token.match(/[A-Za-z][A-Za-z_]*[A-Za-z]/g) || []) {
				if (ok.has(w)) continue;
				const where = (el.closest('[data-testid]') || el).getAttribute('data-testid') || el.tagName.toLowerCase();
				out.push(w + '\t' + what + ' in ' + where + ': ' + text.trim().slice(0, 90));
			}
		}
	};
	const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (let n = walker.nextNode(); n; n = walker.nextNode()) {
		const el = n.parentElement;
		if (el && el.tagName !== 'OPTION' && visible(el)) check(n.textContent, el, 'text');
	}
	for (const el of document.querySelectorAll('input[placeholder],textarea[placeholder]')) if (visible(el)) check(el.placeholder, el, 'placeholder');
	for (const sel of document.querySelectorAll('select')) if (visible(sel)) for (const o of sel.options) check(o.text, sel, 'option');
	for (const el of document.querySelectorAll('[title]')) if (visible(el)) check(el.title, el, 'title');
	return [...new Set(out)];
})(%s)`

// overflowJS lists what sticks out of the viewport sideways (outside a
// container that scrolls sideways) and the table headers squeezed to a
// character per line.
const overflowJS = `(() => {
	const vw = document.documentElement.clientWidth;
	const out = [];
	const name = (el) => el.tagName.toLowerCase() + (el.getAttribute('data-testid') ? '[' + el.getAttribute('data-testid') + ']' : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '');
	if (document.documentElement.scrollWidth > vw + 1) out.push('the page is ' + document.documentElement.scrollWidth + 'px wide in a ' + vw + 'px viewport');
	for (const el of document.body.querySelectorAll('*')) {
		const r = el.getBoundingClientRect();
		if (r.width === 0 || r.right <= vw + 1) continue;
		let scrolls = false;
		for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
			const o = getComputedStyle(p).overflowX;
			if (o === 'auto' || o === 'scroll' || o === 'hidden') { scrolls = true; break; }
		}
		if (!scrolls) out.push(name(el) + ' ends at ' + Math.round(r.right) + 'px');
	}
	for (const th of document.querySelectorAll('th')) {
		const r = th.getBoundingClientRect();
		const size = parseFloat(getComputedStyle(th).fontSize);
		if (r.width > 0 && th.textContent.trim().length > 1 && r.width - parseFloat(getComputedStyle(th).paddingLeft) - parseFloat(getComputedStyle(th).paddingRight) < 1.9 * size) out.push('header ' + th.textContent.trim() + ' is ' + Math.round(r.width) + 'px wide');
	}
	return out.slice(0, 12);
})()`

// latinText is a text of the page with Latin words: where it was first
// seen and the words.
type latinText struct {
	where string
	words []string
}

// settle waits until the page has loaded what it shows: nothing loading or
// being set up, and the same text for half a second. A page whose script
// context is replaced while it loads is asked again.
func (p *page) settle() {
	p.t.Helper()
	const loaded = `(document.querySelector('[data-testid="loading"]') || /加载中|Loading|正在建立案件|Setting up/.test(document.body.innerText)) ? '' : document.body.innerText`
	deadline := time.Now().Add(40 * time.Second)
	last := ""
	for {
		ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
		text, err := chromedp.Run(ctx, chromedp.Evaluate[string](loaded))
		cancel()
		if err == nil && text != "" && text == last {
			return
		}
		if err == nil {
			last = text
		}
		if time.Now().After(deadline) {
			p.shot("failed")
			p.t.Fatalf("the page did not settle within 40s (last error: %v)", err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// Issue 20: every page of the console, as each role sees it, on a desktop
// (1440×900) and on a phone (390×844), in Chinese and in English, kept as
// screenshots. In Chinese no visible text is English outside a short list
// of allowed terms (check reasons, deadline explanations, codes such as
// medical_invoices all count); on the phone nothing sticks out sideways and
// no table header is squeezed to a character per line.
func TestConsoleSpeaksChineseAndFitsAPhoneInTheBrowser(t *testing.T) {
	t.Parallel()
	sys, p := startConsoleSystem(t)

	// What the pages show: a report waiting for documents, a case to
	// decide, a rejected case with its letter, a payment made.
	waiting := sys.newReport(t, "P-LANG-0001", "王五", time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC))
	open := sys.reportAndRequest(t, "P-LANG-0002")
	rejected := sys.reportAndRequest(t, "P-LANG-0003")
	paid := uuid.NewString()
	sys.agreed(t, paid, 123450, beneficiary("6222020200112233445"))
	p.signIn("handler-1", "queue-page")
	p.draftRejection(rejected)
	p.do("reject", chromedp.Click(byTestID("decide")), chromedp.WaitVisible(byTestID("reject-dialog")),
		chromedp.Click(byTestID("reject-confirm")), chromedp.WaitVisible(byTestID("rejection-letter")))
	p.signOut()
	// A catastrophe declared, for the catastrophe page to show one.
	p.signIn("cat-1", "catastrophe-page")
	now := time.Now().In(shanghai(t))
	p.declareCatastrophe("TY-LANG-01", "台风“语言”", "3101", now.AddDate(0, 0, -1).Format("2006-01-02"), now.Format("2006-01-02"))
	p.signOut()
	var waitingReport struct {
		ClaimID string `json:"claim_id"`
	}
	sys.call(t, http.MethodGet, sys.url("intake", "/v1/reports/"+waiting.ID), nil, &waitingReport)
	claims := []string{"/claims/" + open.ClaimID + "?report=" + open.ID, "/claims/" + rejected.ClaimID + "?report=" + rejected.ID}
	if waitingReport.ClaimID != "" {
		claims = append(claims, "/claims/"+waitingReport.ClaimID+"?report="+waiting.ID)
	}

	pages := map[string][]string{
		"handler-1": append([]string{"/queue", "/reports/new", "/complaints"}, claims...),
		"senior-1":  append([]string{"/queue", "/payouts", "/compliance", "/complaints", "/indicators"}, claims[0]),
		"cat-1":     {"/catastrophe", "/queue", "/reports/new", claims[0]},
		"finance-1": {"/payouts"},
		"auditor-1": append([]string{"/queue", "/payouts", "/compliance", "/reveals", "/complaints", "/indicators"}, claims[1]),
	}
	start := map[string]string{"handler-1": "queue-page", "senior-1": "queue-page", "cat-1": "catastrophe-page", "finance-1": "payouts-page", "auditor-1": "queue-page"}
	sizes := []struct {
		name          string
		width, height int64
	}{{"desktop", 1440, 900}, {"phone", 390, 844}}
	allowed := fmt.Sprintf("%q", englishAllowed)
	allowed = "[" + strings.Join(strings.Fields(allowed[1:len(allowed)-1]), ",") + "]"
	english := map[string]*latinText{}
	var overflow []string
	for _, user := range []string{"handler-1", "senior-1", "cat-1", "finance-1", "auditor-1"} {
		p.do("desktop size", chromedp.EmulateViewport(1440, 900))
		p.signIn(user, start[user])
		for _, lang := range []string{"zh", "en"} {
			for _, size := range sizes {
				p.do(size.name+" size", chromedp.EmulateViewport(size.width, size.height))
				for _, path := range pages[user] {
					eval[bool](p, fmt.Sprintf(`(localStorage.setItem('claims-console.lang', %q), true)`, lang))
					p.open(path)
					p.settle()
					name := strings.Trim(strings.NewReplacer("/", "-", "?", "-", "=", "-").Replace(path), "-")
					if len(name) > 40 {
						name = name[:40]
					}
					p.shot(fmt.Sprintf("lang-%s-%s-%s-%s", lang, size.name, user, name))
					where := fmt.Sprintf("%s %s %s %s", user, lang, size.name, path)
					if lang == "zh" && size.name == "desktop" {
						for _, found := range eval[[]string](p, fmt.Sprintf(latinWordsJS, allowed)) {
							word, text, _ := strings.Cut(found, "\t")
							if _, seen := english[text]; !seen {
								english[text] = &latinText{where: where}
							}
							english[text].words = append(english[text].words, word)
						}
					}
					if size.name == "phone" {
						for _, o := range eval[[]string](p, overflowJS) {
							overflow = append(overflow, where+": "+o)
						}
					}
				}
			}
		}
		eval[bool](p, `(localStorage.setItem('claims-console.lang', 'zh'), true)`)
		p.do("desktop size", chromedp.EmulateViewport(1440, 900))
		p.open("/queue")
		p.signOut()
	}
	if len(english) > 0 {
		var lines []string
		for text, l := range english {
			lines = append(lines, fmt.Sprintf("%s (first on %s): %s", text, l.where, strings.Join(slices.Compact(l.words), " ")))
		}
		slices.Sort(lines)
		t.Errorf("got English in the Chinese console, want none outside %v:\n%s", englishAllowed, strings.Join(lines, "\n"))
	}
	if len(overflow) > 0 {
		t.Errorf("got content wider than a 390px phone, want none:\n%s", strings.Join(overflow, "\n"))
	}
	p.wantNoScriptErrors()
}

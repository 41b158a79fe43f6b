package e2e

import (
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"claims.local/pkg/document"
	"claims.local/pkg/document/scantest"
)

// bundlePDF writes a two-page scanned PDF, a discharge summary of the
// insured and then her invoice (scantest's samples), where the browser can
// pick it up, and returns its path.
func bundlePDF(t *testing.T) string {
	t.Helper()
	fonts, err := scantest.LoadFonts()
	if err != nil {
		t.Fatal(err)
	}
	var summary, invoice scantest.Sample
	for _, s := range scantest.Samples() {
		switch s.Type {
		case document.DischargeSummary:
			summary = s
		case document.MedicalInvoice:
			invoice = s
		}
	}
	// The invoice is the insured's: the patient's name is the summary's.
	invoice.Lines = append([]string(nil), invoice.Lines...)
	invoice.Lines[2] = "交款人：" + summary.Want.Names[0] + "    就诊日期：2026-02-18"
	var pages []*image.Gray
	for i, s := range []scantest.Sample{summary, invoice} {
		img, err := scantest.Render(fonts, s.Lines, scantest.Scanned(uint64(10+i)))
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, img)
	}
	data, err := scantest.ImagePDF(pages, 200)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "出院小结和发票.pdf")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// shownRect is where an element is on the screen, in CSS pixels.
type shownRect struct{ X, Y, W, H float64 }

// rectOf returns where the element selector picks is on the screen.
func rectOf(p *page, selector string) shownRect {
	p.t.Helper()
	return eval[shownRect](p, fmt.Sprintf(`(() => { const r = document.querySelector(%q).getBoundingClientRect(); return {X: r.x, Y: r.y, W: r.width, H: r.height}; })()`, selector))
}

// readBundleRow is the row of the bundle once read.
const readBundleRow = `[data-testid="document-row"][data-state="read"]`

// uploadBundle files a report of the insured 赵敏 under policy, and uploads
// bundlePDF's PDF to it as handler-1, in the browser, until read.
func uploadBundle(t *testing.T, sys *system, p *page, policy string) report {
	t.Helper()
	path := bundlePDF(t)
	r := sys.newReport(t, policy, "赵敏", time.Date(2026, 1, 10, 2, 0, 0, 0, time.UTC))
	p.signIn("handler-1", "queue-page")
	p.open("/claims/" + r.ClaimID + "?report=" + r.ID)
	p.wait("upload-drop")
	p.do("upload the bundle", chromedp.SetUploadFiles(byTestID("upload-input"), []string{path}))
	p.waitCSS("the bundle read", readBundleRow, 120*time.Second)
	return r
}

// openBundle comes back to the claim of report r (no document open) and
// opens the bundle in the viewer.
func openBundle(p *page, r report) {
	p.t.Helper()
	p.open("/claims/" + r.ClaimID + "?report=" + r.ID)
	p.waitCSS("the documents listed", readBundleRow, 15*time.Second)
	p.click("open the bundle", readBundleRow+` [data-testid="open-document"]`)
}

// TestConsoleViewerPagesZoomAndTurn: the viewer shows a two-page PDF's pages
// large, one at a time; the handler goes to the next page, zooms in (the
// page grows) and turns it a quarter (its width and height swap) (issue 20).
func TestConsoleViewerPagesZoomAndTurn(t *testing.T) {
	t.Parallel()
	sys, p := startConsoleSystem(t)
	r := uploadBundle(t, sys, p, "P-CONSOLE-0019")
	openBundle(p, r)
	loaded := func(n int) {
		p.t.Helper()
		p.waitCSS(fmt.Sprintf("page %d shown", n), fmt.Sprintf(`[data-testid="page-viewer"][data-page="%d"] [data-testid="viewer-stage"] [data-testid="doc-image"]`, n), 30*time.Second)
		p.waitJS(fmt.Sprintf("page %d's image loaded", n), `(() => { const i = document.querySelector('[data-testid="doc-image"]'); return i.complete && i.naturalWidth > 0; })()`, 15*time.Second)
	}
	loaded(1)
	if got := p.textOf(`[data-testid="viewer-page"]`); got != "第 1 / 2 页" {
		t.Fatalf("the page counter: got %q, want 第 1 / 2 页", got)
	}
	p.click("next page", `[data-testid="viewer-next"]`)
	loaded(2)
	first := rectOf(p, `[data-testid="viewer-stage"]`)
	if first.W < 500 {
		t.Fatalf("the page shown: got %.0f px wide, want a large view (at least 500 px)", first.W)
	}
	p.shot("viewer-page-2")

	p.click("zoom in", `[data-testid="viewer-zoom-in"]`)
	p.waitCSS("zoomed", `[data-testid="page-viewer"][data-zoom="1.25"]`, 5*time.Second)
	zoomed := rectOf(p, `[data-testid="viewer-stage"]`)
	if math.Abs(zoomed.W/first.W-1.25) > 0.02 || math.Abs(zoomed.H/first.H-1.25) > 0.02 {
		t.Fatalf("zoomed in: got %+v from %+v, want 1.25 times as large", zoomed, first)
	}
	p.click("fit the width", `[data-testid="viewer-fit"]`)
	p.click("turn the page", `[data-testid="viewer-rotate"]`)
	p.waitCSS("the page turned", `[data-testid="page-viewer"][data-turn="90"]`, 5*time.Second)
	turned := rectOf(p, `[data-testid="viewer-stage"]`)
	if math.Abs(turned.W/turned.H-first.H/first.W) > 0.02 {
		t.Fatalf("turned a quarter: got %+v from %+v, want width and height swapped", turned, first)
	}
	img := rectOf(p, `[data-testid="doc-image"]`)
	if math.Abs(img.W-turned.W) > 2 || math.Abs(img.H-turned.H) > 2 {
		t.Fatalf("the turned image: got %+v on a stage of %+v, want it to fill the stage", img, turned)
	}
	p.shot("viewer-page-2-turned")
	p.wantNoScriptErrors()
}

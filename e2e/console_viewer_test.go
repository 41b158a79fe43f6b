package e2e

import (
	"fmt"
	"math"
	"net/http"
	"testing"
	"time"
)

// TestConsoleViewerShowsWhereTheAmountWasRead: a handler uploads one PDF
// holding a discharge summary and then an invoice; its two parts satisfy two
// checklist items; in the viewer the handler goes to the invoice part,
// selects the amount, and the box drawn on the page is over the line the
// amount is printed on (issues 18, 20).
//
// It needs issue 18's parts A and B: the upload split into parts
// (document.AnalyzePages) and each field's page and box (the OCR pipeline's
// line boxes). Without them the bundle reads as one part whose fields carry
// no source, hence the build tag, to be dropped when they are merged.
func TestConsoleViewerShowsWhereTheAmountWasRead(t *testing.T) {
	t.Parallel()
	sys, p := startConsoleSystem(t)
	r := uploadBundle(t, sys, p, "P-CONSOLE-0018")
	row := readBundleRow
	p.waitCSS("the bundle read as two parts", row+` [data-testid="document-parts"][data-parts="2"]`, 5*time.Second)
	docID := eval[string](p, fmt.Sprintf(`document.querySelector(%q).dataset.doc`, row))
	for _, item := range []string{"treatment_record", "medical_invoices"} {
		p.waitCSS(item+" satisfied by the bundle", fmt.Sprintf(
			`[data-testid="checklist-item"][data-item=%q][data-state="satisfied"] [data-testid="item-document"][data-doc=%q]`, item, docID), 20*time.Second)
	}

	openBundle(p, r)
	p.waitCSS("the viewer's parts", `[data-testid="viewer-part"][data-type="medical_invoice"]`, 15*time.Second)
	p.click("go to the invoice", `[data-testid="viewer-part"][data-type="medical_invoice"]`)
	p.waitCSS("the invoice's page", `[data-testid="page-viewer"][data-page="2"] [data-testid="doc-image"]`, 30*time.Second)
	p.waitJS("the page image loaded", `document.querySelector('[data-testid="doc-image"]').complete`, 15*time.Second)
	p.click("select the amount", `[data-testid="select-field-total_amount_fen"]`)
	p.waitCSS("the amount's box drawn", `[data-testid="field-highlight"][data-field="total_amount_fen"]`, 10*time.Second)
	p.shot("viewer-amount-box")

	// Where the box is, as a share of the page shown.
	type rect = shownRect
	at := func(sel string) rect { return rectOf(p, sel) }
	stage, box := at(`[data-testid="viewer-stage"]`), at(`[data-testid="field-highlight"]`)
	got := rect{(box.X - stage.X) / stage.W, (box.Y - stage.Y) / stage.H, box.W / stage.W, box.H / stage.H}

	// Where intake says the amount was read.
	var doc struct {
		Parts []struct {
			Type   string `json:"type"`
			Fields struct {
				TotalAmountFen int64 `json:"total_amount_fen"`
			} `json:"fields"`
			Sources map[string]struct {
				Page int    `json:"page"`
				Box  [4]int `json:"box"`
			} `json:"sources"`
		} `json:"parts"`
		PageImages []struct{ Number, Width, Height int } `json:"page_images"`
	}
	if status := sys.call(t, http.MethodGet, sys.url("intake", "/v1/reports/"+r.ID+"/documents/"+docID), nil, &doc); status != http.StatusOK {
		t.Fatalf("GET the bundle: got status %d, want 200", status)
	}
	if len(doc.Parts) != 2 || doc.Parts[1].Type != "medical_invoice" || doc.Parts[1].Fields.TotalAmountFen != 123450 {
		t.Fatalf("got parts %+v, want the invoice second with 123450 fen", doc.Parts)
	}
	src, ok := doc.Parts[1].Sources["total_amount_fen"]
	if !ok || src.Page != 2 || len(doc.PageImages) != 2 || doc.PageImages[1].Width == 0 {
		t.Fatalf("got the amount's source %+v (found %v) and pages %+v, want page 2 of two measured pages", src, ok, doc.PageImages)
	}
	pg := doc.PageImages[1]
	want := rect{float64(src.Box[0]) / float64(pg.Width), float64(src.Box[1]) / float64(pg.Height), float64(src.Box[2]) / float64(pg.Width), float64(src.Box[3]) / float64(pg.Height)}
	for _, d := range []float64{got.X - want.X, got.Y - want.Y, got.W - want.W, got.H - want.H} {
		if math.Abs(d) > 0.02 {
			t.Fatalf("the box on the page: got %+v of the page, want intake's %+v", got, want)
		}
	}
	// And the box is over the printed amount: the amount in figures is
	// the fifth of five lines (scantest.Render: margins of 64 px, lines 57
	// px apart, the page 413 px high), its middle at about 0.76 of the
	// page, and the box is the figures' own, right of their label
	// (合计（小写）：), not the line's from the left margin.
	if mid := got.Y + got.H/2; mid < 0.66 || mid > 0.86 || got.X < 0.3 || got.X+got.W > 1 {
		t.Fatalf("the box on the page: got %+v of the page, want it over the fifth line's figures (middle near 0.76 down, right of the label)", got)
	}

	// Turned a quarter, the box turns with the page.
	p.click("turn the page", `[data-testid="viewer-rotate"]`)
	p.waitCSS("the page turned", `[data-testid="page-viewer"][data-turn="90"] [data-testid="field-highlight"]`, 5*time.Second)
	stage, box = at(`[data-testid="viewer-stage"]`), at(`[data-testid="field-highlight"]`)
	turned := rect{(box.X - stage.X) / stage.W, (box.Y - stage.Y) / stage.H, box.W / stage.W, box.H / stage.H}
	if math.Abs(turned.X-(1-got.Y-got.H)) > 0.02 || math.Abs(turned.Y-got.X) > 0.02 {
		t.Fatalf("the box on the page turned 90°: got %+v, want %+v turned", turned, got)
	}
	p.shot("viewer-amount-box-turned")
	p.wantNoScriptErrors()
}

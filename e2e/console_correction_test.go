package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"claims.local/pkg/document"
)

// TestConsoleCorrectsTheDocumentItShowsInTheBrowser follows issue 20's data
// bug as the handler met it: an ID card and an invoice read by OCR; the
// handler opens the ID card, then the invoice, changes only the invoice's
// amount and saves. The invoice keeps its type and has no name of the ID
// card's, its new amount is stored, and the checklist keeps it.
func TestConsoleCorrectsTheDocumentItShowsInTheBrowser(t *testing.T) {
	t.Parallel()
	sys, p := startConsoleSystem(t)
	card, cardWant := scanned(t, document.IDCard, 1)
	invoice, invoiceWant := scannedInvoice(t)
	r := sys.newReport(t, "P-CONSOLE-0020", cardWant.Names[0], time.Date(2026, 10, 2, 2, 0, 0, 0, time.UTC))

	p.signIn("handler-1", "queue-page")
	p.open("/claims/" + r.ClaimID + "?report=" + r.ID)
	p.wait("upload-drop")
	p.do("upload the ID card and the invoice", chromedp.SetUploadFiles(byTestID("upload-input"), []string{card, invoice}))
	row := func(typ string) string {
		return fmt.Sprintf(`[data-testid="document-row"][data-type=%q][data-state="read"]`, typ)
	}
	p.waitCSS("the ID card read", row("id_card"), 120*time.Second)
	p.waitCSS("the invoice read", row("medical_invoice"), 120*time.Second)
	satisfied := `[data-testid="checklist-item"][data-item="medical_invoices"][data-state="satisfied"]`
	p.waitCSS("the invoice satisfies its item", satisfied, 20*time.Second)
	invoiceID := eval[string](p, fmt.Sprintf(`document.querySelector(%q).dataset.doc`, row("medical_invoice")))

	viewer := func(typ string) string {
		return fmt.Sprintf(`[data-testid="document-viewer"] [data-testid="doc-type"][data-type=%q]`, typ)
	}
	// The handler comes back to the claim (no document open), opens the ID
	// card, then the invoice.
	p.open("/claims/" + r.ClaimID + "?report=" + r.ID)
	p.waitCSS("the documents listed", row("medical_invoice"), 15*time.Second)
	if p.exists(`[data-testid="document-viewer"]`) {
		t.Fatalf("got a document open on coming back to the claim, want none")
	}
	p.click("open the ID card", row("id_card")+` [data-testid="open-document"]`)
	p.waitCSS("the ID card in the viewer", viewer("id_card"), 15*time.Second)
	p.waitCSS("the ID card's correction form", `[data-testid="correction-form"]`, 15*time.Second)
	p.click("open the invoice", row("medical_invoice")+` [data-testid="open-document"]`)
	p.waitCSS("the invoice in the viewer", fmt.Sprintf(`[data-testid="document-viewer"][data-doc=%q] [data-testid="correction-form"]`, invoiceID), 15*time.Second)
	newFen := invoiceWant.AmountFen + 1000
	p.fill("correction-amount", fmt.Sprintf("%d.%02d", newFen/100, newFen%100))
	p.shot("correction-invoice-amount")
	p.click("save the correction", `[data-testid="correction-submit"]`)
	p.waitCSS("the correction recorded", fmt.Sprintf(`[data-testid="document-viewer"][data-doc=%q] [data-testid="doc-correction"]`, invoiceID), 15*time.Second)
	p.shot("correction-invoice-saved")

	if got := eval[string](p, `document.querySelector('[data-testid="doc-type"]').dataset.type`); got != "medical_invoice" {
		t.Fatalf("the invoice's type on the page after the correction: got %q, want medical_invoice", got)
	}
	if got, want := p.textOf(`[data-testid="doc-field-total_amount_fen"]`), "¥"+yuan(newFen); got != want {
		t.Fatalf("the invoice's total on the page: got %q, want %q", got, want)
	}
	p.waitCSS("the invoice still in the list as an invoice", row("medical_invoice"), 15*time.Second)
	p.waitCSS("the checklist keeps the invoice", satisfied, 15*time.Second)

	var stored struct {
		Type   string `json:"type"`
		Fields struct {
			TotalAmountFen int64    `json:"total_amount_fen"`
			Names          []string `json:"names"`
		} `json:"fields"`
		Satisfies   []string `json:"satisfies"`
		Corrections []struct {
			Type   string         `json:"type"`
			Fields map[string]any `json:"fields"`
		} `json:"corrections"`
	}
	if status := sys.call(t, http.MethodGet, sys.url("intake", "/v1/reports/"+r.ID+"/documents/"+invoiceID), nil, &stored); status != http.StatusOK {
		t.Fatalf("GET the invoice: got status %d, want 200", status)
	}
	if stored.Type != "medical_invoice" || stored.Fields.TotalAmountFen != newFen || slices.Contains(stored.Fields.Names, cardWant.Names[0]) ||
		!slices.Contains(stored.Satisfies, "medical_invoices") {
		t.Fatalf("got the invoice stored as %s, %d fen, names %v, satisfying %v; want medical_invoice, %d fen, no %s, satisfying medical_invoices",
			stored.Type, stored.Fields.TotalAmountFen, stored.Fields.Names, stored.Satisfies, newFen, cardWant.Names[0])
	}
	if n := len(stored.Corrections); n != 1 || stored.Corrections[0].Type != "" || len(stored.Corrections[0].Fields) != 1 {
		t.Fatalf("got corrections %+v, want one, of the amount only", stored.Corrections)
	}
	if strings.Contains(p.textOf(`[data-testid="document-viewer"]`), cardWant.Names[0]) && !slices.Contains(invoiceWant.Names, cardWant.Names[0]) {
		t.Fatalf("the invoice's viewer shows the ID card's name %s, want none of it", cardWant.Names[0])
	}
	p.wantNoScriptErrors()
}

// TestConsoleShowsWhatALinkedReportAddedInTheBrowser: a second report of the
// same incident (the insured's daughter, with her description and amount)
// is linked to the first, and what she said is kept and shown on the
// claim's page, not dropped (issue 20).
func TestConsoleShowsWhatALinkedReportAddedInTheBrowser(t *testing.T) {
	t.Parallel()
	sys, p := startConsoleSystem(t)
	incident := time.Date(2026, 10, 3, 2, 0, 0, 0, time.UTC)
	r := sys.newReport(t, "P-CONSOLE-0021", "李梅", incident)
	var linked struct {
		ID          string `json:"id"`
		Linked      bool   `json:"linked"`
		DuplicateOf string `json:"duplicate_of"`
	}
	status := sys.call(t, http.MethodPost, sys.url("intake", "/v1/reports"), map[string]any{
		"policy_number": "P-CONSOLE-0021", "insured_name": "李梅", "incident_type": "medical",
		"incident_time": incident.Add(time.Hour).Format(time.RFC3339),
		"reporter":      map[string]string{"name": "王芳", "role": "beneficiary", "relation": "child"},
		"description":   "母亲复查后再次住院五天", "claimed_amount_fen": 365000,
		"link_to": r.ID, // confirmed after the 409 possible_duplicate (issue 20)
	}, &linked)
	if status != http.StatusOK || !linked.Linked || linked.DuplicateOf != r.ID {
		t.Fatalf("the same incident again: got %d %+v, want 200 linked to %s", status, linked, r.ID)
	}

	p.signIn("handler-1", "queue-page")
	p.open("/claims/" + r.ClaimID + "?report=" + r.ID)
	p.waitCSS("the linked report", `[data-testid="linked-report"]`, 20*time.Second)
	got := p.textOf(`[data-testid="linked-report"]`)
	for _, want := range []string{"王芳", "母亲复查后再次住院五天", "¥3,650.00"} {
		if !strings.Contains(got, want) {
			t.Fatalf("the linked report on the claim page: got %q, want %q in it", got, want)
		}
	}
	p.shot("linked-report-kept")
	p.wantNoScriptErrors()
}

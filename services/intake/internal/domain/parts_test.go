package domain_test

import (
	"slices"
	"strings"
	"testing"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/document"
)

// bundle adds a two-page PDF read as a discharge summary (page 1) and then
// a medical invoice (page 2), as document.AnalyzePages splits it.
func bundle(f *domain.ClaimFile, id string) domain.Document {
	d := domain.NewDocument(id, f.Report, strings.Repeat("b", 64), document.PDF, 2, 100, id+".pdf", "h", t0)
	d.State, d.Attempts = domain.DocumentReading, 1
	invoice := document.Fields{HasAmount: true, TotalAmountFen: 123_456, InvoiceNumber: "AB001234",
		Sources: map[string]document.Source{"total_amount_fen": {Page: 2, Box: document.Box{X: 10, Y: 20, W: 300, H: 40}, Confidence: 0.93}}}
	summary := document.Fields{Names: []string{"张三"}}
	d.RecordReading(1, domain.Reading{Type: document.DischargeSummary, Confidence: 0.9, Fields: summary, ReadAt: t0,
		Parts: []document.Part{
			{FirstPage: 1, LastPage: 1, Analysis: document.Analysis{Type: document.DischargeSummary, Confidence: 0.9, Fields: summary}},
			{FirstPage: 2, LastPage: 2, Analysis: document.Analysis{Type: document.MedicalInvoice, Confidence: 0.95, Fields: invoice}},
		}})
	d, _ = f.AddDocument(d)
	return d
}

// TestEachPartSatisfiesItsOwnItem: one PDF holding a discharge summary and
// then an invoice satisfies both checklist items, and its invoice counts in
// the invoices' total (issue 18).
func TestEachPartSatisfiesItsOwnItem(t *testing.T) {
	f := file()
	f.Report.ClaimedAmountFen = 0
	bundle(f, "d1")
	st := f.Checklist()
	for _, item := range []string{"medical_invoices", "treatment_record"} {
		it, _ := st.Item(item)
		if it.State != domain.ItemSatisfied || len(it.SatisfiedBy) != 1 || it.SatisfiedBy[0].DocumentID != "d1" {
			t.Fatalf("got %s %s by %+v, want satisfied by d1", item, it.State, it.SatisfiedBy)
		}
	}
	inv, _ := st.Item("medical_invoices")
	if got := inv.SatisfiedBy[0].Part; got != 1 {
		t.Fatalf("got the invoice item satisfied by part %d, want part 1", got)
	}
	if got := f.InvoiceTotalFen(); got != 123_456 {
		t.Fatalf("got invoices %d fen, want 123,456 from the bundle's second part", got)
	}
}

// TestACorrectionAddressesOnePart: a correction names its part; it changes
// that part only, keeps the machine's reading and its source beside it,
// and a part the document does not hold is refused.
func TestACorrectionAddressesOnePart(t *testing.T) {
	f := file()
	d := bundle(f, "d1")
	err := d.Correct(domain.Correction{Part: 1, ExpectedType: ptrType("medical_invoice"), TotalAmountFen: fen(120_000), Note: "read the original", By: "h", At: t0})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.PartFields(1); got.TotalAmountFen != 120_000 || got.Sources["total_amount_fen"].Page != 2 {
		t.Fatalf("got part 1 %d fen from %+v, want 120,000 with the machine's source on page 2", got.TotalAmountFen, got.Sources)
	}
	if m, _ := d.MachinePart(1); m.Analysis.Fields.TotalAmountFen != 123_456 {
		t.Fatalf("got the machine's reading %d, want 123,456 kept", m.Analysis.Fields.TotalAmountFen)
	}
	if got := d.Fields(); got.HasAmount {
		t.Fatalf("got part 0 amount %d, want part 0 untouched", got.TotalAmountFen)
	}
	if got := d.CorrectedFields(1); !slices.Equal(got, []string{"total_amount_fen"}) {
		t.Fatalf("got corrected %v, want total_amount_fen", got)
	}
	if got := d.CorrectedFields(0); got != nil {
		t.Fatalf("got part 0 corrected %v, want none", got)
	}
}

// TestACorrectionOfAnotherPartIsRefused is the attack: a form bound to the
// invoice part (1) but posted for part 0, or for a part that does not exist,
// must not re-type or change anything.
func TestACorrectionOfAnotherPartIsRefused(t *testing.T) {
	tests := []struct {
		name string
		c    domain.Correction
		code apperr.Code
	}{
		{"the invoice's expected type on the summary part", domain.Correction{Part: 0, ExpectedType: ptrType("medical_invoice"), TotalAmountFen: fen(1)}, apperr.Conflict},
		{"a part beyond the last", domain.Correction{Part: 2, TotalAmountFen: fen(1)}, apperr.Invalid},
		{"a negative part", domain.Correction{Part: -1, TotalAmountFen: fen(1)}, apperr.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := file()
			d := bundle(f, "d1")
			tt.c.By, tt.c.At = "h", t0
			if err := d.Correct(tt.c); apperr.CodeOf(err) != tt.code {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
			if len(d.Corrections) != 0 {
				t.Fatalf("got %d corrections, want none", len(d.Corrections))
			}
		})
	}
}

// TestAReadingWithoutPartsIsOnePart: a reading stored before parts were
// read is one part over every page.
func TestAReadingWithoutPartsIsOnePart(t *testing.T) {
	f := file()
	read(f, "d1", document.MedicalInvoice, t0, document.Fields{HasAmount: true, TotalAmountFen: 5})
	d := f.Documents[0]
	p, ok := d.MachinePart(0)
	if d.PartCount() != 1 || !ok || p.FirstPage != 1 || p.LastPage != 1 || p.Analysis.Type != document.MedicalInvoice {
		t.Fatalf("got %d parts, part 0 %+v (%v), want one medical-invoice part of page 1", d.PartCount(), p, ok)
	}
	if _, ok := d.MachinePart(1); ok {
		t.Fatal("got a part 1, want none")
	}
}

package ocr_test

import (
	"context"
	"testing"

	"claims.local/pkg/document"
	"claims.local/pkg/document/ocr"
	"claims.local/pkg/document/scantest"
)

// TestInspectReadsAnOFDInvoiceExactly: an electronic invoice in OFD goes
// through the same pipeline as a scan, is probed and read from its XML with
// no page recognised, and gives the same fields, exact, with their sources.
func TestInspectReadsAnOFDInvoiceExactly(t *testing.T) {
	pg, truth := scantest.ElectronicMedicalInvoice()
	data, err := scantest.OFD([]scantest.OFDPage{pg})
	if err != nil {
		t.Fatal(err)
	}
	info, err := ocr.Probe(context.Background(), ocr.Config{}, data)
	if err != nil || info.Media != document.OFD || info.Pages != 1 {
		t.Fatalf("probe: got %+v, %v; want one OFD page", info, err)
	}
	res, err := newPipeline(t, ocr.Config{Workers: 1}).Inspect(context.Background(), data)
	if err != nil {
		t.Fatalf("inspect: got error %v", err)
	}
	if res.Media != document.OFD || res.RecognisedPages != 0 || len(res.Parts) != 1 {
		t.Fatalf("got media %q, %d pages recognised, %d parts; want ofd, 0, 1", res.Media, res.RecognisedPages, len(res.Parts))
	}
	f := res.Parts[0].Analysis.Fields
	if res.Type != document.MedicalInvoice || f.InvoiceNumber != truth.InvoiceNumber || f.InvoiceCode != truth.InvoiceCode ||
		f.CheckCode != truth.CheckCode || f.TotalAmountFen != truth.TotalFen || f.PatientName != truth.PatientName {
		t.Errorf("got type %q, fields %+v; want a medical invoice of %+v", res.Type, f, truth)
	}
	if src, ok := f.Sources["total_amount_fen"]; !ok || src.Page != 1 || src.Confidence != 1 || src.Box.W == 0 {
		t.Errorf("total's source: got %+v (found %v), want page 1 with a box, confidence 1", src, ok)
	}
}

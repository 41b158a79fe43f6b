package service_test

import (
	"net/http"
	"testing"
	"time"

	"claims.local/intake/internal/service"
	"claims.local/pkg/document/scantest"
	"claims.local/pkg/httpapi/apitest"
)

// TestAnOFDInvoiceIsStoredAndRead: an electronic invoice in OFD, the
// national format, is taken like a scan (201, media ofd) and read by the
// pipeline from its XML. Before migration 0009 the documents table refused
// the media and the upload answered 500.
func TestAnOFDInvoiceIsStoredAndRead(t *testing.T) {
	t.Parallel()
	pg, truth := scantest.ElectronicMedicalInvoice()
	data, err := scantest.OFD([]scantest.OFDPage{pg})
	if err != nil {
		t.Fatal(err)
	}
	r := startWith(t, func(c *service.Config) { c.OCRWorkers = 1 })
	rep, _ := r.createReport(t, "P-OFD-1")
	a := r.upload(t, rep.ID, "invoice.ofd", data)
	if a.Status != http.StatusCreated {
		t.Fatalf("upload: got %d %s, want 201", a.Status, a.Body)
	}
	doc := decode[documentJSON](t, a)
	if doc.Media != "ofd" || doc.Pages != 1 {
		t.Fatalf("got media %q, %d pages; want ofd, 1", doc.Media, doc.Pages)
	}
	apitest.Eventually(t, time.Minute, "the OFD invoice read", func() bool {
		doc = decode[documentJSON](t, r.Do(t, http.MethodGet, "/v1/reports/"+rep.ID+"/documents/"+doc.ID, ""))
		return doc.State == "read"
	})
	if doc.Type != "medical_invoice" || doc.Fields.InvoiceNumber != truth.InvoiceNumber {
		t.Errorf("got type %q, invoice number %v; want medical_invoice %s", doc.Type, doc.Fields.InvoiceNumber, truth.InvoiceNumber)
	}
}

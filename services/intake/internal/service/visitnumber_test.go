package service_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"claims.local/intake/internal/service"
	"claims.local/pkg/document/scantest"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/postgres/pgtest"
)

// TestTheVisitNumberTravelsWithTheClaimRequest: the receipt and the
// diagnosis certificate of one visit print its number (门诊号), which
// intake reads and hands on with each document, located, for
// adjudication to tie the two (issue 19); the identity card carries none.
func TestTheVisitNumberTravelsWithTheClaimRequest(t *testing.T) {
	t.Parallel()
	r := startWith(t, func(c *service.Config) { c.OCRWorkers = 1 })
	a := r.Do(t, http.MethodPost, "/v1/reports", newReportJSON("P-VISIT-1"))
	want(t, "report", a, http.StatusCreated)
	rep := decode[report](t, a)
	set := scantest.ClaimSet{InvoiceCode: "31060119", InvoiceNumber: "7000000042", CheckCode: "c00042", Institution: "上海市第六人民医院",
		Patient: "张三", Date: "2026-11-20", FundPaidFen: 60_000, PersonalCashFen: 40_000, SelfPayFen: 30_000, SelfFundedFen: 10_000,
		Insured: "张三", IDNumber: scantest.IDNumber(7), VisitNumber: "2610000042"}
	token := apitest.Token(t, r.keys, apitest.Everyone())
	uploadAs(t, r, token, rep.ID, "invoice.pdf", scantest.TextPDF(set.InvoiceLines()))
	uploadAs(t, r, token, rep.ID, "diagnosis.pdf", scantest.TextPDF(set.DiagnosisLines()))
	uploadAs(t, r, token, rep.ID, "id.pdf", scantest.TextPDF(set.IDCardLines()))
	apitest.Eventually(t, 2*time.Minute, "the documents read", func() bool {
		got := r.get(t, rep.ID)
		return len(got.Documents) == 3 && !slices.ContainsFunc(got.Documents, func(d documentJSON) bool { return d.State != "read" })
	})
	r.satisfyAll(t, rep.ID)
	want(t, "claim request", r.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/claim-request", ""), http.StatusCreated)

	sent := claimRequested(t, pgtest.Open(t, r.dsn, 2), rep.ClaimID)
	if len(sent) != 1 {
		t.Fatalf("got %d claim requests, want 1", len(sent))
	}
	byType := map[string]events.ClaimDocument{}
	for _, d := range sent[0].Documents {
		byType[d.Type] = d
	}
	for _, typ := range []string{"medical_invoice", "diagnosis_certificate"} {
		d := byType[typ]
		if src, ok := d.Sources["visit_number"]; d.VisitNumber != "2610000042" || !ok || src.Page != 1 || src.Confidence != 1 {
			t.Errorf("%s: got visit number %q, source %+v (%v); want 2610000042 on page 1, read exactly", typ, d.VisitNumber, src, ok)
		}
		if d.VisitKind != "outpatient" {
			t.Errorf("%s: got visit kind %q, want outpatient (门诊号)", typ, d.VisitKind)
		}
	}
	if id := byType["id_card"]; id.VisitNumber != "" || id.VisitKind != "" {
		t.Errorf("identity card: got visit number %q of kind %q, want none", id.VisitNumber, id.VisitKind)
	}
}

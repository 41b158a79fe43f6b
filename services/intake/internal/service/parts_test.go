package service_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"claims.local/intake/internal/adapters"
	"claims.local/intake/internal/domain"
	"claims.local/intake/internal/service"
	"claims.local/pkg/calendar"
	"claims.local/pkg/document"
	"claims.local/pkg/document/ocr"
	"claims.local/pkg/document/scantest"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/postgres/pgtest"
)

// bundleReader reads every upload as the same two-part bundle, a discharge
// summary on page 1 and an invoice on page 2, with where each field was
// read: what document.AnalyzePages gives for such a PDF, without Tesseract.
type bundleReader struct{ *adapters.Reader }

// invoiceBox is where bundleReader reads the invoice's total, on page 2.
var invoiceBox = document.Box{X: 412, Y: 980, W: 360, H: 44}

func (bundleReader) Read(context.Context, []byte) (domain.Reading, error) {
	summary := document.Fields{Names: []string{"王五"}, EventDate: calendar.Date{Year: 2026, Month: 9, Day: 20},
		Sources: map[string]document.Source{"event_date": {Page: 1, Box: document.Box{X: 80, Y: 300, W: 500, H: 40}, Confidence: 0.88}}}
	invoice := document.Fields{HasAmount: true, TotalAmountFen: 123_450, HasFigures: true, FiguresFen: 123_450, InvoiceNumber: "A1234567",
		Sources: map[string]document.Source{
			"total_amount_fen": {Page: 2, Box: invoiceBox, Confidence: 0.91},
			"invoice_number":   {Page: 2, Box: document.Box{X: 900, Y: 120, W: 280, H: 40}, Confidence: 0.97},
		}}
	return domain.Reading{Type: document.DischargeSummary, Confidence: 0.9, Fields: summary, Text: "出院小结\n\n医疗收费票据",
		Pages: []document.Page{
			{Number: 1, Width: 1240, Height: 1754, Source: document.FromOCR, Lines: []document.Line{{Text: "出院小结", Box: document.Box{X: 80, Y: 100, W: 300, H: 50}, Confidence: 0.9}}},
			{Number: 2, Width: 1754, Height: 1240, Rotation: 90, Source: document.FromOCR, Lines: []document.Line{{Text: "合计 1234.50", Box: invoiceBox, Confidence: 0.91}}},
		},
		Parts: []document.Part{
			{FirstPage: 1, LastPage: 1, Analysis: document.Analysis{Type: document.DischargeSummary, Confidence: 0.9, Fields: summary}},
			{FirstPage: 2, LastPage: 2, Analysis: document.Analysis{Type: document.MedicalInvoice, Confidence: 0.95, Fields: invoice}},
		}}, nil
}

// disagreeReader reads as bundleReader, but the invoice's total in figures
// (9,234.50 yuan, a 1 made a 9) disagrees with its capitals (1,234.50).
type disagreeReader struct{ bundleReader }

func (r disagreeReader) Read(ctx context.Context, data []byte) (domain.Reading, error) {
	got, err := r.bundleReader.Read(ctx, data)
	f := &got.Parts[1].Analysis.Fields
	f.TotalAmountFen, f.FiguresFen, f.HasCapitals, f.CapitalsFen, f.AmountsDisagree = 923_450, 923_450, true, 123_450, true
	return got, err
}

// idCardReader reads as bundleReader, but the machine took the second
// part for an ID card.
type idCardReader struct{ bundleReader }

func (r idCardReader) Read(ctx context.Context, data []byte) (domain.Reading, error) {
	got, err := r.bundleReader.Read(ctx, data)
	got.Parts[1].Analysis.Type = document.IDCard
	return got, err
}

// startBundled starts intake with a reader worker reading every upload as
// bundleReader does.
func startBundled(t *testing.T) *running {
	t.Helper()
	return startWith(t, func(c *service.Config) {
		c.OCRWorkers = 1
		c.Reader = bundleReader{adapters.NewReader(ocr.Config{Limits: document.DefaultLimits()}, nil)}
	})
}

// uploadBundle uploads a two-page PDF to report reportID and returns it
// once read.
func (r *running) uploadBundle(t *testing.T, reportID string) partsDocumentJSON {
	t.Helper()
	path := "/v1/reports/" + reportID + "/documents/" + decode[documentJSON](t, r.upload(t, reportID, "bundle.pdf", scantest.BlankPDF(2))).ID
	var got partsDocumentJSON
	apitest.Eventually(t, time.Minute, "the bundle read", func() bool {
		got = decode[partsDocumentJSON](t, r.Do(t, http.MethodGet, path, ""))
		return got.State == "read"
	})
	return got
}

type sourceJSON struct {
	Page       int     `json:"page"`
	Box        [4]int  `json:"box"`
	Confidence float64 `json:"confidence"`
}

type partsDocumentJSON struct {
	ID    string `json:"id"`
	State string `json:"state"`
	Parts []struct {
		Index     int                   `json:"index"`
		Pages     [2]int                `json:"pages"`
		Type      string                `json:"type"`
		Fields    fields                `json:"fields"`
		Sources   map[string]sourceJSON `json:"sources"`
		Satisfies []string              `json:"satisfies"`
		Corrected []string              `json:"corrected"`
		Reading   *struct {
			Fields fields `json:"fields"`
		} `json:"reading"`
	} `json:"parts"`
	PageImages []struct {
		Number, Width, Height, Rotation int
	} `json:"page_images"`
}

// TestAFieldsSourceSurvivesTheWholePath uploads a two-part PDF: each part
// satisfies its own checklist item, the invoice total's page and box travel
// from the reading to the database, the API and the claim-request event, a
// correction addresses the invoice part and keeps the machine's reading,
// and the viewer gets each page as an image.
func TestAFieldsSourceSurvivesTheWholePath(t *testing.T) {
	t.Parallel()
	r := startBundled(t)
	doc := r.Spec(t)
	db := pgtest.Open(t, r.dsn, 2)
	rep := r.report(t, reportBody("P-2026-000777", "王五", map[string]string{"name": "王五", "role": "insured"}))
	base := "/v1/reports/" + rep.ID
	want(t, "claim request", r.Do(t, http.MethodPost, base+"/claim-request", ""), http.StatusCreated)
	got := r.uploadBundle(t, rep.ID)
	up := got
	if len(got.Parts) != 2 || got.Parts[0].Type != "discharge_summary" || got.Parts[1].Type != "medical_invoice" || got.Parts[1].Pages != [2]int{2, 2} {
		t.Fatalf("got parts %+v, want a discharge summary then an invoice on page 2", got.Parts)
	}
	if !slices.Equal(got.Parts[0].Satisfies, []string{"treatment_record"}) || !slices.Equal(got.Parts[1].Satisfies, []string{"medical_invoices"}) {
		t.Fatalf("got parts satisfying %v and %v, want treatment_record and medical_invoices", got.Parts[0].Satisfies, got.Parts[1].Satisfies)
	}
	wantBox := [4]int{invoiceBox.X, invoiceBox.Y, invoiceBox.W, invoiceBox.H}
	if s := got.Parts[1].Sources["total_amount_fen"]; s.Page != 2 || s.Box != wantBox || s.Confidence != 0.91 {
		t.Fatalf("got the total's source %+v, want page 2, box %v, confidence 0.91", s, wantBox)
	}
	if len(got.PageImages) != 2 || got.PageImages[1].Width != 1754 || got.PageImages[1].Rotation != 90 {
		t.Fatalf("got page images %+v, want two, the second 1754 wide turned 90°", got.PageImages)
	}
	checklist := r.get(t, rep.ID).Checklist
	for _, item := range []string{"treatment_record", "medical_invoices"} {
		if it := checklist.item(t, item); it.State != "satisfied" || len(it.SatisfiedBy) != 1 || it.SatisfiedBy[0].DocumentID != up.ID {
			t.Fatalf("got %s %s by %+v, want satisfied by the bundle", item, it.State, it.SatisfiedBy)
		}
	}

	// The viewer's page images: a page of the PDF as PNG, and no page 3.
	const pageOp = "GET /v1/reports/{id}/documents/{doc}/pages/{n}"
	page := r.Do(t, http.MethodGet, base+"/documents/"+up.ID+"/pages/2", "")
	if page.Status != http.StatusOK || page.Header.Get("Content-Type") != "image/png" || len(page.Body) < 8 || string(page.Body[1:4]) != "PNG" {
		t.Fatalf("got page 2 as %d %s (%d bytes), want a PNG", page.Status, page.Header.Get("Content-Type"), len(page.Body))
	}
	doc.WantError(t, pageOp, r.Do(t, http.MethodGet, base+"/documents/"+up.ID+"/pages/3", ""), 404, "not_found", "")

	// A correction of a part the upload does not hold is refused; one of
	// the invoice part changes it only, and keeps the machine's reading.
	const corrOp = "POST /v1/reports/{id}/documents/{doc}/corrections"
	corrections := base + "/documents/" + up.ID + "/corrections"
	doc.WantError(t, corrOp, r.Do(t, http.MethodPost, corrections, `{"part":2,"fields":{"total_amount_fen":1}}`), 400, "invalid_argument", "part")
	doc.WantError(t, corrOp, r.Do(t, http.MethodPost, corrections, `{"part":0,"expected_type":"medical_invoice","fields":{"total_amount_fen":1}}`), 409, "conflict", "")
	want(t, "correction of the invoice part", r.Do(t, http.MethodPost, corrections,
		`{"part":1,"expected_type":"medical_invoice","fields":{"total_amount_fen":123460},"note":"看原件"}`), http.StatusCreated)
	got = decode[partsDocumentJSON](t, r.Do(t, http.MethodGet, base+"/documents/"+up.ID, ""))
	inv := got.Parts[1]
	if inv.Fields.TotalAmountFen == nil || *inv.Fields.TotalAmountFen != 123460 || inv.Reading == nil || inv.Reading.Fields.TotalAmountFen == nil ||
		*inv.Reading.Fields.TotalAmountFen != 123450 || !slices.Equal(inv.Corrected, []string{"total_amount_fen"}) || got.Parts[0].Fields.TotalAmountFen != nil {
		t.Fatalf("got the invoice part %+v, want 123460 corrected over the machine's 123450, the summary untouched", inv)
	}

	// The rest at the counter; the claim goes to adjudication with both
	// parts and where their fields were read.
	r.satisfyAll(t, rep.ID)
	sent := claimRequested(t, db, rep.ClaimID)
	if len(sent) != 1 || len(sent[0].Documents) != 2 {
		t.Fatalf("got claim-requested %+v, want one with two documents", sent)
	}
	i := slices.IndexFunc(sent[0].Documents, func(d events.ClaimDocument) bool { return d.Type == "medical_invoice" })
	if i < 0 {
		t.Fatalf("got documents %+v, want the invoice part", sent[0].Documents)
	}
	d := sent[0].Documents[i]
	if d.DocumentID != up.ID || d.Part != 1 || d.FirstPage != 2 || d.TotalAmountFen != 123460 || d.InvoiceNumber != "A1234567" ||
		d.Sources["total_amount_fen"].Page != 2 || d.Sources["total_amount_fen"].Box != wantBox ||
		!slices.Equal(d.Corrected, []string{"total_amount_fen"}) || d.Confidence != 0.97 {
		t.Fatalf("got the invoice event %+v, want part 1 of %s from page 2, 123460 fen corrected, the total's box %v, confidence 0.97 (the lowest not corrected)",
			d, up.ID, wantBox)
	}
	// Who corrected it is told (issue 19): adjudication lets them not
	// decide the claim on what they typed.
	if !slices.Equal(d.CorrectedBy, []string{"tester"}) || slices.ContainsFunc(sent[0].Documents, func(o events.ClaimDocument) bool { return o.Part == 0 && len(o.CorrectedBy) > 0 }) {
		t.Fatalf("got corrected by %v on the invoice part, %+v; want tester on the invoice part only", d.CorrectedBy, sent[0].Documents)
	}
}

// TestAttackAnIDCardInABundleIsNotServedWithoutAReason: the file of an
// upload whose second part is an ID card shows the ID number as much as a
// lone card: its file and its pages are served only for a reason, which is
// recorded (R11, issue 17), though its first part is a discharge summary.
func TestAttackAnIDCardInABundleIsNotServedWithoutAReason(t *testing.T) {
	t.Parallel()
	r := startBundled(t)
	doc := r.Spec(t)
	rep := r.report(t, reportBody("P-2026-000778", "王五", map[string]string{"name": "王五", "role": "insured"}))
	path := "/v1/reports/" + rep.ID + "/documents/" + r.uploadBundle(t, rep.ID).ID
	want(t, "the second part is an ID card", r.Do(t, http.MethodPost, path+"/corrections",
		`{"part":1,"expected_type":"medical_invoice","type":"id_card","note":"身份证复印件"}`), http.StatusCreated)
	doc.WantError(t, "GET /v1/reports/{id}/documents/{doc}/content", r.Do(t, http.MethodGet, path+"/content", ""), 400, "invalid_argument", "reason")
	doc.WantError(t, "GET /v1/reports/{id}/documents/{doc}/pages/{n}", r.Do(t, http.MethodGet, path+"/pages/1", ""), 400, "invalid_argument", "reason")
	doc.WantError(t, "GET /v1/reports/{id}/documents/{doc}/pages/{n}", r.Do(t, http.MethodGet, path+"/pages/1?reason=", ""), 400, "invalid_argument", "reason")
	doc.WantError(t, "GET /v1/reports/{id}/documents/{doc}/pages/{n}", r.Do(t, http.MethodGet, path+"/pages/1?reason=+%E3%80%80", ""), 400, "invalid_argument", "reason")
	for _, n := range []string{"0", "-1", "3", "99999999999999999999", "1e3", "01x"} {
		doc.WantError(t, "GET /v1/reports/{id}/documents/{doc}/pages/{n}", r.Do(t, http.MethodGet, path+"/pages/"+n+"?reason=checking", ""), 404, "not_found", "")
	}
	if a := r.Do(t, http.MethodGet, path+"/pages/2?reason=checking+the+copy", ""); a.Status != http.StatusOK {
		t.Fatalf("got page 2 with a reason: %d %s, want it served", a.Status, a.Body)
	}
	list := r.Do(t, http.MethodGet, "/v1/personal-data-reveals?claim_id="+rep.ClaimID, "")
	if list.Status != http.StatusOK || !strings.Contains(string(list.Body), "checking the copy") {
		t.Fatalf("got reveals %d %s, want the page's read recorded with its reason", list.Status, list.Body)
	}
}

// TestAttackAnAmountWhoseFiguresAndCapitalsDisagreeIsNotConfident: an
// invoice whose total in figures was altered (it no longer matches the
// capitals) goes to adjudication with no confidence in its total, so the
// straight-through path leaves it to a handler.
func TestAttackAnAmountWhoseFiguresAndCapitalsDisagreeIsNotConfident(t *testing.T) {
	t.Parallel()
	r := startWith(t, func(c *service.Config) {
		c.OCRWorkers = 1
		c.Reader = disagreeReader{bundleReader{adapters.NewReader(ocr.Config{Limits: document.DefaultLimits()}, nil)}}
	})
	db := pgtest.Open(t, r.dsn, 2)
	rep := r.report(t, reportBody("P-2026-000779", "王五", map[string]string{"name": "王五", "role": "insured"}))
	want(t, "claim request", r.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/claim-request", ""), http.StatusCreated)
	r.uploadBundle(t, rep.ID)
	r.satisfyAll(t, rep.ID)
	sent := claimRequested(t, db, rep.ClaimID)
	if len(sent) != 1 {
		t.Fatalf("got %d claim requests, want 1", len(sent))
	}
	i := slices.IndexFunc(sent[0].Documents, func(d events.ClaimDocument) bool { return d.Type == "medical_invoice" })
	if i < 0 {
		t.Fatalf("got documents %+v, want the invoice part", sent[0].Documents)
	}
	if d := sent[0].Documents[i]; d.Confidence != 0 || d.Sources["total_amount_fen"].Confidence != 0 || d.TotalAmountFen != 923_450 {
		t.Fatalf("got the invoice %+v, want 923450 fen in figures with confidence 0 in the document and its total", d)
	}
}

// TestAttackRetypingAnIDCardDoesNotUnlockItsPages: a handler who corrects
// the type of a part the machine read as an ID card (to an invoice, to
// "other") still needs a reason, recorded, to see the upload's file or
// pages: a correction is not a way round the reveal (R11, issue 17).
func TestAttackRetypingAnIDCardDoesNotUnlockItsPages(t *testing.T) {
	t.Parallel()
	r := startWith(t, func(c *service.Config) {
		c.OCRWorkers = 1
		c.Reader = idCardReader{bundleReader{adapters.NewReader(ocr.Config{Limits: document.DefaultLimits()}, nil)}}
	})
	doc := r.Spec(t)
	rep := r.report(t, reportBody("P-2026-000780", "王五", map[string]string{"name": "王五", "role": "insured"}))
	path := "/v1/reports/" + rep.ID + "/documents/" + r.uploadBundle(t, rep.ID).ID
	doc.WantError(t, "GET /v1/reports/{id}/documents/{doc}/pages/{n}", r.Do(t, http.MethodGet, path+"/pages/2", ""), 400, "invalid_argument", "reason")
	want(t, "the ID card retyped as an invoice", r.Do(t, http.MethodPost, path+"/corrections",
		`{"part":1,"expected_type":"id_card","type":"medical_invoice","note":"看错了"}`), http.StatusCreated)
	doc.WantError(t, "GET /v1/reports/{id}/documents/{doc}/pages/{n}", r.Do(t, http.MethodGet, path+"/pages/2", ""), 400, "invalid_argument", "reason")
	doc.WantError(t, "GET /v1/reports/{id}/documents/{doc}/content", r.Do(t, http.MethodGet, path+"/content", ""), 400, "invalid_argument", "reason")
}

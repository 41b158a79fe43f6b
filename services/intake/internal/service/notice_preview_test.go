package service_test

import (
	"net/http"
	"slices"
	"testing"
)

// TestANoticeIsSentOnlyAsPreviewed: the console shows the items a notice
// will list before it is sent; when a document came in after the preview,
// the notice is refused and nothing is sent (attack: a stale or forged
// preview), and a notice confirmed with the current items lists them.
func TestANoticeIsSentOnlyAsPreviewed(t *testing.T) {
	t.Parallel()
	r := start(t)
	doc := r.Spec(t)
	rep := r.report(t, reportBody("P-2026-000889", "王五", map[string]string{"name": "王五", "role": "insured"}))
	base := "/v1/reports/" + rep.ID
	want(t, "claim request", r.Do(t, http.MethodPost, base+"/claim-request", ""), http.StatusCreated)
	stale := `{"channel":"sms","items":["insured_id","medical_invoices","treatment_record"]}`
	idCard := decode[documentJSON](t, r.upload(t, rep.ID, "id.png", grayPNG(t, 1)))
	want(t, "correction", r.Do(t, http.MethodPost, base+"/documents/"+idCard.ID+"/corrections",
		`{"type":"id_card","fields":{"names":["王五"]},"note":"身份证正面"}`), http.StatusCreated)

	const noticeOp = "POST /v1/reports/{id}/missing-documents-notices"
	doc.WantError(t, noticeOp, r.Do(t, http.MethodPost, base+"/missing-documents-notices", stale), 409, "conflict", "")
	if got := r.get(t, rep.ID); len(got.Notices) != 0 {
		t.Fatalf("after a stale preview: got %d notices, want none sent", len(got.Notices))
	}
	a := r.Do(t, http.MethodPost, base+"/missing-documents-notices", `{"channel":"sms","items":["treatment_record","medical_invoices"]}`)
	want(t, "notice as previewed", a, http.StatusCreated)
	if got := decode[noticeJSON](t, a).itemIDs(); !slices.Equal(got, []string{"medical_invoices", "treatment_record"}) {
		t.Fatalf("got the notice of %v, want the previewed medical_invoices and treatment_record", got)
	}
}

package service_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/postgres/pgtest"
)

// TestAttackANoticeInThePostStopsTheClockOnlyFromItsDelivery: intake's
// one-time notice (R3) stopped the decision clock (R4) from its sending, so
// a letter's days in the post were deducted from the claimant's deadline.
// The days deducted run from the day after the notice reached the claimant
// (Judicial Interpretation II of the Insurance Law, art. 15): a letter's
// delivery is recorded from its postal receipt, once, never in the future
// nor before the sending, and the claim request hands adjudication the
// stop from that delivery. (The due date this makes is worked by hand in
// adjudication's TestAttackAPostedR3NoticeDeductsOnlyFromItsDelivery.)
func TestAttackANoticeInThePostStopsTheClockOnlyFromItsDelivery(t *testing.T) {
	t.Parallel()
	r := start(t)
	doc := r.Spec(t)
	db := pgtest.Open(t, r.dsn, 2)
	rep := r.report(t, reportBody("P-2026-000890", "王五", map[string]string{"name": "王五", "role": "insured"}))
	base := "/v1/reports/" + rep.ID
	idCard := decode[documentJSON](t, r.upload(t, rep.ID, "id.png", grayPNG(t, 1)))
	want(t, "claim request", r.Do(t, http.MethodPost, base+"/claim-request", ""), http.StatusCreated)
	want(t, "correction", r.Do(t, http.MethodPost, base+"/documents/"+idCard.ID+"/corrections",
		`{"type":"id_card","fields":{"names":["王五"]}}`), http.StatusCreated)

	const sendOp = "POST /v1/reports/{id}/missing-documents-notices"
	doc.WantError(t, sendOp, r.Do(t, http.MethodPost, base+"/missing-documents-notices", `{"channel":"letter","receipt":"挂号信 XA100"}`),
		400, "invalid_argument", "receipt")
	a := r.Do(t, http.MethodPost, base+"/missing-documents-notices", `{"channel":"letter"}`)
	want(t, "one-time notice by post", a, http.StatusCreated)
	notice := decode[noticeJSON](t, a)
	if notice.DeliveredAt != nil {
		t.Fatalf("got a letter delivered at %v as it was posted, want no delivery until its receipt", notice.DeliveredAt)
	}

	const op = "POST /v1/reports/{id}/missing-documents-notices/{seq}/delivery"
	delivery := fmt.Sprintf("%s/missing-documents-notices/%d/delivery", base, notice.Seq)
	body := func(at time.Time, receipt string) string {
		return fmt.Sprintf(`{"delivered_at":%q,"receipt":%q}`, at.Format(time.RFC3339Nano), receipt)
	}
	doc.WantError(t, op, r.Do(t, http.MethodPost, delivery, body(time.Now().Add(24*time.Hour), "挂号信回执 XA100")), 400, "invalid_argument", "delivered_at")
	doc.WantError(t, op, r.Do(t, http.MethodPost, delivery, body(notice.SentAt.Add(-time.Second), "挂号信回执 XA100")), 400, "invalid_argument", "delivered_at")
	doc.WantError(t, op, r.Do(t, http.MethodPost, delivery, body(notice.SentAt, "")), 400, "invalid_argument", "receipt")
	doc.WantError(t, op, r.Do(t, http.MethodPost, fmt.Sprintf("%s/missing-documents-notices/9/delivery", base), body(notice.SentAt, "回执")), 404, "not_found", "")

	delivered := time.Now().Truncate(time.Microsecond)
	if delivered.Before(notice.SentAt) {
		delivered = notice.SentAt
	}
	a = r.Do(t, http.MethodPost, delivery, body(delivered, "挂号信回执 XA100"))
	want(t, "delivery", a, http.StatusCreated)
	if got := decode[noticeJSON](t, a); got.DeliveredAt == nil || !got.DeliveredAt.Equal(delivered) || got.Receipt != "挂号信回执 XA100" || got.DeliveryRecordedBy != "tester" {
		t.Fatalf("got notice %+v, want delivered at %v by the receipt 挂号信回执 XA100, recorded by tester", got, delivered)
	}
	// Written once: a second receipt, later or the same, is refused.
	doc.WantError(t, op, r.Do(t, http.MethodPost, delivery, body(delivered.Add(time.Second), "挂号信回执 XA101")), 409, "conflict", "")
	doc.WantError(t, op, r.Do(t, http.MethodPost, delivery, body(delivered, "挂号信回执 XA100")), 409, "conflict", "")

	want(t, "satisfy invoices", r.Do(t, http.MethodPost, base+"/checklist/items/medical_invoices/satisfy", `{"reason":"发票原件已在柜面核验"}`), http.StatusCreated)
	want(t, "satisfy record", r.Do(t, http.MethodPost, base+"/checklist/items/treatment_record/satisfy", `{"reason":"出院小结原件已在柜面核验"}`), http.StatusCreated)
	sent := claimRequested(t, db, rep.ClaimID)
	if len(sent) != 1 || len(sent[0].Supplements) != 1 {
		t.Fatalf("got claim requests %+v, want one with one stop", sent)
	}
	s := sent[0].Supplements[0]
	if !s.NoticeSentAt.Equal(notice.SentAt) || s.DeliveredAt == nil || !s.DeliveredAt.Equal(delivered) || s.ReceivedAt == nil || s.ReceivedAt.Before(delivered) {
		t.Fatalf("got stop %+v, want the letter sent at %v, the stop from its delivery at %v to the supplement", s, notice.SentAt, delivered)
	}
	var file struct {
		Supplements []struct {
			DeliveredAt *time.Time `json:"delivered_at"`
		} `json:"supplements"`
	}
	require.NoError(t, json.Unmarshal(r.Do(t, http.MethodGet, base, "").Body, &file))
	if len(file.Supplements) != 1 || file.Supplements[0].DeliveredAt == nil || !file.Supplements[0].DeliveredAt.Equal(delivered) {
		t.Fatalf("got the report's stops %+v, want the one from the delivery at %v", file.Supplements, delivered)
	}
	// Handed over: the stops went with the claim request, a delivery now
	// would reach no deadline.
	doc.WantError(t, op, r.Do(t, http.MethodPost, delivery, body(delivered, "回执")), 409, "conflict", "")
}

// TestANoticeByTextMessageIsDeliveredWithItsReceipt: a text message or
// e-mail reaches the claimant as it is sent, and the gateway's receipt given
// with the sending records its delivery then.
func TestANoticeByTextMessageIsDeliveredWithItsReceipt(t *testing.T) {
	t.Parallel()
	r := start(t)
	rep := r.report(t, reportBody("P-2026-000891", "王五", map[string]string{"name": "王五", "role": "insured"}))
	base := "/v1/reports/" + rep.ID
	want(t, "claim request", r.Do(t, http.MethodPost, base+"/claim-request", ""), http.StatusCreated)
	a := r.Do(t, http.MethodPost, base+"/missing-documents-notices", `{"channel":"sms","receipt":"SMS-GW 7781"}`)
	want(t, "notice by SMS", a, http.StatusCreated)
	n := decode[noticeJSON](t, a)
	if n.DeliveredAt == nil || !n.DeliveredAt.Equal(n.SentAt) || n.Receipt != "SMS-GW 7781" {
		t.Fatalf("got notice %+v, want it delivered as sent, by the receipt SMS-GW 7781", n)
	}
	if got := r.get(t, rep.ID); len(got.Notices) != 1 || got.Notices[0].DeliveredAt == nil || !got.Notices[0].DeliveredAt.Equal(n.SentAt) {
		t.Fatalf("got stored notices %+v, want the delivery kept", got.Notices)
	}
}

// noticeDelivered returns the notice-delivered events of a claim in the
// outbox, each verified as signed with intake's key.
func noticeDelivered(t *testing.T, db *gorm.DB, claimID string) []events.NoticeDeliveredData {
	t.Helper()
	var payloads [][]byte
	require.NoError(t, db.Raw("SELECT payload FROM outbox WHERE event_type = ? AND msg_key = ? ORDER BY id", events.NoticeDelivered.Name, claimID).Scan(&payloads).Error)
	var out []events.NoticeDeliveredData
	for _, p := range payloads {
		e, err := events.Decode(p)
		require.NoError(t, err)
		if err := eventstest.IntakeVerifier(t).Verify(e); err != nil {
			t.Fatalf("notice-delivered %s: got %v, want it signed with intake's key", e.ID, err)
		}
		var d events.NoticeDeliveredData
		require.NoError(t, events.DecodeData(e, events.NoticeDelivered, &d))
		out = append(out, d)
	}
	return out
}

// TestAttackAPostalReceiptAfterTheHandOverReachesAdjudication: the
// one-time notice (R3) went by post and the supplement completed the claim
// before its postal receipt came back, so the claim request went to
// adjudication with a stop that deducts nothing. Intake answered 409 to the
// receipt: the record stayed incomplete and the insurer lost the days the
// law deducts. The receipt is recorded after the hand-over too, once,
// never in the future nor before the sending, and announced to adjudication
// signed like the claim request.
func TestAttackAPostalReceiptAfterTheHandOverReachesAdjudication(t *testing.T) {
	t.Parallel()
	r := start(t)
	doc := r.Spec(t)
	db := pgtest.Open(t, r.dsn, 2)
	rep := r.report(t, reportBody("P-2026-000892", "王五", map[string]string{"name": "王五", "role": "insured"}))
	base := "/v1/reports/" + rep.ID
	idCard := decode[documentJSON](t, r.upload(t, rep.ID, "id.png", grayPNG(t, 2)))
	want(t, "claim request", r.Do(t, http.MethodPost, base+"/claim-request", ""), http.StatusCreated)
	want(t, "correction", r.Do(t, http.MethodPost, base+"/documents/"+idCard.ID+"/corrections",
		`{"type":"id_card","fields":{"names":["王五"]}}`), http.StatusCreated)
	a := r.Do(t, http.MethodPost, base+"/missing-documents-notices", `{"channel":"letter"}`)
	want(t, "one-time notice by post", a, http.StatusCreated)
	notice := decode[noticeJSON](t, a)
	want(t, "satisfy invoices", r.Do(t, http.MethodPost, base+"/checklist/items/medical_invoices/satisfy", `{"reason":"发票原件已在柜面核验"}`), http.StatusCreated)
	want(t, "satisfy record", r.Do(t, http.MethodPost, base+"/checklist/items/treatment_record/satisfy", `{"reason":"出院小结原件已在柜面核验"}`), http.StatusCreated)
	sent := claimRequested(t, db, rep.ClaimID)
	if len(sent) != 1 || len(sent[0].Supplements) != 1 || sent[0].Supplements[0].DeliveredAt != nil {
		t.Fatalf("got claim requests %+v, want one with one stop not known delivered", sent)
	}

	const op = "POST /v1/reports/{id}/missing-documents-notices/{seq}/delivery"
	delivery := fmt.Sprintf("%s/missing-documents-notices/%d/delivery", base, notice.Seq)
	body := func(at time.Time, receipt string) string {
		return fmt.Sprintf(`{"delivered_at":%q,"receipt":%q}`, at.Format(time.RFC3339Nano), receipt)
	}
	doc.WantError(t, op, r.Do(t, http.MethodPost, delivery, body(notice.SentAt.Add(-time.Second), "挂号信回执 XA200")), 400, "invalid_argument", "delivered_at")
	doc.WantError(t, op, r.Do(t, http.MethodPost, delivery, body(time.Now().Add(24*time.Hour), "挂号信回执 XA200")), 400, "invalid_argument", "delivered_at")
	delivered := notice.SentAt.Add(time.Millisecond).Truncate(time.Microsecond)
	a = r.Do(t, http.MethodPost, delivery, body(delivered, "挂号信回执 XA200"))
	want(t, "the postal receipt after the hand-over", a, http.StatusCreated)
	if got := decode[noticeJSON](t, a); got.DeliveredAt == nil || !got.DeliveredAt.Equal(delivered) {
		t.Fatalf("got notice %+v, want it delivered at %v", got, delivered)
	}
	doc.WantError(t, op, r.Do(t, http.MethodPost, delivery, body(delivered.Add(time.Second), "挂号信回执 XA201")), 409, "conflict", "")

	got := noticeDelivered(t, db, rep.ClaimID)
	if len(got) != 1 {
		t.Fatalf("got %d notice-delivered events, want one", len(got))
	}
	if d := got[0]; d.NoticeSeq != notice.Seq || !d.NoticeSentAt.Equal(notice.SentAt) || !d.DeliveredAt.Equal(delivered) ||
		d.Receipt != "挂号信回执 XA200" || d.RecordedBy != "tester" || d.ReportID != rep.ID {
		t.Fatalf("got notice-delivered %+v, want notice %d sent at %v delivered at %v by 挂号信回执 XA200, recorded by tester", d, notice.Seq, notice.SentAt, delivered)
	}
}

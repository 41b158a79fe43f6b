package e2e

import (
	"encoding/json"
	"image"
	"net/http"
	"testing"
	"time"

	"claims.local/pkg/document/scantest"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus/kafkatest"
)

// grayPNG is a small image that reads as nothing: the handler says what it is.
func grayPNG(t *testing.T, seed int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = byte(i*7 + seed*13)
	}
	data, err := scantest.PNG(img)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// claimRequested waits for intake's claim-requested of claimID and returns
// the last one and how many there are.
func (s *system) claimRequested(t *testing.T, claimID string) (events.ClaimRequestedData, int) {
	t.Helper()
	got := readTopic(t, s.brokers, s.topics.Intake(), 60*time.Second, func(es []events.Envelope) bool {
		return countOf(es, claimID, events.ClaimRequested) >= 1
	})
	var requested events.ClaimRequestedData
	for _, e := range got {
		if e.ClaimID == claimID && e.Type == events.ClaimRequested.Name {
			if err := events.DecodeData(e, events.ClaimRequested, &requested); err != nil {
				t.Fatal(err)
			}
		}
	}
	return requested, countOf(got, claimID, events.ClaimRequested)
}

// TestIntakeStopsTheClockPerNotice: the decision clock (R4) stops per notice
// (Judicial Interpretation II of the Insurance Law, art. 15). The one-time
// notice asks for the invoices and the treatment record; both arrive, and
// the invoice's 15,000 yuan makes the bank account necessary, asked for by a
// later notice. The claim request handed to adjudication carries two stops,
// each from when its notice reached the claimant (the SMS as sent, with the
// gateway's receipt; the letter when its postal receipt is recorded, not
// when it was posted) until its own notice's items arrived, and adjudication
// keeps both: the time between the first supplement and the later notice,
// and the letter's time in the post, are not deducted.
func TestIntakeStopsTheClockPerNotice(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.start("intake", "INTAKE_STORAGE_DIR="+t.TempDir(), "INTAKE_OCR_WORKERS=0", "INTAKE_HANDOVER_CONFIRM_WITHIN="+handOverBound.String())
	sys.start("adjudication")
	sys.waitReady("intake")
	sys.waitReady("adjudication")

	incident := time.Now().Add(-72 * time.Hour)
	r := sys.newReport(t, "P-E2E-PER-NOTICE", "王五", incident)
	base := "/v1/reports/" + r.ID
	post := func(what, path string, body any, out any) {
		t.Helper()
		if status := sys.call(t, http.MethodPost, sys.url("intake", base+path), body, out); status != http.StatusCreated {
			t.Fatalf("%s: got status %d, want 201", what, status)
		}
	}
	uploaded := func(name string, seed int) string {
		t.Helper()
		status, raw := sys.upload(t, r.ID, name, grayPNG(t, seed))
		var d struct {
			ID string `json:"id"`
		}
		if status != http.StatusCreated || json.Unmarshal(raw, &d) != nil {
			t.Fatalf("upload %s: got %d %s, want 201", name, status, raw)
		}
		return d.ID
	}
	idCard := uploaded("id.png", 1)
	post("claim request", "/claim-request", nil, nil)
	post("ID card correction", "/documents/"+idCard+"/corrections", map[string]any{"type": "id_card", "fields": map[string]any{"names": []string{"王五"}}}, nil)
	var first, later, delivered struct {
		SentAt      time.Time  `json:"sent_at"`
		DeliveredAt *time.Time `json:"delivered_at"`
	}
	post("one-time notice", "/missing-documents-notices", map[string]string{"channel": "sms", "receipt": "SMS-GW 0001"}, &first)

	invoice := uploaded("invoice.png", 2)
	post("invoice correction", "/documents/"+invoice+"/corrections", map[string]any{"type": "medical_invoice",
		"fields": map[string]any{"total_amount_fen": 1_500_000, "invoice_number": "0012345678", "event_date": incident.Format("2006-01-02")}}, nil)
	post("treatment record seen", "/checklist/items/treatment_record/satisfy", map[string]string{"reason": "出院小结原件已在柜面核验"}, nil)
	time.Sleep(1100 * time.Millisecond)
	post("later notice", "/missing-documents-notices", map[string]string{"channel": "letter", "reason": "发票金额合计15,000元"}, &later)
	time.Sleep(1100 * time.Millisecond)
	post("the letter's postal receipt", "/missing-documents-notices/2/delivery", map[string]string{"receipt": "挂号信回执 XA100"}, &delivered)
	if first.DeliveredAt == nil || !first.DeliveredAt.Equal(first.SentAt) || delivered.DeliveredAt == nil || !delivered.DeliveredAt.After(later.SentAt) {
		t.Fatalf("got the SMS delivered at %v (sent %v) and the letter at %v (sent %v), want the SMS as sent, the letter later", first.DeliveredAt, first.SentAt, delivered.DeliveredAt, later.SentAt)
	}
	post("bank account seen", "/checklist/items/bank_account/satisfy", map[string]string{"reason": "银行卡原件已在柜面核验"}, nil)

	requested, _ := sys.claimRequested(t, r.ClaimID)
	s := requested.Supplements
	if len(s) != 2 || !s[0].NoticeSentAt.Equal(first.SentAt) || s[0].DeliveredAt == nil || !s[0].DeliveredAt.Equal(first.SentAt) ||
		s[0].ReceivedAt == nil || !s[0].ReceivedAt.Before(later.SentAt) ||
		!s[1].NoticeSentAt.Equal(later.SentAt) || s[1].DeliveredAt == nil || !s[1].DeliveredAt.Equal(*delivered.DeliveredAt) ||
		s[1].ReceivedAt == nil || !s[1].ReceivedAt.After(*delivered.DeliveredAt) {
		t.Fatalf("got stops %+v, want one per notice: from the SMS's delivery at %v until its items arrived, then from the letter's at %v", s, first.SentAt, delivered.DeliveredAt)
	}

	var c struct {
		Supplements []struct {
			NoticeSentAt time.Time  `json:"notice_sent_at"`
			DeliveredAt  *time.Time `json:"delivered_at"`
		} `json:"supplements"`
	}
	apitest.Eventually(t, 60*time.Second, "case opened", func() bool {
		return sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/cases/"+r.ClaimID), nil, &c) == http.StatusOK
	})
	if len(c.Supplements) != 2 || c.Supplements[1].DeliveredAt == nil || !c.Supplements[1].DeliveredAt.Equal(*delivered.DeliveredAt) {
		t.Fatalf("got clock stops %+v at adjudication, want the 2 notices', the letter's from its delivery at %v", c.Supplements, delivered.DeliveredAt)
	}
	waitOutHandOverBound()
}

// TestAPostalReceiptAfterTheHandOverStopsTheClockAtAdjudication: the
// one-time notice went by post, and the handler saw the documents it asked
// for before its postal receipt came back, so the claim request went to
// adjudication with a stop not known delivered, which deducts nothing.
// The receipt recorded at intake afterwards reaches adjudication over
// Kafka (claims.intake.notice-delivered, signed by intake): the case's stop
// gets the delivery and the decision deadline (R4) the closed stop, once.
func TestAPostalReceiptAfterTheHandOverStopsTheClockAtAdjudication(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.start("intake", "INTAKE_STORAGE_DIR="+t.TempDir(), "INTAKE_OCR_WORKERS=0")
	sys.start("adjudication")
	sys.waitReady("intake")
	sys.waitReady("adjudication")

	incident := time.Now().Add(-72 * time.Hour)
	r := sys.newReport(t, "P-E2E-LATE-RECEIPT", "王五", incident)
	base := "/v1/reports/" + r.ID
	post := func(what, path string, body any, out any) {
		t.Helper()
		if status := sys.call(t, http.MethodPost, sys.url("intake", base+path), body, out); status != http.StatusCreated {
			t.Fatalf("%s: got status %d, want 201", what, status)
		}
	}
	post("claim request", "/claim-request", nil, nil)
	var letter struct {
		SentAt time.Time `json:"sent_at"`
	}
	post("one-time notice by post", "/missing-documents-notices", map[string]string{"channel": "letter"}, &letter)
	sys.satisfyChecklist(t, r.ID)
	requested, _ := sys.claimRequested(t, r.ClaimID)
	if s := requested.Supplements; len(s) != 1 || s[0].DeliveredAt != nil || s[0].ReceivedAt == nil {
		t.Fatalf("got stops %+v, want the letter's, not known delivered, its documents arrived", s)
	}

	type caseJSON struct {
		Supplements []struct {
			DeliveredAt *time.Time `json:"delivered_at"`
			Receipt     string     `json:"receipt"`
		} `json:"supplements"`
	}
	var c caseJSON
	apitest.Eventually(t, 60*time.Second, "case opened", func() bool {
		return sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/cases/"+r.ClaimID), nil, &c) == http.StatusOK
	})
	delivered := letter.SentAt.Add(time.Millisecond)
	post("the letter's postal receipt, after the hand-over", "/missing-documents-notices/1/delivery",
		map[string]string{"receipt": "挂号信回执 XA400", "delivered_at": delivered.Format(time.RFC3339Nano)}, nil)

	apitest.Eventually(t, 60*time.Second, "the delivery at adjudication", func() bool {
		c = caseJSON{}
		return sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/cases/"+r.ClaimID), nil, &c) == http.StatusOK &&
			len(c.Supplements) == 1 && c.Supplements[0].DeliveredAt != nil
	})
	if s := c.Supplements[0]; !s.DeliveredAt.Equal(delivered) {
		t.Fatalf("got the stop delivered at %v, want %v", s.DeliveredAt, delivered)
	}
	var decision struct {
		Rule   string `json:"rule"`
		Pauses []struct {
			PausedAt time.Time `json:"paused_at"`
		} `json:"pauses"`
	}
	for _, d := range sys.deadlinesOf(t, "adjudication", r.ClaimID) {
		if d.Rule == "decision" {
			sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/deadlines/"+d.ID), nil, &decision)
		}
	}
	if len(decision.Pauses) != 1 || !decision.Pauses[0].PausedAt.Equal(delivered) {
		t.Fatalf("got the decision deadline's stops %+v, want one from the delivery at %v", decision.Pauses, delivered)
	}
}

package domain_test

import (
	"testing"
	"time"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/document"
)

// TestEachNoticeStopsTheClockUntilItsOwnItemsArrive: the decision clock
// (R4) stops per notice (Judicial Interpretation II of the Insurance Law,
// art. 15): from each notice until the items that notice asked for have
// arrived, not from the first notice to the last item. The one-time notice
// at +1h asks for the invoices and the treatment record; an invoice of RMB
// 15,000 makes the bank account necessary, asked for by a later notice.
// Stops that overlap are one stop, so no day is deducted twice.
func TestEachNoticeStopsTheClockUntilItsOwnItemsArrive(t *testing.T) {
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	type stop struct{ from, to int }
	tests := []struct {
		name                      string
		invoice, record, bank, n2 int
		want                      []stop
	}{
		{"the later notice after the first is answered", 24, 48, 120, 96, []stop{{1, 48}, {96, 120}}},
		{"the later notice while the first is awaited", 24, 72, 40, 30, []stop{{1, 72}}},
		{"the later notice answered last, overlapping", 24, 48, 100, 30, []stop{{1, 100}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := file()
			read(f, "d1", document.IDCard, t0, document.Fields{Names: []string{"张三"}})
			if _, err := f.SendNotice(domain.ChannelSMS, "", "h", h(1)); err != nil {
				t.Fatal(err)
			}
			read(f, "d2", document.MedicalInvoice, h(tt.invoice), document.Fields{HasAmount: true, TotalAmountFen: 1_500_000, InvoiceNumber: "0012345678"})
			if _, err := f.SendNotice(domain.ChannelLetter, "发票金额合计15,000元", "h", h(tt.n2)); err != nil {
				t.Fatal(err)
			}
			read(f, "d3", document.DiagnosisCertificate, h(tt.record), document.Fields{})
			f.Waivers = append(f.Waivers, domain.Waiver{ItemID: "bank_account", Reason: "柜面核验银行卡原件", By: "h", At: h(tt.bank)})
			if !f.HandOver(h(200)) {
				t.Fatal("got no hand-over of a complete claim")
			}
			got := f.Supplements()
			if len(got) != len(tt.want) {
				t.Fatalf("got %d stops %+v, want %d %+v", len(got), got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !got[i].NoticeSentAt.Equal(h(w.from)) || got[i].ReceivedAt == nil || !got[i].ReceivedAt.Equal(h(w.to)) {
					t.Errorf("stop %d: got %v to %v, want %v to %v", i, got[i].NoticeSentAt, got[i].ReceivedAt, h(w.from), h(w.to))
				}
			}
		})
	}
}

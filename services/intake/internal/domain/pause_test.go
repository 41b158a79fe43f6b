package domain_test

import (
	"testing"
	"time"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/document"
)

// TestEachNoticeStopsTheClockUntilItsOwnItemsArrive: the decision clock
// (R4) stops per notice (Judicial Interpretation II of the Insurance Law,
// art. 15): from the day after each notice reached the claimant until the
// items that notice asked for have arrived, not from the first notice to
// the last item, and not from the sending. The one-time notice at +1h asks
// for the invoices and the treatment record; an invoice of RMB 15,000 makes
// the bank account necessary, asked for by a later letter. Stops that
// overlap are one stop, so no day is deducted twice; a notice not known to
// have reached the claimant, or reaching them after its items arrived,
// deducts nothing.
func TestEachNoticeStopsTheClockUntilItsOwnItemsArrive(t *testing.T) {
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	const none = -1
	type stop struct{ from, delivered, to int }
	tests := []struct {
		name                      string
		d1, d2                    int
		invoice, record, bank, n2 int
		want                      []stop
	}{
		{"the later notice after the first is answered", 1, 98, 24, 48, 120, 96, []stop{{1, 1, 48}, {96, 98, 120}}},
		{"the later notice while the first is awaited", 1, 31, 24, 72, 40, 30, []stop{{1, 1, 72}}},
		{"the later notice answered last, overlapping", 1, 33, 24, 48, 100, 30, []stop{{1, 1, 100}}},
		{"the later letter still in the post when the first was answered", 1, 60, 24, 48, 100, 30, []stop{{1, 1, 48}, {30, 60, 100}}},
		{"the later letter never delivered", 1, none, 24, 48, 100, 30, []stop{{1, 1, 48}}},
		{"the first never delivered", none, 33, 24, 48, 100, 30, []stop{{1, 33, 100}}},
		{"the first delivered after its items arrived", 50, 98, 24, 48, 120, 96, []stop{{1, none, 48}, {96, 98, 120}}},
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
			for seq, d := range map[int]int{1: tt.d1, 2: tt.d2} {
				if d == none {
					continue
				}
				if _, err := f.RecordNoticeDelivered(seq, h(d), "回执", "h", h(199)); err != nil {
					t.Fatalf("delivery of notice %d: %v", seq, err)
				}
			}
			if !f.HandOver(h(200)) {
				t.Fatal("got no hand-over of a complete claim")
			}
			got := f.Supplements()
			if len(got) != len(tt.want) {
				t.Fatalf("got %d stops %+v, want %d %+v", len(got), got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				delivered := got[i].DeliveredAt == nil && w.delivered == none || got[i].DeliveredAt != nil && w.delivered != none && got[i].DeliveredAt.Equal(h(w.delivered))
				if !got[i].NoticeSentAt.Equal(h(w.from)) || !delivered || got[i].ReceivedAt == nil || !got[i].ReceivedAt.Equal(h(w.to)) {
					t.Errorf("stop %d: got sent %v delivered %v to %v, want %+v (hours)", i, got[i].NoticeSentAt, got[i].DeliveredAt, got[i].ReceivedAt, w)
				}
			}
		})
	}
}

// TestANoticesDeliveryIsRecordedOnce: a notice's delivery is when the decision
// clock stops; it is recorded with its receipt, once, never in the future,
// before the sending; after the hand-over too (the service announces it).
func TestANoticesDeliveryIsRecordedOnce(t *testing.T) {
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	sent := func(t *testing.T) *domain.ClaimFile {
		t.Helper()
		f := file()
		read(f, "d1", document.IDCard, t0, document.Fields{Names: []string{"张三"}})
		if _, err := f.SendNotice(domain.ChannelLetter, "", "h", h(1)); err != nil {
			t.Fatal(err)
		}
		return f
	}
	tests := []struct {
		name      string
		seq       int
		at        time.Time
		receipt   string
		before    func(*domain.ClaimFile)
		wantCode  apperr.Code
		wantField string
	}{
		{"the postal receipt", 1, h(50), "挂号信回执 XA1", nil, "", ""},
		{"now when no time is given", 1, time.Time{}, "挂号信回执 XA1", nil, "", ""},
		{"in the future", 1, h(61), "挂号信回执 XA1", nil, apperr.Invalid, "delivered_at"},
		{"before the sending", 1, h(0), "挂号信回执 XA1", nil, apperr.Invalid, "delivered_at"},
		{"no receipt", 1, h(50), "  ", nil, apperr.Invalid, "receipt"},
		{"no such notice", 2, h(50), "挂号信回执 XA1", nil, apperr.NotFound, ""},
		{"twice", 1, h(52), "挂号信回执 XA2", func(f *domain.ClaimFile) {
			if _, err := f.RecordNoticeDelivered(1, h(50), "挂号信回执 XA1", "h", h(55)); err != nil {
				panic(err)
			}
		}, apperr.Conflict, ""},
		{"after the hand-over (announced to adjudication)", 1, h(50), "挂号信回执 XA1", func(f *domain.ClaimFile) {
			at := h(40)
			f.Report.HandedOverAt = &at
		}, "", ""},
		{"after the hand-over, before the sending", 1, h(0), "挂号信回执 XA1", func(f *domain.ClaimFile) {
			at := h(40)
			f.Report.HandedOverAt = &at
		}, apperr.Invalid, "delivered_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := sent(t)
			if tt.before != nil {
				tt.before(f)
			}
			n, err := f.RecordNoticeDelivered(tt.seq, tt.at, tt.receipt, "h2", h(60))
			if (err == nil) != (tt.wantCode == "") || err != nil && apperr.CodeOf(err) != tt.wantCode {
				t.Fatalf("got error %v, want code %q", err, tt.wantCode)
			}
			if tt.wantField != "" {
				if e, _ := apperr.As(err); e == nil || e.Field != tt.wantField {
					got := ""
					if e != nil {
						got = e.Field
					}
					t.Fatalf("got field %q, want %q", got, tt.wantField)
				}
			}
			if err != nil {
				return
			}
			want := tt.at
			if want.IsZero() {
				want = h(60)
			}
			if n.Delivery == nil || !n.Delivery.At.Equal(want) || n.Delivery.By != "h2" || !n.Delivery.RecordedAt.Equal(h(60)) ||
				f.Notices[0].Delivery == nil || f.Changed.Delivered == nil {
				t.Fatalf("got notice %+v, changes %+v, want delivered at %v recorded by h2", n, f.Changed, want)
			}
		})
	}
}

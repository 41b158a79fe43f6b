package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/ports"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/events/signing"
)

// noticeDelivered is intake's announcement that the notice of claimID sent
// at sent reached the claimant at delivered, signed as intake signs it
// unless unsigned.
func noticeDelivered(t *testing.T, claimID string, sent, delivered time.Time, unsigned bool) events.Envelope {
	t.Helper()
	e, err := events.New(events.NoticeDelivered, "intake", claimID, delivered, events.NoticeDeliveredData{
		ClaimID: claimID, ReportID: "r-" + claimID, NoticeSeq: 1, NoticeSentAt: sent, DeliveredAt: delivered,
		Receipt: "挂号信回执 XA300", RecordedBy: "clerk-1", RecordedAt: delivered.Add(time.Hour)})
	require.NoError(t, err)
	if unsigned {
		return e
	}
	return eventstest.SignRequest(t, e)
}

// TestAttackAPostalReceiptAfterTheHandOverIsAppliedSignedOnceAndNeverEarlier:
// intake's one-time notice (R3) went by post, and the supplement completed
// the claim before its postal receipt came back, so the claim request
// brought a stop that deducts nothing and the decision deadline (R4) lost
// the days the law deducts. Intake now announces the receipt; adjudication
// applies it through the consumer of intake's topic, once: a forged or
// unsigned one is parked with the alarm, a second one for the same notice
// changes nothing, one before the notice's sending or in the future is
// parked, and a deadline already past stays breached.
//
// Worked by hand on the 2026 calendar (November has no holiday): the claim
// request arrives Monday 11-02 10:00, day D; the letter is posted 11-02
// 12:00 and signed for Tuesday 11-03; the supplement arrives Thursday 11-05.
// With no stop, 11-03, 04, 05, 06 and 09 count: due 11-09. With the stop
// from the delivery, 11-03 counts (the delivery day), 11-04 and 11-05 are
// deducted, then 11-06, 09, 10, 11: due 11-11.
func TestAttackAPostalReceiptAfterTheHandOverIsAppliedSignedOnceAndNeverEarlier(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	handle := ports.ClaimRequests(f.app)
	received, sent, delivered, back := november(2, 10), november(2, 12), november(3, 15), november(5, 10)
	handedOver := func(claimID string) {
		d := request(claimID, received)
		d.Supplements = []events.Supplement{{NoticeSentAt: sent, ReceivedAt: &back}}
		f.open(t, d)
	}
	due := func(claimID string) string {
		return f.obligations(t, claimID)[deadline.Decision].DueDate.String()
	}
	f.clock.Set(november(5, 11))
	handedOver("claim-late-receipt")
	handedOver("claim-forged-receipt")
	handedOver("claim-early-receipt")
	handedOver("claim-breached-first")
	require.Equal(t, "2026-11-09", due("claim-late-receipt"), "the due before the receipt")
	f.clock.Set(november(6, 10))

	parked := func(name string, e events.Envelope, reason signing.Reason) {
		t.Helper()
		err := handle(ctx, e)
		var r *signing.Refusal
		if !errors.Is(err, events.ErrMalformed) || (reason != "" && (!errors.As(err, &r) || r.Reason != reason)) {
			t.Errorf("%s: got %v, want it parked (ErrMalformed) %s", name, err, reason)
		}
	}
	parked("unsigned", noticeDelivered(t, "claim-forged-receipt", sent, delivered, true), signing.Unsigned)
	forged := noticeDelivered(t, "claim-forged-receipt", sent, delivered, false)
	forged.Data = []byte(`{"claim_id":"claim-forged-receipt","notice_seq":1,"notice_sent_at":"2026-11-02T04:00:00Z","delivered_at":"2026-11-02T05:00:00Z","receipt":"x"}`)
	parked("changed after intake signed it", forged, signing.BadSignature)
	if got := due("claim-forged-receipt"); got != "2026-11-09" {
		t.Errorf("forged receipts: got due %s, want 2026-11-09", got)
	}

	parked("before the notice's sending", noticeDelivered(t, "claim-early-receipt", sent, sent.Add(-time.Hour), false), "")
	parked("in the future", noticeDelivered(t, "claim-early-receipt", sent, november(7, 10), false), "")
	if got := due("claim-early-receipt"); got != "2026-11-09" {
		t.Errorf("refused receipts: got due %s, want 2026-11-09", got)
	}

	genuine := noticeDelivered(t, "claim-late-receipt", sent, delivered, false)
	require.NoError(t, handle(ctx, genuine))
	require.NoError(t, handle(ctx, genuine), "redelivered")
	if got := due("claim-late-receipt"); got != "2026-11-11" {
		t.Errorf("the genuine receipt: got due %s, want 2026-11-11", got)
	}
	require.NoError(t, handle(ctx, noticeDelivered(t, "claim-late-receipt", sent, delivered.Add(-20*time.Hour), false)),
		"a second receipt of the notice, earlier")
	if got := due("claim-late-receipt"); got != "2026-11-11" {
		t.Errorf("a second receipt: got due %s, want 2026-11-11", got)
	}

	// A breach is permanent: a receipt that comes back after the due time
	// is recorded with the case but moves no deadline.
	f.clock.Set(november(10, 10))
	require.NoError(t, handle(ctx, noticeDelivered(t, "claim-breached-first", sent, delivered, false)))
	if got := due("claim-breached-first"); got != "2026-11-09" {
		t.Errorf("a receipt after the breach: got due %s, want 2026-11-09", got)
	}

	c, err := f.app.Case(ctx, "claim-late-receipt")
	require.NoError(t, err)
	if s := c.Supplements[0]; s.DeliveredAt == nil || !s.DeliveredAt.Equal(delivered) || s.Receipt != "挂号信回执 XA300" {
		t.Errorf("got supplement %+v, want it delivered at %v by 挂号信回执 XA300", s, delivered)
	}
}

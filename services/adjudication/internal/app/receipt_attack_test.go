package app_test

import (
	"context"
	"errors"
	"testing"

	"claims.local/adjudication/internal/ports"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/events/signing"
)

// TestAttackAReceiptOfOneClaimCannotStopAnothersClock is a writer of
// intake's topic holding a genuine, signed announcement of a postal
// receipt of claim A, who sends it again naming claim B (whose decision
// deadline is about to be breached), keyed by B: were the claim taken from
// the message's key or read apart from the signature, B's clock would stop
// on A's receipt. The envelope's claim id is signed: the copy is parked
// with the alarm and B's due stays; A's applies.
func TestAttackAReceiptOfOneClaimCannotStopAnothersClock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	handle := ports.ClaimRequests(f.app)
	received, sent, delivered, back := november(2, 10), november(2, 12), november(3, 15), november(5, 10)
	f.clock.Set(november(5, 11))
	for _, id := range []string{"claim-a", "claim-b"} {
		d := request(id, received)
		d.Supplements = []events.Supplement{{NoticeSentAt: sent, ReceivedAt: &back}}
		f.open(t, d)
	}
	f.clock.Set(november(6, 10))
	genuine := noticeDelivered(t, "claim-a", sent, delivered, false)
	copied := genuine
	copied.ClaimID, copied.Subject = "claim-b", "claim-b"
	err := handle(ctx, copied)
	var r *signing.Refusal
	if !errors.Is(err, events.ErrMalformed) || !errors.As(err, &r) || r.Reason != signing.BadSignature {
		t.Errorf("claim A's receipt sent as claim B's: got %v, want it parked (ErrMalformed) as %s", err, signing.BadSignature)
	}
	if got := f.obligations(t, "claim-b")[deadline.Decision].DueDate.String(); got != "2026-11-09" {
		t.Errorf("claim B after claim A's receipt sent as its own: got due %s, want 2026-11-09", got)
	}
	if err := handle(ctx, genuine); err != nil {
		t.Fatalf("claim A's own receipt: got %v, want it applied", err)
	}
	if got := f.obligations(t, "claim-a")[deadline.Decision].DueDate.String(); got != "2026-11-11" {
		t.Errorf("claim A after its receipt: got due %s, want 2026-11-11", got)
	}
}

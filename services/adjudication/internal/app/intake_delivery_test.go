package app_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
)

// november is h:00 on 2026-11-day in Asia/Shanghai.
func november(day, h int) time.Time { return shanghai(time.November, day, h) }

// TestAttackAPostedR3NoticeDeductsOnlyFromItsDelivery: intake's one-time
// notice (R3) went by post; its days in the post stretched the decision
// deadline (R4) against the claimant, for the clock stopped from the
// sending. The days deducted run from the day after the notice reached the
// claimant to the day the supplement arrived (Judicial Interpretation II of
// the Insurance Law, art. 15); a notice never known to have reached the
// claimant deducts nothing.
//
// Worked by hand on the 2026 calendar (November has no holiday and no
// make-up day): the claim request arrives Monday 11-02 10:00, day D. The
// letter is posted Tuesday 11-03 and signed for Friday 11-06; the supplement
// arrives Wednesday 11-11.
//   - No stop: 5 working days after D are 11-03, 04, 05, 06, 09: due 11-09.
//   - From the delivery: 11-03, 04, 05, 06 count (the delivery day is
//     consumed), 11-07 to 11-11 are deducted, 11-12 is the fifth: due 11-12.
//   - From the sending (the hole): 11-03 counts, 11-04 to 11-11 are
//     deducted, then 11-12, 13, 16, 17: due 11-17, five days the claimant
//     never had the notice.
func TestAttackAPostedR3NoticeDeductsOnlyFromItsDelivery(t *testing.T) {
	t.Parallel()
	sent, delivered, back := november(3, 10), november(6, 15), november(11, 10)
	tests := []struct {
		name      string
		delivered *time.Time
		wantDue   string
	}{
		{"the postal receipt's delivery", &delivered, "2026-11-12"},
		{"no delivery recorded", nil, "2026-11-09"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.clock.Set(november(11, 11))
			claimID := []string{"claim-posted", "claim-undelivered"}[i]
			d := request(claimID, november(2, 10))
			d.Supplements = []events.Supplement{{NoticeSentAt: sent, DeliveredAt: tt.delivered, ReceivedAt: &back}}
			f.open(t, d)
			got := f.obligations(t, claimID)[deadline.Decision].DueDate.String()
			assert.Equal(t, tt.wantDue, got, "got due %s, want %s", got, tt.wantDue)
		})
	}
}

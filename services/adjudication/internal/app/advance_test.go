package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/tracking"
)

// TestR7IsMetWhenTheAdvanceIsPaidNotWhenApproved: R7 (Insurance Law art.
// 25) is a payment in advance, so approving the advance leaves the
// obligation owed; payout's payout-completed of the advance meets it at the
// time the money was paid. Both claims were received on 2026-09-30 (R7
// due 2026-11-30); both advances are approved in time on 11-20; one is
// paid on 11-25 (met), the other on 12-02 (missed). A final payment does
// not meet R7.
func TestR7IsMetWhenTheAdvanceIsPaidNotWhenApproved(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	payee := domain.PayeeInput{Name: "张三", Role: "insured", BankName: "中国工商银行", AccountNumber: "6222020200112233445"}
	for _, id := range []string{"r7-on-time", "r7-late"} {
		f.clock.Set(received.Add(time.Minute))
		f.open(t, request(id, received))
		f.clock.Set(at(20, 2, time.November))
		_, err := f.app.RecordAdvance(ctx, handler, id, domain.AdvanceInput{AmountFen: 100_000, Reason: "门诊费用已确定", Payee: payee})
		require.NoError(t, err)
		o := f.obligations(t, id)[deadline.AdvancePayment]
		assert.Equal(t, tracking.StateOpen, o.State, "%s: approved, not paid: R7 still owed", id)
	}

	paid := at(25, 2, time.November)
	late := at(2, 2, time.December)
	f.clock.Set(late.Add(time.Hour))
	for _, e := range []events.Envelope{
		payoutCompleted(t, "r7-on-time", events.PayoutTypeFinal, 50_000, at(24, 2, time.November)),
		payoutCompleted(t, "r7-on-time", events.PayoutTypeAdvance, 100_000, paid),
		payoutCompleted(t, "r7-late", events.PayoutTypeAdvance, 100_000, late),
	} {
		require.NoError(t, f.app.RecordPayout(ctx, e))
	}
	onTime := f.obligations(t, "r7-on-time")[deadline.AdvancePayment]
	require.NotNil(t, onTime.DoneAt)
	assert.Equal(t, tracking.StateMet, onTime.State)
	assert.True(t, onTime.DoneAt.Equal(paid), "got done at %v, want the payment's %v", onTime.DoneAt, paid)
	lateO := f.obligations(t, "r7-late")[deadline.AdvancePayment]
	assert.Equal(t, tracking.StateMissed, lateO.State, "approved in time, paid after 11-30")
}

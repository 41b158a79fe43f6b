package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/calendar"
	"claims.local/pkg/events"
)

// importBranchPolicy stores the product and policy number held by branch.
func (f *fixture) importBranchPolicy(t *testing.T, number, branch string) {
	t.Helper()
	admin := domain.Actor{Subject: "admin-1", Roles: []string{"admin"}}
	_, _, err := f.app.PutProduct(context.Background(), admin, product())
	require.NoError(t, err)
	p := policy(number)
	p.Branch = branch
	_, _, err = f.app.PutPolicy(context.Background(), admin, p)
	require.NoError(t, err)
}

// payoutCompleted is payout's event of a completed payment of claimID.
func payoutCompleted(t *testing.T, claimID, payoutType string, amount int64, at time.Time) events.Envelope {
	t.Helper()
	e, err := events.New(events.PayoutCompleted, "payout", claimID, at, events.PayoutData{ObligationID: "ob-" + claimID + "-" + payoutType,
		ClaimID: claimID, PayoutType: payoutType, AmountFen: amount, Currency: "CNY", Status: "completed", CompletedAt: &at})
	require.NoError(t, err)
	return e
}

// TestIndicatorsOnASeededHistoryEqualAHandCount seeds six claims requested
// on Monday 2026-11-02 at 10:00 (5 working days end on 11-09, 1 on 11-03),
// incidents two days before, and checks the indicators against a count
// made by hand:
//
//	A  BJ  handler-1  small 1,000    approved 11-03 15:00, paid 11-05 10:00   within 1 and 5
//	B  BJ  handler-1  large 10,000   approved 11-12 (late)                     not within 5
//	C  SH  handler-1  small 2,000    paused 11-03..11-10, approved 11-11, paid 11-13 10:00   not within 5 (no pause deducted)
//	D  SH  senior-1   large 8,000    complex 11-04, approved 11-20             not within 5
//	E  SH  -          withdrawn 11-04                                          in no rate
//	F  BJ  handler-2  small 500      rejected 11-06                            within 5, not 1
func TestIndicatorsOnASeededHistoryEqualAHandCount(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.importBranchPolicy(t, "P-BJ", "BJ")
	f.importBranchPolicy(t, "P-SH", "SH")
	handler2 := domain.Actor{Subject: "handler-2", Roles: []string{domain.RoleHandler}}
	req := shanghai(time.November, 2, 10)
	f.clock.Set(req.Add(time.Minute))
	for _, c := range []struct {
		id, policy string
		claimed    int64
		paused     bool
	}{{"A", "P-BJ", 100_000, false}, {"B", "P-BJ", 1_000_000, false}, {"C", "P-SH", 200_000, true},
		{"D", "P-SH", 800_000, false}, {"E", "P-SH", 30_000, false}, {"F", "P-BJ", 50_000, false}} {
		d := request("ind-"+c.id, req)
		d.PolicyNumber, d.ClaimedAmountFen = c.policy, c.claimed
		if c.paused {
			back := shanghai(time.November, 10, 9)
			d.Supplements = []events.Supplement{{NoticeSentAt: shanghai(time.November, 3, 9), ReceivedAt: &back}}
		}
		f.open(t, d)
	}
	step := func(at time.Time, do func() (domain.Case, error)) {
		t.Helper()
		f.clock.Set(at)
		_, err := do()
		require.NoError(t, err)
	}
	step(shanghai(time.November, 3, 15), func() (domain.Case, error) { return f.app.Decide(ctx, handler, "ind-A", approve(100_000)) })
	step(shanghai(time.November, 4, 9), func() (domain.Case, error) {
		return f.app.MarkComplex(ctx, senior, "ind-D", "需调查既往病史")
	})
	step(shanghai(time.November, 4, 10), func() (domain.Case, error) { return f.app.Close(ctx, handler, "ind-E", "申请人撤回索赔申请") })
	rejectF := reject()
	step(shanghai(time.November, 6, 9), func() (domain.Case, error) { return f.app.Decide(ctx, handler2, "ind-F", rejectF) })
	step(shanghai(time.November, 11, 9), func() (domain.Case, error) { return f.app.Decide(ctx, handler, "ind-C", approve(200_000)) })
	step(shanghai(time.November, 12, 9), func() (domain.Case, error) { return f.app.Decide(ctx, handler, "ind-B", approve(1_000_000)) })
	step(shanghai(time.November, 20, 9), func() (domain.Case, error) { return f.app.Decide(ctx, senior, "ind-D", approve(800_000)) })

	// Payout's events: A and C paid; a redelivery and an advance of B
	// change no cycle; a failure is not payout-completed.
	paidA := payoutCompleted(t, "ind-A", events.PayoutTypeFinal, 100_000, shanghai(time.November, 5, 10))
	for _, e := range []events.Envelope{paidA, paidA,
		payoutCompleted(t, "ind-C", events.PayoutTypeFinal, 200_000, shanghai(time.November, 13, 10)),
		payoutCompleted(t, "ind-B", events.PayoutTypeAdvance, 300_000, shanghai(time.November, 10, 10))} {
		require.NoError(t, f.app.RecordPayout(ctx, e))
	}
	failed, err := events.New(events.PayoutFailed, "payout", "ind-B", req, events.PayoutData{ObligationID: "x", ClaimID: "ind-B"})
	require.NoError(t, err)
	require.NoError(t, f.app.RecordPayout(ctx, failed))

	f.clock.Set(shanghai(time.November, 30, 12))
	nov := func(day int) calendar.Date { return calendar.Date{Year: 2026, Month: 11, Day: day} }
	r, err := f.app.ServiceIndicators(ctx, nov(1), nov(30), domain.GroupBranch)
	require.NoError(t, err)
	h := time.Hour
	want := []domain.IndicatorLine{
		{Group: "BJ", Decided: 3, Within5: 2, Paid: 2, Rejected: 1, PaymentsDone: 1, ClaimToPaymentTotal: 72 * h,
			IncidentToPaymentTotal: 120 * h, SmallDecided: 2, SmallWithin1: 1, SmallWithin5: 2},
		{Group: "SH", Decided: 2, Withdrawn: 1, Paid: 2, PaymentsDone: 1, ClaimToPaymentTotal: 264 * h,
			IncidentToPaymentTotal: 312 * h, SmallDecided: 1},
	}
	assert.Equal(t, want, r.Lines)
	assert.Equal(t, domain.IndicatorLine{Group: "total", Decided: 5, Withdrawn: 1, Within5: 2, Paid: 4, Rejected: 1, PaymentsDone: 2,
		ClaimToPaymentTotal: 336 * h, IncidentToPaymentTotal: 432 * h, SmallDecided: 3, SmallWithin1: 1, SmallWithin5: 2}, r.Total)
	assert.Equal(t, 168*h, r.Total.AvgClaimToPayment(), "索赔支付周期")
	assert.Equal(t, 216*h, r.Total.AvgIncidentToPayment(), "出险支付周期")
	assert.InDelta(t, 0.4, domain.Rate(r.Total.Within5, r.Total.Decided), 1e-9, "五日结案率")
	assert.InDelta(t, 0.8, domain.Rate(r.Total.Paid, r.Total.Decided), 1e-9, "获赔率")

	byHandler, err := f.app.ServiceIndicators(ctx, nov(1), nov(30), domain.GroupHandler)
	require.NoError(t, err)
	got := map[string]int{}
	for _, l := range byHandler.Lines {
		got[l.Group] = l.Decided + l.Withdrawn
	}
	assert.Equal(t, map[string]int{"": 1, "handler-1": 3, "handler-2": 1, "senior-1": 1}, got)

	// A period that ends before the late decisions counts only what was
	// decided in it.
	early, err := f.app.ServiceIndicators(ctx, nov(1), nov(9), domain.GroupBranch)
	require.NoError(t, err)
	assert.Equal(t, 2, early.Total.Decided, "A and F")
	assert.Equal(t, 1, early.Total.Withdrawn, "E")
}

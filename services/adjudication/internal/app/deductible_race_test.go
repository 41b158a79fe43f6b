package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/app"
	"claims.local/pkg/apperr"
	"claims.local/pkg/events"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
)

// meetingDeductible is a straight-through store whose UsedDeductible
// returns only once two callers have read (or a few seconds have passed):
// two claims of one policy read the deductible used at the same moment,
// and neither can store its own before the other read.
type meetingDeductible struct {
	app.StraightThrough
	mu      sync.Mutex
	arrived int
	met     chan struct{}
}

func (m *meetingDeductible) UsedDeductible(ctx context.Context, policyNumber, claimID string) (int64, error) {
	used, err := m.StraightThrough.UsedDeductible(ctx, policyNumber, claimID)
	m.mu.Lock()
	if m.arrived++; m.arrived == 2 {
		close(m.met)
	}
	m.mu.Unlock()
	select {
	case <-m.met:
	case <-time.After(5 * time.Second):
	}
	return used, err
}

// cleanOnPolicy is a clean medical claim of 张三 on policy P-DED (product
// MED-STP: an annual deductible of 100 yuan, 80% with social insurance),
// with no agreement in advance: one invoice whose self-pay part is
// selfPayFen, above the deductible.
func cleanOnPolicy(t *testing.T, claimID, invoice string, selfPayFen int64, now time.Time) events.ClaimRequestedData {
	t.Helper()
	d := cleanInAdvance(t, claimID, "P-DED", "张三", invoice, sharedAccount, sharedKey, now)
	d.AdvanceAgreement = nil
	inv := &d.Documents[0]
	inv.Insurance = &events.InsuranceSplit{FundPaidFen: 60_000, SelfPayFen: selfPayFen, SelfFundedFen: 10_000}
	inv.TotalAmountFen = 70_000 + selfPayFen
	d.ClaimedAmountFen = inv.TotalAmountFen
	return d
}

// TestAttackTwoClaimsOfOnePolicyAtOnceApplyTheAnnualDeductibleOnce: two
// clean claims of one policy whose product has an annual deductible of 100
// yuan go straight through at the same moment, each reading the deductible
// already used on the policy before the other stored its own: two
// consumers applying one event each, or two consumer batches. One at a
// time, the first applies the 100 yuan and the second none, so that
// together they pay (300 + 400 − 100) × 80% = 480 yuan, in whichever
// order. At once, each must still see the other's use: the deductible the
// two applied sums to 100 yuan, not 200, and the claimant is paid 480
// yuan, not 400.
func TestAttackTwoClaimsOfOnePolicyAtOnceApplyTheAnnualDeductibleOnce(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"one by one", "in batches"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			meeting := &meetingDeductible{met: make(chan struct{})}
			f := newStraightFixtureWith(t, map[string]string{"P-DED": "张三"}, func(d *app.Deps) {
				meeting.StraightThrough, d.Straight = d.Straight, meeting
			})
			ctx := context.Background()
			now := f.clock.Now()
			claims := []events.ClaimRequestedData{
				cleanOnPolicy(t, "ded-race-a", "51000001", 30_000, now),
				cleanOnPolicy(t, "ded-race-b", "51000002", 40_000, now),
			}
			var wg sync.WaitGroup
			errs := make([]error, len(claims))
			for i, d := range claims {
				wg.Add(1)
				go func() {
					defer wg.Done()
					e := claimRequested(t, d)
					if mode == "one by one" {
						errs[i] = f.app.OpenCase(ctx, e)
						return
					}
					errs[i] = postgres.Batch(ctx, f.db, func(ctx context.Context) error {
						err, broken := postgres.Step(ctx, func(ctx context.Context) error { return f.app.OpenCase(ctx, e) })
						if broken != nil {
							return broken
						}
						return err
					})
				}()
			}
			wg.Wait()
			var paid int64
			for i, d := range claims {
				require.NoError(t, errs[i], d.ClaimID)
				c, err := f.app.Case(ctx, d.ClaimID)
				require.NoError(t, err)
				a, err := f.app.Assessment(ctx, d.ClaimID)
				require.NoError(t, err)
				if c.Decision == nil || !c.Decision.Automatic() {
					t.Fatalf("claim %s: got decision %+v, reasons %+v, want one made by the system (a clean claim)", d.ClaimID, c.Decision, a.Reasons)
				}
				t.Logf("claim %s: paid %d fen, deductible applied %d fen", d.ClaimID, c.Decision.AmountFen, a.Computation.DeductibleAppliedFen)
				paid += c.Decision.AmountFen
			}
			applied := pgtest.Count(t, f.db, "SELECT coalesce(sum(deductible_fen), 0) FROM auto_assessments WHERE policy_number = 'P-DED'")
			if applied != 10_000 {
				t.Errorf("got %d fen of deductible applied across the two claims, want 10000 (the annual deductible once)", applied)
			}
			if paid != 48_000 {
				t.Errorf("got %d fen paid on the two claims, want 48000 (as one at a time)", paid)
			}
		})
	}
}

// TestAttackAHandlerPayingAHeldClaimAfterAnAutomaticOneAppliesTheDeductibleOnce:
// a claim of policy P-DED is held for a handler (its identity card was
// entered at the counter) after the system computed its amount with the
// whole annual deductible (300 − 100 yuan at 80%: 160 yuan); then a clean
// claim of the same policy is decided by the system, which counts the held
// claim's deductible as not used (nothing was decided on it) and applies
// the 100 yuan too. The handler who then decides the held claim must be
// held to what the rules compute now (300 yuan at 80%: 240 yuan), not to
// the 160 yuan that would apply the deductible a second time; and a third
// claim of the policy finds the deductible used up.
func TestAttackAHandlerPayingAHeldClaimAfterAnAutomaticOneAppliesTheDeductibleOnce(t *testing.T) {
	t.Parallel()
	f := newStraightFixture(t, map[string]string{"P-DED": "张三"}, nil)
	ctx := context.Background()
	now := f.clock.Now()
	held := cleanOnPolicy(t, "ded-held", "52000001", 30_000, now)
	held.Documents[1].EnteredBy, held.Documents[1].EnteredVia = "clerk-9", "counter"
	f.open(t, held)
	f.open(t, cleanOnPolicy(t, "ded-auto", "52000002", 40_000, now))
	c, err := f.app.Case(ctx, "ded-held")
	require.NoError(t, err)
	require.Nil(t, c.Decision, "the claim entered at the counter is held for a handler")
	c, err = f.app.Case(ctx, "ded-auto")
	require.NoError(t, err)
	require.True(t, c.Decision != nil && c.Decision.Automatic() && c.Decision.AmountFen == 24_000,
		"got decision %+v, want the system's approval of 240 yuan (the deductible applied)", c.Decision)

	_, err = f.app.Decide(ctx, handler, "ded-held", approve(16_000))
	if e, ok := apperr.As(err); !ok || e.Field != "amount_reason" {
		t.Fatalf("got %v deciding 160 yuan without a reason, want a refusal on amount_reason (the rules compute 240 yuan now: the deductible was applied on ded-auto)", err)
	}
	c, err = f.app.Decide(ctx, handler, "ded-held", approve(24_000))
	require.NoError(t, err)
	if c.Decision.ComputedFen == nil || *c.Decision.ComputedFen != 24_000 {
		t.Fatalf("got the computed amount %v kept with the decision, want 24000 fen", c.Decision.ComputedFen)
	}

	// The deductible is used up on the policy: a third claim applies none.
	f.open(t, cleanOnPolicy(t, "ded-third", "52000003", 50_000, now))
	c, err = f.app.Case(ctx, "ded-third")
	require.NoError(t, err)
	if c.Decision == nil || c.Decision.AmountFen != 40_000 {
		t.Fatalf("got decision %+v on the third claim, want the system's approval of 400 yuan (the deductible used up)", c.Decision)
	}
}

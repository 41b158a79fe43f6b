package app_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/events"
	"claims.local/pkg/postgres/pgtest"
)

// newLowAuthorityFixture is newStraightFixture on policy P-DED (张三)
// whose handlers may decide up to 100 yuan alone: every approval of a
// claim of the tests below waits for a senior.
func newLowAuthorityFixture(t *testing.T) *fixture {
	t.Helper()
	return newStraightFixtureWith(t, map[string]string{"P-DED": "张三"}, func(d *app.Deps) {
		a, err := domain.NewAuthority(map[string]int64{domain.RoleHandler: 10_000, domain.RoleSenior: domain.Unlimited})
		require.NoError(t, err)
		d.Authority = a
	})
}

// heldOnPolicy is cleanOnPolicy held for a handler: its identity card was
// entered at the counter.
func heldOnPolicy(t *testing.T, claimID, invoice string, selfPayFen int64, f *fixture) events.ClaimRequestedData {
	t.Helper()
	d := cleanOnPolicy(t, claimID, invoice, selfPayFen, f.clock.Now())
	d.Documents[1].EnteredBy, d.Documents[1].EnteredVia = "clerk-9", "counter"
	return d
}

// deductibleOnPolicy is the annual deductible the decisions in effect or
// awaiting approval on policy P-DED applied, and what they approve.
func deductibleOnPolicy(t *testing.T, f *fixture) (deductible, paid int64) {
	t.Helper()
	const where = ` FROM decisions d JOIN cases c ON c.id = d.case_id WHERE c.policy_number = 'P-DED' AND d.outcome <> 'reject'`
	return pgtest.Count(t, f.db, "SELECT coalesce(sum(d.deductible_fen), 0)"+where),
		pgtest.Count(t, f.db, "SELECT coalesce(sum(d.amount_fen), 0)"+where)
}

// pendingDecision has the handler decide amount on claimID, above their
// authority: the decision waits for a senior.
func (f *fixture) pendingDecision(t *testing.T, claimID string, amount int64) domain.Case {
	t.Helper()
	c, err := f.app.Decide(context.Background(), handler, claimID, approve(amount))
	require.NoError(t, err)
	if c.State != domain.StatePendingApproval {
		t.Fatalf("claim %s: got state %s after the handler's decision of %d fen, want %s", claimID, c.State, amount, domain.StatePendingApproval)
	}
	return c
}

// TestAttackASeniorApprovingADecisionAboveAuthorityIsHeldToTheAmountComputedAgain:
// two claims of policy P-DED (an annual deductible of 100 yuan, 80%) are
// held for a handler whose authority ends at 100 yuan. The handler decides
// the second (400 yuan self-paid: (400 − 100) × 80% = 240 yuan, the
// deductible applied) and then the first, whose amount the rules compute
// with the deductible used by the decision waiting: 300 × 80% = 240 yuan.
// The senior returns the second decision (it is discarded and applies no
// deductible any more), and then approves the first: paying the 240 yuan
// computed at the handler's decision would apply the annual deductible on
// neither claim. The approval computes the amount again under the policy's
// lock and is refused (409 amount_changed) as the rules compute 160 yuan
// now; the handler decides again and the senior approves 160 yuan, the
// deductible applied once.
func TestAttackASeniorApprovingADecisionAboveAuthorityIsHeldToTheAmountComputedAgain(t *testing.T) {
	t.Parallel()
	f := newLowAuthorityFixture(t)
	ctx := context.Background()
	f.open(t, heldOnPolicy(t, "appr-first", "53000001", 30_000, f))
	f.open(t, heldOnPolicy(t, "appr-second", "53000002", 40_000, f))
	f.pendingDecision(t, "appr-second", 24_000)
	first := f.pendingDecision(t, "appr-first", 24_000)
	second, err := f.app.Case(ctx, "appr-second")
	require.NoError(t, err)
	_, err = f.app.ReviewDecision(ctx, senior, "appr-second", "return", "发票真伪待核实", second.Version)
	require.NoError(t, err)

	_, err = f.app.ReviewDecision(ctx, senior, "appr-first", "approve", "", first.Version)
	if code := apperr.CodeOf(err); code != apperr.AmountChanged {
		c, _ := f.app.Case(ctx, "appr-first")
		deductible, paid := deductibleOnPolicy(t, f)
		t.Fatalf("got %v (code %q; decision %+v) approving 240 yuan after the other claim's decision was returned, want code %q (the rules compute 160 yuan now); deductible applied on the policy %d fen, approved %d fen",
			err, code, c.Decision, apperr.AmountChanged, deductible, paid)
	}
	c, err := f.app.Case(ctx, "appr-first")
	require.NoError(t, err)
	if c.State != domain.StatePendingApproval || c.Decision == nil || c.Decision.AmountFen != 24_000 {
		t.Fatalf("got state %s, decision %+v after the refused approval, want the decision of 240 yuan still waiting", c.State, c.Decision)
	}

	// The honest path: returned, decided again at what the rules compute
	// now, approved.
	c, err = f.app.ReviewDecision(ctx, senior, "appr-first", "return", "保单年度免赔额已变化，请重新核定", c.Version)
	require.NoError(t, err)
	f.pendingDecision(t, "appr-first", 16_000)
	c, err = f.app.Case(ctx, "appr-first")
	require.NoError(t, err)
	c, err = f.app.ReviewDecision(ctx, senior, "appr-first", "approve", "", c.Version)
	require.NoError(t, err)
	if c.State != domain.StateApproved || c.Decision.AmountFen != 16_000 {
		t.Fatalf("got state %s, decision %+v, want approved at 160 yuan", c.State, c.Decision)
	}
	if deductible, paid := deductibleOnPolicy(t, f); deductible != 10_000 || paid != 16_000 {
		t.Errorf("got %d fen of deductible applied and %d fen approved on the policy, want 10000 and 16000", deductible, paid)
	}
}

// TestASeniorApprovesAPendingDecisionWhenTheAmountComputedAgainIsTheSame:
// the handler decides a held claim of P-DED above their authority (160
// yuan, the deductible applied); a clean claim of the policy is decided by
// the system meanwhile and counts the waiting decision's deductible as
// used (320 yuan, none applied). The senior's approval computes the first
// amount again, finds the same 160 yuan, and approves it: the deductible
// applied once across both, 480 yuan approved.
func TestASeniorApprovesAPendingDecisionWhenTheAmountComputedAgainIsTheSame(t *testing.T) {
	t.Parallel()
	f := newLowAuthorityFixture(t)
	ctx := context.Background()
	f.open(t, heldOnPolicy(t, "appr-same", "54000001", 30_000, f))
	pending := f.pendingDecision(t, "appr-same", 16_000)
	f.open(t, cleanOnPolicy(t, "appr-auto", "54000002", 40_000, f.clock.Now()))
	c, err := f.app.Case(ctx, "appr-auto")
	require.NoError(t, err)
	if c.Decision == nil || !c.Decision.Automatic() || c.Decision.AmountFen != 32_000 {
		t.Fatalf("got decision %+v on the clean claim, want the system's approval of 320 yuan (the deductible used by the waiting decision)", c.Decision)
	}

	c, err = f.app.ReviewDecision(ctx, senior, "appr-same", "approve", "", pending.Version)
	require.NoError(t, err)
	if c.State != domain.StateApproved || c.Decision.AmountFen != 16_000 {
		t.Fatalf("got state %s, decision %+v, want approved at 160 yuan", c.State, c.Decision)
	}
	if c.Decision.DeductibleFen == nil || *c.Decision.DeductibleFen != 10_000 {
		t.Errorf("got the deductible %v kept with the approved decision, want 10000 fen", c.Decision.DeductibleFen)
	}
	if deductible, paid := deductibleOnPolicy(t, f); deductible != 10_000 || paid != 48_000 {
		t.Errorf("got %d fen of deductible applied and %d fen approved on the policy, want 10000 and 48000", deductible, paid)
	}
}

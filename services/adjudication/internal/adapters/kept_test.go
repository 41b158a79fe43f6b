package adapters_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/inbox"
	"claims.local/pkg/postgres/pgtest"
)

// TestAttackTheAuditTrailCannotBeErasedThroughTheServicesOwnRole is a
// dishonest insider holding adjudication's database role: they delete the
// blocking fraud signal that holds a payment, rewrite who overrode a check,
// and empty the case audit, the complaint register and the catastrophe
// switches with TRUNCATE, which skips the row triggers that refuse UPDATE
// and DELETE. The signals and overrides had no trigger at all, though the
// schema calls them append-only; so had the claimant's agreements, which
// the three-way reconciliation and the same-account signal read as the
// payments adjudication authorised. Every statement is refused, and the
// case still carries its signal, override and agreement.
func TestAttackTheAuditTrailCannotBeErasedThroughTheServicesOwnRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	c := newCase("claim-1", t0)
	_, err := f.repo.Open(ctx, inbox.Receipt{}, c)
	require.NoError(t, err)
	require.NoError(t, f.db.Exec(`INSERT INTO case_signals (case_id, kind, explanation, blocking, raised_by, raised_at)
		VALUES (?, 'employee_account', 'the account is an employee''s', true, 'system', now())`, c.ID).Error)
	require.NoError(t, f.db.Exec(`INSERT INTO check_overrides (case_id, check_name, reason, overridden_by, overridden_at, by_senior)
		VALUES (?, 'policy_in_force', 'grace period', 's1', now(), true)`, c.ID).Error)
	require.NoError(t, f.db.Exec(`INSERT INTO agreements (case_id, amount_fen, agreed_by, channel, recorded_by, agreed_at, payee_name, payee_role, bank_name, account_masked)
		VALUES (?, 1600000, '张三', 'signed_form', 'h1', now(), '张三', 'insured', '工商银行', '****3344')`, c.ID).Error)

	for _, stmt := range []string{
		`DELETE FROM case_signals WHERE blocking`,
		`UPDATE case_signals SET blocking = false`,
		`TRUNCATE case_signals`,
		`UPDATE check_overrides SET overridden_by = 'someone else'`,
		`DELETE FROM check_overrides`,
		`TRUNCATE check_overrides`,
		`TRUNCATE case_audit`,
		`TRUNCATE complaints CASCADE`,
		`TRUNCATE complaint_notices`,
		`TRUNCATE complaint_replies`,
		`TRUNCATE catastrophe_switches`,
		`TRUNCATE rejection_letters`,
		`UPDATE agreements SET payee_name = '王五', account_masked = '****9999'`,
		`DELETE FROM agreements`,
		`TRUNCATE agreements`,
		`TRUNCATE advance_agreements`,
	} {
		assert.Error(t, f.db.Exec(stmt).Error, "%s: got it done, want it refused", stmt)
	}
	got, err := f.repo.Get(ctx, "claim-1")
	require.NoError(t, err)
	require.Len(t, got.Signals, 1, "signals")
	assert.True(t, got.Signals[0].Blocking, "the signal still blocks")
	require.Len(t, got.Overrides, 1, "overrides")
	assert.Equal(t, "s1", got.Overrides[0].By)
	assert.Equal(t, int64(1), pgtest.Count(t, f.db, `SELECT count(*) FROM agreements WHERE payee_name = '张三' AND account_masked = '****3344'`),
		"the agreement as recorded")

	// The service's own writes still go in: a change audited on the case.
	f.change(t, "claim-1", func(c *domain.Case) error { return c.StartReview(handler, t0) })
	timeline, err := f.repo.Timeline(ctx, "claim-1")
	require.NoError(t, err)
	assert.NotEmpty(t, timeline, "the case's audit")
}

// TestAttackADecisionInEffectCannotBeRewrittenThroughTheServicesOwnRole is
// the same insider after a claim was approved for 16,000 yuan: the
// agreement and the signed payment instruction are built from the decision
// as stored, so raising its amount or a line's approved amount in the
// database would be paid with adjudication's own signature, and deleting it
// would let the claim be decided again. A decision in effect is final, its
// lines too; a proposed one is still approved or returned (deleted with its
// lines), as the service does.
func TestAttackADecisionInEffectCannotBeRewrittenThroughTheServicesOwnRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, id := range []string{"in-effect", "approved", "returned"} {
		_, err := f.repo.Open(ctx, inbox.Receipt{}, newCase(id, t0))
		require.NoError(t, err)
	}
	f.change(t, "in-effect", func(c *domain.Case) error { return c.Decide(handler, authority, approve(1_600_000), t0) })
	f.change(t, "approved", func(c *domain.Case) error { return c.Decide(handler, authority, approve(6_000_000), t0) })
	f.change(t, "approved", func(c *domain.Case) error { return c.ReviewDecision(senior, authority, "approve", "", 0, t0) })
	f.change(t, "returned", func(c *domain.Case) error { return c.Decide(handler, authority, approve(6_000_000), t0) })
	f.change(t, "returned", func(c *domain.Case) error { return c.ReviewDecision(senior, authority, "return", "重算", 0, t0) })

	for _, stmt := range []string{
		`UPDATE decisions SET amount_fen = amount_fen * 10`,
		`UPDATE decisions SET outcome = 'approve', reason = 'changed afterwards'`,
		`UPDATE decisions SET approved_by = 's2'`,
		`UPDATE decision_lines SET approved_fen = approved_fen * 10`,
		`DELETE FROM decision_lines`,
		`DELETE FROM decisions`,
		`TRUNCATE decisions CASCADE`,
		`TRUNCATE decision_lines`,
	} {
		assert.Error(t, f.db.Exec(stmt).Error, "%s: got it done, want it refused", stmt)
	}
	for claim, want := range map[string]int64{"in-effect": 1_600_000, "approved": 6_000_000} {
		got, err := f.repo.Get(ctx, claim)
		require.NoError(t, err)
		require.NotNil(t, got.Decision, claim)
		assert.Equal(t, want, got.Decision.AmountFen, "%s: the amount decided", claim)
		assert.Equal(t, want, got.Decision.Lines[0].ApprovedFen, "%s: the line's amount", claim)
	}
	returned := f.change(t, "returned", func(c *domain.Case) error { return c.Decide(handler, authority, approve(4_000_000), t0) })
	assert.Equal(t, domain.StateApproved, returned.State, "a returned claim is decided again")
}

// TestAttackTheAuditTrailCannotBeAlteredThroughTheRunTimeRole is the
// insider of the tests above who, refused by the triggers, changes the
// schema first: disables or drops the trigger keeping the blocking fraud
// signal that holds a payment, replaces its function, drops or takes the
// table, then deletes the signal. Adjudication's run-time role owns
// nothing and may only read and write rows: every attempt is refused and
// the signal is still there.
func TestAttackTheAuditTrailCannotBeAlteredThroughTheRunTimeRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := newCase("claim-1", t0)
	_, err := f.repo.Open(context.Background(), inbox.Receipt{}, c)
	require.NoError(t, err)
	require.NoError(t, f.db.Exec(`INSERT INTO case_signals (case_id, kind, explanation, blocking, raised_by, raised_at)
		VALUES (?, 'employee_account', 'the account is an employee''s', true, 'system', now())`, c.ID).Error)
	pgtest.AttackTheSchema(t, f.db, "case_signals", "blocking")
	pgtest.RequireAppendOnly(t, f.db, "case_signals", "check_overrides", "agreements", "advance_agreements")
}

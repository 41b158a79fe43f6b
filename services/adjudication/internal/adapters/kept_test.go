package adapters_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/inbox"
)

// TestAttackTheAuditTrailCannotBeErasedThroughTheServicesOwnRole is a
// dishonest insider holding adjudication's database role: they delete the
// blocking fraud signal that holds a payment, rewrite who overrode a check,
// and empty the case audit, the complaint register and the catastrophe
// switches with TRUNCATE, which skips the row triggers that refuse UPDATE
// and DELETE. The signals and overrides had no trigger at all, though the
// schema calls them append-only. Every statement is refused, and the case
// still carries its signal and override.
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
	} {
		assert.Error(t, f.db.Exec(stmt).Error, "%s: got it done, want it refused", stmt)
	}
	got, err := f.repo.Get(ctx, "claim-1")
	require.NoError(t, err)
	require.Len(t, got.Signals, 1, "signals")
	assert.True(t, got.Signals[0].Blocking, "the signal still blocks")
	require.Len(t, got.Overrides, 1, "overrides")
	assert.Equal(t, "s1", got.Overrides[0].By)

	// The service's own writes still go in: a change audited on the case.
	f.change(t, "claim-1", func(c *domain.Case) error { return c.StartReview(handler, t0) })
	timeline, err := f.repo.Timeline(ctx, "claim-1")
	require.NoError(t, err)
	assert.NotEmpty(t, timeline, "the case's audit")
}

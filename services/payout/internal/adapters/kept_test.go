package adapters_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/postgres/pgtest"
)

// TestAttackThePayeeAuditCannotBeEmptiedThroughTheServicesOwnRole is a
// dishonest insider holding payout's database role who corrected a payee to
// their own account and erases that they did: the payee changes refuse
// UPDATE and DELETE row by row, but TRUNCATE skipped those triggers, and
// emptied the personal-data reveals too. Both are refused.
func TestAttackThePayeeAuditCannotBeEmptiedThroughTheServicesOwnRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, stmt := range []string{
		`TRUNCATE payee_changes`,
		`TRUNCATE obligations CASCADE`,
		`TRUNCATE personal_data_reveals`,
		`TRUNCATE deadline_obligations`,
	} {
		assert.Error(t, f.db.Exec(stmt).Error, "%s: got it done, want it refused", stmt)
	}
}

// TestAttackThePayeeAuditCannotBeAlteredThroughTheRunTimeRole is the
// insider of the test above who, refused by the triggers, changes the
// schema first: disables or drops the trigger keeping payee_changes,
// replaces its function, drops or takes the table. Payout's run-time role
// owns nothing and may only read and write rows: every attempt is refused
// and the change that set the payee is still there.
func TestAttackThePayeeAuditCannotBeAlteredThroughTheRunTimeRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := obligation(t, "claim-1", t0)
	_, err := f.repo.Schedule(context.Background(), receipt("e1", "claim-1"), o, nothing)
	require.NoError(t, err)
	require.NoError(t, f.db.Exec(`INSERT INTO payee_changes (id, obligation_id, claim_id, action, by, reason, at)
		VALUES ('pc-1', ?, 'claim-1', 'corrected', 'handler-1', 'the claimant''s new account', now())`, o.ID).Error)
	pgtest.AttackTheSchema(t, f.db, "payee_changes", "id = 'pc-1'")
	pgtest.RequireAppendOnly(t, f.db, "payee_changes")
}

package revealpg_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/auth"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/reveal"
	"claims.local/pkg/reveal/revealpg"
)

// TestAttackTheRevealAuditCannotBeEmptiedThroughTheServicesOwnRole is a
// handler who looked at a claimant's ID number (R11) and, holding the
// service's database role, erases that they did: a row's UPDATE and DELETE
// were refused already, but TRUNCATE skips row triggers and emptied the
// whole audit. Every statement is refused and the record stays.
func TestAttackTheRevealAuditCannotBeEmptiedThroughTheServicesOwnRole(t *testing.T) {
	t.Parallel()
	db := pgtest.NewMigrated(t, 2, revealpg.Migrations)
	require.NoError(t, revealpg.Record(db, reveal.Reveal{ClaimID: "claim-1", Subject: "document/d1", Field: "id_number",
		RevealedBy: "handler-1", Roles: []auth.Role{auth.Handler}, Reason: "核对身份", RevealedAt: time.Now()}))
	for _, stmt := range []string{
		`UPDATE personal_data_reveals SET revealed_by = 'someone else'`,
		`DELETE FROM personal_data_reveals`,
		`TRUNCATE personal_data_reveals`,
	} {
		assert.Error(t, db.Exec(stmt).Error, "%s: got it done, want it refused", stmt)
	}
	got, err := revealpg.List(context.Background(), db, reveal.Filter{})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "handler-1", got[0].RevealedBy)
}

// TestAttackTheRevealAuditCannotBeAlteredThroughTheRunTimeRole is the
// handler of the test above who, refused by the triggers, changes the
// schema first, then deletes the record of their look (R11). A service's
// run-time role owns nothing and may only read and write rows: every
// attempt is refused and the record stays.
func TestAttackTheRevealAuditCannotBeAlteredThroughTheRunTimeRole(t *testing.T) {
	t.Parallel()
	db := pgtest.NewMigrated(t, 2, revealpg.Migrations)
	require.NoError(t, revealpg.Record(db, reveal.Reveal{ClaimID: "claim-1", Subject: "document/d1", Field: "id_number",
		RevealedBy: "handler-1", Roles: []auth.Role{auth.Handler}, Reason: "核对身份", RevealedAt: time.Now()}))
	pgtest.AttackTheSchema(t, db, "personal_data_reveals", "revealed_by = 'handler-1'")
	pgtest.RequireAppendOnly(t, db, "personal_data_reveals")
}

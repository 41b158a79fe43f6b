package adapters_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
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

package trackingpg_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/pkg/deadline"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
)

// TestAttackATemporaryTableCannotHideADueMove is an insider holding the
// service's database role, which may not create tables. A temporary table
// is searched before the schema's tables, so one named deadline_due_moves
// in the insider's session would take the record the trigger writes of
// their move of a due, and the monitor would never see it. As deployed
// (TEMPORARY revoked from PUBLIC) the role cannot make one. On a database
// that left PostgreSQL's default (TEMPORARY granted to PUBLIC) the service
// refuses to start as that role, and the trigger writes to its own
// schema's table whatever the session's temporary tables.
func TestAttackATemporaryTableCannotHideADueMove(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, "2026-03-10T10:00:00+08:00")
	o := f.track(t, deadline.Decision, "2026-03-03T09:00:00+08:00") // due 03-10

	shadow := `CREATE TEMPORARY TABLE deadline_due_moves (LIKE public.deadline_due_moves INCLUDING DEFAULTS)`
	move := `UPDATE deadline_obligations SET due_at = due_at + interval '30 days', due_date = due_date + 30 WHERE id = ?`
	if err := f.db.Exec(shadow).Error; err == nil || !strings.Contains(err.Error(), "42501") {
		t.Errorf("as deployed, %s: got %v, want permission denied (42501)", shadow, err)
	}
	require.NoError(t, postgres.CheckRunTimeRole(ctx, f.db), "the role as deployed")

	pgtest.GrantTemporaryToPublic(t, f.db)
	err := postgres.CheckRunTimeRole(ctx, f.db)
	if err == nil || !strings.Contains(err.Error(), "temporary") {
		t.Errorf("CheckRunTimeRole of a role that may make temporary tables: got %v, want an error naming temporary tables", err)
	}
	require.NoError(t, f.db.Connection(func(conn *gorm.DB) error {
		if err := conn.Exec(shadow).Error; err != nil {
			return err
		}
		return conn.Exec(move, o.ID).Error
	}))
	// Read by name of schema: the pool may hand back the insider's
	// connection, where deadline_due_moves is their temporary table.
	var dues []string
	require.NoError(t, f.db.Raw(`SELECT to_char(new_due_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') FROM public.deadline_due_moves
		WHERE obligation_id = ? ORDER BY seq`, o.ID).Scan(&dues).Error)
	assert.Equal(t, []string{"2026-04-09"}, dues, "the new dues recorded of the obligation moved beside a temporary deadline_due_moves")
}

package trackingpg_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/deadline"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking"
)

// TestAttackABreachCannotBeErasedThroughTheServicesOwnRole is a dishonest
// insider holding a service's database role (its DSN is in the service's
// environment): a missed decision deadline counts against the insurer in
// the compliance report (R13), so they turn it into a met one, move its due
// time, delete it or empty the table, and rewrite the calendar's audit. A
// done obligation is final and none is ever deleted: each statement is
// refused and the report still counts the breach.
func TestAttackABreachCannotBeErasedThroughTheServicesOwnRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "2026-03-20T10:00:00+08:00")
	missed := f.track(t, deadline.Decision, "2026-03-02T09:00:00+08:00")
	met := f.track(t, deadline.Decision, "2026-03-19T09:00:00+08:00")
	cancelled := f.track(t, deadline.Decision, "2026-03-19T09:00:00+08:00")
	open := f.track(t, deadline.Decision, "2026-03-19T09:00:00+08:00")
	f.apply(t, tracking.Complete(missed.Subject, deadline.Decision, f.now), tracking.Complete(met.Subject, deadline.Decision, f.now),
		tracking.Cancel(cancelled.Subject, deadline.Decision, f.now, "complex: 30-day rule"))
	require.Equal(t, tracking.StateMissed, f.get(t, missed.ID).State)
	require.NoError(t, f.db.Exec(`INSERT INTO calendar_versions (version, data, reason, submitted_by, submitted_at, applied_at, event_id)
		VALUES ('v1', '\x00', '国务院通知', 'admin-1', now(), now(), 'e1')`).Error)

	for _, stmt := range []struct{ sql string }{
		{`UPDATE deadline_obligations SET state = 'met' WHERE id = '` + missed.ID + `'`},
		{`UPDATE deadline_obligations SET due_at = due_at + interval '30 days', due_date = due_date + 30 WHERE id = '` + missed.ID + `'`},
		{`UPDATE deadline_obligations SET done_at = clock_start WHERE id = '` + met.ID + `'`},
		{`UPDATE deadline_obligations SET state = 'open', done_at = NULL, cancel_reason = '' WHERE id = '` + cancelled.ID + `'`},
		{`DELETE FROM deadline_obligations WHERE id = '` + missed.ID + `'`},
		{`DELETE FROM deadline_obligations WHERE id = '` + open.ID + `'`},
		{`TRUNCATE deadline_obligations`},
		{`TRUNCATE calendar_versions`},
	} {
		assert.Error(t, f.db.Exec(stmt.sql).Error, "%s: got it done, want it refused", stmt.sql)
	}
	assert.Equal(t, tracking.StateMissed, f.get(t, missed.ID).State, "the missed deadline")
	assert.Equal(t, int64(4), pgtest.Count(t, f.db, `SELECT count(*) FROM deadline_obligations`), "obligations")
	assert.Equal(t, int64(1), pgtest.Count(t, f.db, `SELECT count(*) FROM calendar_versions`), "calendar versions")

	// What the service itself still does to an owed obligation: its alarms
	// and its completion.
	require.NoError(t, f.db.Exec(`UPDATE deadline_obligations SET at_risk_alerted_at = now() WHERE id = ?`, open.ID).Error)
	f.apply(t, tracking.Complete(open.Subject, deadline.Decision, f.now))
	assert.Equal(t, tracking.StateMet, f.get(t, open.ID).State, "the owed deadline, met")
}

// TestAttackABreachCannotBeErasedBySchemaChangesThroughTheRunTimeRole is
// the insider of the test above who, refused by the triggers, changes the
// schema first: disables or drops the triggers keeping a done obligation,
// replaces their functions, truncates, drops or takes the table, then
// deletes the missed deadline. A service's run-time role owns nothing and
// may only read and write rows: every attempt is refused and the breach
// is still counted.
func TestAttackABreachCannotBeErasedBySchemaChangesThroughTheRunTimeRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "2026-03-20T10:00:00+08:00")
	missed := f.track(t, deadline.Decision, "2026-03-02T09:00:00+08:00")
	f.apply(t, tracking.Complete(missed.Subject, deadline.Decision, f.now))
	require.Equal(t, tracking.StateMissed, f.get(t, missed.ID).State)
	pgtest.AttackTheSchema(t, f.db, "deadline_obligations", "id = '"+missed.ID+"' AND state = 'missed'")
}

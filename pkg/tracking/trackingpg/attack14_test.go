package trackingpg_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking"
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

// TestAttackAClockStoppedThroughTheServicesOwnRoleIsAlarmedAndRestored is
// the insider of the test above, who no longer moves the due of a decision
// deadline about to be breached but stops its clock: one UPDATE setting
// the obligation paused, as a supplementary notice's delivery would. A
// paused obligation is never breached, so no alarm came, and the record of
// due moves, which session 13 said no move escapes, held nothing: the
// trigger watched the due, the clock start, the closed stops and the
// contract's period, not the open stop. The open stop is an input of the
// due like the others: its start and end are recorded with the role and
// the transaction, and a stop started without the cause the tracker
// states for each of its own raises the tampered alarm and is taken back,
// so the breach comes on time.
func TestAttackAClockStoppedThroughTheServicesOwnRoleIsAlarmedAndRestored(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "2026-03-10T10:00:00+08:00")
	o := f.track(t, deadline.Decision, "2026-03-03T09:00:00+08:00")      // due 03-10
	honest := f.track(t, deadline.Decision, "2026-03-04T09:00:00+08:00") // due 03-11, its notice delivered
	m := f.monitor()
	_, err := m.Sweep(context.Background())
	require.NoError(t, err)
	require.NoError(t, f.db.Exec(`UPDATE deadline_obligations SET state = 'paused', paused_at = clock_start WHERE id = ?`, o.ID).Error)
	f.apply(t, tracking.Pause(honest.Subject, deadline.Decision, f.now))

	assert.Equal(t, int64(1), pgtest.Count(t, f.db, `SELECT count(*) FROM deadline_due_moves WHERE obligation_id = ?`, o.ID),
		"records of the obligation whose clock the insider stopped")
	type stop struct {
		State, Role string
		PausedAt    *string
	}
	var got []stop
	require.NoError(t, f.db.Raw(`SELECT state, role, to_char(paused_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS paused_at
		FROM deadline_due_moves WHERE obligation_id = ? ORDER BY seq`, o.ID).Scan(&got).Error)
	if assert.NotEmpty(t, got, "records of the obligation whose clock the insider stopped") {
		assert.Equal(t, "paused", got[0].State, "the recorded state")
		if assert.NotNil(t, got[0].PausedAt, "the recorded stop") {
			assert.Equal(t, "2026-03-03 09:00", *got[0].PausedAt, "the recorded stop")
		}
		assert.NotEmpty(t, got[0].Role, "the role that stopped it")
	}

	f.now = at(t, "2026-03-11T10:00:00+08:00")
	res, err := m.Sweep(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, res.Tampered, "tampered alarms: the clock stopped by the insider, not the honest stop")
	got2 := f.get(t, o.ID)
	assert.Equal(t, tracking.StateOpen, got2.State, "the stopped obligation after the sweep")
	assert.Equal(t, tracking.RiskBreached, got2.RiskAt(f.now), "the stopped obligation, a day after its due")
	assert.Equal(t, 1, res.Breached, "breach alarms: the obligation whose clock the insider stopped")
	assert.Equal(t, tracking.StatePaused, f.get(t, honest.ID).State, "the obligation paused by the tracker")
	assert.Equal(t, 1, f.outboxTypes(t)[events.DeadlineTampered.Name], "tampered alarms stored")
	res, err = f.monitor().Sweep(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 0, res.Tampered, "tampered alarms of a monitor that starts")
}

// TestAttackAnObligationsRuleCannotBeChangedThroughTheServicesOwnRole is
// the insider who moves a decision deadline about to be breached twenty
// days out and, in the same UPDATE, names it the complex-case deadline (30
// days): the monitor recomputes a moved due from the inputs the move left,
// the rule among them, and a complex case's due from the same clock start
// is later still, so the move looked honest (no alarm, no breach). The
// tracker never changes what an obligation is (a complex case cancels the
// 5-working-day obligation and opens another): its id, claim, subject and
// rule are final.
func TestAttackAnObligationsRuleCannotBeChangedThroughTheServicesOwnRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "2026-03-10T10:00:00+08:00")
	o := f.track(t, deadline.Decision, "2026-03-03T09:00:00+08:00") // due 03-10
	other := f.track(t, deadline.Decision, "2026-03-03T09:00:00+08:00")
	m := f.monitor()
	_, err := m.Sweep(context.Background())
	require.NoError(t, err)
	moveAsComplex := `UPDATE deadline_obligations SET rule = '` + string(deadline.ComplexDecision) + `', due_at = due_at + interval '20 days',
		due_date = due_date + 20, at_risk_from = at_risk_from + interval '20 days' WHERE id = ?`
	if err := f.db.Exec(moveAsComplex, o.ID).Error; err == nil {
		t.Errorf("move a decision deadline as a complex case's: got it done, want it refused")
	}
	f.now = at(t, "2026-03-11T10:00:00+08:00")
	res, err := m.Sweep(context.Background())
	require.NoError(t, err)
	got := f.get(t, o.ID)
	assert.Equal(t, deadline.Decision, got.Rule, "the obligation's rule")
	assert.Equal(t, "2026-03-10", got.DueDate.String(), "the obligation's due")
	assert.Equal(t, tracking.RiskBreached, got.RiskAt(f.now), "the obligation, a day after its due")
	assert.Equal(t, 2, res.Breached+res.Tampered, "breach or tampered alarms of the moved obligation, breach of the other")

	for _, stmt := range []string{
		`UPDATE deadline_obligations SET subject = 'claim/someone-else' WHERE id = '` + o.ID + `'`,
		`UPDATE deadline_obligations SET claim_id = 'someone-else' WHERE id = '` + o.ID + `'`,
		`UPDATE deadline_obligations SET id = 'x-' || id WHERE id = '` + o.ID + `'`,
		`UPDATE deadline_obligations SET subject = '` + o.Subject + `-' WHERE id = '` + other.ID + `'`,
	} {
		if err := f.db.Exec(stmt).Error; err == nil {
			t.Errorf("%.70s…: got it done, want it refused", stmt)
		}
	}
}

// TestAttackADueMovedAsIfComputedWithAnOlderCalendarIsPutBack is the
// insider who moves a decision deadline thirty days out and lowers its
// calendar sequence in the same UPDATE: the monitor does not hold a due to
// the calendar in force when it was computed with an older one
// (Tracker.Expected), so no tampered alarm; but an obligation of an older
// calendar is recomputed by the sweep, which puts the due back, and the
// breach comes on time. And one moved later and back before the monitor
// looks: the record keeps both moves, and the first raises the tampered
// alarm. Deleting the obligation, or inserting a second of its subject
// and rule with a later due, is refused.
func TestAttackADueMovedAsIfComputedWithAnOlderCalendarIsPutBack(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "2026-03-10T10:00:00+08:00")
	older := f.track(t, deadline.Decision, "2026-03-03T09:00:00+08:00")   // due 03-10
	andBack := f.track(t, deadline.Decision, "2026-03-04T09:00:00+08:00") // due 03-11
	m := f.monitor()
	_, err := m.Sweep(context.Background())
	require.NoError(t, err)
	require.NoError(t, f.db.Exec(`UPDATE deadline_obligations SET due_at = due_at + interval '30 days', due_date = due_date + 30,
		at_risk_from = at_risk_from + interval '30 days', calendar_seq = calendar_seq - 1 WHERE id = ?`, older.ID).Error)
	require.NoError(t, f.db.Exec(`UPDATE deadline_obligations SET due_at = due_at + interval '30 days', due_date = due_date + 30 WHERE id = ?`, andBack.ID).Error)
	require.NoError(t, f.db.Exec(`UPDATE deadline_obligations SET due_at = due_at - interval '30 days', due_date = due_date - 30 WHERE id = ?`, andBack.ID).Error)

	f.now = at(t, "2026-03-11T10:00:00+08:00")
	res, err := m.Sweep(context.Background())
	require.NoError(t, err)
	got := f.get(t, older.ID)
	assert.Equal(t, "2026-03-10", got.DueDate.String(), "the due moved with an older calendar sequence, after the sweep")
	assert.Equal(t, tracking.RiskBreached, got.RiskAt(f.now), "the obligation, a day after its due")
	assert.Equal(t, 1, res.Breached, "breach alarms")
	assert.Equal(t, 1, res.Tampered, "tampered alarms: the due moved later and back")
	assert.Len(t, f.dueMoves(t, andBack.ID), 2, "moves recorded of the due moved later and back")
	assert.Equal(t, "2026-03-11", f.get(t, andBack.ID).DueDate.String(), "the due moved later and back")

	// Nor is an obligation taken out and put back, or a second one of the
	// same subject and rule put beside it.
	for _, stmt := range []string{
		`DELETE FROM deadline_obligations WHERE id = '` + older.ID + `'`,
		`INSERT INTO deadline_obligations SELECT 'copy-' || id, claim_id, subject, rule, clock_start, pauses, paused_at, override_length,
			override_unit, due_date + 30, due_at + interval '30 days', at_risk_from, basis, explanation, provisional, calendar_version,
			calendar_seq, state, done_at, at_risk_alerted_at, breached_alerted_at, created_at, updated_at
			FROM deadline_obligations WHERE id = '` + older.ID + `'`,
	} {
		if err := f.db.Exec(stmt).Error; err == nil {
			t.Errorf("%.70s…: got it done, want it refused", stmt)
		} else {
			t.Logf("%.30s…: %v", stmt, err)
		}
	}
}

package trackingpg_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking"
)

// dueMove is a row of the record of due moves, as the attack test reads it.
type dueMove struct {
	OldDueDate, NewDueDate string
	Cause, Role            string
}

func (f *fixture) dueMoves(t *testing.T, id string) []dueMove {
	t.Helper()
	var out []dueMove
	require.NoError(t, f.db.Raw(`SELECT to_char(old_due_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS old_due_date,
		to_char(new_due_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS new_due_date, cause, role
		FROM deadline_due_moves WHERE obligation_id = ? ORDER BY seq`, id).Scan(&out).Error)
	return out
}

// TestAttackAnOwedDueMovedThroughTheServicesOwnRoleIsAlarmedAndRestored is
// a dishonest insider holding a service's database role: a decision
// deadline (R4) is about to be breached, so they move its due time thirty
// days out with one UPDATE, as if a pause had been deducted, and the
// breach alarm never comes; a second one they move and then meet late, so
// that it is recorded met. Every move of an owed obligation's due is
// recorded with the role, the transaction and the cause the statement
// states; the monitor recomputes a moved due from its inputs, raises the
// tampered alarm and puts the due back, so the breach comes on time; and a
// step on an obligation counts against the due its inputs give.
func TestAttackAnOwedDueMovedThroughTheServicesOwnRoleIsAlarmedAndRestored(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "2026-03-10T10:00:00+08:00")
	moved := f.track(t, deadline.Decision, "2026-03-03T09:00:00+08:00")     // due 03-10, at risk now
	metLate := f.track(t, deadline.Decision, "2026-03-03T09:30:00+08:00")   // due 03-10
	disguised := f.track(t, deadline.Decision, "2026-03-03T10:00:00+08:00") // due 03-10, moved with a cause and a calendar stated
	honest := f.track(t, deadline.Decision, "2026-03-04T09:00:00+08:00")    // due 03-11, paused and resumed
	require.Equal(t, "2026-03-10", moved.DueDate.String())
	m := f.monitor() // the service's monitor, running before the attack
	_, err := m.Sweep(context.Background())
	require.NoError(t, err)

	for _, id := range []string{moved.ID, metLate.ID} {
		require.NoError(t, f.db.Exec(`UPDATE deadline_obligations SET due_at = due_at + interval '30 days', due_date = due_date + 30,
			at_risk_from = at_risk_from + interval '30 days' WHERE id = ?`, id).Error)
	}
	require.NoError(t, f.db.Exec(`UPDATE deadline_obligations SET due_at = due_at + interval '30 days', due_date = due_date + 30,
		due_cause = 'resume: documents received', calendar_seq = calendar_seq + 5 WHERE id = ?`, disguised.ID).Error)
	f.apply(t, tracking.Pause(honest.Subject, deadline.Decision, f.now.Add(-24*3600e9)),
		tracking.Resume(honest.Subject, deadline.Decision, f.now))

	f.now = at(t, "2026-03-11T10:00:00+08:00")
	f.apply(t, tracking.Complete(metLate.Subject, deadline.Decision, f.now))
	assert.Equal(t, tracking.StateMissed, f.get(t, metLate.ID).State, "the obligation met a day after its due")

	res, err := m.Sweep(context.Background())
	require.NoError(t, err)
	got := f.get(t, moved.ID)
	assert.Equal(t, "2026-03-10", got.DueDate.String(), "the moved due, after the sweep")
	assert.Equal(t, tracking.RiskBreached, got.RiskAt(f.now), "the moved obligation, a day after its due")
	assert.Equal(t, 2, res.Breached, "breach alarms: the two owed obligations moved")
	types := f.outboxTypes(t)
	assert.Equal(t, 2, types[events.DeadlineBreached.Name], "breach alarms stored")
	assert.Equal(t, 3, types[events.DeadlineTampered.Name], "tampered alarms: one per obligation moved by an UPDATE")
	assert.Equal(t, "2026-03-10", f.get(t, disguised.ID).DueDate.String(), "the due moved with a stated cause, after the sweep")

	// The record: the insider's move, unexplained, and the monitor's
	// restoration; the honest resume with its cause; and a second sweep
	// raises nothing again, nor does a monitor that starts.
	mv := f.dueMoves(t, moved.ID)
	require.Len(t, mv, 2, "moves of the obligation the insider moved")
	assert.Equal(t, dueMove{OldDueDate: "2026-03-10", NewDueDate: "2026-04-09", Role: mv[0].Role}, mv[0], "the insider's move")
	assert.NotEmpty(t, mv[0].Role, "the role that moved it")
	assert.Equal(t, "2026-03-10", mv[1].NewDueDate, "the restoration")
	assert.Contains(t, mv[1].Cause, "restored", "the restoration's cause")
	hm := f.dueMoves(t, honest.ID)
	require.Len(t, hm, 1, "moves of the honest obligation")
	assert.Contains(t, hm[0].Cause, "resume", "the honest move's cause")

	for _, m := range []*tracking.Monitor{m, f.monitor()} {
		res, err = m.Sweep(context.Background())
		require.NoError(t, err)
		assert.Equal(t, tracking.SweepResult{}, res, "a second sweep")
	}
	assert.Equal(t, 3, f.outboxTypes(t)[events.DeadlineTampered.Name], "tampered alarms after a second sweep")

	// The record cannot be rewritten or emptied through the same role.
	for _, stmt := range []string{
		`UPDATE deadline_due_moves SET new_due_at = old_due_at`, `DELETE FROM deadline_due_moves`, `TRUNCATE deadline_due_moves CASCADE`,
		`DELETE FROM deadline_tamper_alarms`, `TRUNCATE deadline_tamper_alarms`,
	} {
		assert.Error(t, f.db.Exec(stmt).Error, "%s: got it done, want it refused", stmt)
	}
	assert.Len(t, f.dueMoves(t, moved.ID), 2, "moves of the obligation the insider moved, after the attempts")
	pgtest.RequireAppendOnly(t, f.db, "deadline_due_moves", "deadline_tamper_alarms")
}

// tamperAlarms counts the tampered alarms recorded per obligation.
func (f *fixture) tamperAlarms(t *testing.T) map[string]int {
	t.Helper()
	var rows []struct {
		ObligationID string
		N            int
	}
	require.NoError(t, f.db.Raw(`SELECT obligation_id, count(*) AS n FROM deadline_tamper_alarms GROUP BY obligation_id`).Scan(&rows).Error)
	out := map[string]int{}
	for _, r := range rows {
		out[r.ObligationID] = r.N
	}
	return out
}

// TestAttackADueMovedEarlierOrMovedAndBackBetweenSweepsIsAlarmed is the
// insider of the test above, through the service's own role, going where
// that monitor did not look. A due moved earlier makes the insurer look
// late (a breach alarm and a missed step before the law's due) and was not
// alarmed, nor put back; a due moved earlier and back before the next sweep
// left only the record (the moves to a later due alone were read). Every
// move the record holds since the monitor's last look is now held against
// the due its inputs give, earlier as well as later, so each one the
// inputs do not explain raises the tampered alarm, once, even when a later
// move undid it before a sweep saw it; an owed due is put back either way.
func TestAttackADueMovedEarlierOrMovedAndBackBetweenSweepsIsAlarmed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "2026-03-05T10:00:00+08:00")
	earlier := f.track(t, deadline.Decision, "2026-03-03T09:00:00+08:00")       // due 03-10
	earlierBack := f.track(t, deadline.Decision, "2026-03-03T09:30:00+08:00")   // due 03-10
	laterBack := f.track(t, deadline.Decision, "2026-03-03T10:00:00+08:00")     // due 03-10
	earlierCaused := f.track(t, deadline.Decision, "2026-03-03T10:30:00+08:00") // due 03-10
	honest := f.track(t, deadline.Decision, "2026-03-04T09:00:00+08:00")        // due 03-11, paused and resumed
	require.Equal(t, "2026-03-10", earlier.DueDate.String())
	m := f.monitor()
	_, err := m.Sweep(context.Background())
	require.NoError(t, err)

	move := func(id string, days int, cause string) {
		t.Helper()
		require.NoError(t, f.db.Exec(`UPDATE deadline_obligations SET due_at = due_at + make_interval(days => ?::integer), due_date = due_date + ?::integer,
			at_risk_from = at_risk_from + make_interval(days => ?::integer), due_cause = ? WHERE id = ?`, days, days, days, cause, id).Error)
	}
	move(earlier.ID, -4, "")
	move(earlierBack.ID, -4, "")
	move(earlierBack.ID, 4, "")
	move(laterBack.ID, 30, "")
	move(laterBack.ID, -30, "")
	move(earlierCaused.ID, -4, "recomputed with calendar 2026-v2")
	f.apply(t, tracking.Pause(honest.Subject, deadline.Decision, f.now.Add(-24*3600e9)),
		tracking.Resume(honest.Subject, deadline.Decision, f.now))

	f.now = at(t, "2026-03-07T10:00:00+08:00") // past the due moved earlier, before the law's
	res, err := m.Sweep(context.Background())
	require.NoError(t, err)
	alarms := f.tamperAlarms(t)
	for _, c := range []struct {
		name string
		id   string
		want int
	}{{"moved 4 days earlier", earlier.ID, 1}, {"moved earlier and back", earlierBack.ID, 1},
		{"moved later and back", laterBack.ID, 1}, {"moved earlier with a stated cause", earlierCaused.ID, 1},
		{"paused and resumed", honest.ID, 0}} {
		if got := alarms[c.id]; got != c.want {
			t.Errorf("%s: got %d tampered alarms, want %d", c.name, got, c.want)
		}
	}
	for _, c := range []struct {
		name string
		id   string
	}{{"moved 4 days earlier", earlier.ID}, {"moved earlier with a stated cause", earlierCaused.ID}} {
		got := f.get(t, c.id)
		if got.DueDate.String() != "2026-03-10" {
			t.Errorf("%s, after the sweep: got due %s, want 2026-03-10 (put back)", c.name, got.DueDate)
		}
		if risk := got.RiskAt(f.now); risk == tracking.RiskBreached {
			t.Errorf("%s, after the sweep: got %s, want not breached before the law's due", c.name, risk)
		}
	}
	if res.Breached != 0 {
		t.Errorf("got %d breach alarms, want 0 (no due the law gives has passed)", res.Breached)
	}
	if got := f.outboxTypes(t)[events.DeadlineTampered.Name]; got != 4 {
		t.Errorf("got %d tampered events stored, want 4", got)
	}

	for _, m := range []*tracking.Monitor{m, f.monitor()} {
		res, err = m.Sweep(context.Background())
		require.NoError(t, err)
		assert.Equal(t, tracking.SweepResult{}, res, "a second sweep")
	}
	if got := f.outboxTypes(t)[events.DeadlineTampered.Name]; got != 4 {
		t.Errorf("after a second sweep and a monitor that starts: got %d tampered events stored, want 4", got)
	}
}

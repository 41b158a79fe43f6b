package trackingpg_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/deadline"
	"claims.local/pkg/tracking"
)

// TestAttackAStepOrAStopIsRecordedAndAStopOfAClockThatNeverStopsIsAlarmed
// is the insider of session 14 in a service whose monitor has no witness
// of its steps' sources: a rule whose clock never stops (the rejection
// letter's, R5) set paused with the cause the tracker states, which the
// tracker would never do (Tracker.Pause refuses it), is alarmed and taken
// back whatever its cause; every step to met or cancelled, the service's
// and the insider's, is recorded with its evidence, the role and the
// transaction (tracking 0012); and a done obligation cannot be made owed
// again through the role, but by the monitor taking back a step it
// alarmed.
func TestAttackAStepOrAStopIsRecordedAndAStopOfAClockThatNeverStopsIsAlarmed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "2026-03-10T10:00:00+08:00")
	letter := f.track(t, deadline.RejectionNotice, "2026-03-06T09:00:00+08:00")
	met := f.track(t, deadline.Decision, "2026-03-03T09:00:00+08:00")
	honest := f.track(t, deadline.Decision, "2026-03-04T09:00:00+08:00")
	m := f.monitor()
	_, err := m.Sweep(context.Background())
	require.NoError(t, err)

	require.NoError(t, f.db.Exec(`UPDATE deadline_obligations SET state = 'paused', paused_at = clock_start,
		due_cause = 'pause: notice delivered 2026-03-06T01:00:00Z' WHERE id = ?`, letter.ID).Error)
	require.NoError(t, f.db.Exec(`UPDATE deadline_obligations SET state = 'met', done_at = now(), done_evidence = 'decision:none' WHERE id = ?`, met.ID).Error)
	f.apply(t, tracking.Complete(honest.Subject, deadline.Decision, f.now).Proven("decision:honest"))

	type step struct{ OldState, State, Evidence, Role string }
	var steps []step
	require.NoError(t, f.db.Raw(`SELECT old_state, state, evidence, role FROM deadline_due_moves WHERE obligation_id IN (?, ?)
		ORDER BY seq`, met.ID, honest.ID).Scan(&steps).Error)
	if assert.Len(t, steps, 2, "steps recorded") {
		assert.Equal(t, step{"open", "met", "decision:none", steps[0].Role}, steps[0], "the insider's step")
		assert.Equal(t, step{"open", "met", "decision:honest", steps[1].Role}, steps[1], "the service's step")
		assert.NotEmpty(t, steps[0].Role, "the role of the insider's step")
	}
	assert.Equal(t, "decision:honest", f.get(t, honest.ID).Evidence, "the evidence kept with the obligation")
	if err := f.db.Exec(`UPDATE deadline_obligations SET state = 'open', done_at = NULL WHERE id = ?`, honest.ID).Error; err == nil {
		t.Errorf("make a met obligation owed again through the role: got it done, want it refused")
	}

	res, err := m.Sweep(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, res.Tampered, "tampered alarms: the stop of a clock that never stops (no witness checks the steps here)")
	assert.Equal(t, tracking.StateOpen, f.get(t, letter.ID).State, "the letter's obligation after the sweep")
	assert.Equal(t, tracking.StateMet, f.get(t, met.ID).State, "the step no witness checks")
}

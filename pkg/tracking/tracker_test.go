package tracking_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/calendar"
	"claims.local/pkg/calendar/calendartest"
	"claims.local/pkg/deadline"
	"claims.local/pkg/tracking"
)

// at parses an RFC 3339 time or fails the test.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return v
}

func newTracker() *tracking.Tracker { return tracking.NewTracker(tracking.NewCalendars(nil), -1) }

func decisionSpec(t *testing.T, from string) tracking.Spec {
	t.Helper()
	return tracking.Spec{ClaimID: "claim-1", Subject: "claim/claim-1", Rule: deadline.Decision, ClockStart: at(t, from)}
}

func TestNewComputesTheDeadlineWithItsRiskStart(t *testing.T) {
	tr := newTracker()
	now := at(t, "2026-09-30T08:21:00Z")
	o, err := tr.New(decisionSpec(t, "2026-09-30T16:20:00+08:00"), now)
	require.NoError(t, err)
	// Five working days after 09-30 across National Day: 10-09 and the
	// make-up Saturday 10-10, then 10-12 and 10-13.
	assert.Equal(t, "2026-10-13", o.DueDate.String())
	assert.Equal(t, "2026-10-13T23:59:59+08:00", o.DueAt.Format(time.RFC3339))
	assert.Equal(t, "2026-10-12T00:00:00+08:00", o.AtRiskFrom.Format(time.RFC3339), "one working day of lead")
	assert.Equal(t, tracking.StateOpen, o.State)
	assert.NotEmpty(t, o.Explanation)
	assert.Contains(t, o.Basis, "第二十三条")
	assert.Equal(t, int64(0), o.CalendarSeq)
}

func TestNewRefusesAnObligationWithoutSubject(t *testing.T) {
	_, err := newTracker().New(tracking.Spec{ClaimID: "c", Rule: deadline.Decision, ClockStart: time.Now()}, time.Now())
	require.Error(t, err)
}

func TestNewAppliesTheContractOverrideOfItsRuleOnly(t *testing.T) {
	spec := decisionSpec(t, "2026-03-02T10:00:00+08:00")
	spec.Overrides = []deadline.Override{
		{Rule: deadline.Payment, Length: 7, Unit: deadline.Days},
		{Rule: deadline.Decision, Length: 3, Unit: deadline.WorkingDays},
	}
	o, err := newTracker().New(spec, time.Now())
	require.NoError(t, err)
	require.NotNil(t, o.Override)
	assert.Equal(t, 3, o.Override.Length)
	assert.Equal(t, "2026-03-05", o.DueDate.String())
}

func TestRiskAndDelay(t *testing.T) {
	o, err := newTracker().New(decisionSpec(t, "2026-03-02T10:00:00+08:00"), time.Now())
	require.NoError(t, err)
	// Due Monday 2026-03-09, at risk from Friday 03-06 00:00.
	require.Equal(t, "2026-03-09", o.DueDate.String())
	tests := []struct {
		name      string
		state     tracking.State
		now       string
		wantRisk  tracking.Risk
		wantDelay time.Duration
	}{
		{"on track", tracking.StateOpen, "2026-03-05T23:59:59+08:00", tracking.RiskOnTrack, 0},
		{"at risk from the lead day", tracking.StateOpen, "2026-03-06T00:00:00+08:00", tracking.RiskAtRisk, 0},
		{"at risk on the last day", tracking.StateOpen, "2026-03-09T23:59:59+08:00", tracking.RiskAtRisk, 0},
		{"breached after midnight", tracking.StateOpen, "2026-03-10T00:00:01+08:00", tracking.RiskBreached, time.Second},
		{"paused is never breached", tracking.StatePaused, "2026-04-01T00:00:00+08:00", tracking.RiskPaused, 0},
		{"met is done", tracking.StateMet, "2026-04-01T00:00:00+08:00", tracking.RiskNone, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := o
			o.State = tc.state
			now := at(t, tc.now)
			assert.Equal(t, tc.wantRisk, o.RiskAt(now))
			assert.InDelta(t, tc.wantDelay, o.Delay(now), float64(time.Millisecond))
		})
	}
}

func TestCompleteIsMetOnTheLastDayAndMissedAfterIt(t *testing.T) {
	tests := []struct {
		name string
		done string
		want tracking.State
	}{
		{"same day", "2026-03-02T18:00:00+08:00", tracking.StateMet},
		{"last instant of the due date", "2026-03-09T23:59:59+08:00", tracking.StateMet},
		{"next morning", "2026-03-10T08:30:00+08:00", tracking.StateMissed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTracker()
			o, err := tr.New(decisionSpec(t, "2026-03-02T10:00:00+08:00"), time.Now())
			require.NoError(t, err)
			require.NoError(t, tr.Complete(&o, at(t, tc.done), time.Now()))
			assert.Equal(t, tc.want, o.State)
			require.NotNil(t, o.DoneAt)
			// A second completion changes nothing.
			first := *o.DoneAt
			require.NoError(t, tr.Complete(&o, at(t, "2027-01-01T00:00:00Z"), time.Now()))
			assert.Equal(t, first, *o.DoneAt)
		})
	}
}

func TestPauseAndResumeDeductTheDaysAwaited(t *testing.T) {
	tr := newTracker()
	o, err := tr.New(decisionSpec(t, "2026-03-02T10:00:00+08:00"), time.Now())
	require.NoError(t, err)
	require.NoError(t, tr.Pause(&o, at(t, "2026-03-03T09:00:00+08:00"), time.Now()))
	assert.Equal(t, tracking.StatePaused, o.State)
	err = tr.Pause(&o, at(t, "2026-03-03T10:00:00+08:00"), time.Now())
	require.Error(t, err, "a paused obligation cannot be paused again")

	moved, err := tr.Resume(&o, at(t, "2026-03-06T15:00:00+08:00"), time.Now())
	require.NoError(t, err)
	assert.True(t, moved)
	assert.Equal(t, tracking.StateOpen, o.State)
	require.Len(t, o.Pauses, 1)
	// 03-03 counted (day 1), 03-04..06 deducted, then 03-09..12 are days
	// 2-5.
	assert.Equal(t, "2026-03-12", o.DueDate.String())
	want, err := deadline.NewCalculator(nil).Compute(deadline.Request{Rule: deadline.Decision, From: o.ClockStart, Pauses: o.Pauses})
	require.NoError(t, err)
	assert.Equal(t, want.DueDate, o.DueDate, "the tracker and the calculator agree")
}

func TestPauseIsRefusedForRulesWithoutPause(t *testing.T) {
	tr := newTracker()
	o, err := tr.New(tracking.Spec{ClaimID: "c", Subject: "payout/1", Rule: deadline.Payment, ClockStart: at(t, "2026-03-02T10:00:00+08:00")}, time.Now())
	require.NoError(t, err)
	require.Error(t, tr.Pause(&o, at(t, "2026-03-03T10:00:00+08:00"), time.Now()))
}

func TestCompleteWhilePausedClosesThePauseFirst(t *testing.T) {
	tr := newTracker()
	o, err := tr.New(decisionSpec(t, "2026-03-02T10:00:00+08:00"), time.Now())
	require.NoError(t, err)
	require.NoError(t, tr.Pause(&o, at(t, "2026-03-03T09:00:00+08:00"), time.Now()))
	// Decided on 03-11, which is after the unpaused due date 03-09 but
	// within the deadline once the days awaited are deducted.
	require.NoError(t, tr.Complete(&o, at(t, "2026-03-11T10:00:00+08:00"), time.Now()))
	assert.Equal(t, tracking.StateMet, o.State)
	assert.Nil(t, o.PausedAt)
}

func TestRecomputeWithANewCalendarMovesTheDeadlineAndWithdrawsAlarms(t *testing.T) {
	cals := tracking.NewCalendars(nil)
	tr := tracking.NewTracker(cals, 1)
	o, err := tr.New(decisionSpec(t, "2026-12-01T10:00:00+08:00"), time.Now())
	require.NoError(t, err)
	require.Equal(t, "2026-12-08", o.DueDate.String())
	alarm := at(t, "2026-12-07T01:00:00+08:00")
	o.AtRiskAlertedAt = &alarm

	updated, err := calendar.Parse(calendartest.WithOffDays(t, "test holiday", calendar.Date{Year: 2026, Month: 12, Day: 3}))
	require.NoError(t, err)
	assert.True(t, cals.Advance(1, updated))
	assert.False(t, cals.Advance(1, calendar.Default()), "the same sequence is not applied twice")

	moved, err := tr.Recompute(&o, at(t, "2026-12-07T02:00:00+08:00"))
	require.NoError(t, err)
	assert.True(t, moved)
	assert.Equal(t, "2026-12-09", o.DueDate.String())
	assert.Equal(t, int64(1), o.CalendarSeq)
	assert.Equal(t, updated.Version(), o.CalendarVersion)
	assert.Nil(t, o.AtRiskAlertedAt, "the at-risk alarm is raised again for the new date")

	moved, err = tr.Recompute(&o, time.Now())
	require.NoError(t, err)
	assert.False(t, moved, "recomputing with the same calendar moves nothing")
}

func TestCancelEndsAnOwedObligationWithItsReason(t *testing.T) {
	tr := newTracker()
	o, err := tr.New(decisionSpec(t, "2026-03-02T10:00:00+08:00"), time.Now())
	require.NoError(t, err)
	require.Error(t, tr.Cancel(&o, time.Now(), "", time.Now()), "a reason is required")
	require.NoError(t, tr.Cancel(&o, at(t, "2026-03-03T10:00:00+08:00"), "case found complex: the 30-day rule applies", time.Now()))
	assert.Equal(t, tracking.StateCancelled, o.State)
	assert.False(t, o.Owed())
	assert.Equal(t, tracking.RiskNone, o.RiskAt(at(t, "2026-04-01T00:00:00+08:00")))
	require.NoError(t, tr.Complete(&o, time.Now(), time.Now()))
	assert.Equal(t, tracking.StateCancelled, o.State, "a cancelled obligation is not met later")
}

// TestABreachIsPermanent: an obligation past its due time can end only as
// missed, whatever ends it: superseded (a case found complex), withdrawn, or
// paused after the due time. Before its due time the same steps cancel or
// pause it as before.
func TestABreachIsPermanent(t *testing.T) {
	// The decision from 03-02 is due 03-09 (five working days).
	const start, inside, late = "2026-03-02T10:00:00+08:00", "2026-03-05T10:00:00+08:00", "2026-03-23T10:00:00+08:00"
	cases := []struct {
		name      string
		step      func(tr *tracking.Tracker, o *tracking.Deadline, at time.Time) error
		at        string
		wantState tracking.State
	}{
		{"superseded inside the period", cancelStep("superseded by the complex-case decision deadline"), inside, tracking.StateCancelled},
		{"superseded after the due time", cancelStep("superseded by the complex-case decision deadline"), late, tracking.StateMissed},
		{"withdrawn inside the period", cancelStep("claim withdrawn"), inside, tracking.StateCancelled},
		{"withdrawn after the due time", cancelStep("claim withdrawn"), late, tracking.StateMissed},
		{"paused inside the period", pauseStep, inside, tracking.StatePaused},
		{"paused after the due time", pauseStep, late, tracking.StateMissed},
		{"met after the due time", completeStep, late, tracking.StateMissed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTracker()
			o, err := tr.New(decisionSpec(t, start), time.Now())
			require.NoError(t, err)
			when := at(t, tc.at)
			require.NoError(t, tc.step(tr, &o, when))
			if o.State != tc.wantState {
				t.Fatalf("got state %s, want %s", o.State, tc.wantState)
			}
			if tc.wantState != tracking.StateMissed {
				return
			}
			require.NotNil(t, o.DoneAt)
			assert.True(t, o.DoneAt.Equal(when), "got done at %v, want %v", o.DoneAt, when)
			assert.Positive(t, o.Delay(time.Now()), "a missed obligation reports its delay")
			// Nothing later turns the breach back.
			require.NoError(t, tr.Cancel(&o, when.Add(time.Hour), "claim withdrawn", time.Now()))
			_, err = tr.Resume(&o, when.Add(time.Hour), time.Now())
			require.NoError(t, err, "resuming a missed obligation changes nothing")
			require.NoError(t, tr.Pause(&o, when.Add(time.Hour), time.Now()), "pausing a missed obligation changes nothing")
			require.NoError(t, tr.Complete(&o, when.Add(time.Hour), time.Now()))
			if o.State != tracking.StateMissed {
				t.Fatalf("got state %s after later steps, want missed", o.State)
			}
		})
	}
}

// TestCancelWhilePausedDeductsTheDaysAwaitedFirst: a claim withdrawn while
// documents are awaited is judged against the due time with the pause
// closed at the withdrawal, so days awaited never turn into a breach.
func TestCancelWhilePausedDeductsTheDaysAwaitedFirst(t *testing.T) {
	tr := newTracker()
	o, err := tr.New(decisionSpec(t, "2026-03-02T10:00:00+08:00"), time.Now())
	require.NoError(t, err)
	require.NoError(t, tr.Pause(&o, at(t, "2026-03-03T09:00:00+08:00"), time.Now()))
	require.NoError(t, tr.Cancel(&o, at(t, "2026-03-20T10:00:00+08:00"), "claim withdrawn", time.Now()))
	if o.State != tracking.StateCancelled {
		t.Fatalf("got state %s, want cancelled", o.State)
	}
}

func cancelStep(reason string) func(*tracking.Tracker, *tracking.Deadline, time.Time) error {
	return func(tr *tracking.Tracker, o *tracking.Deadline, at time.Time) error {
		return tr.Cancel(o, at, reason, at)
	}
}

func pauseStep(tr *tracking.Tracker, o *tracking.Deadline, at time.Time) error {
	return tr.Pause(o, at, at)
}

func completeStep(tr *tracking.Tracker, o *tracking.Deadline, at time.Time) error {
	return tr.Complete(o, at, at)
}

func TestRestorePutsBackOnlyAnOwedDueStoredOtherThanItsInputsGive(t *testing.T) {
	now := at(t, "2026-10-12T02:00:00Z")
	for _, tc := range []struct {
		name     string
		edit     func(*tracking.Deadline)
		restored bool
		wantDue  string
	}{
		{"as computed", func(*tracking.Deadline) {}, false, "2026-10-13"},
		{"moved thirty days later", func(o *tracking.Deadline) {
			o.DueAt, o.DueDate = o.DueAt.AddDate(0, 0, 30), o.DueDate.AddDays(30)
		}, true, "2026-10-13"},
		{"only the due time moved later", func(o *tracking.Deadline) { o.DueAt = o.DueAt.Add(48 * time.Hour) }, true, "2026-10-13"},
		{"moved with a newer calendar claimed", func(o *tracking.Deadline) {
			o.DueAt, o.DueDate, o.CalendarSeq = o.DueAt.AddDate(0, 0, 30), o.DueDate.AddDays(30), 7
		}, true, "2026-10-13"},
		{"moved earlier", func(o *tracking.Deadline) {
			o.DueAt, o.DueDate = o.DueAt.AddDate(0, 0, -1), o.DueDate.AddDays(-1)
		}, true, "2026-10-13"},
		{"only the due time moved earlier", func(o *tracking.Deadline) { o.DueAt = o.DueAt.Add(-3 * time.Hour) }, true, "2026-10-13"},
		{"done: final", func(o *tracking.Deadline) {
			o.DueAt, o.DueDate = o.DueAt.AddDate(0, 0, 30), o.DueDate.AddDays(30)
			o.State, o.DoneAt = tracking.StateMet, &now
		}, false, "2026-11-12"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTracker()
			o, err := tr.New(decisionSpec(t, "2026-09-30T16:20:00+08:00"), now)
			require.NoError(t, err)
			tc.edit(&o)
			restored, err := tr.Restore(&o, now)
			require.NoError(t, err)
			if restored != tc.restored {
				t.Errorf("got restored %v, want %v", restored, tc.restored)
			}
			if got := o.DueDate.String(); got != tc.wantDue {
				t.Errorf("got due %s, want %s", got, tc.wantDue)
			}
			if tc.restored && o.DueCause == "" {
				t.Errorf("got no cause for the restoration, want one")
			}
		})
	}
}

func TestRepauseDeductsAStopLearntOfLateOnlyWhileTheDeadlineIsOwedAndNotPast(t *testing.T) {
	// Claim received Monday 2026-11-02 10:00: due 11-09 with no stop; the
	// stop from the delivery on 11-03 to the supplement on 11-05 makes it
	// 11-11.
	stop := []deadline.Pause{{PausedAt: at(t, "2026-11-03T15:00:00+08:00"), ResumedAt: at(t, "2026-11-05T10:00:00+08:00")}}
	for _, tc := range []struct {
		name    string
		now     string
		pauses  []deadline.Pause
		done    bool
		wantDue string
		wantErr bool
	}{
		{"owed, before its due", "2026-11-06T10:00:00+08:00", stop, false, "2026-11-11", false},
		{"already past its due: the breach stays", "2026-11-10T10:00:00+08:00", stop, false, "2026-11-09", false},
		{"met: final", "2026-11-06T10:00:00+08:00", stop, true, "2026-11-09", false},
		{"a stop ending in the future", "2026-11-04T10:00:00+08:00", stop, false, "2026-11-09", true},
		{"a stop before the clock start", "2026-11-06T10:00:00+08:00",
			[]deadline.Pause{{PausedAt: at(t, "2026-11-01T15:00:00+08:00"), ResumedAt: at(t, "2026-11-05T10:00:00+08:00")}}, false, "2026-11-09", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTracker()
			now := at(t, tc.now)
			o, err := tr.New(decisionSpec(t, "2026-11-02T10:00:00+08:00"), now)
			require.NoError(t, err)
			if tc.done {
				require.NoError(t, tr.Complete(&o, at(t, "2026-11-05T12:00:00+08:00"), now))
			}
			_, err = tr.Repause(&o, tc.pauses, now)
			if (err != nil) != tc.wantErr {
				t.Fatalf("got error %v, want an error: %v", err, tc.wantErr)
			}
			if got := o.DueDate.String(); got != tc.wantDue {
				t.Errorf("got due %s, want %s", got, tc.wantDue)
			}
		})
	}
}

// TestUnpauseTakesBackOnlyTheStopItIsToldOf: a stop the tracker did not
// make (the monitor found it without a cause) is taken back while the
// obligation is still paused from then; another stop since, a resumed or
// a done obligation is left. The tracker's own pause states its cause.
func TestUnpauseTakesBackOnlyTheStopItIsToldOf(t *testing.T) {
	tr := newTracker()
	now := at(t, "2026-03-06T10:00:00+08:00")
	stop := at(t, "2026-03-05T09:00:00+08:00")
	for _, c := range []struct {
		name  string
		state tracking.State
		from  time.Time
		at    time.Time
		want  bool
	}{
		{"paused from the stop", tracking.StatePaused, stop, stop, true},
		{"paused from another stop since", tracking.StatePaused, stop.Add(time.Hour), stop, false},
		{"open again", tracking.StateOpen, time.Time{}, stop, false},
		{"met", tracking.StateMet, time.Time{}, stop, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			o, err := tr.New(decisionSpec(t, "2026-03-03T09:00:00+08:00"), now)
			require.NoError(t, err)
			o.State = c.state
			if !c.from.IsZero() {
				from := c.from
				o.PausedAt = &from
			}
			before := o
			if got := tr.Unpause(&o, c.at, now); got != c.want {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			if !c.want {
				assert.Equal(t, before, o, "the obligation left")
				return
			}
			assert.Equal(t, tracking.StateOpen, o.State, "the state")
			assert.Nil(t, o.PausedAt, "the open stop")
			assert.Equal(t, before.DueAt, o.DueAt, "the due")
			assert.NotEmpty(t, o.DueCause, "the cause recorded")
		})
	}
	o, err := tr.New(decisionSpec(t, "2026-03-03T09:00:00+08:00"), now)
	require.NoError(t, err)
	require.NoError(t, tr.Pause(&o, stop, now))
	assert.NotEmpty(t, o.DueCause, "the cause of the tracker's own pause")
}

func TestTakeBackPutsBackOnlyTheStepItIsToldOf(t *testing.T) {
	tr := newTracker()
	now := at(t, "2026-03-06T10:00:00+08:00")
	done := at(t, "2026-03-05T09:00:00+08:00")
	stop := at(t, "2026-03-04T09:00:00+08:00")
	for _, c := range []struct {
		name      string
		from      tracking.State
		state     tracking.State
		doneAt    time.Time
		want      bool
		wantState tracking.State
	}{
		{"met from open", tracking.StateOpen, tracking.StateMet, done, true, tracking.StateOpen},
		{"cancelled from paused", tracking.StatePaused, tracking.StateCancelled, done, true, tracking.StatePaused},
		{"met again since, at another time", tracking.StateOpen, tracking.StateMet, done.Add(time.Hour), false, ""},
		{"cancelled since the step met it", tracking.StateOpen, tracking.StateCancelled, done, false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			o, err := tr.New(decisionSpec(t, "2026-03-03T09:00:00+08:00"), now)
			require.NoError(t, err)
			mv := tracking.DueMove{Seq: 7, Obligation: o, OldState: c.from}
			mv.Obligation.State, mv.Obligation.DoneAt = tracking.StateMet, &done
			if c.from == tracking.StatePaused {
				mv.OldPausedAt = &stop
				mv.Obligation.State = tracking.StateCancelled
			}
			doneAt := c.doneAt
			o.State, o.DoneAt, o.Mode, o.Evidence = c.state, &doneAt, "manual", "decision:x"
			before := o
			if got := tr.TakeBack(&o, mv, now); got != c.want {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			if !c.want {
				assert.Equal(t, before, o, "the obligation left")
				return
			}
			assert.Equal(t, c.wantState, o.State, "the state")
			assert.Nil(t, o.DoneAt, "the done time")
			assert.Empty(t, o.Evidence+o.Mode+o.CancelReason, "the evidence, mode and reason")
			assert.Equal(t, before.DueAt, o.DueAt, "the due")
			assert.Contains(t, o.DueCause, tracking.TakenBackCause+"7 ", "the cause recorded")
			if c.wantState == tracking.StatePaused {
				assert.Equal(t, &stop, o.PausedAt, "the stop restored")
			}
		})
	}
}

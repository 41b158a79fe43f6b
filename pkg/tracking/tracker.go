package tracking

import (
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
	"claims.local/pkg/deadline"
)

// Calendars holds the calendar version a service instance counts with. It
// starts with the calendar built into the binary (sequence 0) and moves to a
// newer version when the monitor finds one stored; it never goes back to an
// older sequence. Safe for concurrent use.
type Calendars struct {
	mu   sync.RWMutex
	calc *deadline.Calculator
	seq  int64
}

// NewCalendars starts with cal at sequence 0 (nil means calendar.Default()).
func NewCalendars(cal *calendar.Calendar) *Calendars {
	return &Calendars{calc: deadline.NewCalculator(cal)}
}

// Active returns the calculator in force and its sequence number.
func (c *Calendars) Active() (*deadline.Calculator, int64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.calc, c.seq
}

// Advance makes cal, stored as seq, the calendar in force if seq is newer
// than the one in force, and reports whether it did.
func (c *Calendars) Advance(seq int64, cal *calendar.Calendar) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if seq <= c.seq {
		return false
	}
	c.calc, c.seq = deadline.NewCalculator(cal), seq
	return true
}

// Tracker creates and moves obligations through their states, computing
// their deadlines with the calendar in force.
type Tracker struct {
	cals *Calendars
	// riskLead is the number of working days before the due date from
	// which an open obligation is at risk.
	riskLead int
}

// NewTracker returns a tracker counting with cals; riskLeadWorkingDays
// below zero means deadline.DefaultRiskLead.
func NewTracker(cals *Calendars, riskLeadWorkingDays int) *Tracker {
	if riskLeadWorkingDays < 0 {
		riskLeadWorkingDays = deadline.DefaultRiskLead
	}
	return &Tracker{cals: cals, riskLead: riskLeadWorkingDays}
}

// Calendars returns the calendar holder the tracker counts with.
func (t *Tracker) Calendars() *Calendars { return t.cals }

// New returns a new open obligation for spec with its deadline computed.
func (t *Tracker) New(spec Spec, now time.Time) (Deadline, error) {
	if spec.ClaimID == "" || spec.Subject == "" {
		return Deadline{}, fmt.Errorf("tracking: obligation %s needs a claim id and a subject", spec.Rule)
	}
	o := Deadline{
		ID: uuid.NewString(), ClaimID: spec.ClaimID, Subject: spec.Subject, Rule: spec.Rule,
		ClockStart: spec.ClockStart, Override: spec.override(), State: StateOpen,
		CreatedAt: now.UTC(), UpdatedAt: now.UTC(),
	}
	if err := t.derive(&o); err != nil {
		return Deadline{}, err
	}
	return o, nil
}

// derive computes o's deadline fields from its inputs with the calendar in
// force.
func (t *Tracker) derive(o *Deadline) error {
	calc, seq := t.cals.Active()
	d, err := calc.Compute(o.request())
	if err != nil {
		return fmt.Errorf("tracking: compute %s of %s: %w", o.Rule, o.Subject, err)
	}
	o.DueDate, o.DueAt, o.AtRiskFrom = d.DueDate, d.DueAt, calc.AtRiskFrom(d, t.riskLead)
	o.Basis, o.Explanation, o.Provisional = d.Basis, d.Explanation, d.Provisional
	o.CalendarVersion, o.CalendarSeq = d.CalendarVersion, seq
	return nil
}

// Recompute derives o's deadline again with the calendar in force and
// reports whether the due time moved. Alarms already raised are withdrawn
// when the new times are still ahead at now, so that they are raised again
// for the new date. Done obligations are left as they are.
func (t *Tracker) Recompute(o *Deadline, now time.Time) (moved bool, err error) {
	if !o.Owed() {
		return false, nil
	}
	before := o.DueDate
	if err := t.derive(o); err != nil {
		return false, err
	}
	if o.AtRiskAlertedAt != nil && now.Before(o.AtRiskFrom) {
		o.AtRiskAlertedAt = nil
	}
	if o.BreachedAlertedAt != nil && !now.After(o.DueAt) {
		o.BreachedAlertedAt = nil
	}
	o.UpdatedAt = now.UTC()
	// DueAt is always the end of DueDate; the date is compared because a
	// DueAt read back from the database has lost its nanoseconds.
	moved = before != o.DueDate
	if moved {
		o.DueCause = "recomputed with calendar " + o.CalendarVersion
	}
	return moved, nil
}

// Expected returns o with its deadline derived from its inputs (rule,
// clock start, closed pauses, contract period) with the calendar in force,
// and whether that is a due o can be held to: not when o was computed with
// an older calendar version than the one in force (the monitor recomputes
// those). A due stored later than the expected one was moved by something
// other than the tracker: an insider through the service's role, or a bug.
func (t *Tracker) Expected(o Deadline) (Deadline, bool, error) {
	if _, seq := t.cals.Active(); o.CalendarSeq < seq {
		return o, false, nil
	}
	if err := t.derive(&o); err != nil {
		return o, false, err
	}
	return o, true, nil
}

// Unexplained reports whether o's stored due time (or date) is not the one
// expected of its inputs, later or earlier: a due later hides a breach, one
// earlier makes the insurer look late (a breach alarm, a missed step before
// the law's due); every honest move derives the due from the inputs.
func Unexplained(o, expected Deadline) bool {
	return !o.DueAt.Truncate(time.Microsecond).Equal(expected.DueAt.Truncate(time.Microsecond)) || o.DueDate != expected.DueDate
}

// Restore puts the due time of an owed obligation back to the one its
// inputs give when it is stored otherwise, later or earlier (see Expected
// and Unexplained), and reports whether it did.
func (t *Tracker) Restore(o *Deadline, now time.Time) (bool, error) {
	if !o.Owed() {
		return false, nil
	}
	want, ok, err := t.Expected(*o)
	if err != nil || !ok || !Unexplained(*o, want) {
		return false, err
	}
	if _, err := t.Recompute(o, now); err != nil {
		return false, err
	}
	o.DueCause = "restored: stored due " + "was later than its inputs give"
	return true, nil
}

// Pause stops the clock of an open R4 obligation at the instant the
// supplementary notice reached the claimant (Judicial Interpretation II of
// the Insurance Law, art. 15: the days after that are deducted). A pause
// after the due time cannot stop a clock that has already run out: the
// breach is permanent, so the obligation ends as missed at at. Pausing a
// done obligation changes nothing.
func (t *Tracker) Pause(o *Deadline, at, now time.Time) error {
	if o.State == StateMet || o.State == StateMissed {
		return nil
	}
	rule, err := deadline.RuleByID(o.Rule)
	if err != nil {
		return err
	}
	switch {
	case !rule.Pausable:
		return apperr.New(apperr.Conflict, "the clock of %s (%s) cannot be paused", rule.ID, rule.RNumber)
	case o.State != StateOpen:
		return apperr.New(apperr.Conflict, "obligation %s is %s; only an open one can be paused", o.ID, o.State)
	case at.Before(o.ClockStart):
		return apperr.New(apperr.Invalid, "a pause cannot start before the clock start %s", o.ClockStart.Format(time.RFC3339))
	case len(o.Pauses) > 0 && at.Before(o.Pauses[len(o.Pauses)-1].ResumedAt):
		return apperr.New(apperr.Invalid, "a pause cannot start before the previous one ended")
	}
	at = at.UTC()
	if at.After(o.DueAt) {
		o.State, o.DoneAt, o.UpdatedAt = StateMissed, &at, now.UTC()
		return nil
	}
	o.State, o.PausedAt, o.UpdatedAt = StatePaused, &at, now.UTC()
	// The record of due moves keeps the stop with this cause; one started
	// without a cause was not the tracker's (Monitor, Unpause).
	o.DueCause = "pause: notice delivered " + at.Format(time.RFC3339)
	return nil
}

// Unpause takes back a stop of o's clock that the tracker did not make (see
// Monitor): the stop started at at without a cause, and o is still paused
// from then. It reports whether it did; the due, which a stop does not
// move until it ends, is the one o's inputs give.
func (t *Tracker) Unpause(o *Deadline, at, now time.Time) bool {
	if o.State != StatePaused || o.PausedAt == nil || !o.PausedAt.Equal(at) {
		return false
	}
	o.State, o.PausedAt, o.UpdatedAt = StateOpen, nil, now.UTC()
	o.DueCause = "restored: the clock was stopped without a cause"
	return true
}

// TakeBack puts an obligation that step mv ended (met or cancelled) back
// to what it was before it (open, or paused from the same stop), when the
// monitor found no evidence of the step in the service's kept records
// (Monitor): the obligation is owed again, so its breach comes on time. It
// reports whether it did: not when o was changed since the step.
func (t *Tracker) TakeBack(o *Deadline, mv DueMove, now time.Time) bool {
	if !mv.Ended() || o.State != mv.Obligation.State || o.DoneAt == nil || mv.Obligation.DoneAt == nil ||
		!o.DoneAt.Equal(*mv.Obligation.DoneAt) {
		return false
	}
	o.State, o.PausedAt = StateOpen, nil
	if mv.OldState == StatePaused && mv.OldPausedAt != nil {
		at := *mv.OldPausedAt
		o.State, o.PausedAt = StatePaused, &at
	}
	o.DoneAt, o.CancelReason, o.Mode, o.Evidence, o.UpdatedAt = nil, "", "", "", now.UTC()
	o.DueCause = fmt.Sprintf("%s%d to %s without its evidence taken back", TakenBackCause, mv.Seq, mv.Obligation.State)
	return true
}

// TakenBackCause begins the cause Tracker.TakeBack states, followed by the
// sequence number of the step taken back: a stop of the clock it restores
// is proven by that step's tampered alarm.
const TakenBackCause = "restored: step "

// Resume restarts the clock when the supplement arrives and recomputes the
// due time with the paused days deducted. It reports whether the due time
// moved. Resuming a done obligation (one that a pause after its due time
// recorded missed) changes nothing.
func (t *Tracker) Resume(o *Deadline, at, now time.Time) (bool, error) {
	if !o.Owed() {
		return false, nil
	}
	if o.State != StatePaused || o.PausedAt == nil {
		return false, apperr.New(apperr.Conflict, "obligation %s is %s; only a paused one can be resumed", o.ID, o.State)
	}
	if at.Before(*o.PausedAt) {
		return false, apperr.New(apperr.Invalid, "the supplement cannot arrive before the notice was sent")
	}
	closed := *o
	closed.Pauses = append(append([]deadline.Pause(nil), o.Pauses...), deadline.Pause{PausedAt: *o.PausedAt, ResumedAt: at.UTC()})
	closed.State, closed.PausedAt = StateOpen, nil
	moved, err := t.Recompute(&closed, now)
	if err != nil {
		return false, err
	}
	if moved {
		closed.DueCause = "resume: documents received " + at.UTC().Format(time.RFC3339)
	}
	*o = closed
	return moved, nil
}

// Repause sets the closed clock stops of an owed obligation to pauses (a
// stop learnt of after it ended: a notice's delivery recorded after the
// claim was handed over) and recomputes its due time, reporting whether it
// moved. A done obligation is final, and a breach is permanent: an
// obligation already past its due time at now keeps it, whatever stop is
// learnt of afterwards. A stop that ends after the open one started, or
// after now, is refused.
func (t *Tracker) Repause(o *Deadline, pauses []deadline.Pause, now time.Time) (bool, error) {
	if !o.Owed() || now.After(o.DueAt) {
		return false, nil
	}
	for i, p := range pauses {
		switch {
		case p.PausedAt.Before(o.ClockStart) || p.ResumedAt.Before(p.PausedAt) || p.ResumedAt.After(now):
			return false, apperr.New(apperr.Invalid, "a stop from %s to %s does not fit the clock of %s", p.PausedAt.Format(time.RFC3339),
				p.ResumedAt.Format(time.RFC3339), o.ID)
		case i > 0 && p.PausedAt.Before(pauses[i-1].ResumedAt), o.PausedAt != nil && p.ResumedAt.After(*o.PausedAt):
			return false, apperr.New(apperr.Invalid, "the stops of %s overlap", o.ID)
		}
	}
	next := *o
	next.Pauses = append([]deadline.Pause(nil), pauses...)
	moved, err := t.Recompute(&next, now)
	if err != nil {
		return false, err
	}
	if moved {
		next.DueCause = "repause: a stop learnt of after it ended (a notice's late delivery receipt)"
	}
	*o = next
	return moved, nil
}

// Complete marks the obligation met at at, or missed when at is after its
// due time. A paused obligation is resumed at at first, so that the time
// awaited is still deducted. Completing a done obligation again changes
// nothing.
func (t *Tracker) Complete(o *Deadline, at, now time.Time) error {
	if !o.Owed() {
		return nil
	}
	if o.State == StatePaused {
		if _, err := t.Resume(o, at, now); err != nil {
			return err
		}
	}
	at = at.UTC()
	o.DoneAt, o.UpdatedAt = &at, now.UTC()
	o.State = StateMet
	if at.After(o.DueAt) {
		o.State = StateMissed
	}
	return nil
}

// Cancel ends an owed obligation without meeting it, for reason: another
// obligation took its place or its subject ended. A breach is permanent:
// an obligation cancelled after its due time (a case found complex too
// late, a claim withdrawn after the deadline) is recorded missed at at, so
// the compliance report (R13) still counts it. A paused obligation is
// resumed at at first, so that the time awaited is deducted before the due
// time is compared. Cancelling a done obligation changes nothing.
func (t *Tracker) Cancel(o *Deadline, at time.Time, reason string, now time.Time) error {
	if !o.Owed() {
		return nil
	}
	if reason == "" {
		return fmt.Errorf("tracking: cancelling %s of %s needs a reason", o.Rule, o.Subject)
	}
	if o.State == StatePaused {
		if _, err := t.Resume(o, at, now); err != nil {
			return err
		}
	}
	at = at.UTC()
	o.State, o.DoneAt, o.PausedAt, o.CancelReason, o.UpdatedAt = StateCancelled, &at, nil, reason, now.UTC()
	if at.After(o.DueAt) {
		o.State = StateMissed
	}
	return nil
}

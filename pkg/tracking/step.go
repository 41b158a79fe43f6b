package tracking

import (
	"time"

	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
)

// Step is one change to a service's obligations that a use case makes
// together with its own state change; the service's repository applies the
// steps in the same transaction (trackingpg.Apply). Build steps with Open,
// Complete, Pause and Resume.
type Step struct {
	// New is set for an obligation to start tracking.
	New *Deadline
	// Subject and Rule name the existing obligation the other steps act on.
	Subject string
	Rule    deadline.RuleID
	Action  Action
	At      time.Time
	// Reason says why an obligation is cancelled.
	Reason string
	// Mode tags a completed obligation with how it was met (Deadline.Mode).
	Mode string
	// Pauses are the closed clock stops a repause step sets.
	Pauses []deadline.Pause
	// Evidence names what meets or cancels the obligation in the
	// service's kept records (Deadline.Evidence).
	Evidence string
}

// Action is what a step does to an existing obligation.
type Action string

// The actions on existing obligations.
const (
	ActionComplete Action = "complete"
	ActionPause    Action = "pause"
	ActionResume   Action = "resume"
	ActionCancel   Action = "cancel"
	ActionRepause  Action = "repause"
)

// Open starts tracking o. Opening an obligation whose subject and rule are
// already tracked changes nothing, so a redelivered event is harmless.
func Open(o Deadline) Step { return Step{New: &o, Subject: o.Subject, Rule: o.Rule} }

// Complete marks the obligation of subject under rule done at at: met, or
// missed when late.
func Complete(subject string, rule deadline.RuleID, at time.Time) Step {
	return Step{Subject: subject, Rule: rule, Action: ActionComplete, At: at}
}

// CompleteAs is Complete with the obligation tagged as met in mode
// (Deadline.Mode), for the compliance report's split by mode.
func CompleteAs(subject string, rule deadline.RuleID, at time.Time, mode string) Step {
	s := Complete(subject, rule, at)
	s.Mode = mode
	return s
}

// Proven returns s with its evidence: what meets or cancels the
// obligation in the service's own kept records (Deadline.Evidence), which
// the monitor checks there.
func (s Step) Proven(evidence string) Step {
	s.Evidence = evidence
	return s
}

// Pause stops the clock of the obligation at at (R3 notice sent).
func Pause(subject string, rule deadline.RuleID, at time.Time) Step {
	return Step{Subject: subject, Rule: rule, Action: ActionPause, At: at}
}

// Resume restarts the clock at at (supplement received).
func Resume(subject string, rule deadline.RuleID, at time.Time) Step {
	return Step{Subject: subject, Rule: rule, Action: ActionResume, At: at}
}

// Cancel ends the obligation of subject under rule at at without meeting
// it, for reason: another obligation took its place or its subject ended.
func Cancel(subject string, rule deadline.RuleID, at time.Time, reason string) Step {
	return Step{Subject: subject, Rule: rule, Action: ActionCancel, At: at, Reason: reason}
}

// Repause sets the closed clock stops of the obligation of subject under
// rule to pauses and recomputes its due time (Tracker.Repause): a stop
// learnt of after it ended (a notice's postal receipt that came back after
// the claim was handed over), learnt of at at.
func Repause(subject string, rule deadline.RuleID, pauses []deadline.Pause, at time.Time) Step {
	return Step{Subject: subject, Rule: rule, Action: ActionRepause, At: at, Pauses: pauses}
}

// ApplyTo performs a step on an existing obligation. A step counts against
// the due time the obligation's inputs give: one stored later (moved
// through the service's role) is restored first, so that meeting it late
// records it missed.
func (t *Tracker) ApplyTo(o *Deadline, s Step, now time.Time) error {
	if _, err := t.Restore(o, now); err != nil {
		return err
	}
	switch s.Action {
	case ActionComplete:
		// Only the step that completes the obligation tags it: a done
		// one keeps the mode it was met in.
		owed := o.Owed()
		if err := t.Complete(o, s.At, now); err != nil {
			return err
		}
		if owed {
			o.Mode, o.Evidence = s.Mode, s.Evidence
		}
		return nil
	case ActionPause:
		return t.Pause(o, s.At, now)
	case ActionResume:
		_, err := t.Resume(o, s.At, now)
		return err
	case ActionCancel:
		owed := o.Owed()
		if err := t.Cancel(o, s.At, s.Reason, now); err != nil {
			return err
		}
		if owed {
			o.Evidence = s.Evidence
		}
		return nil
	case ActionRepause:
		_, err := t.Repause(o, s.Pauses, s.At)
		return err
	}
	return nil
}

// Effects is what a use case's state change sets off, to be stored in the
// same transaction: the events that announce it and the steps it makes on
// the service's deadlines.
type Effects struct {
	Events []events.Outgoing
	Steps  []Step
}

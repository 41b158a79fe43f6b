// Package tracking stores and watches the statutory deadlines a service owes:
// every obligation a rule of pkg/deadline creates (decide claim X, send the
// rejection letter of claim Y, pay obligation Z, notify payee W) is kept by
// the service that owns it, with its due time, rule, legal basis and state,
// until it is met. A Monitor marks obligations at risk and breached and
// announces both; calendar updates recompute the open ones.
//
// This package holds the rules of tracking and the use cases; trackingpg
// stores obligations in the service's PostgreSQL database, in the
// transaction of the state change that creates or meets them, and
// trackinghttp serves the list, the compliance report (R13) and the calendar.
package tracking

import (
	"fmt"
	"time"

	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
	"claims.local/pkg/deadline"
)

// State is where an obligation stands. Open and paused obligations are
// still owed; met and missed ones are done, on time or late; a cancelled one
// is owed no more because another took its place (a case found complex
// moves from the 5-working-day decision to the 30-day one) or its subject
// ended (a claim withdrawn) before its due time. A breach is permanent: an
// obligation past its due time ends only as missed.
type State string

// The states of an obligation.
const (
	StateOpen      State = "open"
	StatePaused    State = "paused"
	StateMet       State = "met"
	StateMissed    State = "missed"
	StateCancelled State = "cancelled"
)

// ParseState checks a state given by a caller.
func ParseState(s string) (State, error) {
	switch st := State(s); st {
	case StateOpen, StatePaused, StateMet, StateMissed, StateCancelled:
		return st, nil
	}
	return "", apperr.InvalidField("state", "must be one of open, paused, met, missed, cancelled; got %q", s)
}

// Risk is how an obligation stands against its deadline now.
type Risk string

// The risks. Done (met or missed) obligations have RiskNone; a paused one is
// RiskPaused: its clock is stopped.
const (
	RiskNone     Risk = "none"
	RiskPaused   Risk = "paused"
	RiskOnTrack  Risk = "on-track"
	RiskAtRisk   Risk = "at-risk"
	RiskBreached Risk = "breached"
)

// ParseRisk checks a risk given by a caller.
func ParseRisk(s string) (Risk, error) {
	switch r := Risk(s); r {
	case RiskNone, RiskPaused, RiskOnTrack, RiskAtRisk, RiskBreached:
		return r, nil
	}
	return "", apperr.InvalidField("risk", "must be one of on-track, at-risk, breached, paused, none; got %q", s)
}

// Deadline is one statutory deadline a service owes (stored as an
// "obligation" row and named so in the API; not to be confused with
// payout's payment obligation). DueAt, AtRiskFrom, Basis,
// Explanation, Provisional and the calendar fields are derived from Rule,
// ClockStart, Pauses and Override with the calendar in force; they change
// only by recomputation (a resume or a calendar update).
type Deadline struct {
	ID      string
	ClaimID string
	// Subject names what is owed, unique per rule within a service:
	// "case/<id>", "payout-obligation/<id>".
	Subject    string
	Rule       deadline.RuleID
	ClockStart time.Time
	// Pauses are the closed R4 clock stops; PausedAt is the start of the
	// current one while State is paused.
	Pauses   []deadline.Pause
	PausedAt *time.Time
	// Override is the product's contract period for the rule, if any.
	Override *deadline.Override

	DueDate         calendar.Date
	DueAt           time.Time
	AtRiskFrom      time.Time
	Basis           string
	Explanation     string
	Provisional     bool
	CalendarVersion string
	// CalendarSeq is the service-local sequence number of the calendar
	// version used (0 for the calendar built into the binary); a monitor
	// recomputes obligations whose CalendarSeq is older than its own.
	CalendarSeq int64

	State State
	// DoneAt is when the obligation was met (or met late: missed), or
	// cancelled.
	DoneAt *time.Time
	// CancelReason says why a cancelled obligation is owed no more.
	CancelReason string
	// Mode says how the obligation was met, as the service that met it
	// tags it when it completes it (adjudication: a decision made
	// automatically or by a person, issue 19), so that the compliance
	// report can show each mode apart; empty while owed and for rules
	// whose completion is not tagged.
	Mode string
	// Evidence names what met or cancelled the obligation in the service's
	// own kept records (adjudication: "decision:<case id>",
	// "withdrawal:<case id>", "complex:<case id>"), set by the step that
	// ends it (Step.Evidence). The database records it with the step
	// (tracking migration 0012) and the monitor checks it there (a step
	// without its evidence was not the service's). Empty while owed.
	Evidence string
	// DueCause says why this change moves the due time (a resume, a
	// calendar version, a restoration), for the record of due moves that
	// the database keeps of every move (tracking migration 0005); it is not
	// kept on the obligation, and is empty when read back.
	DueCause string
	// AtRiskAlertedAt and BreachedAlertedAt record the alarms raised, so
	// that each is raised once.
	AtRiskAlertedAt   *time.Time
	BreachedAlertedAt *time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Owed reports whether the obligation is still to be met.
func (o Deadline) Owed() bool { return o.State == StateOpen || o.State == StatePaused }

// RiskAt classifies the obligation at now.
func (o Deadline) RiskAt(now time.Time) Risk {
	switch {
	case !o.Owed():
		return RiskNone
	case o.State == StatePaused:
		return RiskPaused
	case now.After(o.DueAt):
		return RiskBreached
	case !now.Before(o.AtRiskFrom):
		return RiskAtRisk
	}
	return RiskOnTrack
}

// Delay is how late the obligation is or was at now: the time from DueAt to
// DoneAt for a missed one, from DueAt to now for an open one past due (a
// paused one is not late: its clock is stopped), and
// zero otherwise.
func (o Deadline) Delay(now time.Time) time.Duration {
	switch {
	case o.State == StateMissed && o.DoneAt != nil:
		return o.DoneAt.Sub(o.DueAt)
	case o.State == StateOpen && now.After(o.DueAt):
		return now.Sub(o.DueAt)
	}
	return 0
}

// Spec asks to track one obligation.
type Spec struct {
	ClaimID    string
	Subject    string
	Rule       deadline.RuleID
	ClockStart time.Time
	// Overrides are the product's contract periods; the one for Rule, if
	// any, is applied.
	Overrides []deadline.Override
}

func (s Spec) override() *deadline.Override {
	for _, o := range s.Overrides {
		if o.Rule == s.Rule {
			o := o
			return &o
		}
	}
	return nil
}

// request is the deadline request that derives o's due time.
func (o Deadline) request(extra ...deadline.Pause) deadline.Request {
	req := deadline.Request{Rule: o.Rule, From: o.ClockStart, Pauses: append(append([]deadline.Pause(nil), o.Pauses...), extra...)}
	if o.Override != nil {
		req.Overrides = []deadline.Override{*o.Override}
	}
	return req
}

func (o Deadline) String() string {
	return fmt.Sprintf("%s %s of %s due %s (%s)", o.Rule, o.ID, o.Subject, o.DueDate, o.State)
}

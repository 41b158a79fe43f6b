package tracking

import (
	"time"

	"claims.local/pkg/calendar"
	"claims.local/pkg/deadline"
)

// ComplianceReport is the R13 report of one service over a period: per
// rule, how many obligations that fell due in the period were met, missed
// and are still owed, with the worst delays. An obligation belongs to the
// period in which its due date falls (both ends included, Asia/Shanghai
// dates), so every obligation is counted in exactly one period. Cancelled
// obligations were owed by no one and are not counted; one superseded,
// withdrawn or paused after its due time is missed, not cancelled
// (Tracker.Cancel, Tracker.Pause), and counts.
type ComplianceReport struct {
	Service     string
	From, To    calendar.Date
	GeneratedAt time.Time
	Rules       []RuleCompliance
}

// RuleCompliance is one rule's line of the report. Open counts owed
// obligations (open or paused); OpenBreached those of them already past due.
type RuleCompliance struct {
	Rule         deadline.RuleID
	RNumber      string
	Total        int
	Met          int
	Missed       int
	Open         int
	OpenBreached int
	// Worst lists the largest delays, largest first: missed obligations
	// by how late they were met, open ones by how late they are now.
	Worst []Late
	// Modes splits the counts by the mode the obligations were met in
	// (Deadline.Mode), in the order of the modes' names, "" (owed, or
	// met untagged) first; their counts sum to the rule's.
	Modes []ModeCompliance
}

// ModeCompliance is the part of a rule's line met in one mode: issue 19's
// automatic and manual decisions apart.
type ModeCompliance struct {
	Mode         string
	Total        int
	Met          int
	Missed       int
	Open         int
	OpenBreached int
}

// OnTimeRate is the share of the mode's done obligations met on time, or 1
// when none is done.
func (m ModeCompliance) OnTimeRate() float64 {
	return RuleCompliance{Met: m.Met, Missed: m.Missed}.OnTimeRate()
}

// OnTimeRate is the share of done obligations that were met on time, or 1
// when none is done.
func (r RuleCompliance) OnTimeRate() float64 {
	done := r.Met + r.Missed
	if done == 0 {
		return 1
	}
	return float64(r.Met) / float64(done)
}

// Late is one late obligation in a report.
type Late struct {
	ObligationID string
	ClaimID      string
	Subject      string
	State        State
	DueAt        time.Time
	DoneAt       *time.Time
	Delay        time.Duration
}

// WorstPerRule is how many late obligations a report lists per rule.
const WorstPerRule = 5

// MaxReportDays bounds the period of one report (a little over two years).
const MaxReportDays = 800

// Complete fills in a line for every rule, in the order of deadline.Rules,
// so that a rule with no obligation in the period reads as zeros rather
// than being absent.
func (r *ComplianceReport) Complete() {
	byRule := make(map[deadline.RuleID]RuleCompliance, len(r.Rules))
	for _, l := range r.Rules {
		byRule[l.Rule] = l
	}
	out := make([]RuleCompliance, 0, len(deadline.Rules()))
	for _, rule := range deadline.Rules() {
		l := byRule[rule.ID]
		l.Rule, l.RNumber = rule.ID, rule.RNumber
		out = append(out, l)
	}
	r.Rules = out
}

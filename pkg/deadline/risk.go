package deadline

import (
	"fmt"
	"time"
)

// DefaultRiskLead is the default number of working days before the due date
// from which an open obligation is at risk: one, so an R4 decision due on a
// Tuesday is at risk from Monday 00:00.
const DefaultRiskLead = 1

// Status is where an open obligation stands against its deadline.
type Status int

const (
	// OnTrack obligations are open and not yet at risk.
	OnTrack Status = iota + 1
	// AtRisk obligations are open and within the risk lead of their due
	// date; monitors escalate them.
	AtRisk
	// Breached obligations are still open after DueAt.
	Breached
)

// String returns "on-track", "at-risk" or "breached".
func (s Status) String() string {
	switch s {
	case OnTrack:
		return "on-track"
	case AtRisk:
		return "at-risk"
	case Breached:
		return "breached"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// AtRiskFrom returns the instant from which an obligation still open is at
// risk: the start (00:00+08:00) of the working day leadWorkingDays working
// days before d.DueDate, or the start of DueDate itself when the lead is zero.
// A negative lead counts as zero. When that instant would precede the clock
// start (short periods such as R9 "next day", or long leads), the obligation
// is at risk from d.From, returned in Asia/Shanghai time.
//
// AtRiskFrom counts with the calculator's calendar; recompute d first if it
// is Stale.
func (c *Calculator) AtRiskFrom(d Deadline, leadWorkingDays int) time.Time {
	cal := c.Calendar()
	day := d.DueDate
	for i := 0; i < leadWorkingDays && day.After(d.StartDate); i++ {
		day = cal.PreviousWorkingDay(day)
	}
	from := d.From.In(day.Start().Location())
	if start := day.Start(); start.After(from) {
		return start
	}
	return from
}

// StatusAt classifies an obligation that is still open at now, with the risk
// lead of AtRiskFrom. An obligation that has been met is not a matter for
// StatusAt: compare the instant it was met with d.DueAt instead.
func (c *Calculator) StatusAt(d Deadline, now time.Time, leadWorkingDays int) Status {
	switch {
	case d.BreachedAt(now):
		return Breached
	case !now.Before(c.AtRiskFrom(d, leadWorkingDays)):
		return AtRisk
	}
	return OnTrack
}

package domain

import (
	"time"

	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
)

// MaxCatastropheReportDays bounds the days of one catastrophe daily report.
const MaxCatastropheReportDays = 366

// CatastropheDay is one day's line of the catastrophe claims report in the
// layout regulators ask for after a catastrophe (R8: 巨灾理赔报表): the
// figures stand at the end of the day (Asia/Shanghai), cumulative since the
// first claim, with the day's new cases and closures beside them.
type CatastropheDay struct {
	Date calendar.Date
	// NewCases and ValidCases count the claims received that day and up to
	// it; a claim withdrawn by the end of the day is not valid.
	NewCases   int
	ValidCases int
	// Deaths, Disabilities and Medical count persons, not claims: an
	// insured with two medical claims is one medical case.
	Deaths       int
	Disabilities int
	Medical      int
	// NewClosed and Closed count valid claims decided that day and up to it.
	NewClosed int
	Closed    int
	// AdvancesPaid and AdvancesPaidFen are the advances (R7, R8) whose
	// payment completed up to the day.
	AdvancesPaid    int
	AdvancesPaidFen int64
	// EstimatedFen is the estimated payments: the amount approved for a
	// decided claim, the amount claimed for an open one.
	EstimatedFen int64
}

// HandlingRate is the share of valid cases closed (结案率), or 0 with none.
func (d CatastropheDay) HandlingRate() float64 { return Rate(d.Closed, d.ValidCases) }

// CatastropheDaily computes the report's lines for each day from from to to
// (both included) over the facts of one catastrophe's tagged claims.
func CatastropheDaily(facts []ClaimFacts, from, to calendar.Date) ([]CatastropheDay, error) {
	if !from.IsValid() || !to.IsValid() || to.Before(from) {
		return nil, apperr.InvalidField("to", "must be a date on or after from")
	}
	if n := from.DaysUntil(to); n >= MaxCatastropheReportDays {
		return nil, apperr.InvalidField("to", "a report covers at most %d days; got %d", MaxCatastropheReportDays, n+1)
	}
	var out []CatastropheDay
	for day := from; !day.After(to); day = day.AddDays(1) {
		out = append(out, catastropheDay(facts, day))
	}
	return out, nil
}

func catastropheDay(facts []ClaimFacts, day calendar.Date) CatastropheDay {
	d := CatastropheDay{Date: day}
	onOrBefore := func(t *time.Time) bool { return t != nil && !calendar.DateOf(*t).After(day) }
	persons := map[string]map[string]bool{"death": {}, "disability": {}, "medical": {}}
	for _, f := range facts {
		for _, a := range f.Advances {
			if !calendar.DateOf(a.At).After(day) {
				d.AdvancesPaid++
				d.AdvancesPaidFen += a.AmountFen
			}
		}
		received := calendar.DateOf(f.RequestedAt)
		if received.After(day) || onOrBefore(f.WithdrawnAt) {
			continue
		}
		d.ValidCases++
		if received == day {
			d.NewCases++
		}
		if set, ok := persons[f.IncidentType]; ok {
			set[f.InsuredName] = true
		}
		if onOrBefore(f.DecidedAt) {
			d.Closed++
			if calendar.DateOf(*f.DecidedAt) == day {
				d.NewClosed++
			}
			d.EstimatedFen += f.ApprovedFen
		} else {
			d.EstimatedFen += f.ClaimedFen
		}
	}
	d.Deaths, d.Disabilities, d.Medical = len(persons["death"]), len(persons["disability"]), len(persons["medical"])
	return d
}

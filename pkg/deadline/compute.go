package deadline

import (
	"fmt"
	"slices"
	"time"

	"claims.local/pkg/calendar"
)

// Limits on inputs, so that a bad request fails fast instead of walking the
// calendar for centuries.
const (
	// MaxOverrideLength is the longest contract period accepted, in days or
	// working days (about ten years).
	MaxOverrideLength = 3660
	// minYear and maxYear bound the Asia/Shanghai years of From and of
	// pause instants.
	minYear = 1900
	maxYear = 9000
)

// Override is a period set by the insurance contract in place of the
// statutory one, for rules whose provision allows it (Rule.ContractMayOverride:
// R4 decision, R4 complex-decision, R6 payment).
type Override struct {
	Rule   RuleID
	Length int
	Unit   Unit
}

// Pause is one interval during which the R4 clock is stopped: from the
// missing-documents (R3) notice's reaching the claimant (PausedAt is its
// recorded delivery, not its sending) until the requested supplement
// arrives (Judicial Interpretation II of the Insurance Law, art. 15).
//
// Counting convention: let P and R be the Asia/Shanghai dates of PausedAt and
// ResumedAt. The days after P up to and including R are deducted; P itself
// is counted as consumed (the notice arrives during it, and the deduction,
// like any period, starts the day after, Civil Code art. 201) and R is not
// counted (the deduction runs "至……到达保险人之日止", until the end of the day
// the supplement arrives). Counting therefore resumes the day after R, as if
// R were a new day D. A notice and supplement on the same day deduct nothing.
type Pause struct {
	PausedAt  time.Time
	ResumedAt time.Time
}

// Request asks for the deadline of one obligation.
type Request struct {
	Rule RuleID
	// From is the clock-start event (Rule.ClockStart). Its Asia/Shanghai
	// date is day D, whatever zone it is given in.
	From time.Time
	// Pauses are R4 clock stops, in any order; they must not overlap and
	// must not start before From. Only pausable rules accept them.
	Pauses []Pause
	// Overrides are the product's contract periods. Every override is
	// validated; the one whose Rule matches the request is applied.
	Overrides []Override
}

// Deadline is a computed due date with its legal basis and a human-readable
// explanation. Recompute it when the calendar version changes
// (Calculator.Stale), in particular when Provisional is true.
type Deadline struct {
	// Rule is the rule as defined, without the override applied.
	Rule Rule
	// From is the clock-start instant as given.
	From time.Time
	// StartDate is day D, the Asia/Shanghai date of From. It is not
	// counted (Civil Code art. 201).
	StartDate calendar.Date
	// Length and Unit are the period applied: the rule's, or the
	// contract's when Overridden.
	Length     int
	Unit       Unit
	Overridden bool
	// DueDate is the last day of the period.
	DueDate calendar.Date
	// DueAt is the last instant of DueDate in Asia/Shanghai,
	// 23:59:59.999999999+08:00, so that an obligation is late exactly when
	// it is met at or after 24:00 (Civil Code art. 203: the last day ends
	// at 24:00). Formatted as RFC 3339 it reads 2026-10-13T23:59:59+08:00.
	DueAt time.Time
	// DeductedDays is the number of calendar days deducted by pauses.
	DeductedDays int
	// Basis cites the rule's provisions and the counting rules applied.
	Basis string
	// Explanation says in English, with the Chinese holiday names, how the
	// due date was reached: day D, days counted, days skipped and why,
	// pauses, extensions.
	Explanation string
	// Provisional is true when the result depends on the working-day status
	// of a day whose holiday notice is not published in the calendar used.
	Provisional bool
	// ProvisionalYears lists the years whose missing notice makes the
	// result provisional, ascending.
	ProvisionalYears []int
	// CalendarVersion is the version of the calendar used.
	CalendarVersion string
}

// BreachedAt reports whether an obligation still open at t is late.
func (d Deadline) BreachedAt(t time.Time) bool { return t.After(d.DueAt) }

// Calculator computes deadlines against one calendar version. It holds no
// other state and is safe for concurrent use. Build it with NewCalculator;
// a zero Calculator works but re-parses the embedded calendar on every call.
type Calculator struct {
	cal *calendar.Calendar
}

// NewCalculator returns a calculator counting with cal, typically
// calendar.Default() or a calendar loaded at run time. A nil cal means
// calendar.Default().
func NewCalculator(cal *calendar.Calendar) *Calculator {
	if cal == nil {
		cal = calendar.Default()
	}
	return &Calculator{cal: cal}
}

// Calendar returns the calendar the calculator counts with.
func (c *Calculator) Calendar() *calendar.Calendar {
	if c.cal == nil {
		return calendar.Default()
	}
	return c.cal
}

// Stale reports whether d was computed with another calendar version and
// must be recomputed.
func (c *Calculator) Stale(d Deadline) bool {
	return d.CalendarVersion != c.Calendar().Version()
}

// ValidateOverrides checks a product's contract periods: every rule exists
// and allows an override, lengths are between 1 and MaxOverrideLength, units
// are known, and no rule is overridden twice.
func ValidateOverrides(overrides []Override) error {
	seen := make(map[RuleID]bool, len(overrides))
	for _, o := range overrides {
		rule, err := RuleByID(o.Rule)
		if err != nil {
			return fmt.Errorf("deadline: override: %w", err)
		}
		if !rule.ContractMayOverride {
			return fmt.Errorf("deadline: override of %s %s: %w (only %s, %s and %s allow it)",
				rule.RNumber, rule.ID, ErrOverrideNotAllowed, Decision, ComplexDecision, Payment)
		}
		if o.Length < 1 || o.Length > MaxOverrideLength {
			return fmt.Errorf("deadline: override of %s: %w: length %d, want 1..%d", rule.ID, ErrInvalidOverride, o.Length, MaxOverrideLength)
		}
		if o.Unit != WorkingDays && o.Unit != Days {
			return fmt.Errorf("deadline: override of %s: %w: unknown unit %v", rule.ID, ErrInvalidOverride, o.Unit)
		}
		if seen[o.Rule] {
			return fmt.Errorf("deadline: %w: %s is overridden twice", ErrInvalidOverride, rule.ID)
		}
		seen[o.Rule] = true
	}
	return checkComplexNotShorter(overrides)
}

// checkComplexNotShorter refuses decision periods (R4) in which a complex
// case would be due sooner than a simple one: the contract's (or the
// statute's) complex period must not be shorter than its simple one, or
// finding a case complex would shorten its deadline.
func checkComplexNotShorter(overrides []Override) error {
	simple, complexPeriod := periodOf(Decision, overrides), periodOf(ComplexDecision, overrides)
	if nominalDays(complexPeriod) < nominalDays(simple) {
		return fmt.Errorf("deadline: %w: the complex-case decision period (%d %s) is shorter than the simple one (%d %s)",
			ErrInvalidOverride, complexPeriod.Length, complexPeriod.Unit, simple.Length, simple.Unit)
	}
	return nil
}

// periodOf is the period of rule id: the override's, or the statute's.
func periodOf(id RuleID, overrides []Override) Override {
	for _, o := range overrides {
		if o.Rule == id {
			return o
		}
	}
	rule, _ := RuleByID(id)
	return Override{Rule: id, Length: rule.Length, Unit: rule.Unit}
}

// nominalDays compares periods of either unit: a working day counts as 7/5
// of a day (rounded up), the length of a week without holidays.
func nominalDays(o Override) int {
	if o.Unit == WorkingDays {
		return (o.Length*7 + 4) / 5
	}
	return o.Length
}

// LongerThanStatute returns the overrides whose period is longer than the
// statute's. A contract may agree a longer period ("合同另有约定的除外"),
// but such a period is flagged when the product is imported, for a person
// to confirm it is what the contract says.
func LongerThanStatute(overrides []Override) []Override {
	var out []Override
	for _, o := range overrides {
		rule, err := RuleByID(o.Rule)
		if err != nil {
			continue
		}
		if nominalDays(o) > nominalDays(Override{Length: rule.Length, Unit: rule.Unit}) {
			out = append(out, o)
		}
	}
	return out
}

// dayPause is a Pause reduced to the days it deducts: (paused, resumed].
type dayPause struct {
	Pause
	paused, resumed calendar.Date
}

// Compute returns the deadline of req.
//
// Counting, all in Asia/Shanghai dates (docs/product.md, "Counting time"):
//   - Day D, the date of From, is never counted (Civil Code art. 201).
//   - WorkingDays: the period ends on the N-th working day after D.
//   - Days: the period ends on D+N; if that day is not a working day and
//     the rule has ExtendToWorkingDay, on the next working day (Civil Code
//     art. 203). A make-up weekend working day is a working day.
//   - Pauses (R4 only) deduct the days after the pause date up to and
//     including the resume date (see Pause). A pause whose date is on or
//     after the last counted day does not move the deadline: the period
//     had already run out by the end of that day.
//   - The period ends at the end of the due date (Deadline.DueAt).
//
// Compute is a pure function of req and the calendar.
func (c *Calculator) Compute(req Request) (Deadline, error) {
	cal := c.Calendar()
	rule, err := RuleByID(req.Rule)
	if err != nil {
		return Deadline{}, err
	}
	if err := ValidateOverrides(req.Overrides); err != nil {
		return Deadline{}, err
	}
	if err := checkInstant("from", req.From); err != nil {
		return Deadline{}, err
	}
	pauses, err := normalisePauses(rule, req.From, req.Pauses)
	if err != nil {
		return Deadline{}, err
	}

	d := Deadline{
		Rule:            rule,
		From:            req.From,
		StartDate:       calendar.DateOf(req.From),
		Length:          rule.Length,
		Unit:            rule.Unit,
		CalendarVersion: cal.Version(),
	}
	for _, o := range req.Overrides {
		if o.Rule == rule.ID {
			d.Length, d.Unit, d.Overridden = o.Length, o.Unit, true
		}
	}

	w := walkPeriod(cal, d.StartDate, d.Length, d.Unit, rule.ExtendToWorkingDay, pauses)
	d.DueDate = w.due
	d.DueAt = w.due.AddDays(1).Start().Add(-time.Nanosecond)
	d.DeductedDays = w.deducted
	d.ProvisionalYears = w.provisionalYears
	d.Provisional = len(w.provisionalYears) > 0
	d.Basis = basisText(rule, d.Overridden, d.Unit, w.deducted > 0)
	d.Explanation = explain(cal, d, w)
	return d, nil
}

// walk is the result of counting a period through the calendar.
type walk struct {
	steps            []step
	lastCounted      calendar.Date // the N-th counted day
	extended         bool          // moved by Civil Code art. 203
	due              calendar.Date
	deducted         int
	latePauses       []dayPause // paused on or after the last counted day
	sameDayPauses    []dayPause // notice and supplement on the same day
	provisionalYears []int
}

// walkPeriod counts length units after start, skipping paused days, and
// extends the end to a working day when extend is set and unit is Days.
func walkPeriod(cal *calendar.Calendar, start calendar.Date, length int, unit Unit, extend bool, pauses []dayPause) walk {
	var w walk
	consult := func(info calendar.DayInfo) {
		if info.Provisional {
			year := info.Date.Year
			if !cal.Provisional(year) {
				year++ // late December, rearrangeable by next year's notice
			}
			if !slices.Contains(w.provisionalYears, year) {
				w.provisionalYears = append(w.provisionalYears, year)
			}
		}
	}

	day, counted, next := start, 0, 0
	for counted < length {
		day = day.AddDays(1)
		for next < len(pauses) && pauses[next].resumed.Before(day) {
			w.sameDayPauses = append(w.sameDayPauses, pauses[next]) // only an empty interval can be behind us
			next++
		}
		if next < len(pauses) && pauses[next].paused.Before(day) {
			p := pauses[next]
			w.steps = append(w.steps, step{kind: stepDeducted, first: day, last: p.resumed, pause: p})
			w.deducted += day.DaysUntil(p.resumed) + 1
			day = p.resumed
			next++
			continue
		}
		info := cal.DayInfo(day)
		if unit == WorkingDays {
			consult(info)
			if !info.Working() {
				w.add(step{kind: stepSkipped, first: day, last: day, reason: info.Reason()})
				continue
			}
		}
		counted++
		reason := ""
		if unit == WorkingDays && info.Kind == calendar.MakeUpWorkday {
			reason = info.Reason()
		}
		w.add(step{kind: stepCounted, first: day, last: day, from: counted, to: counted, reason: reason})
	}
	w.lastCounted = day
	for _, p := range pauses[next:] {
		if p.paused == p.resumed {
			w.sameDayPauses = append(w.sameDayPauses, p)
		} else {
			w.latePauses = append(w.latePauses, p)
		}
	}

	if unit == Days && extend {
		info := cal.DayInfo(day)
		consult(info)
		for !info.Working() {
			if !w.extended {
				w.extended = true
				w.add(step{kind: stepExtension, first: day, last: day, reason: info.Reason()})
			} else {
				w.add(step{kind: stepSkipped, first: day, last: day, reason: info.Reason()})
			}
			day = day.AddDays(1)
			info = cal.DayInfo(day)
			consult(info)
		}
	}
	w.due = day
	slices.Sort(w.provisionalYears)
	return w
}

// normalisePauses validates pauses and returns them sorted with their dates.
func normalisePauses(rule Rule, from time.Time, pauses []Pause) ([]dayPause, error) {
	if len(pauses) == 0 {
		return nil, nil
	}
	if !rule.Pausable {
		return nil, fmt.Errorf("deadline: %s %s: %w", rule.RNumber, rule.ID, ErrPauseNotAllowed)
	}
	out := make([]dayPause, 0, len(pauses))
	for i, p := range pauses {
		if p.PausedAt.IsZero() {
			return nil, fmt.Errorf("deadline: %w %d: paused-at is missing", ErrInvalidPause, i+1)
		}
		if p.ResumedAt.IsZero() {
			return nil, fmt.Errorf("deadline: %w %d: resumed-at is missing; while the clock is paused there is no due date", ErrInvalidPause, i+1)
		}
		if err := checkInstant("paused-at", p.PausedAt); err != nil {
			return nil, err
		}
		if err := checkInstant("resumed-at", p.ResumedAt); err != nil {
			return nil, err
		}
		if p.PausedAt.Before(from) {
			return nil, fmt.Errorf("deadline: %w %d: paused at %s, before the clock started at %s",
				ErrInvalidPause, i+1, p.PausedAt.Format(time.RFC3339), from.Format(time.RFC3339))
		}
		if p.ResumedAt.Before(p.PausedAt) {
			return nil, fmt.Errorf("deadline: %w %d: resumed at %s, before it was paused at %s",
				ErrInvalidPause, i+1, p.ResumedAt.Format(time.RFC3339), p.PausedAt.Format(time.RFC3339))
		}
		out = append(out, dayPause{Pause: p, paused: calendar.DateOf(p.PausedAt), resumed: calendar.DateOf(p.ResumedAt)})
	}
	slices.SortStableFunc(out, func(a, b dayPause) int { return a.PausedAt.Compare(b.PausedAt) })
	for i := 1; i < len(out); i++ {
		if out[i].PausedAt.Before(out[i-1].ResumedAt) {
			return nil, fmt.Errorf("deadline: %w: pause at %s starts before the previous pause resumed at %s",
				ErrInvalidPause, out[i].PausedAt.Format(time.RFC3339), out[i-1].ResumedAt.Format(time.RFC3339))
		}
	}
	return out, nil
}

func checkInstant(name string, t time.Time) error {
	if t.IsZero() {
		return fmt.Errorf("deadline: %w: %s is missing", ErrInvalidTime, name)
	}
	if y := calendar.DateOf(t).Year; y < minYear || y > maxYear {
		return fmt.Errorf("deadline: %w: %s year %d is outside %d..%d", ErrInvalidTime, name, y, minYear, maxYear)
	}
	return nil
}

// basisText cites the rule and the counting provisions that apply. Civil
// Code art. 203 is cited for every period counted in days, whether or not
// it moved the due date, since it is part of how such a period is read.
func basisText(rule Rule, overridden bool, unit Unit, paused bool) string {
	text := rule.BasisCitations()
	if overridden {
		text += "; period set by the insurance contract (合同另有约定)"
	}
	counting := []LegalBasis{CivilCodeArticle201()}
	if unit == Days && rule.ExtendToWorkingDay {
		counting = append(counting, CivilCodeArticle203())
	}
	if paused {
		counting = append(counting, JudicialInterpretationIIArticle15())
	}
	for _, b := range counting {
		text += "; " + b.String()
	}
	return text
}

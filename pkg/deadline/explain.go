package deadline

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"claims.local/pkg/calendar"
)

type stepKind int

const (
	// stepCounted days count towards the period.
	stepCounted stepKind = iota + 1
	// stepSkipped days are not working days of a WorkingDays period, or
	// non-working days crossed by a Civil Code art. 203 extension.
	stepSkipped
	// stepDeducted days fall in an R4 pause.
	stepDeducted
	// stepExtension is the non-working last day of a Days period.
	stepExtension
)

// step is a run of consecutive days treated alike during a walk.
type step struct {
	kind        stepKind
	first, last calendar.Date
	from, to    int    // ordinals of counted days (stepCounted)
	reason      string // why a day is skipped, or a make-up working day note
	pause       dayPause
}

// add appends s, merging it into the previous step when it continues it.
func (w *walk) add(s step) {
	if n := len(w.steps); n > 0 {
		prev := &w.steps[n-1]
		if prev.kind == s.kind && prev.reason == s.reason && prev.last.AddDays(1) == s.first &&
			(s.kind == stepCounted || s.kind == stepSkipped) {
			prev.last, prev.to = s.last, s.to
			return
		}
	}
	w.steps = append(w.steps, s)
}

// explain renders the walk as English sentences.
func explain(cal *calendar.Calendar, d Deadline, w walk) string {
	var b strings.Builder
	r := d.Rule
	fmt.Fprintf(&b, "%s %s: %s (%s), %s from %q.", r.RNumber, r.ID, r.Title, r.TitleZH, d.Unit.describe(d.Length), r.ClockStart)
	if d.Overridden {
		fmt.Fprintf(&b, " The insurance contract sets %s instead of the statutory %s.", d.Unit.describe(d.Length), r.Describe())
	}
	if r.CompanyTarget {
		b.WriteString(" The period is a company target; the law requires the notice promptly (及时).")
	}

	from := d.From.Format(time.RFC3339Nano)
	if local := shanghai(d.From); local != from {
		from += " (" + local + ")"
	}
	fmt.Fprintf(&b, " Day D is %s, the Asia/Shanghai date of %s; it is not counted (Civil Code art. 201).",
		dayWithKind(cal.DayInfo(d.StartDate)), from)

	unitNoun := "day"
	if d.Unit == WorkingDays {
		unitNoun = "working day"
	}
	for _, s := range w.steps {
		span := formatRange(s.first, s.last)
		switch s.kind {
		case stepCounted:
			if s.reason != "" {
				fmt.Fprintf(&b, " %s: %s (%s).", span, ordinals(unitNoun, s.from, s.to), s.reason)
			} else {
				fmt.Fprintf(&b, " %s: %s.", span, ordinals(unitNoun, s.from, s.to))
			}
		case stepSkipped:
			fmt.Fprintf(&b, " %s: not counted, %s.", span, s.reason)
		case stepDeducted:
			fmt.Fprintf(&b, " %s: deducted, the clock was paused by the missing-documents notice of %s until the supplement arrived on %s (Judicial Interpretation II of the Insurance Law, art. 15); counting resumes after %s.",
				span, shanghai(s.pause.PausedAt), shanghai(s.pause.ResumedAt), s.pause.resumed)
		case stepExtension:
			fmt.Fprintf(&b, " Day %d, %s, is not a working day (%s), so the period ends on the next working day (Civil Code art. 203).",
				d.Length, dayWithWeekday(s.first), s.reason)
		}
	}
	fmt.Fprintf(&b, " Due %s, by the end of that day: %s.", dayWithWeekday(d.DueDate), d.DueAt.Format(time.RFC3339))

	for _, p := range w.latePauses {
		fmt.Fprintf(&b, " The pause from %s does not move the deadline: it began on or after the last counted day, %s.",
			shanghai(p.PausedAt), w.lastCounted)
	}
	for _, p := range w.sameDayPauses {
		fmt.Fprintf(&b, " The pause from %s to %s deducts nothing: notice and supplement fell on the same day, %s.",
			shanghai(p.PausedAt), shanghai(p.ResumedAt), p.paused)
	}
	if d.Provisional {
		years := make([]string, len(d.ProvisionalYears))
		for i, y := range d.ProvisionalYears {
			years[i] = strconv.Itoa(y)
		}
		fmt.Fprintf(&b, " Provisional: calendar %s has no published State Council holiday notice for %s; recompute when it is published.",
			d.CalendarVersion, strings.Join(years, ", "))
	}
	return b.String()
}

// formatRange writes a run of days compactly: 2026-10-01, 2026-10-01..07,
// 2026-09-30..10-02 or 2026-12-31..2027-01-01.
func formatRange(first, last calendar.Date) string {
	switch {
	case first == last:
		return first.String()
	case first.Year == last.Year && first.Month == last.Month:
		return fmt.Sprintf("%s..%02d", first, last.Day)
	case first.Year == last.Year:
		return fmt.Sprintf("%s..%02d-%02d", first, int(last.Month), last.Day)
	}
	return first.String() + ".." + last.String()
}

// ordinals writes "working day 3" or "working days 1-2".
func ordinals(noun string, from, to int) string {
	if from == to {
		return noun + " " + strconv.Itoa(from)
	}
	return fmt.Sprintf("%ss %d-%d", noun, from, to)
}

// dayWithWeekday writes "2026-10-13 (Tue)".
func dayWithWeekday(d calendar.Date) string {
	return d.String() + " (" + d.Weekday().String()[:3] + ")"
}

// dayWithKind writes "2026-10-01 (Thu, holiday: National Day (国庆节))".
func dayWithKind(info calendar.DayInfo) string {
	return info.Date.String() + " (" + info.Date.Weekday().String()[:3] + ", " + info.Reason() + ")"
}

// shanghai formats t as RFC 3339 in Asia/Shanghai time.
func shanghai(t time.Time) string { return t.In(calendar.Location()).Format(time.RFC3339Nano) }

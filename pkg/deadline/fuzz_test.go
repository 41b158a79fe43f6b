package deadline

import (
	"testing"
	"time"

	"claims.local/pkg/calendar"
)

// fuzzWindowSeconds is the span onto which fuzzInstant maps integers.
const fuzzWindowSeconds = int64(25 * 366 * 24 * 3600)

// fuzzInstant maps an arbitrary integer onto an instant from 2005 to 2030,
// where the holiday data lives (with unpublished years on both sides).
func fuzzInstant(seconds int64) time.Time {
	offset := seconds % fuzzWindowSeconds
	if offset < 0 {
		offset += fuzzWindowSeconds
	}
	return time.Date(2005, time.January, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(offset) * time.Second)
}

func fuzzRule(index uint8) Rule {
	rules := Rules()
	return rules[int(index)%len(rules)]
}

// fuzzZone picks a zone for the start instant, so that day D is exercised
// from timestamps in several offsets.
func fuzzZone(index uint8) *time.Location {
	zones := []*time.Location{time.UTC, calendar.Location(), time.FixedZone("PDT", -7*3600), time.FixedZone("LINT", 14*3600)}
	return zones[int(index)%len(zones)]
}

// fuzzOverrides turns fuzz integers into an optional contract period for
// rules that allow one.
func fuzzOverrides(rule Rule, length uint16, unit uint8) []Override {
	if !rule.ContractMayOverride || length == 0 {
		return nil
	}
	u := WorkingDays
	if unit%2 == 1 {
		u = Days
	}
	return []Override{{Rule: rule.ID, Length: 1 + int(length)%400, Unit: u}}
}

// FuzzComputeDueNotBeforeStart checks that a due date is never before its
// start and that the result is internally consistent.
func FuzzComputeDueNotBeforeStart(f *testing.F) {
	f.Add(int64(683_000_000), uint8(1), uint8(0), uint16(0), uint8(0))
	f.Add(int64(0), uint8(6), uint8(1), uint16(0), uint8(0))
	f.Add(int64(-1), uint8(2), uint8(2), uint16(29), uint8(1))
	f.Add(int64(694_000_000), uint8(3), uint8(3), uint16(9), uint8(0))
	calc := NewCalculator(calendar.Default())
	f.Fuzz(func(t *testing.T, seconds int64, ruleIndex, zoneIndex uint8, overrideLength uint16, overrideUnit uint8) {
		rule := fuzzRule(ruleIndex)
		from := fuzzInstant(seconds).In(fuzzZone(zoneIndex))
		d, err := calc.Compute(Request{Rule: rule.ID, From: from, Overrides: fuzzOverrides(rule, overrideLength, overrideUnit)})
		if err != nil {
			t.Fatalf("Compute(%s, %s): %v", rule.ID, from.Format(time.RFC3339), err)
		}
		if !d.DueDate.After(d.StartDate) {
			t.Fatalf("%s from %s: got due date %s, want after day D %s", rule.ID, from.Format(time.RFC3339), d.DueDate, d.StartDate)
		}
		if !d.DueAt.After(from) {
			t.Fatalf("%s from %s: got DueAt %s, want after From", rule.ID, from.Format(time.RFC3339), d.DueAt.Format(time.RFC3339))
		}
		if d.StartDate != calendar.DateOf(from) || calendar.DateOf(d.DueAt) != d.DueDate {
			t.Fatalf("%s from %s: got StartDate %s DueAt %s, want the Shanghai dates", rule.ID, from.Format(time.RFC3339), d.StartDate, d.DueAt.Format(time.RFC3339))
		}
		if !calc.Calendar().IsWorkingDay(d.DueDate) {
			t.Fatalf("%s from %s: got due date %s, want a working day", rule.ID, from.Format(time.RFC3339), d.DueDate)
		}
		if d.Provisional != (len(d.ProvisionalYears) > 0) {
			t.Fatalf("Provisional %v with years %v", d.Provisional, d.ProvisionalYears)
		}
		if calc.Calendar().ProvisionalDate(d.DueDate) && !d.Provisional {
			t.Fatalf("%s from %s: due date %s is provisional but the deadline is not", rule.ID, from.Format(time.RFC3339), d.DueDate)
		}
		if d.Explanation == "" || d.Basis == "" {
			t.Fatalf("empty explanation or basis")
		}
	})
}

// FuzzComputeMonotonic checks that a later start never gives an earlier due
// date, for every rule and contract period.
func FuzzComputeMonotonic(f *testing.F) {
	f.Add(int64(683_000_000), uint32(3600), uint8(1), uint16(0), uint8(0))
	f.Add(int64(694_000_000), uint32(86_400*3), uint8(2), uint16(0), uint8(0))
	f.Add(int64(1_000), uint32(1), uint8(6), uint16(0), uint8(0))
	f.Add(int64(683_000_000), uint32(86_400*40), uint8(3), uint16(14), uint8(1))
	calc := NewCalculator(calendar.Default())
	f.Fuzz(func(t *testing.T, seconds int64, delta uint32, ruleIndex uint8, overrideLength uint16, overrideUnit uint8) {
		rule := fuzzRule(ruleIndex)
		overrides := fuzzOverrides(rule, overrideLength, overrideUnit)
		earlier := fuzzInstant(seconds)
		later := earlier.Add(time.Duration(delta) * time.Second)
		a, err := calc.Compute(Request{Rule: rule.ID, From: earlier, Overrides: overrides})
		if err != nil {
			t.Fatal(err)
		}
		b, err := calc.Compute(Request{Rule: rule.ID, From: later, Overrides: overrides})
		if err != nil {
			t.Fatal(err)
		}
		if b.DueDate.Before(a.DueDate) {
			t.Fatalf("%s: from %s got %s, from later %s got earlier %s", rule.ID, earlier.Format(time.RFC3339), a.DueDate, later.Format(time.RFC3339), b.DueDate)
		}
	})
}

// FuzzPauseNeverShortens checks that deducting an R4 pause never gives an
// earlier due date than not pausing, and that a pause deducting nothing
// changes nothing.
func FuzzPauseNeverShortens(f *testing.F) {
	f.Add(int64(683_000_000), uint32(86_400), uint32(86_400*5), false)
	f.Add(int64(694_000_000), uint32(0), uint32(3600), true)
	f.Add(int64(683_000_000), uint32(86_400*10), uint32(86_400*30), true)
	calc := NewCalculator(calendar.Default())
	f.Fuzz(func(t *testing.T, seconds int64, pauseAfter, pauseLength uint32, complex bool) {
		rule := Decision
		if complex {
			rule = ComplexDecision
		}
		from := fuzzInstant(seconds)
		p := Pause{PausedAt: from.Add(time.Duration(pauseAfter%(86_400*60)) * time.Second)}
		p.ResumedAt = p.PausedAt.Add(time.Duration(pauseLength%(86_400*400)) * time.Second)
		plain, err := calc.Compute(Request{Rule: rule, From: from})
		if err != nil {
			t.Fatal(err)
		}
		paused, err := calc.Compute(Request{Rule: rule, From: from, Pauses: []Pause{p}})
		if err != nil {
			t.Fatalf("Compute with pause %v: %v", p, err)
		}
		if paused.DueDate.Before(plain.DueDate) {
			t.Fatalf("%s from %s: pause %s..%s gave %s, earlier than %s without it", rule, from.Format(time.RFC3339), p.PausedAt.Format(time.RFC3339), p.ResumedAt.Format(time.RFC3339), paused.DueDate, plain.DueDate)
		}
		if paused.DeductedDays < 0 || (paused.DeductedDays == 0 && paused.DueDate != plain.DueDate) {
			t.Fatalf("%s: DeductedDays %d with due %s vs %s", rule, paused.DeductedDays, paused.DueDate, plain.DueDate)
		}
	})
}

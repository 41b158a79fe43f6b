package calendar

import (
	"fmt"
	"sync"
	"time"
	_ "time/tzdata" // Embed the zone database so Asia/Shanghai loads even on images without /usr/share/zoneinfo.
)

// ZoneName is the IANA time zone in which every deadline of the platform is
// counted: the day D of a clock-start event is its calendar date in this zone.
const ZoneName = "Asia/Shanghai"

// chinaStandardOffset is UTC+8. The PRC has not observed daylight saving time
// since 1991, so for every date the platform handles the fixed offset and the
// IANA zone agree.
const chinaStandardOffset = 8 * 60 * 60

// shanghai memoises the loaded zone. It is computed once and never changes,
// so it is a constant in all but syntax, not mutable state.
var shanghai = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation(ZoneName)
	if err != nil {
		// Unreachable while time/tzdata is linked in; kept so that removing
		// the import degrades to the (exact since 1991) fixed offset.
		return time.FixedZone("CST", chinaStandardOffset)
	}
	return loc
})

// Location returns the Asia/Shanghai time zone.
func Location() *time.Location { return shanghai() }

// Date is a civil calendar date (no time, no zone). The zero Date is not a
// valid date; use IsValid to check values built by hand.
//
// Dates are comparable with == and usable as map keys.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the Asia/Shanghai calendar date of the instant t, whatever
// zone t carries: 2026-09-30T16:20:00Z is 2026-10-01 in Shanghai.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Location()).Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate parses a date in the form YYYY-MM-DD and rejects impossible
// dates such as 2026-02-30.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("calendar: invalid date %q: want YYYY-MM-DD", s)
	}
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}, nil
}

// IsValid reports whether d names a real day of the proleptic Gregorian
// calendar between years 1 and 9999.
func (d Date) IsValid() bool {
	if d.Year < 1 || d.Year > 9999 || d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	return d.Day <= daysIn(d.Month, d.Year)
}

// String formats d as YYYY-MM-DD.
func (d Date) String() string {
	if d.Year < 0 || d.Year > 9999 || d.Month < 0 || d.Month > 99 || d.Day < 0 || d.Day > 99 {
		return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
	}
	b := [10]byte{
		byte('0' + d.Year/1000), byte('0' + d.Year/100%10), byte('0' + d.Year/10%10), byte('0' + d.Year%10), '-',
		byte('0' + int(d.Month)/10), byte('0' + int(d.Month)%10), '-',
		byte('0' + d.Day/10), byte('0' + d.Day%10),
	}
	return string(b[:])
}

// AddDays returns the date n days after d (before d when n is negative).
func (d Date) AddDays(n int) Date {
	return dateFromDayNumber(d.dayNumber() + int64(n))
}

// DaysUntil returns the number of days from d to other: positive when other
// is later, zero when equal.
func (d Date) DaysUntil(other Date) int {
	return int(other.dayNumber() - d.dayNumber())
}

// Compare returns -1 if d is before other, 0 if equal and +1 if after.
func (d Date) Compare(other Date) int {
	a, b := d.dayNumber(), other.dayNumber()
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is strictly before other.
func (d Date) Before(other Date) bool { return d.Compare(other) < 0 }

// After reports whether d is strictly after other.
func (d Date) After(other Date) bool { return d.Compare(other) > 0 }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	// Day number 0 is 1970-01-01, a Thursday.
	w := (d.dayNumber() + int64(time.Thursday)) % 7
	if w < 0 {
		w += 7
	}
	return time.Weekday(w)
}

// IsWeekend reports whether d is a Saturday or a Sunday.
func (d Date) IsWeekend() bool {
	w := d.Weekday()
	return w == time.Saturday || w == time.Sunday
}

// Start returns the first instant of d in Asia/Shanghai (00:00:00+08:00).
func (d Date) Start() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, Location())
}

// dayNumber returns the number of days from 1970-01-01 to d (negative
// before it), using the days-from-civil algorithm of the proleptic Gregorian
// calendar. The result is only meaningful for valid dates.
func (d Date) dayNumber() int64 {
	y := int64(d.Year)
	m := int64(d.Month)
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yearOfEra := y - era*400
	monthIndex := (m + 9) % 12 // March = 0
	dayOfYear := (153*monthIndex+2)/5 + int64(d.Day) - 1
	dayOfEra := yearOfEra*365 + yearOfEra/4 - yearOfEra/100 + dayOfYear
	return era*146097 + dayOfEra - 719468
}

// dateFromDayNumber is the inverse of dayNumber (civil-from-days).
func dateFromDayNumber(n int64) Date {
	z := n + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	dayOfEra := z - era*146097
	yearOfEra := (dayOfEra - dayOfEra/1460 + dayOfEra/36524 - dayOfEra/146096) / 365
	y := yearOfEra + era*400
	dayOfYear := dayOfEra - (365*yearOfEra + yearOfEra/4 - yearOfEra/100)
	monthIndex := (5*dayOfYear + 2) / 153
	day := dayOfYear - (153*monthIndex+2)/5 + 1
	month := monthIndex + 3
	if month > 12 {
		month -= 12
	}
	if month <= 2 {
		y++
	}
	return Date{Year: int(y), Month: time.Month(month), Day: int(day)}
}

func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

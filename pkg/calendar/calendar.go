// Package calendar is the PRC working-day calendar used to count statutory
// deadlines (R3-R9 in docs/product.md, "Counting time").
//
// A day is a working day when it is Monday to Friday and the State Council's
// yearly holiday notice (国务院办公厅关于节假日安排的通知) does not make it a
// day off, or when it is a weekend day the notice makes a make-up working day
// (调休上班). The notices are loaded from JSON (see Parse); the copy of
// shared/data/cn-holidays.json embedded in this package is returned by
// Default.
//
// A year whose notice is not published yet is provisional: its working days
// follow the plain Monday-Friday rule (plus whatever forecast the data holds)
// and may change. Anything computed over a provisional day must be flagged
// and recomputed when a new calendar version is loaded.
package calendar

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"
)

// embeddedHolidays is data/cn-holidays.json, a copy of
// shared/data/cn-holidays.json. It is a string so that it cannot be mutated.
//
//go:embed data/cn-holidays.json
var embeddedHolidays string

// newYearSpilloverStart is the first day of December that the next year's
// notice may still rearrange: New Year's Day arrangements have turned
// 2007-12-29, 2018-12-29 and 2022-12-31 into make-up working days or days off.
// From this day on, a date is provisional when the next year is.
const newYearSpilloverStart = 25

// Calendar is an immutable PRC working-day calendar built from one version of
// the holiday data. It is safe for concurrent use. A change of the data (a new
// year's notice, a mid-year change such as the 2020 Spring Festival extension)
// is a new Calendar with a new Version; deadlines computed with an older
// version must be recomputed.
type Calendar struct {
	version string
	source  string
	years   map[int]yearRecord
	days    map[Date]dayRecord
}

type yearRecord struct {
	papers    []string
	published bool
}

type dayRecord struct {
	name       string
	offDay     bool
	noticeYear int
}

// DayKind classifies a date in the working-day calendar.
type DayKind int

const (
	// Workday is a Monday-Friday working day.
	Workday DayKind = iota + 1
	// Weekend is a Saturday or Sunday that is not a make-up working day.
	Weekend
	// Holiday is a day off under a holiday notice (offDay=true), whatever
	// its day of the week.
	Holiday
	// MakeUpWorkday is a Saturday or Sunday that a notice turns into a
	// working day (调休上班, offDay=false). It is a working day.
	MakeUpWorkday
)

// String returns a lower-case English name of k.
func (k DayKind) String() string {
	switch k {
	case Workday:
		return "working day"
	case Weekend:
		return "weekend"
	case Holiday:
		return "holiday"
	case MakeUpWorkday:
		return "make-up working day"
	}
	return "DayKind(" + strconv.Itoa(int(k)) + ")"
}

// DayInfo says whether a date is a working day and why.
type DayInfo struct {
	Date Date
	Kind DayKind
	// Name is the holiday name as written in the notice (e.g. 国庆节) for
	// Holiday and MakeUpWorkday days, and for the rare weekday a notice lists
	// as a working day; empty otherwise.
	Name string
	// Provisional is true when the State Council notice that governs Date
	// is not published in this calendar (see Calendar.ProvisionalDate).
	Provisional bool
}

// Working reports whether the day is a working day.
func (i DayInfo) Working() bool { return i.Kind == Workday || i.Kind == MakeUpWorkday }

// Reason explains the classification in English with the Chinese holiday
// name, e.g. "holiday: National Day (国庆节)" or "make-up working day for
// National Day (国庆节)".
func (i DayInfo) Reason() string {
	switch i.Kind {
	case Holiday:
		return "holiday: " + HolidayDisplayName(i.Name)
	case MakeUpWorkday:
		return "make-up working day for " + HolidayDisplayName(i.Name)
	case Weekend:
		return "weekend"
	case Workday:
		if i.Name != "" {
			return "working day (listed as a working day in the " + HolidayDisplayName(i.Name) + " notice)"
		}
		return "working day"
	}
	return i.Kind.String()
}

// EmbeddedData returns a copy of the holiday data built into the binary, in
// the format Parse reads: the starting point of a calendar update.
func EmbeddedData() []byte { return []byte(embeddedHolidays) }

// Default returns the calendar built from the embedded copy of
// shared/data/cn-holidays.json (2007-2027; 2027 provisional). It parses the
// embedded data on every call, so callers should build it once and share it.
// It panics only if the embedded data is invalid, which the package tests
// rule out.
func Default() *Calendar {
	c, err := Parse([]byte(embeddedHolidays))
	if err != nil {
		// The embedded data is validated by the package tests.
		panic("calendar: embedded holiday data is invalid: " + err.Error())
	}
	return c
}

// holidayFile is the JSON format of the holiday data.
type holidayFile struct {
	// Version, when set, is used as Calendar.Version; otherwise the version
	// is derived from the content.
	Version string              `json:"version"`
	Source  string              `json:"source"`
	Years   map[string]yearFile `json:"years"`
}

type yearFile struct {
	// Papers are the URLs of the State Council notices for the year.
	Papers []string `json:"papers"`
	// Published overrides the default rule that a year is published when
	// it lists at least one notice URL.
	Published *bool     `json:"published"`
	Days      []dayFile `json:"days"`
}

type dayFile struct {
	Date   string `json:"date"`
	Name   string `json:"name"`
	OffDay *bool  `json:"offDay"`
}

// Parse builds a Calendar from holiday data in the format of
// shared/data/cn-holidays.json:
//
//	{"version": "optional", "source": "...", "years": {"2026": {
//	    "papers": ["https://www.gov.cn/..."], "published": true,
//	    "days": [{"date": "2026-10-01", "name": "国庆节", "offDay": true}]}}}
//
// offDay=true is a day off, offDay=false a make-up working day. A year's list
// may contain late-December dates of the previous year (the 2007 notice lists
// 2006-12-30). A year is published, i.e. not provisional, when "published" is
// true, or when "published" is absent and the year lists at least one notice
// URL.
//
// Parse rejects malformed JSON, trailing data, year keys that are not
// four-digit years, unparsable or impossible dates, dates outside the year
// (or the December before it), a missing offDay, and a date listed twice. A
// weekday with offDay=false is accepted: it does not change the Monday-Friday
// rule (the 2020 data lists 2020-02-03, the first working day after the
// extended Spring Festival, that way).
//
// The version is the file's "version" if set, otherwise "sha256:" followed by
// the first 16 hex digits of the SHA-256 of data.
func Parse(data []byte) (*Calendar, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var file holidayFile
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("calendar: invalid holiday JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("calendar: invalid holiday JSON: unexpected data after the top-level object")
	}
	if len(file.Years) == 0 {
		return nil, errors.New(`calendar: holiday data has no "years"`)
	}

	c := &Calendar{
		version: file.Version,
		source:  file.Source,
		years:   make(map[int]yearRecord, len(file.Years)),
		days:    make(map[Date]dayRecord, 40*len(file.Years)),
	}
	if c.version == "" {
		sum := sha256.Sum256(data)
		c.version = "sha256:" + hex.EncodeToString(sum[:8])
	}

	for key, yf := range file.Years {
		year, err := strconv.Atoi(key)
		if err != nil || len(key) != 4 || strconv.Itoa(year) != key {
			return nil, fmt.Errorf("calendar: year key %q: want a four-digit year", key)
		}
		published := len(yf.Papers) > 0
		if yf.Published != nil {
			published = *yf.Published
		}
		c.years[year] = yearRecord{papers: slices.Clone(yf.Papers), published: published}

		for i, df := range yf.Days {
			d, err := ParseDate(df.Date)
			if err != nil {
				return nil, fmt.Errorf("calendar: year %d, day %d: %w", year, i, err)
			}
			if d.Year != year && (d.Year != year-1 || d.Month != time.December) {
				return nil, fmt.Errorf("calendar: year %d lists %s, which is neither in %d nor in December %d", year, d, year, year-1)
			}
			if df.OffDay == nil {
				return nil, fmt.Errorf("calendar: year %d, %s: missing \"offDay\"", year, d)
			}
			if prev, dup := c.days[d]; dup {
				return nil, fmt.Errorf("calendar: %s is listed twice (years %d and %d)", d, prev.noticeYear, year)
			}
			c.days[d] = dayRecord{name: df.Name, offDay: *df.OffDay, noticeYear: year}
		}
	}
	return c, nil
}

// Version identifies the data this calendar was built from.
func (c *Calendar) Version() string { return c.version }

// Source describes where the holiday data comes from.
func (c *Calendar) Source() string { return c.source }

// Years returns the years that have an entry in the data, in ascending
// order, published or not.
func (c *Calendar) Years() []int {
	years := make([]int, 0, len(c.years))
	for y := range c.years {
		years = append(years, y)
	}
	slices.Sort(years)
	return years
}

// Papers returns the URLs of the State Council notices for year (usually one;
// two when a notice was amended, e.g. 2020), or nil when there are none.
func (c *Calendar) Papers(year int) []string {
	return slices.Clone(c.years[year].papers)
}

// Provisional reports whether year's holiday notice is not published in this
// calendar: the year is absent from the data or not marked published (2027 in
// the embedded data).
func (c *Calendar) Provisional(year int) bool {
	y, ok := c.years[year]
	return !ok || !y.published
}

// ProvisionalDate reports whether the working-day status of d may still
// change when a notice is published: d's year is provisional, or d is on or
// after December 25 and the next year is provisional (a New Year's Day
// arrangement can rearrange the last days of the previous December).
func (c *Calendar) ProvisionalDate(d Date) bool {
	if c.Provisional(d.Year) {
		return true
	}
	return d.Month == time.December && d.Day >= newYearSpilloverStart && c.Provisional(d.Year+1)
}

// IsWorkingDay reports whether d is a working day: Monday to Friday unless a
// notice makes it a day off, or a weekend day a notice makes a make-up
// working day.
func (c *Calendar) IsWorkingDay(d Date) bool {
	if rec, ok := c.days[d]; ok {
		return !rec.offDay
	}
	return !d.IsWeekend()
}

// DayInfo classifies d and says why it is or is not a working day.
func (c *Calendar) DayInfo(d Date) DayInfo {
	info := DayInfo{Date: d, Provisional: c.ProvisionalDate(d)}
	rec, listed := c.days[d]
	switch {
	case listed && rec.offDay:
		info.Kind, info.Name = Holiday, rec.name
	case listed && d.IsWeekend():
		info.Kind, info.Name = MakeUpWorkday, rec.name
	case listed:
		info.Kind, info.Name = Workday, rec.name
	case d.IsWeekend():
		info.Kind = Weekend
	default:
		info.Kind = Workday
	}
	return info
}

// NextWorkingDay returns the first working day strictly after d.
func (c *Calendar) NextWorkingDay(d Date) Date {
	for {
		d = d.AddDays(1)
		if c.IsWorkingDay(d) {
			return d
		}
	}
}

// PreviousWorkingDay returns the last working day strictly before d.
func (c *Calendar) PreviousWorkingDay(d Date) Date {
	for {
		d = d.AddDays(-1)
		if c.IsWorkingDay(d) {
			return d
		}
	}
}

// FirstChangeThrough returns the earliest day up to and including last on
// which c and other disagree whether it is a working day, and whether there
// is one. A day neither lists follows the Monday-Friday rule in both, so
// only the listed days are compared.
func (c *Calendar) FirstChangeThrough(other *Calendar, last Date) (Date, bool) {
	var first Date
	found := false
	consider := func(d Date) {
		if d.After(last) || c.IsWorkingDay(d) == other.IsWorkingDay(d) {
			return
		}
		if !found || d.Before(first) {
			first, found = d, true
		}
	}
	for d := range c.days {
		consider(d)
	}
	for d := range other.days {
		consider(d)
	}
	return first, found
}

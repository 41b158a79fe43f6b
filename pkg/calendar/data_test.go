package calendar

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestEmbeddedDataIsValid checks the raw embedded file independently of
// Parse: every year 2007-2027 is present, dates parse and belong to their
// notice year (or its previous December), no date is listed twice, make-up
// working days fall on weekends, and published years carry their notice URLs.
func TestEmbeddedDataIsValid(t *testing.T) {
	// weekdayWorkingDayListings are weekdays the data lists with
	// offDay=false. Such an entry changes nothing (a weekday is a working day
	// anyway) but is not a make-up working day, so each one is explained.
	weekdayWorkingDayListings := map[string]string{
		// The 2020 Spring Festival extension (国办发明电〔2020〕1号) ended
		// the holiday on Sun Feb 2; the data marks Mon Feb 3 as the return
		// to work.
		"2020-02-03": "first working day after the extended 2020 Spring Festival",
	}
	var file struct {
		Source string `json:"source"`
		Years  map[string]struct {
			Papers []string `json:"papers"`
			Days   []struct {
				Date   string `json:"date"`
				Name   string `json:"name"`
				OffDay *bool  `json:"offDay"`
			} `json:"days"`
		} `json:"years"`
	}
	if err := json.Unmarshal([]byte(embeddedHolidays), &file); err != nil {
		t.Fatalf("embedded data: %v", err)
	}
	if file.Source == "" {
		t.Errorf("source: got empty, want the provenance of the data")
	}
	for y := 2007; y <= 2027; y++ {
		if _, ok := file.Years[strconv.Itoa(y)]; !ok {
			t.Errorf("year %d: missing", y)
		}
	}

	seen := map[string]string{}
	for key, year := range file.Years {
		y, err := strconv.Atoi(key)
		if err != nil {
			t.Errorf("year key %q: %v", key, err)
			continue
		}
		if y <= 2026 && len(year.Papers) == 0 {
			t.Errorf("year %d: got no notice URL, want at least one", y)
		}
		if y == 2027 && len(year.Papers) != 0 {
			t.Errorf("year 2027: got papers %v, want none (notice not yet published; update this test with the data)", year.Papers)
		}
		for _, paper := range year.Papers {
			if !strings.HasPrefix(paper, "http://www.gov.cn/") && !strings.HasPrefix(paper, "https://www.gov.cn/") {
				t.Errorf("year %d: paper %q: want a www.gov.cn URL", y, paper)
			}
		}
		for _, day := range year.Days {
			ts, err := time.Parse(time.DateOnly, day.Date)
			if err != nil {
				t.Errorf("year %d: date %q: %v", y, day.Date, err)
				continue
			}
			if ts.Year() != y && !(ts.Year() == y-1 && ts.Month() == time.December) {
				t.Errorf("year %d: date %s belongs to neither the year nor its previous December", y, day.Date)
			}
			if prev, dup := seen[day.Date]; dup {
				t.Errorf("date %s: listed in %s and %s", day.Date, prev, key)
			}
			seen[day.Date] = key
			if day.Name == "" {
				t.Errorf("date %s: got empty name, want the holiday name", day.Date)
			}
			if day.OffDay == nil {
				t.Errorf("date %s: missing offDay", day.Date)
				continue
			}
			weekend := ts.Weekday() == time.Saturday || ts.Weekday() == time.Sunday
			if !*day.OffDay && !weekend {
				if _, explained := weekdayWorkingDayListings[day.Date]; !explained {
					t.Errorf("date %s (%v): offDay=false on a weekday, want make-up working days on Saturday or Sunday", day.Date, ts.Weekday())
				}
			}
		}
	}
	for date := range weekdayWorkingDayListings {
		if _, ok := seen[date]; !ok {
			t.Errorf("weekdayWorkingDayListings[%s]: not in the data any more; remove it", date)
		}
	}
}

// TestNationalDay2026 pins the 2026 National Day arrangement as read from
// the 2026 notice: Oct 1-7 off, Sun Sep 20 and Sat Oct 10
// worked; Mid-Autumn Festival Sep 25-27 off.
func TestNationalDay2026(t *testing.T) {
	c := Default()
	want := map[string]bool{ // date -> working day
		"2026-09-19": false, "2026-09-20": true, "2026-09-24": true,
		"2026-09-25": false, "2026-09-26": false, "2026-09-27": false,
		"2026-09-28": true, "2026-09-29": true, "2026-09-30": true,
		"2026-10-01": false, "2026-10-02": false, "2026-10-03": false, "2026-10-04": false,
		"2026-10-05": false, "2026-10-06": false, "2026-10-07": false,
		"2026-10-08": true, "2026-10-09": true, "2026-10-10": true, "2026-10-11": false,
		"2026-10-12": true,
	}
	for date, working := range want {
		if got := c.IsWorkingDay(mustDate(t, date)); got != working {
			t.Errorf("IsWorkingDay(%s): got %v, want %v", date, got, working)
		}
	}
}

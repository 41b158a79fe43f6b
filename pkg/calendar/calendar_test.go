package calendar

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func mustParse(t testing.TB, data string) *Calendar {
	t.Helper()
	c, err := Parse([]byte(data))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func TestDefaultCoversPublishedYears(t *testing.T) {
	c := Default()
	years := c.Years()
	if len(years) == 0 || years[0] != 2007 || years[len(years)-1] != 2027 {
		t.Fatalf("Years(): got %v, want 2007..2027", years)
	}
	for y := 2007; y <= 2026; y++ {
		if c.Provisional(y) {
			t.Errorf("Provisional(%d): got true, want false (notice published)", y)
		}
		if len(c.Papers(y)) == 0 {
			t.Errorf("Papers(%d): got none, want the notice URL", y)
		}
	}
	if got, want := c.Papers(2026), []string{"https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm"}; !slices.Equal(got, want) {
		t.Errorf("Papers(2026): got %v, want %v", got, want)
	}
	if got := len(c.Papers(2020)); got != 2 {
		t.Errorf("len(Papers(2020)): got %d, want 2 (original notice and Spring Festival extension)", got)
	}
	if !strings.Contains(c.Source(), "国务院办公厅关于节假日安排的通知") {
		t.Errorf("Source(): got %q, want the State Council notices", c.Source())
	}
	if !strings.HasPrefix(c.Version(), "sha256:") {
		t.Errorf("Version(): got %q, want a sha256: content version", c.Version())
	}
	if again := Default(); again == c || again.Version() != c.Version() {
		t.Errorf("Default() twice: got same pointer %v or versions %q/%q, want fresh values with equal versions", again == c, again.Version(), c.Version())
	}
}

func TestProvisional(t *testing.T) {
	c := Default()
	tests := []struct {
		year int
		want bool
	}{
		{2006, true}, // only two of its days appear, in the 2007 notice
		{2007, false},
		{2026, false},
		{2027, true}, // notice not yet published
		{2028, true}, // not in the data
	}
	for _, tt := range tests {
		if got := c.Provisional(tt.year); got != tt.want {
			t.Errorf("Provisional(%d): got %v, want %v", tt.year, got, tt.want)
		}
	}
}

func TestProvisionalDate(t *testing.T) {
	c := Default()
	tests := []struct {
		date string
		want bool
	}{
		{"2026-10-08", false},
		{"2026-12-24", false},
		{"2026-12-25", true}, // the 2027 New Year's Day arrangement may still move it
		{"2026-12-31", true},
		{"2027-01-04", true},
		{"2025-12-31", false}, // 2026 is published
		{"2006-12-31", true},
	}
	for _, tt := range tests {
		if got := c.ProvisionalDate(mustDate(t, tt.date)); got != tt.want {
			t.Errorf("ProvisionalDate(%s): got %v, want %v", tt.date, got, tt.want)
		}
		if got := c.DayInfo(mustDate(t, tt.date)).Provisional; got != tt.want {
			t.Errorf("DayInfo(%s).Provisional: got %v, want %v", tt.date, got, tt.want)
		}
	}
}

func TestDayInfo(t *testing.T) {
	c := Default()
	tests := []struct {
		date       string
		wantKind   DayKind
		wantName   string
		wantReason string
	}{
		// National Day 2026: Oct 1-7 off, Sun Sep 20 and Sat Oct 10 worked.
		{"2026-09-20", MakeUpWorkday, "国庆节", "make-up working day for National Day (国庆节)"},
		{"2026-09-25", Holiday, "中秋节", "holiday: Mid-Autumn Festival (中秋节)"},
		{"2026-09-30", Workday, "", "working day"},
		{"2026-10-01", Holiday, "国庆节", "holiday: National Day (国庆节)"},
		{"2026-10-03", Holiday, "国庆节", "holiday: National Day (国庆节)"}, // a Saturday inside the block
		{"2026-10-07", Holiday, "国庆节", "holiday: National Day (国庆节)"},
		{"2026-10-08", Workday, "", "working day"},
		{"2026-10-10", MakeUpWorkday, "国庆节", "make-up working day for National Day (国庆节)"},
		{"2026-10-11", Weekend, "", "weekend"},
		// Spring Festival 2026: Sat Feb 14 worked, Feb 15-23 off, Sat Feb 28 worked.
		{"2026-02-14", MakeUpWorkday, "春节", "make-up working day for Spring Festival (春节)"},
		{"2026-02-15", Holiday, "春节", "holiday: Spring Festival (春节)"},
		{"2026-02-23", Holiday, "春节", "holiday: Spring Festival (春节)"},
		{"2026-02-24", Workday, "", "working day"},
		{"2026-02-28", MakeUpWorkday, "春节", "make-up working day for Spring Festival (春节)"},
		// New Year 2026: a make-up Sunday.
		{"2026-01-04", MakeUpWorkday, "元旦", "make-up working day for New Year's Day (元旦)"},
		// Days of one year listed in the next year's notice.
		{"2006-12-30", MakeUpWorkday, "元旦", "make-up working day for New Year's Day (元旦)"},
		{"2007-12-29", MakeUpWorkday, "元旦", "make-up working day for New Year's Day (元旦)"},
		{"2007-12-31", Holiday, "元旦", "holiday: New Year's Day (元旦)"},
		// 2020: Spring Festival extended to Feb 2; Mon Feb 3 is listed as a working day.
		{"2020-02-02", Holiday, "春节", "holiday: Spring Festival (春节)"},
		{"2020-02-03", Workday, "春节", "working day (listed as a working day in the Spring Festival (春节) notice)"},
		{"2020-10-08", Holiday, "国庆节、中秋节", "holiday: National Day and Mid-Autumn Festival (国庆节、中秋节)"},
		// 2027 has no notice: plain Monday-Friday rule.
		{"2027-10-01", Workday, "", "working day"},
		{"2027-10-02", Weekend, "", "weekend"},
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			d := mustDate(t, tt.date)
			got := c.DayInfo(d)
			if got.Kind != tt.wantKind || got.Name != tt.wantName {
				t.Errorf("DayInfo(%s): got %v %q, want %v %q", tt.date, got.Kind, got.Name, tt.wantKind, tt.wantName)
			}
			if got.Reason() != tt.wantReason {
				t.Errorf("DayInfo(%s).Reason(): got %q, want %q", tt.date, got.Reason(), tt.wantReason)
			}
			wantWorking := tt.wantKind == Workday || tt.wantKind == MakeUpWorkday
			if got.Working() != wantWorking || c.IsWorkingDay(d) != wantWorking {
				t.Errorf("working(%s): got DayInfo %v IsWorkingDay %v, want %v", tt.date, got.Working(), c.IsWorkingDay(d), wantWorking)
			}
			if got.Date != d {
				t.Errorf("DayInfo(%s).Date: got %v, want %v", tt.date, got.Date, d)
			}
		})
	}
}

func TestNextAndPreviousWorkingDay(t *testing.T) {
	c := Default()
	tests := []struct {
		from, wantNext, wantPrev string
	}{
		{"2026-09-30", "2026-10-08", "2026-09-29"},
		{"2026-10-01", "2026-10-08", "2026-09-30"},
		{"2026-10-09", "2026-10-10", "2026-10-08"},
		{"2026-10-12", "2026-10-13", "2026-10-10"},
		{"2026-02-13", "2026-02-14", "2026-02-12"},
		{"2026-02-14", "2026-02-24", "2026-02-13"},
		{"2026-12-31", "2027-01-01", "2026-12-30"},
	}
	for _, tt := range tests {
		d := mustDate(t, tt.from)
		if got := c.NextWorkingDay(d).String(); got != tt.wantNext {
			t.Errorf("NextWorkingDay(%s): got %s, want %s", tt.from, got, tt.wantNext)
		}
		if got := c.PreviousWorkingDay(d).String(); got != tt.wantPrev {
			t.Errorf("PreviousWorkingDay(%s): got %s, want %s", tt.from, got, tt.wantPrev)
		}
	}
}

func TestParseRejectsBadData(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		wantErr string
	}{
		{"not JSON", `{`, "invalid holiday JSON"},
		{"trailing data", `{"years":{"2026":{"papers":["u"],"days":[]}}} {}`, "unexpected data"},
		{"no years", `{"source":"x"}`, `no "years"`},
		{"bad year key", `{"years":{"26":{"days":[]}}}`, "four-digit year"},
		{"signed year key", `{"years":{"+202":{"days":[]}}}`, "four-digit year"},
		{"bad date", `{"years":{"2026":{"days":[{"date":"2026-02-30","name":"x","offDay":true}]}}}`, "invalid date"},
		{"date of another year", `{"years":{"2026":{"days":[{"date":"2025-06-02","name":"x","offDay":true}]}}}`, "neither in 2026"},
		{"date of the next year", `{"years":{"2026":{"days":[{"date":"2027-01-01","name":"x","offDay":true}]}}}`, "neither in 2026"},
		{"missing offDay", `{"years":{"2026":{"days":[{"date":"2026-10-01","name":"x"}]}}}`, "missing \"offDay\""},
		{"duplicate in a year", `{"years":{"2026":{"days":[{"date":"2026-10-01","name":"x","offDay":true},{"date":"2026-10-01","name":"x","offDay":false}]}}}`, "listed twice"},
		{"duplicate across years", `{"years":{"2026":{"days":[{"date":"2026-12-31","name":"x","offDay":true}]},"2027":{"days":[{"date":"2026-12-31","name":"x","offDay":true}]}}}`, "listed twice"},
		{"wrong type", `{"years":{"2026":{"days":[{"date":"2026-10-01","name":"x","offDay":"yes"}]}}}`, "invalid holiday JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.data))
			if err == nil {
				t.Fatalf("Parse: got calendar %q, want error containing %q", c.Version(), tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse error: got %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestParsePublication(t *testing.T) {
	c := mustParse(t, `{"years":{
		"2026":{"papers":["https://www.gov.cn/a"],"days":[]},
		"2027":{"papers":[],"days":[{"date":"2027-10-01","name":"国庆节","offDay":true}]},
		"2028":{"papers":[],"published":true,"days":[]},
		"2029":{"papers":["https://www.gov.cn/draft"],"published":false,"days":[]}}}`)
	tests := []struct {
		year int
		want bool
	}{
		{2026, false}, // has a notice URL
		{2027, true},  // data but no notice: a forecast, still provisional
		{2028, false}, // explicitly published
		{2029, true},  // explicitly not published
	}
	for _, tt := range tests {
		if got := c.Provisional(tt.year); got != tt.want {
			t.Errorf("Provisional(%d): got %v, want %v", tt.year, got, tt.want)
		}
	}
	if c.IsWorkingDay(mustDate(t, "2027-10-01")) {
		t.Errorf("IsWorkingDay(2027-10-01): got true, want false (provisional data is still used)")
	}
}

func TestParseVersion(t *testing.T) {
	const base = `{"years":{"2026":{"papers":["u"],"days":[{"date":"2026-10-01","name":"国庆节","offDay":true}]}}}`
	const changed = `{"years":{"2026":{"papers":["u"],"days":[{"date":"2026-10-02","name":"国庆节","offDay":true}]}}}`
	a, b, a2 := mustParse(t, base), mustParse(t, changed), mustParse(t, base)
	if a.Version() == b.Version() {
		t.Errorf("versions of different data: got both %q, want different", a.Version())
	}
	if a.Version() != a2.Version() {
		t.Errorf("versions of equal data: got %q and %q, want equal", a.Version(), a2.Version())
	}
	explicit := mustParse(t, `{"version":"2026-11-04.1","years":{"2026":{"days":[]}}}`)
	if got := explicit.Version(); got != "2026-11-04.1" {
		t.Errorf("explicit version: got %q, want %q", got, "2026-11-04.1")
	}
}

// TestMidYearChangeMakesNewVersion replays the 2020 Spring Festival extension
// (notice of 2020-01-27): Jan 31 - Feb 2 became days off and Sat Feb 1 stopped
// being a make-up working day.
func TestMidYearChangeMakesNewVersion(t *testing.T) {
	before := mustParse(t, `{"years":{"2020":{"papers":["original"],"days":[
		{"date":"2020-01-30","name":"春节","offDay":true},
		{"date":"2020-02-01","name":"春节","offDay":false}]}}}`)
	after := mustParse(t, `{"years":{"2020":{"papers":["original","extension"],"days":[
		{"date":"2020-01-30","name":"春节","offDay":true},
		{"date":"2020-01-31","name":"春节","offDay":true},
		{"date":"2020-02-01","name":"春节","offDay":true},
		{"date":"2020-02-02","name":"春节","offDay":true}]}}}`)
	if before.Version() == after.Version() {
		t.Fatalf("versions: got both %q, want different", before.Version())
	}
	for _, tt := range []struct {
		date          string
		before, after bool
	}{
		{"2020-01-31", true, false},
		{"2020-02-01", true, false},
		{"2020-02-03", true, true},
	} {
		d := mustDate(t, tt.date)
		if got := before.IsWorkingDay(d); got != tt.before {
			t.Errorf("before.IsWorkingDay(%s): got %v, want %v", tt.date, got, tt.before)
		}
		if got := after.IsWorkingDay(d); got != tt.after {
			t.Errorf("after.IsWorkingDay(%s): got %v, want %v", tt.date, got, tt.after)
		}
	}
}

func TestCalendarAccessorsReturnCopies(t *testing.T) {
	c := Default()
	papers := c.Papers(2026)
	papers[0] = "tampered"
	if got := c.Papers(2026)[0]; got == "tampered" {
		t.Errorf("Papers(2026)[0] after modifying a returned slice: got %q, want the original URL", got)
	}
	years := c.Years()
	years[0] = 1
	if got := c.Years()[0]; got != 2007 {
		t.Errorf("Years()[0] after modifying a returned slice: got %d, want 2007", got)
	}
}

func TestHolidayNames(t *testing.T) {
	tests := []struct{ zh, wantEN, wantDisplay string }{
		{"国庆节", "National Day", "National Day (国庆节)"},
		{"中秋节、国庆节", "Mid-Autumn Festival and National Day", "Mid-Autumn Festival and National Day (中秋节、国庆节)"},
		{"“五一”", "Labour Day", "Labour Day (“五一”)"},
		{"某节", "", "某节"},
		{"", "", "unnamed holiday"},
	}
	for _, tt := range tests {
		if got := EnglishHolidayName(tt.zh); got != tt.wantEN {
			t.Errorf("EnglishHolidayName(%q): got %q, want %q", tt.zh, got, tt.wantEN)
		}
		if got := HolidayDisplayName(tt.zh); got != tt.wantDisplay {
			t.Errorf("HolidayDisplayName(%q): got %q, want %q", tt.zh, got, tt.wantDisplay)
		}
	}
}

func TestEveryNameInTheDataHasATranslation(t *testing.T) {
	c := Default()
	for d, rec := range c.days {
		if EnglishHolidayName(rec.name) == "" {
			t.Errorf("%s: no English name for %q", d, rec.name)
		}
	}
}

func TestDayKindString(t *testing.T) {
	for k, want := range map[DayKind]string{Workday: "working day", Weekend: "weekend", Holiday: "holiday", MakeUpWorkday: "make-up working day", 0: "DayKind(0)"} {
		if got := k.String(); got != want {
			t.Errorf("DayKind(%d).String(): got %q, want %q", int(k), got, want)
		}
	}
}

// FuzzParse checks that Parse never panics and that whatever it accepts
// answers consistently.
func FuzzParse(f *testing.F) {
	// Small seeds only: the fuzzer minimises every new interesting input,
	// and minimising a mutation of the 60 KB embedded file stalls it.
	f.Add([]byte(`{"source":"s","years":{"2019":{"papers":["http://www.gov.cn/a"],"days":[{"date":"2018-12-29","name":"元旦","offDay":false},{"date":"2018-12-30","name":"元旦","offDay":true},{"date":"2019-10-01","name":"国庆节","offDay":true}]}}}`))
	f.Add([]byte(`{"years":{"2026":{"papers":["u"],"days":[{"date":"2026-10-10","name":"国庆节","offDay":false}]}}}`))
	f.Add([]byte(`{"years":{"2027":{"published":true,"days":[{"date":"2026-12-31","name":"元旦","offDay":true}]}}}`))
	f.Add([]byte(`{"years":{}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			if c != nil {
				t.Fatalf("Parse: got calendar and error %v, want nil calendar", err)
			}
			return
		}
		if c.Version() == "" {
			t.Fatalf("Version(): got empty, want a version")
		}
		for d, rec := range c.days {
			if !d.IsValid() {
				t.Fatalf("accepted invalid date %+v", d)
			}
			info := c.DayInfo(d)
			if info.Working() == rec.offDay || c.IsWorkingDay(d) == rec.offDay {
				t.Fatalf("%s offDay=%v: got working=%v", d, rec.offDay, info.Working())
			}
			if next := c.NextWorkingDay(d); !next.After(d) || !c.IsWorkingDay(next) {
				t.Fatalf("NextWorkingDay(%s): got %s", d, next)
			}
		}
	})
}

func TestFirstChangeThroughFindsTheEarliestDayThatChangedUpToTheLast(t *testing.T) {
	base := Default()
	at := func(s string) Date {
		d, err := ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	with := func(days ...string) *Calendar {
		var file map[string]any
		if err := json.Unmarshal(EmbeddedData(), &file); err != nil {
			t.Fatal(err)
		}
		year := file["years"].(map[string]any)["2026"].(map[string]any)
		for _, d := range days {
			year["days"] = append(year["days"].([]any), map[string]any{"date": d, "offDay": true})
		}
		data, err := json.Marshal(file)
		if err != nil {
			t.Fatal(err)
		}
		c, err := Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	dropped, err := Parse([]byte(`{"years":{"2027":{"days":[]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		other *Calendar
		last  string
		want  string
	}{
		{"the same data", Default(), "2026-12-31", ""},
		{"changes only after the last day", with("2026-11-10", "2026-11-04"), "2026-11-03", ""},
		{"the earliest up to the last day", with("2026-11-10", "2026-11-04", "2026-12-21"), "2026-11-30", "2026-11-04"},
		{"the last day itself", with("2026-11-04"), "2026-11-04", "2026-11-04"},
		{"years dropped", dropped, "2026-12-31", "2006-12-30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := base.FirstChangeThrough(tt.other, at(tt.last))
			if tt.want == "" && ok {
				t.Fatalf("got a change on %s, want none", got)
			}
			if tt.want != "" && (!ok || got != at(tt.want)) {
				t.Fatalf("got %s (%v), want %s", got, ok, tt.want)
			}
		})
	}
}

package calendar

import (
	"testing"
	"time"
)

func mustDate(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatalf("ParseDate(%q): %v", s, err)
	}
	return d
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time.Parse(%q): %v", s, err)
	}
	return ts
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    Date
		wantErr bool
	}{
		{in: "2026-10-01", want: Date{Year: 2026, Month: time.October, Day: 1}},
		{in: "2024-02-29", want: Date{Year: 2024, Month: time.February, Day: 29}},
		{in: "2026-02-29", wantErr: true},
		{in: "2026-02-30", wantErr: true},
		{in: "2026-13-01", wantErr: true},
		{in: "2026-1-01", wantErr: true},
		{in: "2026-10-01T00:00:00Z", wantErr: true},
		{in: "", wantErr: true},
		{in: " 2026-10-01", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseDate(%q): got %v, want an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDate(%q): got error %v, want %v", tt.in, err, tt.want)
			}
			if got != tt.want {
				t.Errorf("ParseDate(%q): got %v, want %v", tt.in, got, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("String(): got %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestDateOfUsesShanghaiCalendarDate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "UTC afternoon is the next Shanghai day", in: "2026-09-30T16:20:00Z", want: "2026-10-01"},
		{name: "UTC just before Shanghai midnight", in: "2026-09-30T15:59:59.999999999Z", want: "2026-09-30"},
		{name: "UTC exactly Shanghai midnight", in: "2026-09-30T16:00:00Z", want: "2026-10-01"},
		{name: "Shanghai offset kept", in: "2026-09-30T16:20:00+08:00", want: "2026-09-30"},
		{name: "US offset, previous local day", in: "2026-09-30T09:30:00-07:00", want: "2026-10-01"},
		{name: "year boundary from UTC", in: "2026-12-31T16:00:00Z", want: "2027-01-01"},
		{name: "far east offset", in: "2026-10-01T01:00:00+14:00", want: "2026-09-30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DateOf(mustTime(t, tt.in))
			if got.String() != tt.want {
				t.Errorf("DateOf(%s): got %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestLocationIsUTCPlus8(t *testing.T) {
	for _, s := range []string{"1995-07-01T12:00:00Z", "2026-01-15T12:00:00Z", "2026-07-15T12:00:00Z"} {
		_, offset := mustTime(t, s).In(Location()).Zone()
		if offset != chinaStandardOffset {
			t.Errorf("offset of Asia/Shanghai at %s: got %d, want %d", s, offset, chinaStandardOffset)
		}
	}
	if got := Location().String(); got != ZoneName {
		t.Errorf("Location(): got %q, want %q", got, ZoneName)
	}
}

func TestDateStart(t *testing.T) {
	got := mustDate(t, "2026-10-13").Start().Format(time.RFC3339)
	if want := "2026-10-13T00:00:00+08:00"; got != want {
		t.Errorf("Start(): got %s, want %s", got, want)
	}
}

func TestDateArithmeticMatchesTimePackage(t *testing.T) {
	start := time.Date(1899, time.December, 25, 0, 0, 0, 0, time.UTC)
	epoch := Date{Year: 1970, Month: time.January, Day: 1}
	for i := 0; i < 366*250; i++ {
		want := start.AddDate(0, 0, i)
		wd := Date{Year: want.Year(), Month: want.Month(), Day: want.Day()}
		got := epoch.AddDays(int(want.Sub(time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)).Hours() / 24))
		if got != wd {
			t.Fatalf("AddDays from 1970-01-01 to %s: got %v", want.Format(time.DateOnly), got)
		}
		if got.Weekday() != want.Weekday() {
			t.Fatalf("Weekday(%v): got %v, want %v", got, got.Weekday(), want.Weekday())
		}
		if !got.IsValid() {
			t.Fatalf("IsValid(%v): got false, want true", got)
		}
	}
}

func TestDateCompare(t *testing.T) {
	a, b := mustDate(t, "2026-12-31"), mustDate(t, "2027-01-01")
	if !a.Before(b) || a.After(b) || a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 {
		t.Errorf("ordering of %v and %v is wrong", a, b)
	}
	if got := a.DaysUntil(b); got != 1 {
		t.Errorf("DaysUntil: got %d, want 1", got)
	}
	if got := b.AddDays(-1); got != a {
		t.Errorf("AddDays(-1): got %v, want %v", got, a)
	}
}

func TestDateIsValid(t *testing.T) {
	tests := []struct {
		d    Date
		want bool
	}{
		{Date{}, false},
		{Date{Year: 2026, Month: time.February, Day: 28}, true},
		{Date{Year: 2026, Month: time.February, Day: 29}, false},
		{Date{Year: 2000, Month: time.February, Day: 29}, true},
		{Date{Year: 1900, Month: time.February, Day: 29}, false},
		{Date{Year: 2026, Month: 13, Day: 1}, false},
		{Date{Year: 2026, Month: time.April, Day: 31}, false},
		{Date{Year: 10000, Month: time.January, Day: 1}, false},
	}
	for _, tt := range tests {
		if got := tt.d.IsValid(); got != tt.want {
			t.Errorf("IsValid(%+v): got %v, want %v", tt.d, got, tt.want)
		}
	}
}

// FuzzDateAddDays checks the day-number arithmetic against the time package.
func FuzzDateAddDays(f *testing.F) {
	f.Add(2026, 10, 1, 12)
	f.Add(2026, 12, 31, 1)
	f.Add(2024, 2, 28, 1)
	f.Add(1970, 1, 1, -1)
	f.Add(1, 1, 1, 0)
	f.Add(9999, 12, 31, -3652058)
	f.Fuzz(func(t *testing.T, year, month, day, n int) {
		d := Date{Year: year, Month: time.Month(month), Day: day}
		if !d.IsValid() || n < -4_000_000 || n > 4_000_000 {
			t.Skip()
		}
		got := d.AddDays(n)
		want := time.Date(year, time.Month(month), day+n, 0, 0, 0, 0, time.UTC)
		if got.Year != want.Year() || got.Month != want.Month() || got.Day != want.Day() {
			t.Fatalf("%v.AddDays(%d): got %v, want %s", d, n, got, want.Format(time.DateOnly))
		}
		if got.Weekday() != want.Weekday() {
			t.Fatalf("Weekday(%v): got %v, want %v", got, got.Weekday(), want.Weekday())
		}
		if want := want.Format(time.DateOnly); got.IsValid() && got.String() != want {
			t.Fatalf("String(): got %q, want %q", got.String(), want)
		}
		if back := got.AddDays(-n); back != d {
			t.Fatalf("%v.AddDays(%d).AddDays(%d): got %v, want %v", d, n, -n, back, d)
		}
		if got := d.DaysUntil(got); got != n {
			t.Fatalf("DaysUntil: got %d, want %d", got, n)
		}
	})
}

func TestDateStringOutOfRange(t *testing.T) {
	tests := []struct {
		d    Date
		want string
	}{
		{Date{Year: 7, Month: time.March, Day: 5}, "0007-03-05"},
		{Date{Year: 12345, Month: time.January, Day: 1}, "12345-01-01"},
		{Date{Year: -1, Month: time.January, Day: 1}, "-001-01-01"},
	}
	for _, tt := range tests {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("String(%+v): got %q, want %q", tt.d, got, tt.want)
		}
	}
}

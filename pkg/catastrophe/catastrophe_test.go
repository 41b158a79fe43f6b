package catastrophe_test

import (
	"testing"
	"time"

	"claims.local/pkg/apperr"
	"claims.local/pkg/catastrophe"
)

func typhoon() catastrophe.Declaration {
	return catastrophe.Declaration{Code: "TY-2026-09", Name: "台风“海葵”", Peril: "typhoon", Regions: []string{"4401", "440306"},
		WindowStart: "2026-09-01", WindowEnd: "2026-09-10", ShareBps: 3000, CapFen: 5_000_000,
		IncidentTypes: []string{"death", "disability", "medical"}}
}

var declaredAt = time.Date(2026, 9, 1, 1, 0, 0, 0, time.UTC)

func declared(t *testing.T, d catastrophe.Declaration) catastrophe.Catastrophe {
	t.Helper()
	c, err := catastrophe.Declare(d, "coordinator-1", declaredAt)
	if err != nil {
		t.Fatalf("Declare: got %v, want no error", err)
	}
	return c
}

func TestDeclareChecksEveryField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*catastrophe.Declaration)
		field  string
	}{
		{"valid", func(*catastrophe.Declaration) {}, ""},
		{"lower-case code", func(d *catastrophe.Declaration) { d.Code = "ty-2026" }, "code"},
		{"code starting with a digit", func(d *catastrophe.Declaration) { d.Code = "2026-TY" }, "code"},
		{"code of one letter", func(d *catastrophe.Declaration) { d.Code = "T" }, "code"},
		{"no name", func(d *catastrophe.Declaration) { d.Name = "  " }, "name"},
		{"name on two lines", func(d *catastrophe.Declaration) { d.Name = "a\nb" }, "name"},
		{"unknown peril", func(d *catastrophe.Declaration) { d.Peril = "meteor" }, "peril"},
		{"no regions", func(d *catastrophe.Declaration) { d.Regions = nil }, "regions"},
		{"region of one digit", func(d *catastrophe.Declaration) { d.Regions = []string{"4"} }, "regions[0]"},
		{"region of 13 digits", func(d *catastrophe.Declaration) { d.Regions = []string{"4401", "4401061234567"} }, "regions[1]"},
		{"region with letters", func(d *catastrophe.Declaration) { d.Regions = []string{"44AB"} }, "regions[0]"},
		{"region twice", func(d *catastrophe.Declaration) { d.Regions = []string{"4401", "4401"} }, "regions[1]"},
		{"bad start date", func(d *catastrophe.Declaration) { d.WindowStart = "2026-02-30" }, "window_start"},
		{"end before start", func(d *catastrophe.Declaration) { d.WindowEnd = "2026-08-31" }, "window_end"},
		{"window over a year", func(d *catastrophe.Declaration) { d.WindowEnd = "2027-09-02" }, "window_end"},
		{"zero share", func(d *catastrophe.Declaration) { d.ShareBps = 0 }, "share_bps"},
		{"share above the whole", func(d *catastrophe.Declaration) { d.ShareBps = 10001 }, "share_bps"},
		{"zero cap", func(d *catastrophe.Declaration) { d.CapFen = 0 }, "cap_fen"},
		{"no incident types", func(d *catastrophe.Declaration) { d.IncidentTypes = nil }, "incident_types"},
		{"unknown incident type", func(d *catastrophe.Declaration) { d.IncidentTypes = []string{"death", "theft"} }, "incident_types[1]"},
		{"target longer than R4", func(d *catastrophe.Declaration) { d.TargetWorkingDays = 6 }, "target_working_days"},
		{"negative target", func(d *catastrophe.Declaration) { d.TargetWorkingDays = -1 }, "target_working_days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := typhoon()
			tt.change(&d)
			_, err := catastrophe.Declare(d, "coordinator-1", declaredAt)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid || e.Field != tt.field {
				t.Fatalf("got %v, want invalid_argument on %s", err, tt.field)
			}
		})
	}
}

func TestDeclaredCatastropheIsInactiveWithTheDefaultTarget(t *testing.T) {
	t.Parallel()
	c := declared(t, typhoon())
	if c.Active || c.Version != 1 || c.InternalTargetWorkingDays != catastrophe.DefaultTargetWorkingDays || c.DeclaredBy != "coordinator-1" {
		t.Fatalf("got %+v, want inactive version 1, target %d working day, declared by coordinator-1", c, catastrophe.DefaultTargetWorkingDays)
	}
}

func TestSwitchRecordsWhoWhenWhyAndRefusesNoChange(t *testing.T) {
	t.Parallel()
	c := declared(t, typhoon())
	at := declaredAt.Add(time.Hour)
	on, err := c.Switch(true, " 台风登陆 ", "coordinator-2", at)
	if err != nil {
		t.Fatalf("Switch on: got %v, want no error", err)
	}
	if !on.Active || on.Version != 2 || on.SwitchedBy != "coordinator-2" || on.SwitchReason != "台风登陆" || !on.SwitchedAt.Equal(at) {
		t.Fatalf("got %+v, want active version 2 switched by coordinator-2 at %v for 台风登陆", on, at)
	}
	if c.Active || c.Version != 1 {
		t.Fatalf("the original changed: got %+v, want it untouched", c)
	}
	if _, err := on.Switch(true, "again", "coordinator-2", at); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("switching on twice: got %v, want conflict", err)
	}
	if _, err := on.Switch(false, "", "coordinator-2", at); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("switching without a reason: got %v, want invalid_argument", err)
	}
	off, err := on.Switch(false, "灾情结束", "coordinator-2", at)
	if err != nil || off.Active || off.Version != 3 {
		t.Fatalf("Switch off: got %+v, %v, want inactive version 3", off, err)
	}
}

func TestMatchesByRegionPrefixShanghaiDateAndType(t *testing.T) {
	t.Parallel()
	c := declared(t, typhoon())
	active, err := c.Switch(true, "登陆", "c", declaredAt)
	if err != nil {
		t.Fatal(err)
	}
	shanghai := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name  string
		place string
		at    time.Time
		typ   string
		want  bool
	}{
		{"district under a city prefix", "440106", time.Date(2026, 9, 5, 10, 0, 0, 0, shanghai), "medical", true},
		{"the region itself", "4401", time.Date(2026, 9, 5, 10, 0, 0, 0, shanghai), "death", true},
		{"full 12-digit code under a district", "440306001001", time.Date(2026, 9, 5, 10, 0, 0, 0, shanghai), "death", true},
		{"sibling district", "440307", time.Date(2026, 9, 5, 10, 0, 0, 0, shanghai), "death", false},
		{"province above the region", "44", time.Date(2026, 9, 5, 10, 0, 0, 0, shanghai), "death", false},
		{"first day of the window", "4401", time.Date(2026, 9, 1, 0, 0, 0, 0, shanghai), "death", true},
		{"last day, last minute", "4401", time.Date(2026, 9, 10, 23, 59, 0, 0, shanghai), "death", true},
		{"UTC evening of the last day is the next Shanghai day", "4401", time.Date(2026, 9, 10, 16, 30, 0, 0, time.UTC), "death", false},
		{"UTC evening before the first day is the first Shanghai day", "4401", time.Date(2026, 8, 31, 16, 30, 0, 0, time.UTC), "death", true},
		{"day before the window", "4401", time.Date(2026, 8, 31, 23, 0, 0, 0, shanghai), "death", false},
		{"ineligible type", "4401", time.Date(2026, 9, 5, 10, 0, 0, 0, shanghai), "critical_illness", false},
		{"no place", "", time.Date(2026, 9, 5, 10, 0, 0, 0, shanghai), "death", false},
		{"place that is not a code", "4401ab", time.Date(2026, 9, 5, 10, 0, 0, 0, shanghai), "death", false},
		{"no time", "4401", time.Time{}, "death", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := active.Matches(tt.place, tt.at, tt.typ); got != tt.want {
				t.Fatalf("Matches(%q, %v, %q): got %v, want %v", tt.place, tt.at, tt.typ, got, tt.want)
			}
			if got := c.Matches(tt.place, tt.at, tt.typ); got {
				t.Fatalf("inactive Matches(%q, %v, %q): got true, want false", tt.place, tt.at, tt.typ)
			}
		})
	}
}

func TestAdvanceFenIsTheShareFlooredAndCapped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		share    int
		cap      int64
		expected int64
		want     int64
	}{
		{"30% of 100000 yuan", 3000, 5_000_000, 10_000_000, 3_000_000},
		{"floored, never rounded up", 3333, 5_000_000, 100, 33},
		{"one fen short of a whole", 5000, 5_000_000, 1, 0},
		{"capped", 3000, 5_000_000, 50_000_000, 5_000_000},
		{"the whole", 10000, 1 << 62, 123_456, 123_456},
		{"nothing expected", 3000, 5_000_000, 0, 0},
		{"negative expected", 3000, 5_000_000, -100, 0},
		{"huge expected does not overflow", 9999, 1 << 62, 1<<62 + 12345, (1<<62+12345)/10000*9999 + (1<<62+12345)%10000*9999/10000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := catastrophe.Catastrophe{Advance: catastrophe.AdvancePolicy{ShareBps: tt.share, CapFen: tt.cap}}
			if got := c.AdvanceFen(tt.expected); got != tt.want {
				t.Fatalf("AdvanceFen(%d) at %d bps capped %d: got %d, want %d", tt.expected, tt.share, tt.cap, got, tt.want)
			}
		})
	}
}

func TestStateRoundTrips(t *testing.T) {
	t.Parallel()
	c := declared(t, typhoon())
	on, err := c.Switch(true, "登陆", "coordinator-2", declaredAt.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	back, err := catastrophe.FromState(on.State())
	if err != nil {
		t.Fatalf("FromState: got %v, want no error", err)
	}
	if back.Code != on.Code || !back.Active || back.Version != 2 || back.SwitchedBy != "coordinator-2" || !back.SwitchedAt.Equal(*on.SwitchedAt) ||
		back.WindowEnd != on.WindowEnd || back.Advance.CapFen != on.Advance.CapFen || len(back.Regions) != 2 {
		t.Fatalf("got %+v, want %+v", back, on)
	}
	if on.Key() != "catastrophe/TY-2026-09" {
		t.Fatalf("got key %q, want catastrophe/TY-2026-09", on.Key())
	}
	bad := on.State()
	bad.Version = 0
	if _, err := catastrophe.FromState(bad); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("FromState of version 0: got %v, want invalid_argument", err)
	}
}

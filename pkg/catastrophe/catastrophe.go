// Package catastrophe holds the rules of catastrophe fast-track mode (R8,
// Reg. art. 27; notice §7.2): what a declaration must say, which incidents
// a catastrophe covers, and how much of the expected benefit its claims get
// in advance (预付赔款). It is the domain shared by the services; the state
// travels between them as events.CatastropheStateData on the compacted
// catastrophes topic (package catbus follows it).
package catastrophe

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
	"claims.local/pkg/events"
)

// IncidentTypes lists the incident types of the platform (intake's
// vocabulary), the ones an advance policy may make eligible.
func IncidentTypes() []string {
	return []string{"death", "disability", "critical_illness", "medical", "accidental_injury"}
}

// Perils lists the kinds of catastrophe the emergency plan names (notice
// §7.2): typhoon, flood, earthquake, major traffic accident, and others.
func Perils() []string {
	return []string{"typhoon", "flood", "earthquake", "major_traffic_accident", "fire", "landslide", "other"}
}

// Limits of a declaration.
const (
	// MaxShareBps is a share of the whole expected benefit (10000 bps).
	MaxShareBps = 10000
	// MaxCapFen bounds the advance per claim: one hundred million yuan.
	MaxCapFen int64 = 100_000_000_00
	// MaxRegions bounds the regions of one catastrophe.
	MaxRegions = 200
	// MaxWindowDays bounds the date window.
	MaxWindowDays = 366
	// MaxTargetWorkingDays bounds the internal decision target; a target
	// longer than the statutory 5 working days (R4) would not be tighter.
	MaxTargetWorkingDays = 5
	// DefaultTargetWorkingDays is the internal decision target when the
	// declaration names none: decide within one working day.
	DefaultTargetWorkingDays = 1
	maxName                  = 200
)

// codePattern is a catastrophe code: upper-case letters, digits and dashes,
// starting with a letter, such as TY-2026-09 (a typhoon of September 2026).
var codePattern = regexp.MustCompile(`^[A-Z][A-Z0-9-]{1,39}$`)

// regionPattern is an administrative division code (行政区划代码) or a prefix
// of one: 2 to 12 digits ("44" Guangdong, "4401" Guangzhou, "440106"
// Tianhe district).
var regionPattern = regexp.MustCompile(`^[0-9]{2,12}$`)

// AdvancePolicy is how much a catastrophe's claims get in advance: ShareBps
// basis points of the expected benefit, at most CapFen per claim, for the
// incident types listed.
type AdvancePolicy struct {
	ShareBps      int
	CapFen        int64
	IncidentTypes []string
}

// Catastrophe is a declared catastrophe and whether its fast-track mode is
// on. Regions are division codes or prefixes; the window holds the incident
// dates covered, Asia/Shanghai, both ends included. Version grows with every
// change: of two states of one code the higher version is the current one.
type Catastrophe struct {
	Code                      string
	Name                      string
	Peril                     string
	Regions                   []string
	WindowStart               calendar.Date
	WindowEnd                 calendar.Date
	Advance                   AdvancePolicy
	InternalTargetWorkingDays int
	Active                    bool
	Version                   int
	DeclaredBy                string
	DeclaredAt                time.Time
	SwitchedBy                string
	SwitchedAt                *time.Time
	SwitchReason              string
}

// Declaration is what the catastrophe team declares. TargetWorkingDays 0
// means DefaultTargetWorkingDays.
type Declaration struct {
	Code              string
	Name              string
	Peril             string
	Regions           []string
	WindowStart       string
	WindowEnd         string
	ShareBps          int
	CapFen            int64
	IncidentTypes     []string
	TargetWorkingDays int
}

// Declare checks d and returns the catastrophe it declares, inactive, at
// version 1, declared by who at now; or an *apperr.Error naming the first
// wrong field.
func Declare(d Declaration, who string, now time.Time) (Catastrophe, error) {
	c := Catastrophe{Code: strings.TrimSpace(d.Code), Name: strings.TrimSpace(d.Name), Peril: strings.TrimSpace(d.Peril),
		Version: 1, DeclaredBy: who, DeclaredAt: now.UTC(), InternalTargetWorkingDays: d.TargetWorkingDays,
		Advance: AdvancePolicy{ShareBps: d.ShareBps, CapFen: d.CapFen}}
	if !codePattern.MatchString(c.Code) {
		return Catastrophe{}, apperr.InvalidField("code", "must be 2 to 40 upper-case letters, digits or dashes, starting with a letter (e.g. TY-2026-09); got %q", c.Code)
	}
	if c.Name == "" || len([]rune(c.Name)) > maxName || strings.ContainsFunc(c.Name, isControl) {
		return Catastrophe{}, apperr.InvalidField("name", "is required: up to %d characters on one line", maxName)
	}
	if !slices.Contains(Perils(), c.Peril) {
		return Catastrophe{}, apperr.InvalidField("peril", "must be one of %s", strings.Join(Perils(), ", "))
	}
	regions, err := checkRegions(d.Regions)
	if err != nil {
		return Catastrophe{}, err
	}
	c.Regions = regions
	if c.WindowStart, err = parseDate("window_start", d.WindowStart); err != nil {
		return Catastrophe{}, err
	}
	if c.WindowEnd, err = parseDate("window_end", d.WindowEnd); err != nil {
		return Catastrophe{}, err
	}
	switch days := c.WindowStart.DaysUntil(c.WindowEnd); {
	case days < 0:
		return Catastrophe{}, apperr.InvalidField("window_end", "is before window_start")
	case days+1 > MaxWindowDays:
		return Catastrophe{}, apperr.InvalidField("window_end", "the window covers at most %d days", MaxWindowDays)
	}
	if c.Advance.ShareBps < 1 || c.Advance.ShareBps > MaxShareBps {
		return Catastrophe{}, apperr.InvalidField("share_bps", "must be from 1 to %d basis points of the expected benefit", MaxShareBps)
	}
	if c.Advance.CapFen < 1 || c.Advance.CapFen > MaxCapFen {
		return Catastrophe{}, apperr.InvalidField("cap_fen", "must be from 1 to %d fen per claim", MaxCapFen)
	}
	if c.Advance.IncidentTypes, err = checkTypes(d.IncidentTypes); err != nil {
		return Catastrophe{}, err
	}
	switch t := c.InternalTargetWorkingDays; {
	case t == 0:
		c.InternalTargetWorkingDays = DefaultTargetWorkingDays
	case t < 1 || t > MaxTargetWorkingDays:
		return Catastrophe{}, apperr.InvalidField("target_working_days", "must be from 1 to %d working days (tighter than R4's 5)", MaxTargetWorkingDays)
	}
	return c, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func parseDate(field, s string) (calendar.Date, error) {
	d, err := calendar.ParseDate(strings.TrimSpace(s))
	if err != nil || !d.IsValid() || d.Year < 2000 || d.Year > 2100 {
		return calendar.Date{}, apperr.InvalidField(field, "must be a date YYYY-MM-DD from 2000 to 2100; got %q", s)
	}
	return d, nil
}

func checkRegions(in []string) ([]string, error) {
	if len(in) == 0 || len(in) > MaxRegions {
		return nil, apperr.InvalidField("regions", "must list 1 to %d administrative division codes", MaxRegions)
	}
	out := make([]string, 0, len(in))
	for i, r := range in {
		r = strings.TrimSpace(r)
		if !regionPattern.MatchString(r) {
			return nil, apperr.InvalidField("regions["+strconv.Itoa(i)+"]", "must be an administrative division code of 2 to 12 digits (a prefix covers the areas below it); got %q", r)
		}
		if slices.Contains(out, r) {
			return nil, apperr.InvalidField("regions["+strconv.Itoa(i)+"]", "%q is listed twice", r)
		}
		out = append(out, r)
	}
	return out, nil
}

func checkTypes(in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, apperr.InvalidField("incident_types", "name at least one incident type eligible for an advance (%s)", strings.Join(IncidentTypes(), ", "))
	}
	out := make([]string, 0, len(in))
	for i, t := range in {
		t = strings.TrimSpace(t)
		if !slices.Contains(IncidentTypes(), t) {
			return nil, apperr.InvalidField("incident_types["+strconv.Itoa(i)+"]", "%q is not an incident type (%s)", t, strings.Join(IncidentTypes(), ", "))
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// maxReason bounds the reason of a switch.
const maxReason = 1000

// Switch turns the mode on (active) or off, recording who, when and why:
// the switch is audited (R8). It returns the next version. Switching to the
// state the catastrophe is already in is refused: nothing would change.
func (c Catastrophe) Switch(active bool, reason, who string, now time.Time) (Catastrophe, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > maxReason {
		return Catastrophe{}, apperr.InvalidField("reason", "is required: say why the mode is switched (up to %d characters)", maxReason)
	}
	if c.Active == active {
		state := "off"
		if active {
			state = "on"
		}
		return Catastrophe{}, apperr.New(apperr.Conflict, "the fast-track mode of catastrophe %s is already %s", c.Code, state)
	}
	at := now.UTC()
	c.Active, c.SwitchReason, c.SwitchedBy, c.SwitchedAt = active, reason, who, &at
	c.Regions, c.Advance.IncidentTypes = slices.Clone(c.Regions), slices.Clone(c.Advance.IncidentTypes)
	c.Version++
	return c, nil
}

// Covers reports whether an incident at place (a division code), at
// incidentTime, of incidentType is one the catastrophe covers: a region is
// a prefix of place, the Asia/Shanghai date is within the window (both
// ends included) and the type is eligible for the advance. It does not look
// at Active.
func (c Catastrophe) Covers(place string, incidentTime time.Time, incidentType string) bool {
	if !regionPattern.MatchString(place) || incidentTime.IsZero() {
		return false
	}
	day := calendar.DateOf(incidentTime)
	if day.Before(c.WindowStart) || day.After(c.WindowEnd) {
		return false
	}
	if !slices.Contains(c.Advance.IncidentTypes, incidentType) {
		return false
	}
	return slices.ContainsFunc(c.Regions, func(r string) bool { return strings.HasPrefix(place, r) })
}

// Matches reports whether the catastrophe is active and covers the
// incident (see Covers): a report that matches is tagged and takes the
// fast channel.
func (c Catastrophe) Matches(place string, incidentTime time.Time, incidentType string) bool {
	return c.Active && c.Covers(place, incidentTime, incidentType)
}

// Eligible reports whether incidentType gets an advance under the policy.
func (c Catastrophe) Eligible(incidentType string) bool {
	return slices.Contains(c.Advance.IncidentTypes, incidentType)
}

// AdvanceFen is the advance on a claim expecting expectedBenefitFen:
// floor(expected × share / 10000), at most the cap, never negative. The
// arithmetic stays in integers and divides before it multiplies, so that no
// expected amount overflows it.
func (c Catastrophe) AdvanceFen(expectedBenefitFen int64) int64 {
	if expectedBenefitFen <= 0 || c.Advance.ShareBps <= 0 {
		return 0
	}
	share := int64(c.Advance.ShareBps)
	// expected = q*10000 + r: expected*share/10000 = q*share + r*share/10000,
	// exactly, without the product overflowing.
	q, r := expectedBenefitFen/MaxShareBps, expectedBenefitFen%MaxShareBps
	return min(q*share+r*share/MaxShareBps, c.Advance.CapFen)
}

// FromState reads a catastrophe from its event. A state that a declaration
// could not have produced (bad code, dates or policy) is refused.
func FromState(d events.CatastropheStateData) (Catastrophe, error) {
	c, err := Declare(Declaration{Code: d.Code, Name: d.Name, Peril: d.Peril, Regions: d.Regions, WindowStart: d.WindowStart,
		WindowEnd: d.WindowEnd, ShareBps: d.AdvancePolicy.ShareBps, CapFen: d.AdvancePolicy.CapFen,
		IncidentTypes: d.AdvancePolicy.IncidentTypes, TargetWorkingDays: d.InternalTargetWorkingDays}, d.DeclaredBy, d.DeclaredAt)
	if err != nil {
		return Catastrophe{}, err
	}
	if d.Version < 1 {
		return Catastrophe{}, apperr.InvalidField("version", "must be 1 or more")
	}
	c.Active, c.Version, c.SwitchedBy, c.SwitchReason = d.Active, d.Version, d.SwitchedBy, d.SwitchReason
	if d.SwitchedAt != nil {
		at := d.SwitchedAt.UTC()
		c.SwitchedAt = &at
	}
	return c, nil
}

// State is the catastrophe as its event carries it.
func (c Catastrophe) State() events.CatastropheStateData {
	return events.CatastropheStateData{Code: c.Code, Name: c.Name, Peril: c.Peril, Regions: slices.Clone(c.Regions),
		WindowStart: c.WindowStart.String(), WindowEnd: c.WindowEnd.String(),
		AdvancePolicy: events.AdvancePolicy{ShareBps: c.Advance.ShareBps, CapFen: c.Advance.CapFen,
			IncidentTypes: slices.Clone(c.Advance.IncidentTypes)},
		InternalTargetWorkingDays: c.InternalTargetWorkingDays, Active: c.Active, Version: c.Version,
		DeclaredBy: c.DeclaredBy, DeclaredAt: c.DeclaredAt, SwitchedBy: c.SwitchedBy, SwitchedAt: c.SwitchedAt,
		SwitchReason: c.SwitchReason}
}

// Key is the claimid and Kafka key of the catastrophe's state events:
// "catastrophe/<code>", so that compaction keeps the last state per code.
func (c Catastrophe) Key() string { return events.CatastropheKeyPrefix + c.Code }

package deadline

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"claims.local/pkg/calendar"
)

// The expected due dates below are counted by hand from
// pkg/calendar/data/cn-holidays.json. 2026 in brief:
//   - New Year: Jan 1-3 off, Sun Jan 4 worked.
//   - Spring Festival: Sat Feb 14 worked, Feb 15-23 off, Sat Feb 28 worked.
//   - Mid-Autumn: Sep 25-27 off. National Day: Sun Sep 20 worked, Oct 1-7
//     off, Sat Oct 10 worked.
func TestComputeDueDates(t *testing.T) {
	tests := []struct {
		name        string
		rule        RuleID
		from        string
		want        string
		provisional bool
	}{
		// R4 decision, 5 working days, across National Day 2026.
		{"decision from the eve of National Day", Decision, "2026-09-30T16:20:00+08:00", "2026-10-13", false},
		// Oct 8, 9, Sat 10 (make-up), 12, 13.
		{"decision from UTC time that is already Oct 1 in Shanghai", Decision, "2026-09-30T16:20:00Z", "2026-10-13", false},
		{"decision from UTC time that is Sep 30 00:20 in Shanghai", Decision, "2026-09-29T16:20:00Z", "2026-10-13", false},
		// D = Sep 29: Sep 30, Oct 8, 9, 10, 12.
		{"decision from UTC time still Sep 29 in Shanghai", Decision, "2026-09-29T15:59:59Z", "2026-10-12", false},
		{"decision from a US offset", Decision, "2026-09-29T09:30:00-07:00", "2026-10-13", false},
		// Request arriving during the holiday: counting starts the next day anyway.
		{"decision requested on a holiday Saturday", Decision, "2026-10-03T10:00:00+08:00", "2026-10-13", false},
		{"decision requested on the last holiday", Decision, "2026-10-07T23:59:59+08:00", "2026-10-13", false},
		{"decision requested the first day back", Decision, "2026-10-08T09:00:00+08:00", "2026-10-14", false},
		{"decision requested on a make-up Saturday", Decision, "2026-10-10T09:00:00+08:00", "2026-10-16", false},
		// Make-up Sunday Sep 20: Sep 20, 21, 22, 23, 24.
		{"decision over a make-up Sunday", Decision, "2026-09-18T17:00:00+08:00", "2026-09-24", false},
		// Spring Festival 2026: Feb 13, Sat 14, 24, 25, 26.
		{"decision before Spring Festival", Decision, "2026-02-12T10:00:00+08:00", "2026-02-26", false},
		{"decision on the eve of Spring Festival", Decision, "2026-02-13T10:00:00+08:00", "2026-02-27", false},
		// Feb 25, 26, 27, Sat 28 (make-up), Mar 2.
		{"decision after Spring Festival", Decision, "2026-02-24T10:00:00+08:00", "2026-03-02", false},
		// Year boundaries. 2025-12-29: Dec 30, 31, Sun Jan 4 (make-up), 5, 6.
		{"decision across New Year 2026", Decision, "2025-12-29T10:00:00+08:00", "2026-01-06", false},
		{"decision on New Year's Eve 2025", Decision, "2025-12-31T10:00:00+08:00", "2026-01-08", false},
		// 2018-12-28: Sat Dec 29 (make-up, 2019 notice), Jan 2, 3, 4, 7.
		{"decision across New Year 2019", Decision, "2018-12-28T10:00:00+08:00", "2019-01-07", false},
		// Provisional 2027: no notice, Jan 1 2027 counts as a plain Friday.
		{"decision across New Year 2027", Decision, "2026-12-28T10:00:00+08:00", "2027-01-04", true},
		{"decision ending Dec 24 2026 is final", Decision, "2026-12-17T10:00:00+08:00", "2026-12-24", false},
		{"decision ending Dec 25 2026 is provisional", Decision, "2026-12-18T10:00:00+08:00", "2026-12-25", true},
		{"decision in 2027", Decision, "2027-10-08T10:00:00+08:00", "2027-10-15", true},

		// R3 missing-documents notice, 5 working days.
		{"missing-documents notice across National Day", MissingDocumentsNotice, "2026-09-30T09:00:00+08:00", "2026-10-13", false},

		// R4 complex decision, 30 days. Jan 20 + 30 = Feb 19 (Spring Festival) -> Tue Feb 24.
		{"complex decision ending in Spring Festival", ComplexDecision, "2026-01-20T10:00:00+08:00", "2026-02-24", false},
		// Sep 10 + 30 = Sat Oct 10, a make-up working day: no extension.
		{"complex decision ending on a make-up Saturday", ComplexDecision, "2026-09-10T10:00:00+08:00", "2026-10-10", false},
		// Dec 10 + 30 = Sat 2027-01-09 -> Mon Jan 11, provisional.
		{"complex decision into 2027", ComplexDecision, "2026-12-10T10:00:00+08:00", "2027-01-11", true},
		// Nov 20 + 30 = Sun Dec 20 -> Mon Dec 21, before the New Year spill-over.
		{"complex decision ending on a December Sunday", ComplexDecision, "2026-11-20T10:00:00+08:00", "2026-12-21", false},

		// R5 rejection notice, 3 days. Sep 30 + 3 = Oct 3 (holiday) -> Oct 8.
		{"rejection notice ending in National Day", RejectionNotice, "2026-09-30T10:00:00+08:00", "2026-10-08", false},
		{"rejection notice ending on a make-up Saturday", RejectionNotice, "2026-10-07T10:00:00+08:00", "2026-10-10", false},
		{"rejection notice ending on a Sunday", RejectionNotice, "2026-10-08T10:00:00+08:00", "2026-10-12", false},
		{"rejection notice on working days only", RejectionNotice, "2026-10-12T10:00:00+08:00", "2026-10-15", false},
		// Late UTC evening is the next Shanghai day: D = Oct 8, Oct 11 Sun -> Oct 12.
		{"rejection notice from UTC evening", RejectionNotice, "2026-10-07T17:00:00Z", "2026-10-12", false},

		// R6 payment, 10 days. Sep 26 + 10 = Oct 6 (holiday) -> Oct 8.
		{"payment ending in National Day", Payment, "2026-09-26T10:00:00+08:00", "2026-10-08", false},
		{"payment on plain days", Payment, "2026-10-12T10:00:00+08:00", "2026-10-22", false},

		// R7 advance payment, 60 days. Aug 5 + 60 = Oct 4 (holiday) -> Oct 8.
		{"advance payment ending in National Day", AdvancePayment, "2026-08-05T10:00:00+08:00", "2026-10-08", false},
		{"advance payment into 2027", AdvancePayment, "2026-11-20T10:00:00+08:00", "2027-01-19", true},

		// R9 result notification, next day, extended to a working day.
		{"result notification on the eve of National Day", ResultNotification, "2026-09-30T20:00:00+08:00", "2026-10-08", false},
		{"result notification before a make-up Saturday", ResultNotification, "2026-10-09T15:00:00+08:00", "2026-10-10", false},
		{"result notification on a Thursday", ResultNotification, "2026-10-15T15:00:00+08:00", "2026-10-16", false},
		{"result notification on a Friday", ResultNotification, "2026-10-16T15:00:00+08:00", "2026-10-19", false},
		{"result notification on New Year's Eve 2026", ResultNotification, "2026-12-31T15:00:00+08:00", "2027-01-01", true},
	}
	calc := NewCalculator(calendar.Default())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := compute(t, calc, Request{Rule: tt.rule, From: at(t, tt.from)})
			if got := d.DueDate.String(); got != tt.want {
				t.Errorf("DueDate: got %s, want %s\n%s", got, tt.want, d.Explanation)
			}
			if d.Provisional != tt.provisional {
				t.Errorf("Provisional: got %v (years %v), want %v", d.Provisional, d.ProvisionalYears, tt.provisional)
			}
			if got, want := d.DueAt.Format(time.RFC3339Nano), tt.want+"T23:59:59.999999999+08:00"; got != want {
				t.Errorf("DueAt: got %s, want %s", got, want)
			}
			if d.CalendarVersion != calc.Calendar().Version() {
				t.Errorf("CalendarVersion: got %q, want %q", d.CalendarVersion, calc.Calendar().Version())
			}
			if d.Rule.ID != tt.rule || !d.From.Equal(at(t, tt.from)) {
				t.Errorf("Rule/From: got %s %s, want %s %s", d.Rule.ID, d.From, tt.rule, tt.from)
			}
		})
	}
}

func TestDecisionFromNationalDayEveExplained(t *testing.T) {
	d := compute(t, NewCalculator(nil), Request{Rule: Decision, From: at(t, "2026-09-30T16:20:00+08:00")})
	if got, want := d.DueAt.Format(time.RFC3339), "2026-10-13T23:59:59+08:00"; got != want {
		t.Errorf("DueAt: got %s, want %s", got, want)
	}
	if got, want := d.StartDate.String(), "2026-09-30"; got != want {
		t.Errorf("StartDate: got %s, want %s", got, want)
	}
	for _, want := range []string{
		"R4 decision",
		"Day D is 2026-09-30 (Wed, working day)",
		"not counted (Civil Code art. 201)",
		"2026-10-01..07: not counted, holiday: National Day (国庆节).",
		"2026-10-08..09: working days 1-2.",
		"2026-10-10: working day 3 (make-up working day for National Day (国庆节)).",
		"2026-10-11: not counted, weekend.",
		"2026-10-12..13: working days 4-5.",
		"Due 2026-10-13 (Tue), by the end of that day: 2026-10-13T23:59:59+08:00.",
	} {
		if !strings.Contains(d.Explanation, want) {
			t.Errorf("Explanation: got %q, want it to contain %q", d.Explanation, want)
		}
	}
	for _, want := range []string{"《人身保险业务基本服务规定》第二十三条", "Insurance Law of the PRC, art. 23", "Civil Code of the PRC, art. 201"} {
		if !strings.Contains(d.Basis, want) {
			t.Errorf("Basis: got %q, want it to contain %q", d.Basis, want)
		}
	}
	if strings.Contains(d.Basis, "art. 203") {
		t.Errorf("Basis: got %q, want no art. 203 for a working-day period", d.Basis)
	}
}

func TestExplanationOfZonesExtensionsAndProvisionalYears(t *testing.T) {
	calc := NewCalculator(nil)
	tests := []struct {
		name string
		req  Request
		want []string
	}{
		{
			name: "UTC timestamp shows the Shanghai time and a holiday day D",
			req:  Request{Rule: Decision, From: at(t, "2026-09-30T16:20:00Z")},
			want: []string{
				"Day D is 2026-10-01 (Thu, holiday: National Day (国庆节)), the Asia/Shanghai date of 2026-09-30T16:20:00Z (2026-10-01T00:20:00+08:00)",
				"2026-10-02..07: not counted",
			},
		},
		{
			name: "art. 203 extension over a holiday",
			req:  Request{Rule: Payment, From: at(t, "2026-09-26T10:00:00+08:00")},
			want: []string{
				"2026-09-27..10-06: days 1-10.",
				"Day 10, 2026-10-06 (Tue), is not a working day (holiday: National Day (国庆节)), so the period ends on the next working day (Civil Code art. 203).",
				"2026-10-07: not counted, holiday: National Day (国庆节).",
				"Due 2026-10-08 (Thu)",
			},
		},
		{
			name: "ranges across years and provisional note",
			req:  Request{Rule: ComplexDecision, From: at(t, "2026-12-10T10:00:00+08:00")},
			want: []string{
				"2026-12-11..2027-01-09: days 1-30.",
				"Provisional: calendar sha256:",
				"no published State Council holiday notice for 2027; recompute when it is published.",
			},
		},
		{
			name: "company target",
			req:  Request{Rule: MissingDocumentsNotice, From: at(t, "2026-10-12T10:00:00+08:00")},
			want: []string{"R3 missing-documents-notice", "company target", "及时"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := compute(t, calc, tt.req)
			for _, want := range tt.want {
				if !strings.Contains(d.Explanation, want) {
					t.Errorf("Explanation: got %q, want it to contain %q", d.Explanation, want)
				}
			}
		})
	}
}

func TestComputeWithPauses(t *testing.T) {
	tests := []struct {
		name         string
		rule         RuleID
		from         string
		pauses       []Pause
		want         string
		wantDeducted int
		wantExplain  string
	}{
		{
			// D Mon Oct 12: Oct 13, 14 (notice day counts), Oct 15-20
			// deducted, Oct 21, 22, 23.
			name:         "one pause",
			rule:         Decision,
			from:         "2026-10-12T10:00:00+08:00",
			pauses:       []Pause{pause(t, "2026-10-14T10:00:00+08:00", "2026-10-20T10:00:00+08:00")},
			want:         "2026-10-23",
			wantDeducted: 6,
			wantExplain:  "2026-10-15..20: deducted, the clock was paused by the missing-documents notice of 2026-10-14T10:00:00+08:00 until the supplement arrived on 2026-10-20T10:00:00+08:00 (Judicial Interpretation II of the Insurance Law, art. 15); counting resumes after 2026-10-20.",
		},
		{
			name:         "pause timestamps in UTC are read in Shanghai",
			rule:         Decision,
			from:         "2026-10-12T10:00:00+08:00",
			pauses:       []Pause{pause(t, "2026-10-13T16:30:00Z", "2026-10-19T16:30:00Z")}, // Oct 14 00:30 .. Oct 20 00:30
			want:         "2026-10-23",
			wantDeducted: 6,
		},
		{
			// D Fri Oct 9: Sat 10 (make-up) 1; Sun 11 notice day, not a
			// working day; Oct 12-13 deducted; Oct 14, 15, 16, 19.
			name:         "notice sent on a Sunday",
			rule:         Decision,
			from:         "2026-10-09T10:00:00+08:00",
			pauses:       []Pause{pause(t, "2026-10-11T10:00:00+08:00", "2026-10-13T10:00:00+08:00")},
			want:         "2026-10-19",
			wantDeducted: 2,
		},
		{
			// Notice on day D itself: Oct 13-14 deducted; Oct 15, 16, 19, 20, 21.
			name:         "notice on the day of the request",
			rule:         Decision,
			from:         "2026-10-12T10:00:00+08:00",
			pauses:       []Pause{pause(t, "2026-10-12T15:00:00+08:00", "2026-10-14T09:00:00+08:00")},
			want:         "2026-10-21",
			wantDeducted: 2,
		},
		{
			name:        "notice and supplement on the same day",
			rule:        Decision,
			from:        "2026-10-12T10:00:00+08:00",
			pauses:      []Pause{pause(t, "2026-10-13T09:00:00+08:00", "2026-10-13T17:00:00+08:00")},
			want:        "2026-10-19",
			wantExplain: "deducts nothing: notice and supplement fell on the same day, 2026-10-13.",
		},
		{
			// Oct 13 (1); 14-15 deducted; Oct 16 (2, second notice day);
			// 17-20 deducted; Oct 21, 22, 23.
			name: "two pauses",
			rule: Decision,
			from: "2026-10-12T10:00:00+08:00",
			pauses: []Pause{
				pause(t, "2026-10-13T10:00:00+08:00", "2026-10-15T10:00:00+08:00"),
				pause(t, "2026-10-16T12:00:00+08:00", "2026-10-20T09:00:00+08:00"),
			},
			want:         "2026-10-23",
			wantDeducted: 6,
		},
		{
			name: "two pauses given in reverse order",
			rule: Decision,
			from: "2026-10-12T10:00:00+08:00",
			pauses: []Pause{
				pause(t, "2026-10-16T12:00:00+08:00", "2026-10-20T09:00:00+08:00"),
				pause(t, "2026-10-13T10:00:00+08:00", "2026-10-15T10:00:00+08:00"),
			},
			want:         "2026-10-23",
			wantDeducted: 6,
		},
		{
			// The second notice goes out the day the first supplement
			// arrives: Oct 13 (1); 14-15 and 16-19 deducted; Oct 20-23 (2-5).
			name: "second notice on the day the first supplement arrives",
			rule: Decision,
			from: "2026-10-12T10:00:00+08:00",
			pauses: []Pause{
				pause(t, "2026-10-13T10:00:00+08:00", "2026-10-15T10:00:00+08:00"),
				pause(t, "2026-10-15T16:00:00+08:00", "2026-10-19T09:00:00+08:00"),
			},
			want:         "2026-10-23",
			wantDeducted: 6,
		},
		{
			// Pause across National Day: D Sep 28; Sep 29 (1); Sep 30
			// notice day (2); Oct 1-9 deducted; Sat Oct 10 (3), 12, 13.
			name:         "pause across National Day",
			rule:         Decision,
			from:         "2026-09-28T10:00:00+08:00",
			pauses:       []Pause{pause(t, "2026-09-30T10:00:00+08:00", "2026-10-09T10:00:00+08:00")},
			want:         "2026-10-13",
			wantDeducted: 9,
		},
		{
			// The notice on the last counted day comes too late to deduct.
			name:        "pause on the due date",
			rule:        Decision,
			from:        "2026-10-12T10:00:00+08:00",
			pauses:      []Pause{pause(t, "2026-10-19T10:00:00+08:00", "2026-10-22T10:00:00+08:00")},
			want:        "2026-10-19",
			wantExplain: "The pause from 2026-10-19T10:00:00+08:00 does not move the deadline: it began on or after the last counted day, 2026-10-19.",
		},
		{
			// Nov 2 + 30 days with Nov 11-20 deducted: Nov 3-10 are days
			// 1-8, Nov 21 is day 9, day 30 is Sat Dec 12 -> Mon Dec 14.
			name:         "complex decision with a pause",
			rule:         ComplexDecision,
			from:         "2026-11-02T10:00:00+08:00",
			pauses:       []Pause{pause(t, "2026-11-10T10:00:00+08:00", "2026-11-20T10:00:00+08:00")},
			want:         "2026-12-14",
			wantDeducted: 10,
		},
	}
	calc := NewCalculator(nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := compute(t, calc, Request{Rule: tt.rule, From: at(t, tt.from), Pauses: tt.pauses})
			if got := d.DueDate.String(); got != tt.want {
				t.Errorf("DueDate: got %s, want %s\n%s", got, tt.want, d.Explanation)
			}
			if d.DeductedDays != tt.wantDeducted {
				t.Errorf("DeductedDays: got %d, want %d", d.DeductedDays, tt.wantDeducted)
			}
			if tt.wantExplain != "" && !strings.Contains(d.Explanation, tt.wantExplain) {
				t.Errorf("Explanation: got %q, want it to contain %q", d.Explanation, tt.wantExplain)
			}
			wantCitation := tt.wantDeducted > 0
			if got := strings.Contains(d.Basis, "Judicial Interpretation II of the Insurance Law, art. 15"); got != wantCitation {
				t.Errorf("Basis cites JI II art. 15: got %v, want %v (%s)", got, wantCitation, d.Basis)
			}
		})
	}
}

func TestComputeDoesNotModifyPauses(t *testing.T) {
	pauses := []Pause{
		pause(t, "2026-10-16T12:00:00+08:00", "2026-10-20T09:00:00+08:00"),
		pause(t, "2026-10-13T10:00:00+08:00", "2026-10-15T10:00:00+08:00"),
	}
	before := slices.Clone(pauses)
	compute(t, NewCalculator(nil), Request{Rule: Decision, From: at(t, "2026-10-12T10:00:00+08:00"), Pauses: pauses})
	if !slices.Equal(pauses, before) {
		t.Errorf("pauses after Compute: got %v, want %v", pauses, before)
	}
}

func TestComputeWithOverrides(t *testing.T) {
	tests := []struct {
		name           string
		rule           RuleID
		from           string
		overrides      []Override
		want           string
		wantOverridden bool
		wantLength     int
		wantUnit       Unit
	}{
		{
			// Oct 8, 9, 10, 12, 13, 14, 15, 16, 19, 20.
			name:           "decision in 10 working days",
			rule:           Decision,
			from:           "2026-09-30T16:20:00+08:00",
			overrides:      []Override{{Rule: Decision, Length: 10, Unit: WorkingDays}},
			want:           "2026-10-20",
			wantOverridden: true, wantLength: 10, wantUnit: WorkingDays,
		},
		{
			// Sep 22 + 15 = Oct 7 (holiday) -> Oct 8.
			name:           "decision in 15 days",
			rule:           Decision,
			from:           "2026-09-22T10:00:00+08:00",
			overrides:      []Override{{Rule: Decision, Length: 15, Unit: Days}},
			want:           "2026-10-08",
			wantOverridden: true, wantLength: 15, wantUnit: Days,
		},
		{
			name:           "payment in 5 working days",
			rule:           Payment,
			from:           "2026-09-30T10:00:00+08:00",
			overrides:      []Override{{Rule: Payment, Length: 5, Unit: WorkingDays}},
			want:           "2026-10-13",
			wantOverridden: true, wantLength: 5, wantUnit: WorkingDays,
		},
		{
			name:           "complex decision in 20 days",
			rule:           ComplexDecision,
			from:           "2026-09-10T10:00:00+08:00",
			overrides:      []Override{{Rule: ComplexDecision, Length: 20, Unit: Days}},
			want:           "2026-09-30", // Sep 10 + 20, a Wednesday
			wantOverridden: true, wantLength: 20, wantUnit: Days,
		},
		{
			name:       "another rule's override is not applied",
			rule:       Decision,
			from:       "2026-09-30T16:20:00+08:00",
			overrides:  []Override{{Rule: Payment, Length: 20, Unit: Days}},
			want:       "2026-10-13",
			wantLength: 5, wantUnit: WorkingDays,
		},
	}
	calc := NewCalculator(nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := compute(t, calc, Request{Rule: tt.rule, From: at(t, tt.from), Overrides: tt.overrides})
			if got := d.DueDate.String(); got != tt.want {
				t.Errorf("DueDate: got %s, want %s\n%s", got, tt.want, d.Explanation)
			}
			if d.Overridden != tt.wantOverridden || d.Length != tt.wantLength || d.Unit != tt.wantUnit {
				t.Errorf("period: got overridden=%v %d %v, want %v %d %v", d.Overridden, d.Length, d.Unit, tt.wantOverridden, tt.wantLength, tt.wantUnit)
			}
			if tt.wantOverridden {
				if !strings.Contains(d.Explanation, "The insurance contract sets") {
					t.Errorf("Explanation: got %q, want the contract period mentioned", d.Explanation)
				}
				if !strings.Contains(d.Basis, "合同另有约定") {
					t.Errorf("Basis: got %q, want the contract cited", d.Basis)
				}
			}
		})
	}
}

func TestComputeRejectsBadRequests(t *testing.T) {
	from := at(t, "2026-10-12T10:00:00+08:00")
	tests := []struct {
		name    string
		req     Request
		wantErr error
		wantMsg string
	}{
		{"unknown rule", Request{Rule: "decide", From: from}, ErrUnknownRule, `unknown rule "decide"`},
		{"missing from", Request{Rule: Decision}, ErrInvalidTime, "from is missing"},
		{"from too early", Request{Rule: Decision, From: at(t, "1800-01-01T00:00:00Z")}, ErrInvalidTime, "outside 1900..9000"},
		{"override of a rule that allows none", Request{Rule: RejectionNotice, From: from, Overrides: []Override{{Rule: RejectionNotice, Length: 5, Unit: Days}}}, ErrOverrideNotAllowed, "R5 rejection-notice"},
		{"override of R7 while computing R4", Request{Rule: Decision, From: from, Overrides: []Override{{Rule: AdvancePayment, Length: 90, Unit: Days}}}, ErrOverrideNotAllowed, "R7 advance-payment"},
		{"override of R9", Request{Rule: ResultNotification, From: from, Overrides: []Override{{Rule: ResultNotification, Length: 2, Unit: Days}}}, ErrOverrideNotAllowed, "only decision, complex-decision and payment"},
		{"override of an unknown rule", Request{Rule: Decision, From: from, Overrides: []Override{{Rule: "pay", Length: 2, Unit: Days}}}, ErrUnknownRule, `"pay"`},
		{"override of zero days", Request{Rule: Decision, From: from, Overrides: []Override{{Rule: Decision, Length: 0, Unit: Days}}}, ErrInvalidOverride, "length 0"},
		{"override too long", Request{Rule: Decision, From: from, Overrides: []Override{{Rule: Decision, Length: MaxOverrideLength + 1, Unit: Days}}}, ErrInvalidOverride, "want 1..3660"},
		{"override without unit", Request{Rule: Decision, From: from, Overrides: []Override{{Rule: Decision, Length: 3}}}, ErrInvalidOverride, "unknown unit"},
		{"override twice", Request{Rule: Decision, From: from, Overrides: []Override{{Rule: Decision, Length: 3, Unit: Days}, {Rule: Decision, Length: 4, Unit: Days}}}, ErrInvalidOverride, "overridden twice"},
		{"pause of a non-R4 rule", Request{Rule: Payment, From: from, Pauses: []Pause{pause(t, "2026-10-13T10:00:00+08:00", "2026-10-14T10:00:00+08:00")}}, ErrPauseNotAllowed, "R6 payment"},
		{"resume before pause", Request{Rule: Decision, From: from, Pauses: []Pause{pause(t, "2026-10-14T10:00:00+08:00", "2026-10-13T10:00:00+08:00")}}, ErrInvalidPause, "before it was paused"},
		{"pause before the clock started", Request{Rule: Decision, From: from, Pauses: []Pause{pause(t, "2026-10-12T09:59:59+08:00", "2026-10-13T10:00:00+08:00")}}, ErrInvalidPause, "before the clock started"},
		{"pause without resume", Request{Rule: Decision, From: from, Pauses: []Pause{{PausedAt: at(t, "2026-10-13T10:00:00+08:00")}}}, ErrInvalidPause, "no due date"},
		{"resume without pause", Request{Rule: Decision, From: from, Pauses: []Pause{{ResumedAt: at(t, "2026-10-13T10:00:00+08:00")}}}, ErrInvalidPause, "paused-at is missing"},
		{"overlapping pauses", Request{Rule: Decision, From: from, Pauses: []Pause{
			pause(t, "2026-10-13T10:00:00+08:00", "2026-10-16T10:00:00+08:00"),
			pause(t, "2026-10-15T10:00:00+08:00", "2026-10-19T10:00:00+08:00"),
		}}, ErrInvalidPause, "before the previous pause resumed"},
		{"pause in year 9999", Request{Rule: Decision, From: from, Pauses: []Pause{pause(t, "2026-10-13T10:00:00+08:00", "9999-01-01T00:00:00+08:00")}}, ErrInvalidTime, "resumed-at year 9999"},
	}
	calc := NewCalculator(nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := calc.Compute(tt.req)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Compute: got error %v (due %s), want %v", err, d.DueDate, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error: got %q, want it to contain %q", err, tt.wantMsg)
			}
		})
	}
}

func TestValidateOverrides(t *testing.T) {
	if err := ValidateOverrides(nil); err != nil {
		t.Errorf("ValidateOverrides(nil): got %v, want nil", err)
	}
	ok := []Override{{Rule: Decision, Length: 7, Unit: WorkingDays}, {Rule: ComplexDecision, Length: 20, Unit: Days}, {Rule: Payment, Length: 5, Unit: Days}}
	if err := ValidateOverrides(ok); err != nil {
		t.Errorf("ValidateOverrides(%v): got %v, want nil", ok, err)
	}
}

// TestRecomputeWhenNoticeIsPublished simulates loading a calendar in which
// the 2027 notice is published with a New Year holiday on Fri 2027-01-01.
func TestRecomputeWhenNoticeIsPublished(t *testing.T) {
	req := Request{Rule: Decision, From: at(t, "2026-12-28T10:00:00+08:00")}
	old := NewCalculator(calendar.Default())
	before := compute(t, old, req)

	updated, err := calendar.Parse([]byte(`{"years":{
		"2026":{"papers":["https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm"],"days":[]},
		"2027":{"papers":["https://www.gov.cn/example-2027"],"days":[{"date":"2027-01-01","name":"元旦","offDay":true}]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	calc := NewCalculator(updated)
	if !calc.Stale(before) {
		t.Errorf("Stale(deadline from %s) with calendar %s: got false, want true", before.CalendarVersion, updated.Version())
	}
	after := compute(t, calc, req)
	if calc.Stale(after) {
		t.Errorf("Stale(recomputed deadline): got true, want false")
	}
	// Dec 29, 30, 31, Jan 4, Jan 5.
	if got, want := after.DueDate.String(), "2027-01-05"; got != want {
		t.Errorf("DueDate after publication: got %s, want %s\n%s", got, want, after.Explanation)
	}
	if !before.Provisional || after.Provisional {
		t.Errorf("Provisional: got before=%v after=%v, want true then false", before.Provisional, after.Provisional)
	}
	if got, want := before.ProvisionalYears, []int{2027}; !slices.Equal(got, want) {
		t.Errorf("ProvisionalYears: got %v, want %v", got, want)
	}
}

func TestDueAtIsTheLastInstantOfTheDueDate(t *testing.T) {
	d := compute(t, NewCalculator(nil), Request{Rule: Decision, From: at(t, "2026-09-30T16:20:00+08:00")})
	tests := []struct {
		at   string
		want bool
	}{
		{"2026-10-13T23:59:59.999999999+08:00", false},
		{"2026-10-13T15:59:59Z", false},
		{"2026-10-14T00:00:00+08:00", true},
		{"2026-10-13T16:00:00Z", true},
	}
	for _, tt := range tests {
		if got := d.BreachedAt(at(t, tt.at)); got != tt.want {
			t.Errorf("BreachedAt(%s): got %v, want %v", tt.at, got, tt.want)
		}
	}
	if _, offset := d.DueAt.Zone(); offset != 8*3600 {
		t.Errorf("DueAt offset: got %d, want %d", offset, 8*3600)
	}
}

func TestZeroCalculatorUsesDefaultCalendar(t *testing.T) {
	var calc Calculator
	d := compute(t, &calc, Request{Rule: Decision, From: at(t, "2026-09-30T16:20:00+08:00")})
	if got, want := d.DueDate, day(t, "2026-10-13"); got != want {
		t.Errorf("DueDate: got %s, want %s", got, want)
	}
	if got, want := d.CalendarVersion, calendar.Default().Version(); got != want {
		t.Errorf("CalendarVersion: got %s, want %s", got, want)
	}
}

func BenchmarkCompute(b *testing.B) {
	calc := NewCalculator(calendar.Default())
	start := time.Date(2026, time.September, 30, 16, 20, 0, 0, calendar.Location())
	rules := []RuleID{Decision, ComplexDecision, RejectionNotice, Payment, AdvancePayment, ResultNotification, Decision}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		req := Request{Rule: rules[i%len(rules)], From: start.Add(time.Duration(i%400) * 24 * time.Hour)}
		if i%len(rules) == len(rules)-1 {
			req.Pauses = []Pause{{PausedAt: req.From.Add(24 * time.Hour), ResumedAt: req.From.Add(5 * 24 * time.Hour)}}
		}
		if _, err := calc.Compute(req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deadlines/s")
}

// TestAComplexPeriodShorterThanTheSimpleOneIsRefused: a contract may set
// its own decision periods (R4), but the period of a complex case cannot be
// shorter than that of a simple one: marking a case complex would shorten
// its deadline. Working days count as 7/5 of a day for the comparison.
func TestAComplexPeriodShorterThanTheSimpleOneIsRefused(t *testing.T) {
	tests := []struct {
		name      string
		overrides []Override
		wantErr   bool
	}{
		{"complex 20 days after the statutory 5 working days", []Override{{Rule: ComplexDecision, Length: 20, Unit: Days}}, false},
		{"complex 7 days, as long as 5 working days", []Override{{Rule: ComplexDecision, Length: 7, Unit: Days}}, false},
		{"complex 6 days, shorter than the statutory 5 working days", []Override{{Rule: ComplexDecision, Length: 6, Unit: Days}}, true},
		{"complex 10 days, shorter than the contract's 10 working days", []Override{{Rule: Decision, Length: 10, Unit: WorkingDays},
			{Rule: ComplexDecision, Length: 10, Unit: Days}}, true},
		{"complex 10 working days after 10 working days", []Override{{Rule: Decision, Length: 10, Unit: WorkingDays},
			{Rule: ComplexDecision, Length: 10, Unit: WorkingDays}}, false},
		{"a simple period longer than the statutory complex one", []Override{{Rule: Decision, Length: 25, Unit: WorkingDays}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateOverrides(tt.overrides)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ValidateOverrides(%v): got %v, want error %v", tt.overrides, err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrInvalidOverride) {
				t.Fatalf("got %v, want ErrInvalidOverride", err)
			}
		})
	}
}

// TestOverridesLongerThanTheStatuteAreFlagged: a contract period longer
// than the statute's is the contract's right ("合同另有约定的除外") but is
// flagged at product import for a person to look at.
func TestOverridesLongerThanTheStatuteAreFlagged(t *testing.T) {
	got := LongerThanStatute([]Override{{Rule: Decision, Length: 5, Unit: WorkingDays}, {Rule: ComplexDecision, Length: 45, Unit: Days},
		{Rule: Payment, Length: 10, Unit: Days}})
	if len(got) != 1 || got[0].Rule != ComplexDecision {
		t.Fatalf("got %v, want the complex-decision override flagged only", got)
	}
	if got := LongerThanStatute([]Override{{Rule: Decision, Length: 7, Unit: Days}}); len(got) != 0 {
		t.Fatalf("got %v for 7 days against 5 working days, want nothing flagged", got)
	}
}

package deadline

import (
	"testing"
	"time"
)

func TestAtRiskFrom(t *testing.T) {
	calc := NewCalculator(nil)
	// Due Tue 2026-10-13; the working days before it are Mon 12, Sat 10
	// (make-up), Fri 9, Thu 8, then Sep 30.
	decision := compute(t, calc, Request{Rule: Decision, From: at(t, "2026-09-30T16:20:00+08:00")})
	// Due Fri 2026-10-16, the day after the payment.
	notification := compute(t, calc, Request{Rule: ResultNotification, From: at(t, "2026-10-15T10:00:00+08:00")})
	tests := []struct {
		name string
		d    Deadline
		lead int
		want string
	}{
		{"default lead", decision, DefaultRiskLead, "2026-10-12T00:00:00+08:00"},
		{"zero lead is the due date", decision, 0, "2026-10-13T00:00:00+08:00"},
		{"negative lead counts as zero", decision, -3, "2026-10-13T00:00:00+08:00"},
		{"lead onto a make-up Saturday", decision, 2, "2026-10-10T00:00:00+08:00"},
		{"lead across the holiday", decision, 4, "2026-10-08T00:00:00+08:00"},
		{"lead reaching back to day D starts at the clock", decision, 5, "2026-09-30T16:20:00+08:00"},
		{"lead before day D starts at the clock", decision, 6, "2026-09-30T16:20:00+08:00"},
		{"huge lead", decision, 1 << 30, "2026-09-30T16:20:00+08:00"},
		{"short period is at risk from the start", notification, DefaultRiskLead, "2026-10-15T10:00:00+08:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := calc.AtRiskFrom(tt.d, tt.lead).Format(time.RFC3339); got != tt.want {
				t.Errorf("AtRiskFrom(lead %d): got %s, want %s", tt.lead, got, tt.want)
			}
		})
	}
}

func TestStatusAt(t *testing.T) {
	calc := NewCalculator(nil)
	d := compute(t, calc, Request{Rule: Decision, From: at(t, "2026-09-30T16:20:00+08:00")})
	tests := []struct {
		now  string
		want Status
	}{
		{"2026-10-09T12:00:00+08:00", OnTrack},
		{"2026-10-11T23:59:59+08:00", OnTrack},
		{"2026-10-12T00:00:00+08:00", AtRisk},
		{"2026-10-11T16:00:00Z", AtRisk}, // Oct 12 00:00 in Shanghai
		{"2026-10-13T23:59:59+08:00", AtRisk},
		{"2026-10-14T00:00:00+08:00", Breached},
	}
	for _, tt := range tests {
		if got := calc.StatusAt(d, at(t, tt.now), DefaultRiskLead); got != tt.want {
			t.Errorf("StatusAt(%s): got %v, want %v", tt.now, got, tt.want)
		}
	}
}

func TestStatusString(t *testing.T) {
	for s, want := range map[Status]string{OnTrack: "on-track", AtRisk: "at-risk", Breached: "breached", 0: "Status(0)"} {
		if got := s.String(); got != want {
			t.Errorf("Status(%d).String(): got %q, want %q", int(s), got, want)
		}
	}
}

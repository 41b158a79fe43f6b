package domain_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
	"claims.local/pkg/deadline"
)

func sh(month time.Month, day, hour int) time.Time {
	return time.Date(2026, month, day, hour, 0, 0, 0, calendar.Location())
}

func ptr(t time.Time) *time.Time { return &t }

// indicatorFacts are five claims requested on Monday 2026-11-02 at 10:00;
// 5 working days end on 11-09, 1 working day on 11-03.
func indicatorFacts() []domain.ClaimFacts {
	req := sh(time.November, 2, 10)
	return []domain.ClaimFacts{
		{ClaimID: "A", Branch: "BJ", Handler: "h1", IncidentAt: sh(time.October, 31, 10), RequestedAt: req, ClaimedFen: 100_000,
			ApprovedFen: 100_000, Outcome: domain.Approve, DecidedAt: ptr(sh(time.November, 3, 15)), PaidAt: ptr(sh(time.November, 5, 10))},
		{ClaimID: "B", Branch: "BJ", Handler: "h2", IncidentAt: sh(time.October, 20, 10), RequestedAt: req, ClaimedFen: 1_000_000,
			ApprovedFen: 1_000_000, Outcome: domain.Approve, DecidedAt: ptr(sh(time.November, 12, 9))},
		{ClaimID: "C", Branch: "SH", Handler: "h1", IncidentAt: sh(time.October, 30, 10), RequestedAt: req, ClaimedFen: 200_000,
			Outcome: domain.Reject, DecidedAt: ptr(sh(time.November, 6, 9))},
		{ClaimID: "D", Branch: "SH", IncidentAt: sh(time.October, 30, 10), RequestedAt: req, ClaimedFen: 50_000,
			WithdrawnAt: ptr(sh(time.November, 4, 9))},
		{ClaimID: "E", Branch: "SH", Handler: "h2", IncidentAt: sh(time.October, 30, 10), RequestedAt: req, ClaimedFen: 300_000,
			ApprovedFen: 150_000, Outcome: domain.PartlyApprove, DecidedAt: ptr(sh(time.November, 9, 23)), PaidAt: ptr(sh(time.November, 13, 10))},
	}
}

func TestIndicatorsEqualAHandCount(t *testing.T) {
	calc := deadline.NewCalculator(nil)
	lines, total, err := domain.Indicators(indicatorFacts(), domain.GroupBranch, calc)
	if err != nil {
		t.Fatal(err)
	}
	h := time.Hour
	want := []domain.IndicatorLine{
		{Group: "BJ", Decided: 2, Within5: 1, Paid: 2, PaymentsDone: 1, ClaimToPaymentTotal: 72 * h, IncidentToPaymentTotal: 120 * h,
			SmallDecided: 1, SmallWithin1: 1, SmallWithin5: 1},
		{Group: "SH", Decided: 2, Withdrawn: 1, Within5: 2, Paid: 1, Rejected: 1, PaymentsDone: 1, ClaimToPaymentTotal: 264 * h,
			IncidentToPaymentTotal: 336 * h, SmallDecided: 2, SmallWithin5: 2},
	}
	if len(lines) != len(want) {
		t.Fatalf("lines: got %d, want %d: %+v", len(lines), len(want), lines)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d: got %+v, want %+v", i, lines[i], want[i])
		}
	}
	wantTotal := domain.IndicatorLine{Group: "total", Decided: 4, Withdrawn: 1, Within5: 3, Paid: 3, Rejected: 1, PaymentsDone: 2,
		ClaimToPaymentTotal: 336 * h, IncidentToPaymentTotal: 456 * h, SmallDecided: 3, SmallWithin1: 1, SmallWithin5: 3}
	if total != wantTotal {
		t.Errorf("total: got %+v, want %+v", total, wantTotal)
	}
	if got := total.AvgClaimToPayment(); got != 168*h {
		t.Errorf("索赔支付周期: got %s, want 168h", got)
	}
	if got := total.AvgIncidentToPayment(); got != 228*h {
		t.Errorf("出险支付周期: got %s, want 228h", got)
	}
	if got := domain.Rate(total.Within5, total.Decided); got != 0.75 {
		t.Errorf("五日结案率: got %v, want 0.75", got)
	}

	byHandler, _, err := domain.Indicators(indicatorFacts(), domain.GroupHandler, calc)
	if err != nil {
		t.Fatal(err)
	}
	var groups []string
	for _, l := range byHandler {
		groups = append(groups, l.Group+":"+string(rune('0'+l.Decided)))
	}
	if got, want := len(groups), 3; got != want || groups[0] != ":0" || groups[1] != "h1:2" || groups[2] != "h2:2" {
		t.Errorf("per handler: got %v, want [:0 h1:2 h2:2] (the withdrawn claim has no decider)", groups)
	}
}

func TestParseGroup(t *testing.T) {
	for _, tt := range []struct {
		in   string
		code string
	}{{"branch", ""}, {"handler", ""}, {"region", "invalid_argument"}, {"", "invalid_argument"}} {
		_, err := domain.ParseGroup(tt.in)
		got := ""
		if err != nil {
			got = string(apperr.CodeOf(err))
		}
		if got != tt.code {
			t.Errorf("ParseGroup(%q): got code %q, want %q", tt.in, got, tt.code)
		}
	}
}

func TestIndicatorsShowAutomaticAndManualDecisionsApart(t *testing.T) {
	calc := deadline.NewCalculator(nil)
	facts := indicatorFacts()
	facts[0].Handler = domain.AutoActorPrefix + "HEALTH-1/v3"
	lines, total, err := domain.Indicators(facts, domain.GroupMode, calc)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range lines {
		got = append(got, fmt.Sprintf("%s:%d/%d", l.Group, l.Decided, l.Automatic))
	}
	if want := []string{"automatic:1/1", "manual:3/0"}; !slices.Equal(got, want) || total.Automatic != 1 {
		t.Fatalf("got %v (total automatic %d), want %v (1)", got, total.Automatic, want)
	}
	if _, err := domain.ParseGroup("mode"); err != nil {
		t.Fatalf("got %v, want mode accepted", err)
	}
}

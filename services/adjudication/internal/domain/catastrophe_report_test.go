package domain_test

import (
	"testing"
	"time"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/calendar"
)

func TestCatastropheDailyReportEqualsAHandCount(t *testing.T) {
	sep := func(day, hour int) time.Time { return time.Date(2026, 9, day, hour, 0, 0, 0, calendar.Location()) }
	facts := []domain.ClaimFacts{
		{ClaimID: "P1", InsuredName: "张三", IncidentType: "death", RequestedAt: sep(2, 9), ClaimedFen: 200_000, ApprovedFen: 200_000,
			DecidedAt: ptr(sep(3, 10)), Advances: []domain.PaymentFact{{At: sep(2, 18), AmountFen: 50_000}}},
		{ClaimID: "P2", InsuredName: "李四", IncidentType: "medical", RequestedAt: sep(2, 11), ClaimedFen: 30_000},
		{ClaimID: "P3", InsuredName: "李四", IncidentType: "medical", RequestedAt: sep(3, 11), ClaimedFen: 20_000, WithdrawnAt: ptr(sep(4, 9))},
		{ClaimID: "P4", InsuredName: "王五", IncidentType: "disability", RequestedAt: sep(3, 23), ClaimedFen: 100_000, DecidedAt: ptr(sep(4, 9))},
	}
	got, err := domain.CatastropheDaily(facts, calendar.Date{Year: 2026, Month: 9, Day: 2}, calendar.Date{Year: 2026, Month: 9, Day: 4})
	if err != nil {
		t.Fatal(err)
	}
	want := []domain.CatastropheDay{
		{Date: calendar.Date{Year: 2026, Month: 9, Day: 2}, NewCases: 2, ValidCases: 2, Deaths: 1, Medical: 1, AdvancesPaid: 1, AdvancesPaidFen: 50_000, EstimatedFen: 230_000},
		{Date: calendar.Date{Year: 2026, Month: 9, Day: 3}, NewCases: 2, ValidCases: 4, Deaths: 1, Disabilities: 1, Medical: 1, NewClosed: 1, Closed: 1,
			AdvancesPaid: 1, AdvancesPaidFen: 50_000, EstimatedFen: 350_000},
		{Date: calendar.Date{Year: 2026, Month: 9, Day: 4}, ValidCases: 3, Deaths: 1, Disabilities: 1, Medical: 1, NewClosed: 1, Closed: 2,
			AdvancesPaid: 1, AdvancesPaidFen: 50_000, EstimatedFen: 230_000},
	}
	if len(got) != len(want) {
		t.Fatalf("days: got %d, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("day %s: got %+v, want %+v", want[i].Date, got[i], want[i])
		}
	}
	if r := got[1].HandlingRate(); r != 0.25 {
		t.Errorf("handling rate of 09-03: got %v, want 0.25", r)
	}
	if _, err := domain.CatastropheDaily(facts, calendar.Date{Year: 2026, Month: 9, Day: 4}, calendar.Date{Year: 2026, Month: 9, Day: 2}); err == nil {
		t.Errorf("to before from: got no error, want invalid")
	}
	if _, err := domain.CatastropheDaily(facts, calendar.Date{Year: 2025, Month: 1, Day: 1}, calendar.Date{Year: 2026, Month: 9, Day: 2}); err == nil {
		t.Errorf("600 days: got no error, want invalid")
	}
}

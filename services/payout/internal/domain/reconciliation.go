package domain

import (
	"time"

	"claims.local/pkg/apperr"
)

// MaxReconciliationDays bounds the period of one reconciliation report.
const MaxReconciliationDays = 366

// Period is a range of Asia/Shanghai calendar dates, both included.
type Period struct {
	From, To time.Time
}

// ParsePeriod reads the dates of a reconciliation report (YYYY-MM-DD):
// from not after to, at most MaxReconciliationDays days.
func ParsePeriod(from, to string, shanghai *time.Location) (Period, error) {
	f, err := time.ParseInLocation(time.DateOnly, from, shanghai)
	if err != nil {
		return Period{}, apperr.InvalidField("from", "must be a date YYYY-MM-DD")
	}
	t, err := time.ParseInLocation(time.DateOnly, to, shanghai)
	if err != nil {
		return Period{}, apperr.InvalidField("to", "must be a date YYYY-MM-DD")
	}
	switch {
	case t.Before(f):
		return Period{}, apperr.InvalidField("to", "must not be before from")
	case t.Sub(f) >= MaxReconciliationDays*24*time.Hour:
		return Period{}, apperr.InvalidField("to", "the period must be at most %d days", MaxReconciliationDays)
	}
	return Period{From: f, To: t}, nil
}

// End is the first instant after the period: midnight after its last day.
func (p Period) End() time.Time { return p.To.AddDate(0, 0, 1) }

// DayTotal is one line of the reconciliation report: on Date (Asia/Shanghai)
// the completed payouts of Type by value date, and the payouts of Type the
// bank returned that day, as counts and sums in fen. They equal the
// payout-completed and payout-reversed events of that day and type.
type DayTotal struct {
	Date           string
	Type           PayoutType
	CompletedCount int64
	CompletedFen   int64
	ReversedCount  int64
	ReversedFen    int64
}

// Totals adds the lines up per payout type, in the order the types first
// appear.
func Totals(days []DayTotal) []DayTotal {
	var out []DayTotal
	at := map[PayoutType]int{}
	for _, d := range days {
		i, ok := at[d.Type]
		if !ok {
			i = len(out)
			at[d.Type] = i
			out = append(out, DayTotal{Type: d.Type})
		}
		out[i].CompletedCount += d.CompletedCount
		out[i].CompletedFen += d.CompletedFen
		out[i].ReversedCount += d.ReversedCount
		out[i].ReversedFen += d.ReversedFen
	}
	return out
}

// ObligationFilter selects a page of the obligations list: of one claim
// when ClaimID is set, in State when it is set, and, when Paid is set, with
// a value date (Asia/Shanghai) in Paid, which are exactly the payouts the
// reconciliation report of Paid counts as completed, whatever happened to
// them after.
type ObligationFilter struct {
	ClaimID string
	State   State
	Paid    *Period
	Limit   int
	Offset  int
}

// ListTotals is the count and sum of every obligation a filter selects,
// not only of the page answered, so that a list and the reconciliation of
// the same period agree.
type ListTotals struct {
	Count     int64
	AmountFen int64
}

package domain

import (
	"slices"
	"strings"
	"time"

	"claims.local/pkg/apperr"
	"claims.local/pkg/deadline"
)

// SmallClaimLimitFen is the ceiling of a small claim: RMB 3,000, as in the
// regulator's 2015 guidance on small-claims service (小额理赔服务).
const SmallClaimLimitFen = 300_000

// Indicator groupings: per branch (the organisation unit of the policy,
// carried onto the case), per handler (who made the decision), or per
// mode: the decisions of the straight-through path (automatic) apart from
// the people's (manual), issue 19.
const (
	GroupBranch  = "branch"
	GroupHandler = "handler"
	GroupMode    = "mode"
)

// ParseGroup checks an indicator grouping.
func ParseGroup(s string) (string, error) {
	switch s {
	case GroupBranch, GroupHandler, GroupMode:
		return s, nil
	}
	return "", apperr.InvalidField("group", "must be branch, handler or mode; got %q", s)
}

// ClaimFacts is what the service indicators read of one claim: the
// recorded events, never a typed-in figure.
type ClaimFacts struct {
	ClaimID string
	Branch  string
	// Handler is who made the decision (empty when undecided).
	Handler     string
	IncidentAt  time.Time
	RequestedAt time.Time
	ClaimedFen  int64
	ApprovedFen int64
	Outcome     Outcome
	DecidedAt   *time.Time
	WithdrawnAt *time.Time
	// PaidAt is when the final payment completed (payout-completed).
	PaidAt *time.Time
	// What the catastrophe daily report reads besides: the insured, the
	// incident type, the catastrophe tag, and the advances paid.
	InsuredName     string
	IncidentType    string
	CatastropheCode string
	Advances        []PaymentFact
}

// PaymentFact is one completed payment of a claim.
type PaymentFact struct {
	At        time.Time
	AmountFen int64
}

// Automatic reports whether the straight-through path decided the claim.
func (f ClaimFacts) Automatic() bool { return strings.HasPrefix(f.Handler, AutoActorPrefix) }

// Small reports whether the claim is a small claim (up to RMB 3,000 claimed).
func (f ClaimFacts) Small() bool { return f.ClaimedFen <= SmallClaimLimitFen }

// IndicatorLine is the service indicators of one group over a period
// (R13; Reg. art. 30). The population is the claims decided in the period
// (the decision took effect on a day of it, Asia/Shanghai); claims withdrawn
// in the period are counted apart and in no rate.
type IndicatorLine struct {
	Group     string
	Decided   int
	Withdrawn int
	// Within5 counts decisions within 5 working days of the claim request
	// (五日结案率), counted as the claimant lives it: no pause deducted,
	// whatever the contract or the complex rule allow.
	Within5 int
	// Paid counts decided claims with an amount approved (获赔率 is
	// Paid/Decided); Rejected those refused in full.
	Paid     int
	Rejected int
	// PaymentsDone counts paid claims whose final payment completed, and
	// the two cycles (索赔支付周期, 出险支付周期) are their mean time from the
	// claim request, and from the incident, to that completion.
	PaymentsDone           int
	ClaimToPaymentTotal    time.Duration
	IncidentToPaymentTotal time.Duration
	// Small claims (up to RMB 3,000) decided, and within 1 and 5 working
	// days of the request.
	SmallDecided int
	SmallWithin1 int
	SmallWithin5 int
	// Automatic counts the decisions the straight-through path made.
	Automatic int
}

// Rate is n/d, or 0 when d is 0.
func Rate(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// AvgClaimToPayment is the mean claim-to-payment time (索赔支付周期).
func (l IndicatorLine) AvgClaimToPayment() time.Duration {
	if l.PaymentsDone == 0 {
		return 0
	}
	return l.ClaimToPaymentTotal / time.Duration(l.PaymentsDone)
}

// AvgIncidentToPayment is the mean incident-to-payment time (出险支付周期).
func (l IndicatorLine) AvgIncidentToPayment() time.Duration {
	if l.PaymentsDone == 0 {
		return 0
	}
	return l.IncidentToPaymentTotal / time.Duration(l.PaymentsDone)
}

// add counts one claim into l.
func (l *IndicatorLine) add(f ClaimFacts, within1, within5 bool) {
	if f.DecidedAt == nil {
		l.Withdrawn++
		return
	}
	l.Decided++
	if f.Automatic() {
		l.Automatic++
	}
	if within5 {
		l.Within5++
	}
	if f.ApprovedFen > 0 {
		l.Paid++
		if f.PaidAt != nil {
			l.PaymentsDone++
			l.ClaimToPaymentTotal += f.PaidAt.Sub(f.RequestedAt)
			l.IncidentToPaymentTotal += f.PaidAt.Sub(f.IncidentAt)
		}
	} else {
		l.Rejected++
	}
	if f.Small() {
		l.SmallDecided++
		if within1 {
			l.SmallWithin1++
		}
		if within5 {
			l.SmallWithin5++
		}
	}
}

// Indicators computes the lines of facts grouped by group, sorted by group,
// and the total. facts are the claims decided or withdrawn in the period;
// calc counts working days with the calendar in force.
func Indicators(facts []ClaimFacts, group string, calc *deadline.Calculator) ([]IndicatorLine, IndicatorLine, error) {
	byGroup := map[string]*IndicatorLine{}
	total := IndicatorLine{Group: "total"}
	for _, f := range facts {
		key := f.Branch
		switch group {
		case GroupHandler:
			key = f.Handler
		case GroupMode:
			key = "manual"
			if f.Automatic() {
				key = "automatic"
			}
		}
		l := byGroup[key]
		if l == nil {
			l = &IndicatorLine{Group: key}
			byGroup[key] = l
		}
		var within1, within5 bool
		if f.DecidedAt != nil {
			var err error
			if within1, err = decidedWithin(calc, f, 1); err != nil {
				return nil, IndicatorLine{}, err
			}
			if within5, err = decidedWithin(calc, f, 5); err != nil {
				return nil, IndicatorLine{}, err
			}
		}
		l.add(f, within1, within5)
		total.add(f, within1, within5)
	}
	out := make([]IndicatorLine, 0, len(byGroup))
	for _, l := range byGroup {
		out = append(out, *l)
	}
	slices.SortFunc(out, func(a, b IndicatorLine) int {
		switch {
		case a.Group < b.Group:
			return -1
		case a.Group > b.Group:
			return 1
		}
		return 0
	})
	return out, total, nil
}

// decidedWithin reports whether f was decided by the end of the n-th
// working day after the day of its request (Civil Code art. 201: the day of
// the request is not counted), with no pause deducted.
func decidedWithin(calc *deadline.Calculator, f ClaimFacts, n int) (bool, error) {
	d, err := calc.Compute(deadline.Request{Rule: deadline.Decision, From: f.RequestedAt,
		Overrides: []deadline.Override{{Rule: deadline.Decision, Length: n, Unit: deadline.WorkingDays}}})
	if err != nil {
		return false, err
	}
	return !f.DecidedAt.After(d.DueAt), nil
}

package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/calendar"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/tracking"
)

// TestTheComplianceReportOnASeededHistoryEqualsAHandCount seeds nine
// claims requested on Monday 2026-11-02 at 10:00 (R4's 5 working days end
// on 11-09; 30 days for a complex case on 12-02), drives them through the
// use cases, and checks the compliance report (R13) of November and
// December, read on 12-10, against a count made by hand:
//
//	A  decided 11-05                                  decision met
//	B  decided 11-12                                  decision missed
//	C  paused 11-03..11-10 by intake, decided 11-12   decision met (5 working days deducted: due 11-16)
//	D  complex 11-04, decided 11-20                   decision not counted (superseded in time); complex-decision met
//	E  complex 11-12                                  decision missed (a breach is permanent); complex-decision open, breached
//	F  withdrawn 11-04                                decision not counted (withdrawn in time)
//	G  withdrawn 11-12                                decision missed
//	H  notice delivered 11-12, still awaited           decision missed (paused after its due time)
//	I  nothing done                                   decision open, breached
//
// The advances' R7 deadlines fall due in January, outside the period.
func TestTheComplianceReportOnASeededHistoryEqualsAHandCount(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	req := shanghai(time.November, 2, 10)
	f.clock.Set(req.Add(time.Minute))
	for _, id := range []string{"A", "B", "D", "E", "F", "G", "H", "I"} {
		f.open(t, request("cr-"+id, req))
	}
	step := func(at time.Time, do func() (domain.Case, error)) {
		t.Helper()
		f.clock.Set(at)
		_, err := do()
		require.NoError(t, err)
	}
	decide := func(id string) func() (domain.Case, error) {
		return func() (domain.Case, error) { return f.app.Decide(ctx, handler, "cr-"+id, approve(100_000)) }
	}
	complex := func(id string) func() (domain.Case, error) {
		return func() (domain.Case, error) { return f.app.MarkComplex(ctx, senior, "cr-"+id, "需调查既往病史") }
	}
	withdraw := func(id string) func() (domain.Case, error) {
		return func() (domain.Case, error) { return f.app.Close(ctx, handler, "cr-"+id, "申请人撤回索赔申请") }
	}
	step(shanghai(time.November, 4, 9), complex("D"))
	step(shanghai(time.November, 4, 10), withdraw("F"))
	step(shanghai(time.November, 5, 9), decide("A"))
	// C reaches adjudication once intake has its supplement.
	f.clock.Set(shanghai(time.November, 10, 10))
	paused := request("cr-C", req)
	back := shanghai(time.November, 10, 9)
	// Its notice went by SMS and reached the claimant as sent.
	noticed := shanghai(time.November, 3, 9)
	paused.Supplements = []events.Supplement{{NoticeSentAt: noticed, DeliveredAt: &noticed, ReceivedAt: &back}}
	f.open(t, paused)
	step(shanghai(time.November, 12, 9), decide("B"))
	step(shanghai(time.November, 12, 10), decide("C"))
	step(shanghai(time.November, 12, 11), complex("E"))
	step(shanghai(time.November, 12, 12), withdraw("G"))
	step(shanghai(time.November, 12, 13), func() (domain.Case, error) {
		return f.app.RequestDocuments(ctx, handler, "cr-H", domain.DocumentRequest{Documents: []string{"出院小结"}, Channel: domain.ChannelPost})
	})
	step(shanghai(time.November, 12, 14), func() (domain.Case, error) {
		return f.app.RecordNoticeDelivered(ctx, handler, "cr-H", shanghai(time.November, 12, 14), "挂号信回执 XA123456789CN")
	})
	step(shanghai(time.November, 20, 9), decide("D"))

	now := shanghai(time.December, 10, 12)
	f.clock.Set(now)
	uc := &tracking.UseCases{Service: "adjudication", Store: f.store, Tracker: tracking.NewTracker(tracking.NewCalendars(nil), -1),
		Topics: topics, Now: f.clock.Now}
	r, err := uc.Compliance(ctx, calendar.Date{Year: 2026, Month: 11, Day: 1}, calendar.Date{Year: 2026, Month: 12, Day: 31})
	require.NoError(t, err)
	type count struct{ Total, Met, Missed, Open, OpenBreached int }
	got := map[deadline.RuleID]count{}
	for _, l := range r.Rules {
		if l.Total > 0 {
			got[l.Rule] = count{l.Total, l.Met, l.Missed, l.Open, l.OpenBreached}
		}
	}
	assert.Equal(t, map[deadline.RuleID]count{
		deadline.Decision:        {Total: 7, Met: 2, Missed: 4, Open: 1, OpenBreached: 1},
		deadline.ComplexDecision: {Total: 2, Met: 1, Open: 1, OpenBreached: 1},
	}, got)
}

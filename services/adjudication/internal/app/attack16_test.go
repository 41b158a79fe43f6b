package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/adapters"
	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingtest"
)

// TestAttackALetterAnAdvanceOrAReplyMetThroughTheServicesOwnRoleIsAlarmedAndTakenBack
// is an insider holding adjudication's database role with a rejection
// letter (R5), advances (R7) and a complaint's reply (R12) owed and not
// given: they set the letter's deadline met naming the case's letter,
// never sent; another letter's met naming its case's rejection, which is
// in effect but is no letter; an advance's met naming the advance payout
// paid on another claim; another's met naming its case's decision, which
// was never made; and the reply's met naming the reply, never written.
// Session 15's witness checked the decision deadlines only: these steps
// were recorded with their evidence, no alarm came, and a done obligation
// is never breached. The witness now checks them against the letter sent
// by a written channel, payout's completion of that claim's advance and
// the stored reply, each by the due: each step without it raises the
// tampered alarm, once, and is taken back, so the breach comes on time.
// The service's own steps beside them (four rejections meeting R4 and
// R7, a letter sent, an advance paid, a reply, and a letter recorded sent
// by the binary before session 16, its step without evidence) raise none.
func TestAttackALetterAnAdvanceOrAReplyMetThroughTheServicesOwnRoleIsAlarmedAndTakenBack(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.clock.Set(received.Add(time.Minute))
	claims := []string{"letter-sent", "letter-before-evidence", "letter-unsent", "letter-decision", "advance-paid", "advance-other", "advance-undecided"}
	for _, id := range claims {
		f.open(t, request(id, received))
	}
	in := complaintAbout("")
	in.Channel, in.Category = "letter", "service"
	answered, err := f.app.RegisterComplaint(ctx, handler, in)
	require.NoError(t, err)
	unanswered, err := f.app.RegisterComplaint(ctx, handler, in)
	require.NoError(t, err)
	m := trackingtest.Monitor("adjudication", f.store.WithWitness(adapters.DeadlineWitness{}), f.clock.Now)
	_, err = m.Sweep(ctx)
	require.NoError(t, err)

	// The service's own steps.
	for _, id := range []string{"letter-sent", "letter-before-evidence", "letter-unsent", "letter-decision"} {
		_, err := f.app.Decide(ctx, handler, id, reject())
		require.NoError(t, err)
	}
	_, err = f.app.RecordRejectionLetterSent(ctx, handler, "letter-sent", "post")
	require.NoError(t, err)
	// The letter recorded sent by the binary before session 16: its step
	// gave no evidence.
	_, err = adapters.NewCases(f.db, nil, tracking.NewTracker(tracking.NewCalendars(nil), -1)).Update(ctx, "letter-before-evidence",
		func(c *domain.Case) (tracking.Effects, error) {
			now := f.clock.Now()
			return tracking.Effects{Steps: []tracking.Step{tracking.Complete(tracking.ClaimSubject(c.ClaimID), deadline.RejectionNotice, now)}},
				c.RecordRejectionLetterSent(handler, "post", now)
		})
	require.NoError(t, err)
	paid := payoutCompleted(t, "advance-paid", events.PayoutTypeAdvance, 100_000, f.clock.Now())
	require.NoError(t, f.app.RecordPayout(ctx, paid))
	_, err = f.app.AnswerComplaint(ctx, senior, answered.Complaint.ID, "您反映的问题已核实并改进。", "letter")
	require.NoError(t, err)

	caseOf := func(claim string) string {
		t.Helper()
		c, err := f.app.Case(ctx, claim)
		require.NoError(t, err)
		return c.ID
	}
	r5 := func(claim string) string { return f.obligations(t, claim)[deadline.RejectionNotice].ID }
	r7 := func(claim string) string { return f.obligations(t, claim)[deadline.AdvancePayment].ID }
	var r12 string
	require.NoError(t, f.db.Raw(`SELECT id FROM deadline_obligations WHERE subject = ?`, app.ComplaintSubject(unanswered.Complaint.ID)).Scan(&r12).Error)
	stepped := []string{r5("letter-unsent"), r5("letter-decision"), r7("advance-other"), r7("advance-undecided"), r12}
	for i, evidence := range []string{"letter:" + caseOf("letter-unsent"), "decision:" + caseOf("letter-decision"),
		"advance:ob-advance-paid-advance", "decision:" + caseOf("advance-undecided"), "reply:" + unanswered.Complaint.ID} {
		require.NoError(t, f.db.Exec(`UPDATE deadline_obligations SET state = 'met', done_at = now(), done_evidence = ? WHERE id = ?`,
			evidence, stepped[i]).Error, evidence)
	}

	f.clock.Set(received.Add(80 * 24 * time.Hour))
	res, err := m.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 5, res.Tampered, "tampered alarms: the five steps of the insider, not the service's")
	for _, id := range stepped {
		o, err := f.store.Get(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, tracking.RiskBreached, o.RiskAt(f.clock.Now()), "%s of %s after the sweep, past its due", o.Rule, o.ClaimID)
	}
	for claim, rules := range map[string][]deadline.RuleID{
		"letter-sent":            {deadline.Decision, deadline.AdvancePayment, deadline.RejectionNotice},
		"letter-before-evidence": {deadline.RejectionNotice}, "letter-unsent": {deadline.Decision, deadline.AdvancePayment},
		"letter-decision": {deadline.Decision, deadline.AdvancePayment}, "advance-paid": {deadline.AdvancePayment},
	} {
		for _, rule := range rules {
			assert.Equal(t, tracking.StateMet, f.obligations(t, claim)[rule].State, "%s of %s, met by the service", rule, claim)
		}
	}
	assert.Equal(t, int64(1), pgtest.Count(t, f.db, `SELECT count(*) FROM deadline_obligations WHERE subject = ? AND state = 'met'`,
		app.ComplaintSubject(answered.Complaint.ID)), "the reply deadline of the answered complaint")
	assert.Equal(t, int64(5), pgtest.Count(t, f.db, `SELECT count(*) FROM outbox WHERE event_type = ?`, events.DeadlineTampered.Name),
		"tampered alarms stored")

	for _, m := range []*tracking.Monitor{m, trackingtest.Monitor("adjudication", f.store.WithWitness(adapters.DeadlineWitness{}), f.clock.Now)} {
		res, err = m.Sweep(ctx)
		require.NoError(t, err)
		assert.Equal(t, 0, res.Tampered, "tampered alarms of a second sweep, or of a monitor that starts")
	}
}

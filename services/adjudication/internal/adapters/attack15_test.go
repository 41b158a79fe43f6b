package adapters_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/inbox"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
)

// deadlines is adjudication's deadline tracking over a fixture's database:
// the tracker, and the monitor as the service runs it, at a clock the test
// moves.
type deadlines struct {
	f       *fixture
	tracker *tracking.Tracker
	now     time.Time
}

func (d *deadlines) monitor() *tracking.Monitor {
	return &tracking.Monitor{Service: "adjudication", Store: deadlineStore(d.f.db), Tracker: d.tracker,
		Topics: events.Topics{Prefix: "test."}, Batch: 3, Now: func() time.Time { return d.now },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// open opens a case of claim received at received, under review, with its
// decision deadline (R4) tracked, and returns the obligation.
func (d *deadlines) open(t *testing.T, claim string, received time.Time) tracking.Deadline {
	t.Helper()
	_, err := d.f.repo.Open(context.Background(), inbox.Receipt{}, newCase(claim, received))
	require.NoError(t, err)
	o, err := d.tracker.New(tracking.Spec{ClaimID: claim, Subject: tracking.ClaimSubject(claim), Rule: deadline.Decision, ClockStart: received}, d.now)
	require.NoError(t, err)
	require.NoError(t, d.f.db.Transaction(func(tx *gorm.DB) error { return trackingpg.Apply(tx, d.tracker, d.now, tracking.Open(o)) }))
	d.f.change(t, claim, func(c *domain.Case) error { return c.StartReview(handler, received) })
	return o
}

func (d *deadlines) get(t *testing.T, id string) tracking.Deadline {
	t.Helper()
	o, err := deadlineStore(d.f.db).Get(context.Background(), id)
	require.NoError(t, err)
	return o
}

// tampered counts the tampered alarms stored in the outbox.
func (d *deadlines) tampered(t *testing.T) int64 {
	t.Helper()
	return pgtest.Count(t, d.f.db, `SELECT count(*) FROM outbox WHERE event_type = ?`, events.DeadlineTampered.Name)
}

// TestAttackAnObligationMetOrCancelledThroughTheServicesOwnRoleIsAlarmedAndTakenBack
// is an insider holding adjudication's database role with decision
// deadlines (R4) about to be breached: instead of deciding, they set one
// met with one UPDATE, as the service does when a decision takes effect;
// another met naming the decision of its case, which is only proposed
// (awaiting a senior's approval); one met while its clock was stopped by a
// notice delivered; and one cancelled as if its claim were withdrawn,
// naming the withdrawal of its case, which is open. Nothing
// recorded these steps, no alarm came and a done obligation is never
// breached. Each step to met or cancelled now keeps its evidence (what met
// it, in the service's own kept tables) with the obligation, recorded with
// the role and the transaction, and the monitor checks it there: a step
// without its evidence raises the tampered alarm, once, and is taken back,
// so the breach comes on time (the one met while stopped is paused again
// from its notice's delivery). An honest decision and an honest withdrawal
// beside them raise none.
func TestAttackAnObligationMetOrCancelledThroughTheServicesOwnRoleIsAlarmedAndTakenBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	received := time.Date(2026, 3, 3, 1, 0, 0, 0, time.UTC) // 09:00 in Beijing: due 03-10
	d := &deadlines{f: newFixture(t), tracker: tracking.NewTracker(tracking.NewCalendars(nil), 1),
		now: time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)}
	metBare := d.open(t, "met-bare", received)
	metProposed := d.open(t, "met-proposed", received)
	cancelled := d.open(t, "cancelled-open", received)
	decided := d.open(t, "decided", received)
	withdrawn := d.open(t, "withdrawn", received)
	metPaused := d.open(t, "met-paused", received) // its clock stopped by a notice delivered
	d.pause(t, "met-paused")
	stop := d.get(t, metPaused.ID).PausedAt
	m := d.monitor()
	_, err := m.Sweep(ctx)
	require.NoError(t, err)

	// A decision above the handler's authority is only proposed.
	proposed := d.f.change(t, "met-proposed", func(c *domain.Case) error { return c.Decide(handler, authority, approve(6_000_000), d.now) })
	require.Nil(t, proposed.Decision.ApprovedAt, "the proposed decision's approval")
	for _, stmt := range []struct{ sql, id string }{
		{`UPDATE deadline_obligations SET state = 'met', done_at = now() WHERE id = ?`, metBare.ID},
		{`UPDATE deadline_obligations SET state = 'met', done_at = now(), paused_at = NULL WHERE id = ?`, metPaused.ID},
		{`UPDATE deadline_obligations SET state = 'met', done_at = now(), ` + evidenceColumn + ` = 'decision:` + proposed.ID + `' WHERE id = ?`, metProposed.ID},
		{`UPDATE deadline_obligations SET state = 'cancelled', done_at = now(), cancel_reason = 'claim withdrawn: the claimant asked',
			` + evidenceColumn + ` = 'withdrawal:` + caseID(t, d.f, "cancelled-open") + `' WHERE id = ?`, cancelled.ID},
	} {
		require.NoError(t, d.f.db.Exec(stmt.sql, stmt.id).Error, stmt.sql)
	}
	// The service's own steps: a decision in effect, a withdrawal.
	decide(t, d, "decided")
	withdraw(t, d, "withdrawn")

	d.now = time.Date(2026, 3, 11, 2, 0, 0, 0, time.UTC)
	res, err := m.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 4, res.Tampered, "tampered alarms: the four steps of the insider, not the service's two")
	for _, o := range []tracking.Deadline{metBare, metProposed, cancelled} {
		got := d.get(t, o.ID)
		assert.Equal(t, tracking.RiskBreached, got.RiskAt(d.now), "obligation of %s a day after its due, after the sweep", o.ClaimID)
	}
	assert.Equal(t, 3, res.Breached, "breach alarms: the three obligations the insider stepped whose clocks run")
	paused := d.get(t, metPaused.ID)
	assert.Equal(t, tracking.StatePaused, paused.State, "the obligation met while its clock was stopped, after the sweep")
	if assert.NotNil(t, paused.PausedAt, "its stop") {
		assert.True(t, paused.PausedAt.Equal(*stop), "its stop: got %v, want %v", paused.PausedAt, stop)
	}
	assert.Equal(t, tracking.StateMet, d.get(t, decided.ID).State, "the obligation met by the decision")
	assert.Equal(t, tracking.StateCancelled, d.get(t, withdrawn.ID).State, "the obligation cancelled by the withdrawal")
	assert.Equal(t, int64(4), d.tampered(t), "tampered alarms stored")

	for _, m := range []*tracking.Monitor{m, d.monitor()} {
		res, err = m.Sweep(ctx)
		require.NoError(t, err)
		assert.Equal(t, tracking.SweepResult{}, res, "a second sweep, or a monitor that starts")
	}
}

// TestAttackAClockStoppedWithAStatedCauseIsAlarmedAndRestored is the
// insider of session 14's stopped clock, who now states the cause the
// service states for its own stops (due_cause = 'pause: notice
// delivered …'): the stop was recorded with the role and the transaction,
// but only a stop with no cause was alarmed. A stop's source is the
// supplementary notice whose delivery adjudication recorded on the case:
// the monitor checks that the case holds a notice delivered at the
// stop's start, and alarms and takes back a stop without one. The honest
// stop beside it (a notice sent and delivered, then the clock stopped)
// raises none.
func TestAttackAClockStoppedWithAStatedCauseIsAlarmedAndRestored(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	received := time.Date(2026, 3, 3, 1, 0, 0, 0, time.UTC) // due 03-10
	d := &deadlines{f: newFixture(t), tracker: tracking.NewTracker(tracking.NewCalendars(nil), 1),
		now: time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)}
	stopped := d.open(t, "stopped", received)
	honest := d.open(t, "noticed", received)
	m := d.monitor()
	_, err := m.Sweep(ctx)
	require.NoError(t, err)

	require.NoError(t, d.f.db.Exec(`UPDATE deadline_obligations SET state = 'paused', paused_at = clock_start,
		due_cause = 'pause: notice delivered 2026-03-03T01:00:00Z' WHERE id = ?`, stopped.ID).Error)
	d.pause(t, "noticed")
	require.Equal(t, tracking.StatePaused, d.get(t, honest.ID).State, "the obligation the service paused")

	d.now = time.Date(2026, 3, 11, 2, 0, 0, 0, time.UTC)
	res, err := m.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, res.Tampered, "tampered alarms: the insider's stop, not the service's")
	got := d.get(t, stopped.ID)
	assert.Equal(t, tracking.StateOpen, got.State, "the stopped obligation after the sweep")
	assert.Equal(t, tracking.RiskBreached, got.RiskAt(d.now), "the stopped obligation a day after its due")
	assert.Equal(t, 1, res.Breached, "breach alarms: the obligation whose clock the insider stopped")
	assert.Equal(t, tracking.StatePaused, d.get(t, honest.ID).State, "the obligation the service paused, after the sweep")
	res, err = d.monitor().Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 0, res.Tampered, "tampered alarms of a monitor that starts")
}

// pause sends claim's case a supplementary notice an hour before now,
// records it delivered and stops the decision clock from then, as the
// service does (app.Service.RecordNoticeDelivered).
func (d *deadlines) pause(t *testing.T, claim string) {
	t.Helper()
	_, err := d.f.repo.Update(context.Background(), claim, func(c *domain.Case) (tracking.Effects, error) {
		if err := c.RequestDocuments(handler, domain.DocumentRequest{Documents: []string{"出院小结"}, Channel: "sms"}, d.now.Add(-2*time.Hour)); err != nil {
			return tracking.Effects{}, err
		}
		at, err := c.RecordNoticeDelivered(handler, d.now.Add(-time.Hour), "gw-1", d.now)
		if err != nil {
			return tracking.Effects{}, err
		}
		return tracking.Effects{Steps: []tracking.Step{tracking.Pause(tracking.ClaimSubject(c.ClaimID), deadline.Decision, at)}}, nil
	})
	require.NoError(t, err)
}

// caseID returns the id of claim's case.
func caseID(t *testing.T, f *fixture, claim string) string {
	t.Helper()
	c, err := f.repo.Get(context.Background(), claim)
	require.NoError(t, err)
	return c.ID
}

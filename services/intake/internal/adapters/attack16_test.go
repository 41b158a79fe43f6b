package adapters_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingtest"
)

// deadlines is intake's deadline tracking over a fixture's database: the
// tracker, and the monitor as the service runs it, at a clock the test
// moves.
type deadlines struct {
	f       *fixture
	tracker *tracking.Tracker
	now     time.Time
}

func (d *deadlines) monitor() *tracking.Monitor {
	return trackingtest.Monitor("intake", deadlineStore(d.f.db), func() time.Time { return d.now })
}

// request stores report id with its claim requested at now and the
// one-time notice's deadline (R3) open, as the service does
// (app.Service.RequestClaim), and returns the deadline.
func (d *deadlines) request(t *testing.T, id string) tracking.Deadline {
	t.Helper()
	d.f.create(t, sample(t, id))
	var r3 tracking.Deadline
	_, err := d.f.repo.Update(context.Background(), id, func(x *domain.ClaimFile) (tracking.Effects, error) {
		if _, err := x.Report.RequestClaim(nil, d.now); err != nil {
			return tracking.Effects{}, err
		}
		var err error
		r3, err = d.tracker.New(tracking.Spec{ClaimID: x.Report.ClaimID, Subject: tracking.ClaimSubject(x.Report.ClaimID),
			Rule: deadline.MissingDocumentsNotice, ClockStart: *x.Report.ClaimRequestedAt}, d.now)
		return tracking.Effects{Steps: []tracking.Step{tracking.Open(r3)}}, err
	})
	require.NoError(t, err)
	return r3
}

// send sends report id's one-time notice by text message at now, meeting
// its R3 deadline as the service does (app.Service.SendNotice); with
// proven unset, its step gives no evidence, as intake's did before
// session 16.
func (d *deadlines) send(t *testing.T, id string, proven bool) {
	t.Helper()
	_, err := d.f.repo.Update(context.Background(), id, func(x *domain.ClaimFile) (tracking.Effects, error) {
		n, err := x.SendNotice(domain.ChannelSMS, "", "handler-1", d.now)
		if err != nil {
			return tracking.Effects{}, err
		}
		step := noticeSent(x.Report, n, d.now)
		if !proven {
			step = step.Proven("")
		}
		return tracking.Effects{Steps: []tracking.Step{step}}, nil
	})
	require.NoError(t, err)
}

func (d *deadlines) get(t *testing.T, id string) tracking.Deadline {
	t.Helper()
	o, err := deadlineStore(d.f.db).Get(context.Background(), id)
	require.NoError(t, err)
	return o
}

// TestAttackTheOneTimeNoticesDeadlineMetOrCancelledThroughTheServicesOwnRoleIsAlarmedAndTakenBack
// is an insider holding intake's database role with claims whose one-time
// notice of missing documents (R3) is about to be late and was never
// sent: they set one claim's deadline met with one UPDATE, as the service
// does when the notice is sent; another met naming its own notice, which
// does not exist; another met naming the notice of another claim, which
// was sent; another met naming its own hand-over (a complete claim owes no
// notice), which never happened; and one cancelled, which intake never
// does. On main these steps were recorded (tracking 0012) with their empty
// or borrowed evidence, nothing checked them, and a done obligation is
// never breached. Intake's witness now checks each against the claim's
// report (the notice kept as sent by the due, or the hand-over by the
// due): a step without it raises the tampered alarm, once, and is taken
// back, so the breach comes on time. The notices sent beside them raise
// none, one sent by the binary before session 16 (its step without
// evidence: the notice alone proves it) included.
func TestAttackTheOneTimeNoticesDeadlineMetOrCancelledThroughTheServicesOwnRoleIsAlarmedAndTakenBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	received := time.Date(2026, 3, 3, 1, 0, 0, 0, time.UTC) // Tuesday 09:00 in Beijing: R3 due 03-10
	d := &deadlines{f: newFixture(t), tracker: tracking.NewTracker(tracking.NewCalendars(nil), 1), now: received}
	bare := d.request(t, "met-bare")
	named := d.request(t, "met-named")
	other := d.request(t, "met-other")
	handOver := d.request(t, "met-hand-over")
	cancelled := d.request(t, "cancelled")
	noticed := d.request(t, "noticed")
	legacy := d.request(t, "noticed-before-evidence")
	m := d.monitor()
	_, err := m.Sweep(ctx)
	require.NoError(t, err)

	d.now = received.Add(time.Hour)
	d.send(t, "noticed", true)
	d.send(t, "noticed-before-evidence", false)
	for _, stmt := range []struct{ sql, id string }{
		{`UPDATE deadline_obligations SET state = 'met', done_at = now() WHERE id = ?`, bare.ID},
		{`UPDATE deadline_obligations SET state = 'met', done_at = now(), done_evidence = 'notice:met-named/1' WHERE id = ?`, named.ID},
		{`UPDATE deadline_obligations SET state = 'met', done_at = now(), done_evidence = 'notice:noticed/1' WHERE id = ?`, other.ID},
		{`UPDATE deadline_obligations SET state = 'met', done_at = now(), done_evidence = 'handover:met-hand-over' WHERE id = ?`, handOver.ID},
		{`UPDATE deadline_obligations SET state = 'cancelled', done_at = now(), cancel_reason = 'claim withdrawn' WHERE id = ?`, cancelled.ID},
	} {
		require.NoError(t, d.f.db.Exec(stmt.sql, stmt.id).Error, stmt.sql)
	}

	d.now = time.Date(2026, 3, 16, 2, 0, 0, 0, time.UTC)
	res, err := m.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 5, res.Tampered, "tampered alarms: the five steps of the insider, not the service's two")
	for _, o := range []tracking.Deadline{bare, named, other, handOver, cancelled} {
		assert.Equal(t, tracking.RiskBreached, d.get(t, o.ID).RiskAt(d.now), "R3 of %s after the sweep, past its due", o.ClaimID)
	}
	assert.Equal(t, 5, res.Breached, "breach alarms: the five obligations the insider stepped")
	assert.Equal(t, tracking.StateMet, d.get(t, noticed.ID).State, "R3 of the claim whose notice the service sent")
	assert.Equal(t, tracking.StateMet, d.get(t, legacy.ID).State, "R3 of the claim whose notice the binary before session 16 sent")
	assert.Equal(t, int64(5), pgtest.Count(t, d.f.db, `SELECT count(*) FROM outbox WHERE event_type = ?`, events.DeadlineTampered.Name),
		"tampered alarms stored")

	for _, m := range []*tracking.Monitor{m, d.monitor()} {
		res, err = m.Sweep(ctx)
		require.NoError(t, err)
		assert.Equal(t, tracking.SweepResult{}, res, "a second sweep, or a monitor that starts")
	}
}

// TestAttackAStepMadeWhileNoMonitorRanIsCheckedByTheMonitorThatStarts is
// the insider of session 16 who waits for intake's monitor to stop (a
// restart, a deploy: sessions 15 and 16 left it open): after the last sweep
// of the monitor that ran, they set one claim's one-time notice's deadline
// (R3) met with one UPDATE, and a monitor starts. On main the monitor that
// starts read the moves of owed obligations only: the step, of an
// obligation no longer owed, was never checked, and the deadline stayed
// met past its due. A monitor that starts now reads every move recorded in
// the last trackingpg.StartLookback too: the step raises its tampered alarm
// and is taken back, so the breach comes on time; the notice sent honestly
// beside it raises none.
func TestAttackAStepMadeWhileNoMonitorRanIsCheckedByTheMonitorThatStarts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	received := time.Date(2026, 3, 3, 1, 0, 0, 0, time.UTC) // Tuesday 09:00 in Beijing: R3 due 03-10
	d := &deadlines{f: newFixture(t), tracker: tracking.NewTracker(tracking.NewCalendars(nil), 1), now: received}
	stepped := d.request(t, "met-while-stopped")
	noticed := d.request(t, "noticed-while-stopped")
	_, err := d.monitor().Sweep(ctx)
	require.NoError(t, err)

	d.now = received.Add(time.Hour)
	d.send(t, "noticed-while-stopped", true)
	require.NoError(t, d.f.db.Exec(`UPDATE deadline_obligations SET state = 'met', done_at = now() WHERE id = ?`, stepped.ID).Error)

	d.now = time.Date(2026, 3, 16, 2, 0, 0, 0, time.UTC)
	res, err := d.monitor().Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, res.Tampered, "tampered alarms at the first sweep of a monitor that starts: the insider's step")
	assert.Equal(t, tracking.RiskBreached, d.get(t, stepped.ID).RiskAt(d.now), "R3 of the claim the insider stepped, past its due")
	assert.Equal(t, 1, res.Breached, "breach alarms")
	assert.Equal(t, tracking.StateMet, d.get(t, noticed.ID).State, "R3 of the claim whose notice the service sent")

	res, err = d.monitor().Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, tracking.SweepResult{}, res, "another monitor that starts")
}

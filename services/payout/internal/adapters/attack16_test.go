package adapters_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/payout/internal/app"
	"claims.local/payout/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/inbox"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingtest"
)

// deadlines is payout's deadline tracking over a fixture's database: the
// monitor as the service runs it, at a clock the test moves.
type deadlines struct {
	f   *fixture
	now time.Time
}

func (d *deadlines) monitor() *tracking.Monitor {
	return trackingtest.Monitor("payout", deadlineStore(d.f.db), func() time.Time { return d.now })
}

// owe schedules a payment of claim agreed at agreed with its R6 deadline
// open, as the service does on an agreement (app.Service.HandleAgreement),
// and returns the payment and the deadline.
func (d *deadlines) owe(t testing.TB, claim string, agreed time.Time) (domain.Obligation, tracking.Deadline) {
	t.Helper()
	o := obligation(t, claim, agreed)
	r6, err := d.f.tracker.New(tracking.Spec{ClaimID: claim, Subject: tracking.PaymentSubject(o.ID), Rule: deadline.Payment, ClockStart: agreed}, d.now)
	require.NoError(t, err)
	_, err = d.f.repo.Schedule(context.Background(), inbox.Receipt{}, o, func(*domain.Obligation) (app.Effects, error) {
		return app.Effects{Steps: []tracking.Step{tracking.Open(r6)}}, nil
	})
	require.NoError(t, err)
	return o, r6
}

// get returns the obligation id as stored.
func (d *deadlines) get(t *testing.T, id string) tracking.Deadline {
	t.Helper()
	o, err := deadlineStore(d.f.db).Get(context.Background(), id)
	require.NoError(t, err)
	return o
}

// id returns the id of the deadline of subject under rule.
func (d *deadlines) id(t *testing.T, subject string, rule deadline.RuleID) string {
	t.Helper()
	var id string
	require.NoError(t, d.f.db.Raw(`SELECT id FROM deadline_obligations WHERE subject = ? AND rule = ?`, subject, string(rule)).Scan(&id).Error)
	require.NotEmpty(t, id, "the %s deadline of %s", rule, subject)
	return id
}

// TestAttackAPaymentOrItsNoticeMetOrCancelledThroughTheServicesOwnRoleIsAlarmedAndTakenBack
// is an insider holding payout's database role with payments (R6) about
// to be breached and nothing paid: instead of paying, they set one
// payment's deadline met with one UPDATE, as the service does when the
// bank confirms the transfer; another met naming its own payment, which
// is only scheduled; another met naming a payment of another claim, which
// the bank did pay; one cancelled, which no payment ever is; and the
// result notice's deadline (R9) of a paid payment met naming the notice
// of another payment, while its own was never handed to the gateway. On
// main nothing checked these steps: recorded (tracking 0012) with their
// empty or borrowed evidence, no alarm, and a done obligation is never
// breached. Payout's witness now checks each against its kept records
// (the payment the subject names completed by the bank by the due; the
// R9 notice of that payment handed over by the due): a step without it
// raises the tampered alarm, once, and is taken back, so the breach comes
// on time. The honest payments and notice beside them raise none, one
// paid by the binary before session 16 (its step without evidence: the
// kept rows alone prove it) included.
func TestAttackAPaymentOrItsNoticeMetOrCancelledThroughTheServicesOwnRoleIsAlarmedAndTakenBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, agreed := newDeadlines(t)
	_, bare := d.owe(t, "met-bare", agreed)
	named, namedR6 := d.owe(t, "met-named", agreed)
	_, other := d.owe(t, "met-other", agreed)
	_, cancelled := d.owe(t, "cancelled", agreed)
	paid, paidR6 := d.owe(t, "paid", agreed)
	unnoticed, unnoticedR6 := d.owe(t, "unnoticed", agreed)
	legacy, legacyR6 := d.owe(t, "paid-before-evidence", agreed)
	m := d.monitor()
	_, err := m.Sweep(ctx)
	require.NoError(t, err)

	// The service's own steps: three payments the bank confirmed (one by
	// an instance of the binary before session 16, whose step gave no
	// evidence), one result notice handed to the gateway.
	d.pay(t, paid, d.now, true)
	d.pay(t, unnoticed, d.now, false)
	d.payWith(t, legacy, d.now, false, "")
	d.sendNotices(t)
	var paidNotice string
	require.NoError(t, d.f.db.Raw(`SELECT id FROM notifications WHERE obligation_id = ? AND rule = 'R9' AND sent_at IS NOT NULL`, paid.ID).
		Scan(&paidNotice).Error)
	require.NotEmpty(t, paidNotice, "the paid payment's result notice, sent")
	unnoticedR9 := d.id(t, tracking.PaymentSubject(unnoticed.ID), deadline.ResultNotification)

	for _, stmt := range []struct{ sql, id string }{
		{`UPDATE deadline_obligations SET state = 'met', done_at = now() WHERE id = ?`, bare.ID},
		{`UPDATE deadline_obligations SET state = 'met', done_at = now(), done_evidence = 'payment:` + named.ID + `' WHERE id = ?`, namedR6.ID},
		{`UPDATE deadline_obligations SET state = 'met', done_at = now(), done_evidence = 'payment:` + paid.ID + `' WHERE id = ?`, other.ID},
		{`UPDATE deadline_obligations SET state = 'cancelled', done_at = now(), cancel_reason = 'claim withdrawn' WHERE id = ?`, cancelled.ID},
		{`UPDATE deadline_obligations SET state = 'met', done_at = now(), done_evidence = 'notice:` + paidNotice + `' WHERE id = ?`, unnoticedR9},
	} {
		require.NoError(t, d.f.db.Exec(stmt.sql, stmt.id).Error, stmt.sql)
	}

	d.now = time.Date(2026, 3, 16, 2, 0, 0, 0, time.UTC)
	res, err := m.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 5, res.Tampered, "tampered alarms: the five steps of the insider, not the service's four")
	for _, id := range []string{bare.ID, namedR6.ID, other.ID, cancelled.ID, unnoticedR9} {
		got := d.get(t, id)
		assert.Equal(t, tracking.RiskBreached, got.RiskAt(d.now), "%s of %s after the sweep, past its due", got.Rule, got.ClaimID)
	}
	assert.Equal(t, 6, res.Breached, "breach alarms: the five obligations the insider stepped, the R9 of the payment made before session 16")
	for _, id := range []string{paidR6.ID, unnoticedR6.ID, legacyR6.ID, d.id(t, tracking.PaymentSubject(paid.ID), deadline.ResultNotification)} {
		got := d.get(t, id)
		assert.Equal(t, tracking.StateMet, got.State, "%s of %s, met by the service", got.Rule, got.ClaimID)
	}
	assert.Equal(t, int64(5), pgtest.Count(t, d.f.db, `SELECT count(*) FROM outbox WHERE event_type = ?`, events.DeadlineTampered.Name),
		"tampered alarms stored")

	for _, m := range []*tracking.Monitor{m, d.monitor()} {
		res, err = m.Sweep(ctx)
		require.NoError(t, err)
		assert.Equal(t, tracking.SweepResult{}, res, "a second sweep, or a monitor that starts")
	}
}

// sendNotices hands the notices waiting to the gateway, meeting the R9
// deadline of each result notice as the service does (app.Service.SendNotices).
func (d *deadlines) sendNotices(t *testing.T) {
	t.Helper()
	_, err := d.f.repo.SendNotices(context.Background(), d.now, 10, func([]outbox.Message) error { return nil }, func(n domain.Notice) []tracking.Step {
		if n.Rule != domain.NoticeResult {
			return nil
		}
		return []tracking.Step{resultNoticeSent(n, d.now)}
	})
	require.NoError(t, err)
}

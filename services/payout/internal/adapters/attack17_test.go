package adapters_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/payout/internal/adapters"
	"claims.local/payout/internal/app"
	"claims.local/payout/internal/domain"
	"claims.local/pkg/events"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingtest"
)

// TestAttackAPaymentTheBankNeverMadeRecordedPaidThroughTheServicesOwnRoleIsAlarmedAndTakenBack
// is an insider holding payout's database role with payments (R6) owed
// and nothing paid (red team, session 17). Session 16's witness proves a
// payment's R6 step by the payment's own row, which the same role writes
// at every step, so the insider writes the row too:
//
//   - one payment set completed with a made-up bank reference and value
//     date, its R6 deadline met naming it (payment:<id>);
//   - one the same, with the bank reference of a payment the bank did pay;
//   - one whose amount the insider lowered to 1 fen before the executor
//     sent it and put back after: the bank paid 1 fen, the service's own
//     step met R6;
//   - one with every row the service writes on a completion (completed,
//     R6 met with its evidence, R9 opened, the result notice stored), the
//     result notice then handed to the claimant by the service.
//
// On main the witness found each proven: no alarm, and a met obligation
// is never breached; the claimants were never paid (the daily three-way
// reconciliation reads the bank's statement, but only for the payments
// payout's own timestamps place on the day). Payout's witness now asks
// the bank, by each payment's key, whether it executed the transfer of
// the payment's amount: the tampered alarm once for each of the four, the
// step taken back, the breach on time. The faked payments stay as the
// insider left them, completed, which nothing automatic sends again. The
// honest payments beside them, one the bank moved at 23:59 and payout
// recorded after midnight, raise nothing.
func TestAttackAPaymentTheBankNeverMadeRecordedPaidThroughTheServicesOwnRoleIsAlarmedAndTakenBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, agreed := newDeadlines(t)
	made, madeR6 := d.owe(t, "made-up-reference", agreed)
	borrowed, borrowedR6 := d.owe(t, "borrowed-reference", agreed)
	short, shortR6 := d.owe(t, "paid-in-part", agreed)
	noticed, noticedR6 := d.owe(t, "noticed", agreed)
	paid, paidR6 := d.owe(t, "paid", agreed)
	late, lateR6 := d.owe(t, "paid-after-midnight", agreed)
	m := d.monitor()
	_, err := m.Sweep(ctx)
	require.NoError(t, err)

	// The service's own: a payment the bank paid, and one it paid at 23:59
	// in Beijing that payout recorded after midnight.
	d.pay(t, paid, d.now, true)
	d.now = time.Date(2026, 3, 3, 15, 59, 0, 0, time.UTC)
	d.transfer(t, late, late.AmountFen)
	d.now = d.now.Add(2 * time.Minute)
	d.record(t, late, d.now, true, domain.PaymentEvidence(late.ID))

	// The insider's.
	var paidReference string
	require.NoError(t, d.f.db.Raw(`SELECT bank_reference FROM obligations WHERE id = ?`, paid.ID).Scan(&paidReference).Error)
	require.NotEmpty(t, paidReference)
	for _, fake := range []struct {
		id, r6, reference string
	}{{made.ID, madeR6.ID, "B20260303" + strings.Repeat("7", 10)}, {borrowed.ID, borrowedR6.ID, paidReference}} {
		require.NoError(t, d.f.db.Exec(`UPDATE obligations SET state = 'completed', bank_reference = ?, completed_at = ?,
			value_date = CAST(CAST(? AS timestamptz) AT TIME ZONE 'Asia/Shanghai' AS date) WHERE id = ?`, fake.reference, d.now, d.now, fake.id).Error)
		require.NoError(t, d.f.db.Exec(`UPDATE deadline_obligations SET state = 'met', done_at = ?, done_evidence = ? WHERE id = ?`,
			d.now, "payment:"+fake.id, fake.r6).Error)
	}
	d.transfer(t, short, 1)
	d.record(t, short, d.now, true, domain.PaymentEvidence(short.ID))
	d.record(t, noticed, d.now, true, domain.PaymentEvidence(noticed.ID))
	d.sendNotices(t)

	d.now = time.Date(2026, 3, 16, 2, 0, 0, 0, time.UTC)
	res, err := m.Sweep(ctx)
	require.NoError(t, err)
	if res.Tampered != 4 {
		t.Errorf("got %d tampered alarms, want 4 (the insider's four payments, none of the service's)", res.Tampered)
	}
	for _, id := range []string{madeR6.ID, borrowedR6.ID, shortR6.ID, noticedR6.ID} {
		got := d.get(t, id)
		assert.Equal(t, tracking.RiskBreached, got.RiskAt(d.now), "R6 of %s after the sweep, past its due", got.ClaimID)
		if n := pgtest.Count(t, d.f.db, `SELECT count(*) FROM deadline_due_moves WHERE obligation_id = ? AND starts_with(cause, ?)`, id, tracking.TakenBackCause); n != 1 {
			t.Errorf("R6 of %s: got %d moves recorded as its step taken back, want 1", got.ClaimID, n)
		}
	}
	if res.Breached != 4 {
		t.Errorf("got %d breach alarms, want 4 (the R6 of the insider's four payments)", res.Breached)
	}
	for _, id := range []string{paidR6.ID, lateR6.ID} {
		got := d.get(t, id)
		assert.Equal(t, tracking.StateMet, got.State, "R6 of %s, paid by the bank", got.ClaimID)
	}
	if n := pgtest.Count(t, d.f.db, `SELECT count(*) FROM outbox WHERE event_type = ?`, events.DeadlineTampered.Name); n != 4 {
		t.Errorf("got %d tampered alarms stored, want 4", n)
	}
	// Held for a person: completed as the insider left them, nothing sent.
	if n := pgtest.Count(t, d.f.db, `SELECT count(*) FROM obligations WHERE id IN (?, ?, ?) AND state = 'completed'`, made.ID, borrowed.ID, noticed.ID); n != 3 {
		t.Errorf("got %d of the three faked payments completed, want 3 (held as they are)", n)
	}
	if n := pgtest.Count(t, d.f.db, `SELECT count(*) FROM banksim.transfers WHERE idempotency_key IN (?, ?, ?)`, made.ID, borrowed.ID, noticed.ID); n != 0 {
		t.Errorf("got %d transfers at the bank of the three faked payments, want 0", n)
	}

	for _, m := range []*tracking.Monitor{m, d.monitor()} {
		res, err = m.Sweep(ctx)
		require.NoError(t, err)
		assert.Equal(t, tracking.SweepResult{}, res, "a second sweep, or a monitor that starts")
	}
}

// outage is a bank that does not answer while down is set.
type outage struct {
	adapters.BankStatus
	down bool
}

func (b *outage) StatusAll(ctx context.Context, keys []string) ([]app.Transfer, error) {
	if b.down {
		return nil, errors.New("connection refused")
	}
	return b.BankStatus.StatusAll(ctx, keys)
}

// TestAPaymentIsNeverJudgedWithoutTheBank: while the bank does not answer,
// the witness cannot prove a payment's step, nor disprove it: the
// monitor's check of the moves fails and takes nothing back, and its next
// sweep, with the bank answering again, reads the same steps again and
// proves the honest one and alarms the faked one. Judging them unproven would
// breach every payment paid before an outage; proven, an insider would
// fake them during one.
func TestAPaymentIsNeverJudgedWithoutTheBank(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, agreed := newDeadlines(t)
	paid, paidR6 := d.owe(t, "paid", agreed)
	faked, fakedR6 := d.owe(t, "faked", agreed)
	bank := &outage{BankStatus: adapters.NewBankSimulator(d.f.db, 0, time.Now)}
	m := trackingtest.Monitor("payout", trackingtest.Store(d.f.db, &adapters.DeadlineWitness{Bank: bank}), func() time.Time { return d.now })
	_, err := m.Sweep(ctx)
	require.NoError(t, err)
	d.pay(t, paid, d.now, false)
	d.record(t, faked, d.now, false, domain.PaymentEvidence(faked.ID))

	bank.down = true
	if _, err := m.Sweep(ctx); err == nil {
		t.Fatalf("got a sweep without the bank's answer, want it to fail")
	}
	for _, id := range []string{paidR6.ID, fakedR6.ID} {
		if got := d.get(t, id); got.State != tracking.StateMet {
			t.Errorf("R6 of %s without the bank: got %s, want met (nothing judged)", got.ClaimID, got.State)
		}
	}
	bank.down = false
	res, err := m.Sweep(ctx)
	require.NoError(t, err)
	if res.Tampered != 1 {
		t.Errorf("got %d tampered alarms once the bank answers, want 1 (the faked payment's)", res.Tampered)
	}
	if got := d.get(t, fakedR6.ID); got.State != tracking.StateOpen {
		t.Errorf("R6 of the faked payment: got %s, want open (its step taken back)", got.State)
	}
	if got := d.get(t, paidR6.ID); got.State != tracking.StateMet {
		t.Errorf("R6 of the paid payment: got %s, want met", got.State)
	}
}

// TestAttackABankThatDoesNotAnswerDoesNotSilenceTheBreaches: the witness
// asks the bank about every R6 step it reads, and a check of the moves
// that cannot ask it fails. That failure ended the monitor's sweep before
// it raised its alarms, so while the bank did not answer (an outage, or an
// attacker cutting payout off from it) no breach of payout's deadlines
// was raised at all, the payments its outage left unpaid first. A sweep
// now raises its breaches whatever became of the check, and the moves are
// checked once the bank answers.
func TestAttackABankThatDoesNotAnswerDoesNotSilenceTheBreaches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, agreed := newDeadlines(t)
	faked, fakedR6 := d.owe(t, "faked", agreed)
	_, lateR6 := d.owe(t, "late", agreed)
	bank := &outage{BankStatus: adapters.NewBankSimulator(d.f.db, 0, time.Now)}
	m := trackingtest.Monitor("payout", trackingtest.Store(d.f.db, &adapters.DeadlineWitness{Bank: bank}), func() time.Time { return d.now })
	_, err := m.Sweep(ctx)
	require.NoError(t, err)
	d.record(t, faked, d.now, false, domain.PaymentEvidence(faked.ID))

	bank.down = true
	d.now = lateR6.DueAt.Add(time.Hour)
	res, err := m.Sweep(ctx)
	if err == nil {
		t.Fatalf("got a sweep without the bank's answer, want it to fail (the moves unchecked)")
	}
	if res.Breached != 2 {
		t.Errorf("got %d breach alarms while the bank does not answer, want 2 (the payment never made and the faked one's result notice, past their due)", res.Breached)
	}
	if got := d.get(t, fakedR6.ID); got.State != tracking.StateMet {
		t.Errorf("R6 of the faked payment without the bank: got %s, want met (nothing judged)", got.State)
	}

	bank.down = false
	res, err = m.Sweep(ctx)
	require.NoError(t, err)
	if res.Tampered != 1 || res.Breached != 1 {
		t.Errorf("once the bank answers: got %d tampered and %d breach alarms, want 1 and 1 (the faked payment's, past its due)", res.Tampered, res.Breached)
	}
}

// TestAttackAPaymentFakedPaidOnADayAlreadyReconciledIsReconciledTheDayItWasFaked:
// the daily three-way reconciliation reads the payments payout's own
// timestamps place on the day (scheduled, sent or completed then), which
// the same role writes: an insider who sets a payment completed, dated on
// a day already reconciled, and its R6 met, kept it out of every report
// (on main: not among today's payments to reconcile). The day a payment's
// R6 step is recorded (the record of due moves, written by the database's
// trigger at the time it commits) now places it on that day too, so the
// reconciliation compares it with the bank's statement and finds no
// execution (domain.ThreeWay: no_execution, an alarm).
func TestAttackAPaymentFakedPaidOnADayAlreadyReconciledIsReconciledTheDayItWasFaked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, agreed := newDeadlines(t)
	faked, fakedR6 := d.owe(t, "backdated", agreed)
	owed, _ := d.owe(t, "owed", agreed)
	require.NoError(t, d.f.db.Exec(`UPDATE obligations SET state = 'completed', bank_reference = 'B2026030377777', completed_at = ?,
		value_date = '2026-03-03' WHERE id = ?`, d.now, faked.ID).Error)
	require.NoError(t, d.f.db.Exec(`UPDATE deadline_obligations SET state = 'met', done_at = ?, done_evidence = ? WHERE id = ?`,
		d.now, domain.PaymentEvidence(faked.ID), fakedR6.ID).Error)

	var today time.Time
	require.NoError(t, d.f.db.Raw(`SELECT now()`).Scan(&today).Error)
	day, err := domain.ParsePeriod(today.In(shanghai(t)).Format(time.DateOnly), today.In(shanghai(t)).Format(time.DateOnly), shanghai(t))
	require.NoError(t, err)
	got, err := d.f.repo.ThreeWayObligations(ctx, day, nil)
	require.NoError(t, err)
	var ids []string
	for _, o := range got {
		ids = append(ids, o.ID)
	}
	if len(ids) != 1 || ids[0] != faked.ID {
		t.Fatalf("today's payments to reconcile: got %v, want only the one faked paid today (%s), not the one still owed (%s)", ids, faked.ID, owed.ID)
	}
}

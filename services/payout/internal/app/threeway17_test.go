package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/payout/internal/domain"
	"claims.local/pkg/events"
)

// TestAttackAPaymentFakedPaidIsHeldForAPersonByTheReconciliation is an
// insider holding payout's database role who sets a scheduled payment
// completed with a made-up bank reference (red team, session 17). The
// daily three-way reconciliation finds no execution of it at the bank:
// on main an alarm, and the payment stayed completed, which no path lets a
// person pay. It now also holds the payment for a person: failed, saying
// why, without its made-up reference (payout-failed tells finance);
// nothing sends it again on its own (the made-up completion may hide a
// transfer made another way), a second run changes nothing and raises no
// second alarm, and a handler who checked with the bank puts its payee
// back (the correction's path: the bank's verification, a second senior
// above the threshold), after which it is paid once under its own key.
// The honest payment beside it stays completed.
func TestAttackAPaymentFakedPaidIsHeldForAPersonByTheReconciliation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.service(e.bank)
	require.NoError(t, a.HandleAgreement(ctx, agreement(t, "honest", 8000)))
	e.settle(t, a)
	require.NoError(t, a.HandleAgreement(ctx, agreement(t, "faked", 9000)))
	l, err := a.Obligations(ctx, "faked", "", 1)
	require.NoError(t, err)
	faked := l[0]
	require.Equal(t, domain.StateScheduled, faked.State)
	require.NoError(t, e.db.Exec(`UPDATE obligations SET state = 'completed', bank_reference = 'B2026101277777', completed_at = ?,
		value_date = CAST(CAST(? AS timestamptz) AT TIME ZONE 'Asia/Shanghai' AS date) WHERE id = ?`, e.clock.Now(), e.clock.Now(), faked.ID).Error)

	day := e.clock.Now().In(e.loc).Format(time.DateOnly)
	r, err := a.ThreeWay(ctx, day)
	require.NoError(t, err)
	if got := domain.Unmatched(r.Lines); len(got) != 1 || got[0].ObligationID != faked.ID {
		t.Fatalf("got unmatched lines %+v, want 1 (the faked payment)", got)
	}
	// Run again (a second instance, a rerun): the payment, held, is now
	// a failed one of the day.
	_, err = a.ThreeWay(ctx, day)
	require.NoError(t, err)
	if got := count(t, e.db, "SELECT count(*) FROM outbox WHERE event_type = ?", events.ReconciliationUnmatched.Name); got != 1 {
		t.Errorf("got %d unmatched alarms, want 1", got)
	}
	got, err := a.Obligation(ctx, faked.ID)
	require.NoError(t, err)
	if got.State != domain.StateFailed || got.BankReference != "" || got.CompletedAt != nil || got.LastError == "" {
		t.Fatalf("the faked payment after the reconciliation: got %s, reference %q, completed %v, error %q; want failed, none, none, why",
			got.State, got.BankReference, got.CompletedAt, got.LastError)
	}
	if n := count(t, e.db, "SELECT count(*) FROM outbox WHERE event_type = ? AND msg_key = ?", events.PayoutFailed.Name, "faked"); n != 1 {
		t.Errorf("got %d payout-failed events of the faked payment, want 1", n)
	}
	e.settle(t, a)
	if n := count(t, e.db, "SELECT count(*) FROM banksim.transfers WHERE idempotency_key = ?", faked.ID); n != 0 {
		t.Fatalf("got %d transfers of the held payment before a person acted, want 0", n)
	}

	_, err = a.CorrectPayee(ctx, faked.ID, got.Payee, "handler-1", "the bank has no transfer of it: paid again")
	require.NoError(t, err)
	e.settle(t, a)
	if n := count(t, e.db, "SELECT coalesce(sum(executions), 0) FROM banksim.transfers WHERE idempotency_key = ?", faked.ID); n != 1 {
		t.Errorf("got %d executions of the payment once a person put it back, want 1", n)
	}
	if n := count(t, e.db, "SELECT count(*) FROM obligations WHERE state = 'completed'"); n != 2 {
		t.Errorf("got %d payments completed, want 2 (the honest one, the one put back)", n)
	}
}

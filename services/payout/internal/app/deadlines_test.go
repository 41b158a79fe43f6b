package app_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"claims.local/payout/internal/adapters"
	"claims.local/payout/internal/domain"
	"claims.local/pkg/events"
	"claims.local/pkg/tracking/trackingtest"
)

// TestThePaymentsAndTheirNoticesMeetTheirDeadlinesWithTheirEvidence runs
// payout's honest flows under the monitor as the service runs it, its
// witness checking every step that meets a deadline (red team, session
// 16): two payments confirmed by the bank (one to an agent, owing R9 and
// R10), one of them returned and paid again by its replacement, an
// advance, and the result notices handed to the gateway. Each step names
// what met it (domain.PaymentEvidence, domain.ResultNoticeEvidence) and
// the witness finds it, and finds each payment executed by the bank
// (session 17): no tampered alarm, every deadline met.
func TestThePaymentsAndTheirNoticesMeetTheirDeadlinesWithTheirEvidence(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	m := trackingtest.Monitor("payout", trackingtest.Store(e.db, &adapters.DeadlineWitness{Bank: e.bank}), e.clock.Now)
	_, err := m.Sweep(ctx)
	require.NoError(t, err)

	a := e.service(e.bank)
	require.NoError(t, a.HandleAgreement(ctx, agreement(t, "by-agent", 0, agent(150000))))
	require.NoError(t, a.HandleAgreement(ctx, agreement(t, "returned", 8000)))
	require.NoError(t, a.HandleAdvance(ctx, advance(t, "advanced", 20000)))
	e.settle(t, a)
	l, err := a.Obligations(ctx, "returned", "", 1)
	require.NoError(t, err)
	_, replacement, err := a.Reverse(ctx, l[0].ID, "退汇：账户已销户", nil)
	require.NoError(t, err)
	_, err = a.CorrectPayee(ctx, replacement.ID, domain.Payee{Name: "李四", Role: "beneficiary", BankName: "中国银行",
		AccountNumber: "6216600000000009"}, "handler-1", "")
	require.NoError(t, err)
	e.settle(t, a)
	_, err = a.SendNotices(ctx)
	require.NoError(t, err)

	res, err := m.Sweep(ctx)
	require.NoError(t, err)
	if res.Tampered != 0 {
		t.Fatalf("got %d tampered alarms of payout's own steps, want 0", res.Tampered)
	}
	if got := count(t, e.db, "SELECT count(*) FROM deadline_obligations WHERE state = 'met' AND done_evidence <> ''"); got != 7 {
		t.Fatalf("got %d deadlines met with their evidence, want 7 (three payments, their three result notices, the advance's)", got)
	}
	if got := count(t, e.db, "SELECT count(*) FROM outbox WHERE event_type = ?", events.DeadlineTampered.Name); got != 0 {
		t.Fatalf("got %d tampered events stored, want 0", got)
	}
}

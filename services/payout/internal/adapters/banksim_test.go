package adapters_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/payout/internal/adapters"
	"claims.local/payout/internal/app"
	"claims.local/pkg/clock/clocktest"
	"claims.local/pkg/postgres/pgtest"
)

func transfer(key string, attempt int, acct string) app.TransferRequest {
	return app.TransferRequest{IdempotencyKey: key, Attempt: attempt, AmountFen: 5000, Currency: "CNY", PayeeName: "李四",
		BankName: "中国工商银行", AccountNumber: acct, Remark: "理赔款"}
}

func newBank(t *testing.T) (*adapters.BankSimulator, *fixture, *clocktest.Clock) {
	t.Helper()
	f := newFixture(t)
	c := clocktest.New(t0)
	return adapters.NewBankSimulator(f.db, time.Second, c.Now), f, c
}

func TestBankAnswersLaterAndExecutesAKeyOnce(t *testing.T) {
	t.Parallel()
	bank, f, c := newBank(t)
	ctx := context.Background()
	got, err := bank.Status(ctx, "k1")
	require.NoError(t, err)
	if got.State != app.TransferUnknown {
		t.Fatalf("got %+v for a key never sent, want unknown", got)
	}
	got, err = bank.Submit(ctx, transfer("k1", 1, account))
	require.NoError(t, err)
	if got.State != app.TransferPending || got.Attempt != 1 {
		t.Fatalf("got %+v, want pending attempt 1", got)
	}
	if got, _ = bank.Status(ctx, "k1"); got.State != app.TransferPending {
		t.Fatalf("got %+v before the latency passed, want pending", got)
	}
	c.Add(time.Second)
	got, err = bank.Status(ctx, "k1")
	require.NoError(t, err)
	if got.State != app.TransferSucceeded || got.Reference == "" || !got.SettledAt.Equal(c.Now()) {
		t.Fatalf("got %+v, want succeeded with a reference at %v", got, c.Now())
	}
	// Repeats, even of a higher attempt, return the transfer as it is.
	for _, attempt := range []int{1, 2} {
		again, err := bank.Submit(ctx, transfer("k1", attempt, account))
		require.NoError(t, err)
		if again.State != app.TransferSucceeded || again.Reference != got.Reference || again.Attempt != 1 {
			t.Fatalf("repeat of attempt %d: got %+v, want the first transfer %+v", attempt, again, got)
		}
	}
	if n := pgtest.Count(t, f.db, "SELECT executions FROM banksim.transfers WHERE idempotency_key = 'k1'"); n != 1 {
		t.Fatalf("got %d executions, want 1", n)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM banksim.transfers WHERE account_masked = '****3445'"); n != 1 {
		t.Fatalf("got %d ledger rows with the masked account, want 1 (the bank keeps no account in clear here)", n)
	}
}

func TestBankFailuresAndNewAttempts(t *testing.T) {
	t.Parallel()
	bank, _, c := newBank(t)
	ctx := context.Background()
	settle := func(key string) app.Transfer {
		t.Helper()
		c.Add(time.Second)
		got, err := bank.Status(ctx, key)
		require.NoError(t, err)
		return got
	}
	tests := []struct {
		name      string
		account   string
		script    string
		code      string
		permanent bool
	}{
		{"invalid account", "6222000000000000", "", app.FailureInvalidAccount, true},
		{"rejected", "6222000000000001", "", app.FailureRejected, true},
		{"timeout at the first attempt", "6222000000000002", "", app.FailureTimeout, false},
		{"told to time out", account, app.FailureTimeout, app.FailureTimeout, false},
		{"told to reject", account, app.FailureRejected, app.FailureRejected, true},
	}
	for i, tt := range tests {
		key := "f" + string(rune('a'+i))
		if tt.script != "" {
			bank.FailNext(tt.script, 1)
		}
		_, err := bank.Submit(ctx, transfer(key, 1, tt.account))
		require.NoError(t, err)
		got := settle(key)
		if got.State != app.TransferFailed || got.Failure == nil || got.Failure.Code != tt.code || got.Failure.Permanent != tt.permanent ||
			got.Reference != "" {
			t.Fatalf("%s: got %+v (%v), want failed %s permanent=%v", tt.name, got, got.Failure, tt.code, tt.permanent)
		}
		// The same attempt again is the same failure; a new attempt to a
		// good account goes through.
		again, err := bank.Submit(ctx, transfer(key, 1, "6222000011112222"))
		require.NoError(t, err)
		if again.State != app.TransferFailed {
			t.Fatalf("%s: got %+v for a repeated attempt, want the failure", tt.name, again)
		}
		next, err := bank.Submit(ctx, transfer(key, 2, "6222000011112222"))
		require.NoError(t, err)
		if next.State != app.TransferPending || next.Attempt != 2 {
			t.Fatalf("%s: got %+v, want attempt 2 pending", tt.name, next)
		}
		if got := settle(key); got.State != app.TransferSucceeded || got.Attempt != 2 {
			t.Fatalf("%s: got %+v, want attempt 2 succeeded", tt.name, got)
		}
	}
}

func TestBankCanLoseItsAnswer(t *testing.T) {
	t.Parallel()
	bank, _, c := newBank(t)
	ctx := context.Background()
	bank.FailNext(adapters.SimLostAnswer, 1)
	if _, err := bank.Submit(ctx, transfer("k1", 1, account)); err == nil {
		t.Fatal("got an answer, want it lost")
	}
	c.Add(time.Second)
	got, err := bank.Status(ctx, "k1")
	require.NoError(t, err)
	if got.State != app.TransferSucceeded {
		t.Fatalf("got %+v, want the transfer taken and settled although its answer was lost", got)
	}
	// The script is used up: the next transfer answers.
	if _, err := bank.Submit(ctx, transfer("k2", 1, account)); err != nil {
		t.Fatalf("got %v, want an answer", err)
	}
}

func TestBankTakesConcurrentSubmissionsOfAKeyOnce(t *testing.T) {
	t.Parallel()
	_, f, c := newBank(t)
	ctx := context.Background()
	// Two simulators over one ledger stand for two payout instances.
	banks := []*adapters.BankSimulator{adapters.NewBankSimulator(f.db, 0, c.Now), adapters.NewBankSimulator(f.db, 0, c.Now)}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if _, err := banks[i%2].Submit(ctx, transfer("k1", 1, account)); err != nil {
				t.Errorf("submit %d: got %v, want no error", i, err)
			}
			if _, err := banks[i%2].Status(ctx, "k1"); err != nil {
				t.Errorf("status %d: got %v, want no error", i, err)
			}
		})
	}
	wg.Wait()
	if n := pgtest.Count(t, f.db, "SELECT sum(executions) FROM banksim.transfers"); n != 1 {
		t.Fatalf("got %d executions, want 1", n)
	}
	if n := pgtest.Count(t, f.db, "SELECT submissions FROM banksim.transfers"); n != 8 {
		t.Fatalf("got %d submissions recorded, want 8", n)
	}
}

func TestBankRefusesMalformedTransfersAtOnce(t *testing.T) {
	t.Parallel()
	bank, f, _ := newBank(t)
	for _, req := range []app.TransferRequest{
		{IdempotencyKey: "k", Attempt: 1, AmountFen: 0, Currency: "CNY"},
		{IdempotencyKey: "k", Attempt: 1, AmountFen: 1, Currency: "USD"},
		{IdempotencyKey: "", Attempt: 1, AmountFen: 1, Currency: "CNY"},
	} {
		got, err := bank.Submit(context.Background(), req)
		require.NoError(t, err)
		if got.State != app.TransferFailed || got.Failure == nil || !got.Failure.Permanent {
			t.Fatalf("got %+v for %+v, want a permanent refusal", got, req)
		}
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM banksim.transfers"); n != 0 {
		t.Fatalf("got %d ledger rows, want none", n)
	}
}

// TestBankTakesAndReportsABatchInOneCall hands the simulator a batch of
// transfers (new ones, a new attempt of a failed key, a malformed one) and
// asks about a batch of keys: each answer is the one a call of its own
// would get, in the order asked; a batch whose answer is lost was taken
// whole.
func TestBankTakesAndReportsABatchInOneCall(t *testing.T) {
	t.Parallel()
	bank, f, c := newBank(t)
	ctx := context.Background()
	_, err := bank.Submit(ctx, transfer("refused", 1, "6222000000000000"))
	require.NoError(t, err)
	c.Add(time.Second)
	if got, err := bank.Status(ctx, "refused"); err != nil || got.State != app.TransferFailed {
		t.Fatalf("got %+v, %v, want the first attempt of refused failed", got, err)
	}
	malformed := transfer("malformed", 1, account)
	malformed.AmountFen = 0
	got, err := bank.SubmitAll(ctx, []app.TransferRequest{transfer("k1", 1, account), transfer("refused", 2, account), malformed,
		transfer("k2", 1, "6222000000000000")})
	require.NoError(t, err)
	want := []struct {
		state   app.TransferState
		attempt int
	}{{app.TransferPending, 1}, {app.TransferPending, 2}, {app.TransferFailed, 1}, {app.TransferPending, 1}}
	if len(got) != len(want) {
		t.Fatalf("got %d answers, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].State != w.state || got[i].Attempt != w.attempt {
			t.Fatalf("answer %d: got %+v, want %s attempt %d", i, got[i], w.state, w.attempt)
		}
	}
	keys := []string{"k1", "refused", "never", "k2"}
	states := func() []app.TransferState {
		t.Helper()
		ts, err := bank.StatusAll(ctx, keys)
		require.NoError(t, err)
		require.Len(t, ts, len(keys))
		out := make([]app.TransferState, len(ts))
		for i, tr := range ts {
			out[i] = tr.State
		}
		return out
	}
	require.Equal(t, []app.TransferState{app.TransferPending, app.TransferPending, app.TransferUnknown, app.TransferPending}, states(),
		"before the transfers settle")
	c.Add(time.Second)
	require.Equal(t, []app.TransferState{app.TransferSucceeded, app.TransferSucceeded, app.TransferUnknown, app.TransferFailed}, states(),
		"after they settled")
	ts, err := bank.StatusAll(ctx, []string{"refused"})
	require.NoError(t, err)
	if ts[0].Attempt != 2 || ts[0].Reference == "" {
		t.Fatalf("got %+v, want attempt 2 of refused succeeded with a reference", ts[0])
	}

	bank.FailNext(adapters.SimLostAnswer, 1)
	if _, err := bank.SubmitAll(ctx, []app.TransferRequest{transfer("k3", 1, account), transfer("k4", 1, account)}); err == nil {
		t.Fatal("got an answer, want it lost")
	}
	c.Add(time.Second)
	keys = []string{"k3", "k4"}
	require.Equal(t, []app.TransferState{app.TransferSucceeded, app.TransferSucceeded}, states(), "a batch whose answer was lost")
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM banksim.transfers WHERE executions = 1"); n != 4 {
		t.Fatalf("got %d keys executed, want 4 (k1, refused, k3, k4)", n)
	}
	if n := pgtest.Count(t, f.db, "SELECT sum(submissions) FROM banksim.transfers"); n != 6 {
		t.Fatalf("got %d submissions, want 6", n)
	}
}

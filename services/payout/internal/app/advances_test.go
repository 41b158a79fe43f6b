package app_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"claims.local/payout/internal/app"
	"claims.local/payout/internal/domain"
	"claims.local/pkg/clock/clocktest"
	"claims.local/pkg/events"
)

func advance(t testing.TB, claimID string, amountFen int64, change ...func(*events.AdvanceApprovedData)) events.Envelope {
	t.Helper()
	d := events.AdvanceApprovedData{AdvanceID: uuid.NewString(), ClaimID: claimID, CaseID: "case-" + claimID, PolicyNumber: "P-2026-000123",
		Ground: events.AdvanceGroundCatastrophe, CatastropheCode: "TY-2026-09", AmountFen: amountFen, Currency: "CNY", ExpectedBenefitFen: amountFen * 3,
		Payee:      events.Payee{Name: "李四", Role: "beneficiary", BankName: "中国工商银行", AccountNumber: account},
		ApprovedBy: "handler-1", ApprovedAt: time.Date(2026, 10, 9, 2, 0, 0, 0, time.UTC), Priority: true}
	for _, c := range change {
		c(&d)
	}
	e, err := events.New(events.AdvanceApproved, "adjudication", claimID, d.ApprovedAt, d)
	require.NoError(t, err)
	return signed(t, e)
}

func decided(t *testing.T, claimID, outcome string) events.Envelope {
	t.Helper()
	e, err := events.New(events.ClaimDecided, "adjudication", claimID, time.Now(), events.ClaimDecidedData{ClaimID: claimID,
		CaseID: "case-" + claimID, Outcome: outcome, Currency: "CNY", Reason: "不属于保险责任", DecidedBy: "handler-1", DecidedAt: time.Now()})
	require.NoError(t, err)
	return e
}

// paid sums the completed payouts of a claim.
func (e *env) paid(t *testing.T, claimID string) int64 {
	t.Helper()
	return count(t, e.db, "SELECT COALESCE(sum(amount_fen), 0) FROM obligations WHERE claim_id = ? AND state = 'completed'", claimID)
}

func TestAnAdvanceIsPaidOnceBeforeOrdinaryPayments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.service(e.bank)
	ctx := context.Background()
	// An ordinary payment due first, then a catastrophe's advance.
	require.NoError(t, a.HandleAgreement(ctx, agreement(t, "claim-plain", 50_000)))
	e.clock.Add(time.Second)
	adv := advance(t, "claim-ty", 30_000)
	require.NoError(t, a.HandleAdvance(ctx, adv))
	require.NoError(t, a.HandleAdvance(ctx, adv), "redelivered")
	var redone events.AdvanceApprovedData
	require.NoError(t, events.DecodeData(adv, events.AdvanceApproved, &redone))
	again := advance(t, "claim-ty", 30_000, func(d *events.AdvanceApprovedData) { d.AdvanceID = redone.AdvanceID })
	require.NoError(t, a.HandleAdvance(ctx, again), "announced again under another event id")
	if n := count(t, e.db, "SELECT count(*) FROM obligations WHERE claim_id = 'claim-ty'"); n != 1 {
		t.Fatalf("got %d advance obligations, want 1", n)
	}

	// The executor takes the priority advance first, though it is younger.
	var first string
	errLook := errors.New("only looking")
	_, err := e.repo.Due(ctx, e.clock.Now(), []domain.State{domain.StateScheduled}, 1, nil, func(_ context.Context, o *domain.Obligation) (app.Effects, error) {
		first = o.ClaimID
		return app.Effects{}, errLook
	})
	require.ErrorIs(t, err, errLook)
	if first != "claim-ty" {
		t.Fatalf("got %s taken first, want the catastrophe's advance", first)
	}
	e.settle(t, a)
	if got := e.paid(t, "claim-ty"); got != 30_000 {
		t.Fatalf("got %d fen paid in advance, want 30000", got)
	}
	scheduled := payoutEvents(t, e.db, events.PayoutScheduled)
	var adv0 *events.PayoutData
	for i := range scheduled {
		if scheduled[i].ClaimID == "claim-ty" {
			adv0 = &scheduled[i]
		}
	}
	if adv0 == nil || adv0.PayoutType != events.PayoutTypeAdvance || adv0.AmountFen != 30_000 || adv0.ObligationID != redone.AdvanceID {
		t.Fatalf("got scheduled %+v, want the advance of 30000 fen under the advance id %s", adv0, redone.AdvanceID)
	}
	wantContract(t, e)

	bad := advance(t, "claim-bad", 0)
	if err := a.HandleAdvance(ctx, bad); !errors.Is(err, events.ErrMalformed) {
		t.Fatalf("an advance of 0 fen: got %v, want ErrMalformed", err)
	}
}

// TestTheFinalSettlementNeverPaysMoreThanAgreed pays advances, then the
// agreement, whose advanced_fen may say less or more than payout paid: the
// total paid is the agreed amount, and advances above it are owed back.
func TestTheFinalSettlementNeverPaysMoreThanAgreed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                   string
		advances               []int64
		agreed, named          int64
		wantFinal, wantRecover int64
	}{
		{"agreement names the advances", []int64{30_000}, 100_000, 30_000, 70_000, 0},
		{"agreement names none: payout deducts what it paid", []int64{30_000, 10_000}, 100_000, 0, 60_000, 0},
		{"agreement names more than payout paid: the larger", []int64{10_000}, 100_000, 25_000, 75_000, 0},
		{"advances cover the amount exactly", []int64{50_000}, 50_000, 0, 0, 0},
		{"advances above the amount: owed back", []int64{30_000, 30_000}, 40_000, 40_000, 0, 20_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			a := e.service(e.bank)
			ctx := context.Background()
			for _, fen := range tt.advances {
				require.NoError(t, a.HandleAdvance(ctx, advance(t, "claim-1", fen)))
			}
			e.settle(t, a)
			require.NoError(t, a.HandleAgreement(ctx, agreement(t, "claim-1", tt.agreed, func(d *events.AgreementReachedData) { d.AdvancedFen = tt.named })))
			e.settle(t, a)
			var advanced int64
			for _, fen := range tt.advances {
				advanced += fen
			}
			final := count(t, e.db, "SELECT COALESCE(sum(amount_fen), 0) FROM obligations WHERE claim_id = 'claim-1' AND payout_type = 'final'")
			if final != tt.wantFinal {
				t.Fatalf("got a final payment of %d fen, want %d", final, tt.wantFinal)
			}
			if got := e.paid(t, "claim-1"); got != advanced+tt.wantFinal || got-tt.wantRecover > tt.agreed {
				t.Fatalf("got %d fen paid in all, want %d, and no more than the agreed %d once %d is recovered", got, advanced+tt.wantFinal, tt.agreed, tt.wantRecover)
			}
			recovered := count(t, e.db, "SELECT COALESCE(sum(amount_fen), 0) FROM recoveries WHERE claim_id = 'claim-1'")
			if recovered != tt.wantRecover {
				t.Fatalf("got %d fen to recover, want %d", recovered, tt.wantRecover)
			}
			if n := count(t, e.db, "SELECT count(*) FROM outbox WHERE event_type = ?", events.RecoveryDue.Name); (n == 1) != (tt.wantRecover > 0) || n > 1 {
				t.Fatalf("got %d recovery-due events, want %d", n, min(tt.wantRecover, 1))
			}
			wantContract(t, e)
		})
	}
}

func TestARejectionAfterAnAdvanceCancelsWhatWasNotSentAndRecoversWhatWasPaid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.service(e.bank)
	ctx := context.Background()
	e.advancePaidAndAnotherScheduled(t, a, "claim-1")
	// Rejected before the second advance went to the bank.
	rejected := decided(t, "claim-1", events.OutcomeRejected)
	require.NoError(t, a.HandleDecision(ctx, rejected))
	require.NoError(t, a.HandleDecision(ctx, rejected), "redelivered")
	require.NoError(t, a.HandleDecision(ctx, decided(t, "claim-2", events.OutcomeRejected)), "a rejection without advances")
	require.NoError(t, a.HandleDecision(ctx, decided(t, "claim-3", events.OutcomeApproved)), "an approval")
	e.settle(t, a)

	if got := e.paid(t, "claim-1"); got != 30_000 {
		t.Fatalf("got %d fen paid, want only the first advance's 30000", got)
	}
	if n := count(t, e.db, "SELECT count(*) FROM obligations WHERE claim_id = 'claim-1' AND state = 'cancelled' AND amount_fen = 5000"); n != 1 {
		t.Fatalf("got %d cancelled advances, want the unsent one", n)
	}
	var payloads [][]byte
	require.NoError(t, e.db.Raw("SELECT payload FROM outbox WHERE event_type = ?", events.RecoveryDue.Name).Scan(&payloads).Error)
	if len(payloads) != 1 {
		t.Fatalf("got %d recovery-due events, want 1", len(payloads))
	}
	env, err := events.Decode(payloads[0])
	require.NoError(t, err)
	var d events.RecoveryDueData
	require.NoError(t, events.DecodeData(env, events.RecoveryDue, &d))
	if d.ClaimID != "claim-1" || d.AmountFen != 30_000 || len(d.ObligationIDs) != 1 || d.CatastropheCode != "TY-2026-09" ||
		d.MaskedPayee == nil || d.MaskedPayee.AccountNumber != "****3445" {
		t.Fatalf("got recovery %+v, want 30000 fen of one advance of TY-2026-09 to the masked payee", d)
	}
	wantContract(t, e)
	var states []string
	require.NoError(t, e.db.Raw("SELECT state FROM obligations WHERE claim_id = 'claim-1' ORDER BY amount_fen").Scan(&states).Error)
	if len(states) != 2 || states[0] != string(domain.StateCancelled) || states[1] != string(domain.StateCompleted) {
		t.Fatalf("got states %v, want cancelled and completed", states)
	}
}

// BenchmarkCatastropheAdvances measures a surge of a catastrophe's
// advances: approved advances in, each scheduled once and paid through the
// simulated bank, priority first.
func BenchmarkCatastropheAdvances(b *testing.B) {
	e := newEnv(b)
	a := e.service(e.bank)
	ctx := context.Background()
	const perRound = 50
	b.ResetTimer()
	for i := range b.N {
		for j := range perRound {
			claim := "claim-" + strconv.Itoa(i) + "-" + strconv.Itoa(j)
			if err := a.HandleAdvance(ctx, advance(b, claim, 30_000)); err != nil {
				b.Fatal(err)
			}
		}
		e.settle(b, a)
	}
	b.ReportMetric(float64(b.N*perRound)/b.Elapsed().Seconds(), "advances/s")
}

// TestAttackTwoAdvancesToOneAgentInOneBatchOweTheR10Notice: one agent
// collects two advances of RMB 600 for the same person on one claim, paid
// in one batch (issue 21). Each alone is under R10's RMB 1,000; the batch
// records the second completion after the first in the same transaction,
// and must count the first (AgentCollectedFen), or splitting a payment in
// two would avoid the notice.
func TestAttackTwoAdvancesToOneAgentInOneBatchOweTheR10Notice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.service(e.bank)
	ctx := context.Background()
	require.NoError(t, a.HandleAdvance(ctx, advance(t, "claim-split", 60_000, toAgent)))
	require.NoError(t, a.HandleAdvance(ctx, advance(t, "claim-split", 60_000, toAgent)))
	submitted, err := a.ExecuteDue(ctx)
	require.NoError(t, err)
	e.clock.Add(2 * time.Second)
	checked, err := a.CheckSent(ctx)
	require.NoError(t, err)
	if submitted != 2 || checked != 2 || e.paid(t, "claim-split") != 120_000 {
		t.Fatalf("got %d submitted, %d checked, %d fen paid, want both advances paid in one batch each way", submitted, checked, e.paid(t, "claim-split"))
	}
	if rules := noticeRules(t, a, "claim-split"); rules["R9"] != 2 || rules["R10"] != 1 {
		t.Fatalf("got notices by rule %v, want 2 R9 and 1 R10 (RMB 1,200 collected by one agent)", rules)
	}
}

// toAgent has an advance paid to an agent (代领人) collecting for the
// insured's spouse.
func toAgent(d *events.AdvanceApprovedData) {
	d.Payee = events.Payee{Name: "王五", Role: "agent", BankName: "中国建设银行", AccountNumber: "6217000011118812",
		OnBehalfOf: &events.Person{Name: "李四", Relation: "spouse"}}
}

// noticeRules counts the notices of a claim by rule (R9, R10).
func noticeRules(t *testing.T, a *app.Service, claimID string) map[string]int {
	t.Helper()
	notices, err := a.Notices(context.Background(), claimID, 10)
	require.NoError(t, err)
	rules := map[string]int{}
	for _, n := range notices {
		rules[n.Rule]++
	}
	return rules
}

// readBarrier holds each completion, after it read the claim's other
// payments (R10), until the other completion has read them too, or
// within has passed.
type readBarrier struct {
	app.Repository
	within time.Duration
	mu     sync.Mutex
	reads  int
	first  chan struct{}
	both   chan struct{}
}

func (b *readBarrier) List(ctx context.Context, claimID string, limit int) ([]domain.Obligation, error) {
	list, err := b.Repository.List(ctx, claimID, limit)
	b.mu.Lock()
	b.reads++
	switch b.reads {
	case 1:
		close(b.first)
	case 2:
		close(b.both)
	}
	b.mu.Unlock()
	select {
	case <-b.both:
	case <-time.After(b.within):
	}
	return list, err
}

// TestAttackTwoInstancesCompletingOneAgentsPaymentsAtOnceOweTheR10Notice
// completes two advances of RMB 600 to one agent on one claim in two
// instances at the same moment, each in its own transaction on its own
// connection, with a barrier between each one's read of the claim's other
// payments and its write: each alone is below RMB 1,000, together they are
// above, and the person collected for is told once (R10). Without the
// completions serialised per claim each reads before the other wrote and
// neither tells.
func TestAttackTwoInstancesCompletingOneAgentsPaymentsAtOnceOweTheR10Notice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.service(e.bank)
	require.NoError(t, a.HandleAdvance(ctx, advance(t, "claim-two", 60_000, toAgent)))
	require.NoError(t, a.HandleAdvance(ctx, advance(t, "claim-two", 60_000, toAgent)))
	submitted, err := a.ExecuteDue(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, submitted, "advances submitted")
	// The first is asked about at once, the second a minute later: the
	// first instance takes only the first, the second instance only the
	// second (the first is locked).
	var second string
	require.NoError(t, e.db.Raw("SELECT id FROM obligations WHERE claim_id = 'claim-two' ORDER BY id DESC LIMIT 1").Scan(&second).Error)
	now := e.clock.Now()
	require.NoError(t, e.db.Exec("UPDATE obligations SET next_attempt_at = ? WHERE id = ?", now.Add(time.Minute), second).Error)
	e.clock.Add(2 * time.Minute)
	barrier := &readBarrier{Repository: e.repo, within: 3 * time.Second, first: make(chan struct{}), both: make(chan struct{})}
	instance := func(at time.Time) *app.Service {
		return app.NewService(barrier, e.tracker, e.bank, e.gateway, topics, clocktest.New(at).Now, e.loc, controls(e))
	}
	var wg sync.WaitGroup
	checked := make([]int, 2)
	errs := make([]error, 2)
	for i, at := range []time.Time{now.Add(2 * time.Second), now.Add(2 * time.Minute)} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			checked[i], errs[i] = instance(at).CheckSent(ctx)
		}()
		if i == 0 {
			<-barrier.first
		}
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	if checked[0] != 1 || checked[1] != 1 || e.paid(t, "claim-two") != 120_000 {
		t.Fatalf("got %v checked by the two instances, %d fen paid, want one each and both advances paid", checked, e.paid(t, "claim-two"))
	}
	if rules := noticeRules(t, a, "claim-two"); rules["R9"] != 2 || rules["R10"] != 1 {
		t.Fatalf("got notices by rule %v, want 2 R9 and 1 R10 (RMB 1,200 collected by one agent in two instances at once)", rules)
	}
}

// listCounter counts the completions' reads of a claim's other payments.
type listCounter struct {
	app.Repository
	mu    sync.Mutex
	reads int
}

func (c *listCounter) List(ctx context.Context, claimID string, limit int) ([]domain.Obligation, error) {
	c.mu.Lock()
	c.reads++
	c.mu.Unlock()
	return c.Repository.List(ctx, claimID, limit)
}

// TestACompletionReadsTheClaimsOtherPaymentsOnlyForAnAgent: R10 counts
// what one agent collected for another person on a claim, so a completion
// reads the claim's other payments only when its payee is such an agent
// (issue 21: it read them for every payment, one statement a claim). An
// agent's payments still add up to the R10 notice.
func TestACompletionReadsTheClaimsOtherPaymentsOnlyForAnAgent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	counter := &listCounter{Repository: e.repo}
	a := app.NewService(counter, e.tracker, e.bank, e.gateway, topics, e.clock.Now, e.loc, controls(e))
	require.NoError(t, a.HandleAgreement(ctx, agreement(t, "claim-own", 5000)))
	e.settle(t, a)
	if counter.reads != 0 || e.paid(t, "claim-own") != 5000 {
		t.Fatalf("a payment to the beneficiary: got %d reads of the claim's payments and %d fen paid, want 0 and 5000", counter.reads, e.paid(t, "claim-own"))
	}
	require.NoError(t, a.HandleAdvance(ctx, advance(t, "claim-agent", 60_000, toAgent)))
	require.NoError(t, a.HandleAdvance(ctx, advance(t, "claim-agent", 60_000, toAgent)))
	e.settle(t, a)
	if counter.reads != 2 {
		t.Fatalf("two payments to an agent: got %d reads of the claim's payments, want 2", counter.reads)
	}
	if rules := noticeRules(t, a, "claim-agent"); rules["R9"] != 2 || rules["R10"] != 1 {
		t.Fatalf("got notices by rule %v, want 2 R9 and 1 R10", rules)
	}
}

// advancePaidAndAnotherScheduled has a pay claimID a catastrophe advance of
// RMB 300, settled, then schedule a second one of RMB 50 on the sixty-day
// ground, not yet sent.
func (e *env) advancePaidAndAnotherScheduled(t *testing.T, a *app.Service, claimID string) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, a.HandleAdvance(ctx, advance(t, claimID, 30_000)))
	e.settle(t, a)
	require.NoError(t, a.HandleAdvance(ctx, advance(t, claimID, 5_000, func(d *events.AdvanceApprovedData) {
		d.Ground, d.CatastropheCode, d.Priority = events.AdvanceGroundSixtyDays, "", false
	})))
}

// TestAnAgreementOfAClaimWithoutAdvancesIsOneStatement: an agreement's
// obligation, with its receipt and effects, is one statement, and the
// claim's advances are not read first by one of their own (issue 21): the
// statement stores nothing when the claim has advances, and the agreement
// is then worked out again with them
// (TestTheFinalSettlementNeverPaysMoreThanAgreed holds that).
func TestAnAgreementOfAClaimWithoutAdvancesIsOneStatement(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.service(e.bank)
	seen := statementsOf(t, e.db)
	require.NoError(t, a.HandleAgreement(context.Background(), agreement(t, "claim-1", 100_000)))
	if got := seen(); len(got) != 1 {
		t.Fatalf("got %d statements for an agreement of a claim without advances, want 1: %q", len(got), got)
	}
	if n := count(t, e.db, "SELECT count(*) FROM obligations WHERE claim_id = 'claim-1' AND payout_type = 'final' AND amount_fen = 100000"); n != 1 {
		t.Fatalf("got %d final payments of 100000 fen, want 1", n)
	}
}

package app_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/payout/internal/adapters"
	"claims.local/payout/internal/app"
	"claims.local/payout/internal/domain"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/clock/clocktest"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/events/schemas"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/sealed"
	"claims.local/pkg/tracking"
)

var topics = events.Topics{Prefix: "test."}

// gateway records the notices handed to it, or fails with err.
type gateway struct {
	mu   sync.Mutex
	err  error
	msgs []outbox.Message
}

func (g *gateway) Publish(_ context.Context, msgs []outbox.Message) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err != nil {
		return g.err
	}
	g.msgs = append(g.msgs, msgs...)
	return nil
}

// env is one payout's use cases over a fresh database, with a simulated
// bank that settles at once.
type env struct {
	db      *gorm.DB
	clock   *clocktest.Clock
	bank    *adapters.BankSimulator
	gateway *gateway
	repo    *adapters.Obligations
	tracker *tracking.Tracker
	loc     *time.Location
	trusted *signing.Verifier
	payees  *sealed.Opener
	// fingerprints are the keys adjudication fingerprints payees under.
	fingerprints *bankaccount.Fingerprints
	mu           sync.Mutex
	refused      []signing.Reason
	// held counts the payments held because their payee does not open.
	held int
	// authorisations answers for adjudication, when set.
	authorisations app.Authorisations
}

func newEnv(t testing.TB) *env {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	db := pgtest.NewMigrated(t, 10, func() ([]postgres.Migration, error) {
		return postgres.Collect(adapters.Migrations, adapters.BankSimulatorMigrations, adapters.HolderSimulatorMigrations)
	})
	keys, err := sealed.New([]sealed.Key{{ID: "k1", Secret: bytes.Repeat([]byte{7}, sealed.KeyBytes)}})
	require.NoError(t, err)
	// Monday 10:00 in Shanghai: no test crosses a Shanghai midnight.
	c := clocktest.New(time.Date(2026, 10, 12, 2, 0, 0, 0, time.UTC))
	tr := tracking.NewTracker(tracking.NewCalendars(nil), -1)
	trusted, err := signing.ParseTrusted("adjudication", instructionKey(t).Public())
	require.NoError(t, err)
	return &env{trusted: trusted, payees: eventstest.PayeeOpener(t), fingerprints: eventstest.Fingerprints(), db: db, clock: c, bank: adapters.NewBankSimulator(db, 0, c.Now), gateway: &gateway{}, tracker: tr, loc: loc,
		repo: adapters.NewObligations(db, nil, tr, keys, loc)}
}

// service returns a new instance of the use cases, as a restarted process
// would have, over bank.
func (e *env) service(bank app.Bank) *app.Service {
	return app.NewService(e.repo, e.tracker, bank, e.gateway, topics, e.clock.Now, e.loc, controls(e))
}

// instructionKey stands in for adjudication's key signing payment
// instructions.
func instructionKey(t testing.TB) *signing.Signer {
	t.Helper()
	s, err := signing.NewSigner("test-adjudication", bytes.Repeat([]byte{9}, 32))
	require.NoError(t, err)
	return s
}

// signed is e with its payee sealed for payout and signed with
// instructionKey, as adjudication publishes it.
func signed(t testing.TB, e events.Envelope) events.Envelope {
	t.Helper()
	e, err := instructionKey(t).Sign(eventstest.SealPayee(t, eventstest.PayeeSealer(t), e))
	require.NoError(t, err)
	return e
}

// controls trust instructionKey and count the refusals in e.refused.
func controls(e *env) app.Controls {
	c := app.Controls{Payees: e.payees, Fingerprints: e.fingerprints, Refused: func(r signing.Reason) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.refused = append(e.refused, r)
	}, PayeeUnreadable: func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.held++
	}}
	if e.trusted != nil {
		c.Instructions = e.trusted
	}
	if e.authorisations != nil {
		c.Authorisations = e.authorisations
	}
	return c
}

// settle runs the executor's rounds until no payment is on its way: submit,
// let time pass, ask the bank.
//
// A crashed instance's transaction may still hold its rows for a moment
// after its context was cancelled (PostgreSQL ends it when it sees the
// connection closed), and the rounds skip locked rows: so the rounds go on,
// a little apart, for up to 30 seconds of real time, not a fixed number.
func (e *env) settle(t testing.TB, a *app.Service) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	rounds := 0
	for ; rounds < 20 || time.Now().Before(deadline); rounds++ {
		_, err := a.ExecuteDue(ctx)
		require.NoError(t, err)
		e.clock.Add(2 * time.Second)
		_, err = a.CheckSent(ctx)
		require.NoError(t, err)
		if count(t, e.db, "SELECT count(*) FROM obligations WHERE state IN ('scheduled', 'sent')") == 0 {
			return
		}
		if rounds >= 20 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Fatalf("got payments still moving after %d rounds, want them settled", rounds)
}

// agreed has payout handle the agreements of n claims (claim-00, claim-01
// …), each of its own amount from RMB 10.
func (e *env) agreed(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		require.NoError(t, e.service(e.bank).HandleAgreement(context.Background(), agreement(t, fmt.Sprintf("claim-%02d", i), int64(1000+i))))
	}
}

// agreedInTurn has a handle the agreements of RMB 50 of claims, one a
// millisecond after the other.
func (e *env) agreedInTurn(t *testing.T, a *app.Service, claims ...string) {
	t.Helper()
	for _, claimID := range claims {
		require.NoError(t, a.HandleAgreement(context.Background(), agreement(t, claimID, 5000)))
		e.clock.Add(time.Millisecond)
	}
}

const account = "6222020200112233445"

func agreement(t *testing.T, claimID string, amountFen int64, change ...func(*events.AgreementReachedData)) events.Envelope {
	t.Helper()
	d := events.AgreementReachedData{ClaimID: claimID, CaseID: "case-" + claimID, PolicyNumber: "P-2026-000123", AmountFen: amountFen,
		Currency: "CNY", Payee: events.Payee{Name: "李四", Role: "beneficiary", BankName: "中国工商银行", AccountNumber: account},
		Channel: "signed_form", RecordedBy: "handler-1", AgreedAt: time.Date(2026, 10, 9, 2, 0, 0, 0, time.UTC)}
	for _, c := range change {
		c(&d)
	}
	e, err := events.New(events.AgreementReached, "adjudication", claimID, d.AgreedAt, d)
	require.NoError(t, err)
	return signed(t, e)
}

func agent(amountFen int64) func(*events.AgreementReachedData) {
	return func(d *events.AgreementReachedData) {
		d.AmountFen = amountFen
		d.Payee = events.Payee{Name: "王五", Role: "agent", BankName: "中国建设银行", AccountNumber: "6217000011118812",
			OnBehalfOf: &events.Person{Name: "李四", Relation: "spouse"}}
	}
}

func payoutEvents(t *testing.T, db *gorm.DB, typ events.Type) []events.PayoutData {
	t.Helper()
	var payloads [][]byte
	require.NoError(t, db.Raw("SELECT payload FROM outbox WHERE event_type = ? ORDER BY id", typ.Name).Scan(&payloads).Error)
	out := make([]events.PayoutData, len(payloads))
	for i, p := range payloads {
		e, err := events.Decode(p)
		require.NoError(t, err)
		require.NoError(t, events.DecodeData(e, typ, &out[i]))
	}
	return out
}

// wantContract checks every finance event and notice payout stored against
// the public JSON Schemas, and that none holds the account number.
func wantContract(t *testing.T, e *env) {
	t.Helper()
	v, err := schemas.NewValidator()
	require.NoError(t, err)
	var payloads [][]byte
	require.NoError(t, e.db.Raw("SELECT payload FROM outbox WHERE topic = ? ORDER BY id", topics.Payout()).Scan(&payloads).Error)
	var notices [][]byte
	require.NoError(t, e.db.Raw("SELECT payload FROM notifications ORDER BY id").Scan(&notices).Error)
	for _, p := range append(payloads, notices...) {
		if err := v.Validate(p); err != nil {
			t.Fatalf("got %v for event %s, want it valid against the published schema", err, p)
		}
		if bytes.Contains(p, []byte(account)) || bytes.Contains(p, []byte("6217000011118812")) {
			t.Fatalf("got event %s holding an account number, want it masked", p)
		}
	}
}

func count(t testing.TB, db *gorm.DB, query string, args ...any) int64 {
	t.Helper()
	return pgtest.Count(t, db, query, args...)
}

func TestAgreementCreatesOnePaymentClockedFromTheAgreement(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.service(e.bank)
	first := agreement(t, "claim-1", 123456, func(d *events.AgreementReachedData) { d.AdvancedFen, d.PaymentPeriodDays = 20000, 15 })
	require.NoError(t, a.HandleAgreement(ctx, first))
	require.NoError(t, a.HandleAgreement(ctx, first), "redelivered agreement")
	require.NoError(t, a.HandleAgreement(ctx, agreement(t, "claim-1", 123456, func(d *events.AgreementReachedData) { d.AdvancedFen = 20000 })),
		"the same agreement sent again under a new event id")

	list, err := a.Obligations(ctx, "", "", 10)
	require.NoError(t, err)
	if len(list) != 1 || list[0].AmountFen != 103456 || list[0].AgreedAmountFen != 123456 || list[0].State != domain.StateScheduled ||
		list[0].Payee.AccountNumber != account || list[0].CaseID != "case-claim-1" {
		t.Fatalf("got %+v, want one payment of 123456 - 20000 fen to the agreed account", list)
	}
	// R6 runs from the agreement, for the contract's 15 days.
	want, err := deadline.NewCalculator(nil).Compute(deadline.Request{Rule: deadline.Payment, From: first.Time,
		Overrides: []deadline.Override{{Rule: deadline.Payment, Length: 15, Unit: deadline.Days}}})
	require.NoError(t, err)
	var r6 struct {
		ClockStart time.Time
		DueDate    string
		State      string
	}
	require.NoError(t, e.db.Raw(`SELECT clock_start, due_date::text, state FROM deadline_obligations WHERE rule = 'payment' AND subject = ?`,
		"payout/"+list[0].ID).Scan(&r6).Error)
	if !r6.ClockStart.Equal(first.Time) || r6.DueDate != want.DueDate.String() || r6.State != "open" {
		t.Fatalf("got R6 %+v, want open from %v due %s", r6, first.Time, want.DueDate)
	}
	scheduled := payoutEvents(t, e.db, events.PayoutScheduled)
	if len(scheduled) != 1 || scheduled[0].ObligationID != list[0].ID || scheduled[0].DueDate != want.DueDate.String() ||
		scheduled[0].Payee == nil || scheduled[0].Payee.AccountNumber != "****3445" || scheduled[0].Payee.Name != "李*" ||
		scheduled[0].AmountFen != 103456 || scheduled[0].AdvancedFen != 20000 || scheduled[0].CaseID != "case-claim-1" {
		t.Fatalf("got payout-scheduled %+v, want one for %s with the R6 due date and the payee masked", scheduled, list[0].ID)
	}
	wantContract(t, e)
	if got := count(t, e.db, "SELECT count(*) FROM inbox"); got != 2 {
		t.Fatalf("got %d receipts, want 2 (the redelivery adds none)", got)
	}
}

func TestAgreementsThatCannotBePaidAsAgreed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.service(e.bank)
	require.NoError(t, a.HandleAgreement(ctx, agreement(t, "claim-1", 5000)))

	parked := map[string]events.Envelope{
		"other terms for a claim already owed": agreement(t, "claim-1", 7000),
		"advances above the amount":            agreement(t, "claim-2", 5000, func(d *events.AgreementReachedData) { d.AdvancedFen = 5001 }),
		"no payee account":                     agreement(t, "claim-3", 5000, func(d *events.AgreementReachedData) { d.Payee.AccountNumber = "" }),
		"agent for no one":                     agreement(t, "claim-4", 5000, func(d *events.AgreementReachedData) { d.Payee.Role = "agent" }),
		"a decision": func() events.Envelope {
			ev, err := events.New(events.ClaimDecided, "adjudication", "claim-5", time.Now(), events.ClaimDecidedData{ClaimID: "claim-5",
				Outcome: events.OutcomeApproved, AmountFen: 5000, Currency: "CNY"})
			require.NoError(t, err)
			return signed(t, ev)
		}(),
		"newer schema": func() events.Envelope {
			ev := agreement(t, "claim-6", 5000)
			ev.SchemaVersion = 2
			return signed(t, ev)
		}(),
		"claim ids disagree": func() events.Envelope {
			ev := agreement(t, "claim-7", 5000)
			ev.ClaimID = "claim-8"
			return signed(t, ev)
		}(),
	}
	for name, ev := range parked {
		if err := a.HandleAgreement(ctx, ev); !errors.Is(err, events.ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed so that it is parked for a person", name, err)
		}
	}
	require.NoError(t, a.HandleAgreement(ctx, agreement(t, "claim-9", 5000, func(d *events.AgreementReachedData) { d.AdvancedFen = 5000 })),
		"an agreement paid in full by advances")
	if got := count(t, e.db, "SELECT count(*) FROM obligations"); got != 1 {
		t.Fatalf("got %d obligations, want only claim-1's", got)
	}
	if got := count(t, e.db, "SELECT count(*) FROM inbox"); got != 2 {
		t.Fatalf("got %d receipts, want 2 (claim-1 and the one owing nothing; parked events are not received)", got)
	}
}

func TestConcurrentExecutorsPayEachObligationOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	const n = 20
	e.agreed(t, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 3 {
		a := e.service(e.bank) // three instances
		wg.Go(func() {
			<-start
			for range 30 {
				if _, err := a.ExecuteDue(ctx); err != nil {
					t.Errorf("instance %d: ExecuteDue: got %v, want no error", i, err)
				}
				e.clock.Add(100 * time.Millisecond)
				if _, err := a.CheckSent(ctx); err != nil {
					t.Errorf("instance %d: CheckSent: got %v, want no error", i, err)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	e.settle(t, e.service(e.bank))
	wantEachPaidOnce(t, e, n)
	wantContract(t, e)
}

// wantEachPaidOnce checks that n obligations completed in their first
// attempt, that the bank executed n transfers, that n payment deadlines (R6)
// were met, and that each obligation has one payout-completed event, equal
// to the stored obligation.
func wantEachPaidOnce(t *testing.T, e *env, n int64) {
	t.Helper()
	wantEachPaidOnceAt(t, e, n, 1)
}

// wantEachPaidOnceAt is wantEachPaidOnce of payments completed at their
// attempt-th attempt.
func wantEachPaidOnceAt(t *testing.T, e *env, n int64, attempt int) {
	t.Helper()
	ctx := context.Background()
	if got := count(t, e.db, "SELECT count(*) FROM obligations WHERE state = 'completed' AND attempts = ?", attempt); got != n {
		t.Fatalf("got %d obligations completed at attempt %d, want %d", got, attempt, n)
	}
	if got := count(t, e.db, "SELECT coalesce(sum(executions), 0) FROM banksim.transfers"); got != n {
		t.Fatalf("got %d transfers executed by the bank, want %d", got, n)
	}
	if got := count(t, e.db, "SELECT count(*) FROM deadline_obligations WHERE rule = 'payment' AND state = 'met'"); got != n {
		t.Fatalf("got %d payment deadlines (R6) met, want %d", got, n)
	}
	completed := payoutEvents(t, e.db, events.PayoutCompleted)
	seen := map[string]bool{}
	for _, d := range completed {
		if seen[d.ObligationID] {
			t.Fatalf("got two payout-completed events for obligation %s, want one", d.ObligationID)
		}
		seen[d.ObligationID] = true
		o, err := e.repo.Get(ctx, d.ObligationID)
		require.NoError(t, err)
		if d.AmountFen != o.AmountFen || d.BankReference != o.BankReference || d.ValueDate != o.ValueDate(e.loc) ||
			!d.CompletedAt.Equal(*o.CompletedAt) || d.Status != "completed" || d.Attempt != attempt {
			t.Fatalf("got payout-completed %+v, want it equal to the stored obligation %+v", d, o)
		}
	}
	if int64(len(seen)) != n {
		t.Fatalf("got %d payout-completed events, want %d", len(seen), n)
	}
}

// droppingBank loses every transfer before it reaches the bank, as when the
// process dies between marking it sent and the call.
type droppingBank struct{ app.Bank }

func (droppingBank) SubmitAll(context.Context, []app.TransferRequest) ([]app.Transfer, error) {
	return nil, errors.New("connection refused")
}

// dyingBank hands the transfer to the bank, then dies (ends the instance's
// context) before payout can record the answer.
type dyingBank struct {
	app.Bank
	die func()
}

func (b dyingBank) SubmitAll(ctx context.Context, reqs []app.TransferRequest) ([]app.Transfer, error) {
	ts, err := b.Bank.SubmitAll(ctx, reqs)
	b.die()
	return ts, err
}

func TestACrashAroundTheBankCallIsRecoveredByAskingTheBank(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// crash runs the first instance until it dies (or loses the
		// answer), leaving the obligation sent.
		crash           func(t *testing.T, e *env, ctx context.Context)
		wantSubmissions int64
	}{
		{"after the bank took it, before the answer was recorded", func(t *testing.T, e *env, ctx context.Context) {
			dying, die := context.WithCancel(ctx)
			a := e.service(dyingBank{Bank: e.bank, die: die})
			if _, err := a.ExecuteDue(dying); !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, want the instance to die after the bank call", err)
			}
		}, 1},
		{"before the bank got it", func(t *testing.T, e *env, ctx context.Context) {
			_, err := e.service(droppingBank{e.bank}).ExecuteDue(ctx)
			require.NoError(t, err)
		}, 1},
		{"the bank's answer was lost", func(t *testing.T, e *env, ctx context.Context) {
			e.bank.FailNext(adapters.SimLostAnswer, 1)
			_, err := e.service(e.bank).ExecuteDue(ctx)
			require.NoError(t, err)
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			ctx := context.Background()
			require.NoError(t, e.service(e.bank).HandleAgreement(ctx, agreement(t, "claim-1", 5000)))
			tt.crash(t, e, ctx)
			if got := count(t, e.db, "SELECT count(*) FROM obligations WHERE state = 'sent' AND attempts = 1"); got != 1 {
				t.Fatalf("after the crash: got %d obligations sent, want 1 (marked before the bank call)", got)
			}
			// A restarted instance asks the bank and records what it did.
			e.settle(t, e.service(e.bank))
			if got := count(t, e.db, "SELECT count(*) FROM obligations WHERE state = 'completed' AND attempts = 1"); got != 1 {
				t.Fatalf("got %d completed obligations, want 1", got)
			}
			if got := count(t, e.db, "SELECT executions FROM banksim.transfers"); got != 1 {
				t.Fatalf("got %d executions at the bank, want 1", got)
			}
			if got := count(t, e.db, "SELECT submissions FROM banksim.transfers"); got != tt.wantSubmissions {
				t.Fatalf("got %d submissions at the bank, want %d", got, tt.wantSubmissions)
			}
			if got := len(payoutEvents(t, e.db, events.PayoutCompleted)); got != 1 {
				t.Fatalf("got %d payout-completed events, want 1", got)
			}
			// Redelivering the agreement now pays nothing more.
			require.NoError(t, e.service(e.bank).HandleAgreement(ctx, agreement(t, "claim-1", 5000)))
			e.settle(t, e.service(e.bank))
			if got := count(t, e.db, "SELECT coalesce(sum(executions), 0) FROM banksim.transfers"); got != 1 {
				t.Fatalf("after a redelivered agreement: got %d executions, want 1", got)
			}
		})
	}
}

func TestBankRefusalsAreRetriedOrWaitForCorrectedPayee(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.service(e.bank)
	// Ends in 0002: times out at the first attempt, then goes through.
	require.NoError(t, a.HandleAgreement(ctx, agreement(t, "transient", 5000, func(d *events.AgreementReachedData) {
		d.Payee.AccountNumber = "6222000011110002"
	})))
	// Ends in 0000: no such account.
	require.NoError(t, a.HandleAgreement(ctx, agreement(t, "permanent", 7000, func(d *events.AgreementReachedData) {
		d.Payee.AccountNumber = "6222000011110000"
	})))
	e.settle(t, a)
	get := func(claimID string) domain.Obligation {
		t.Helper()
		l, err := a.Obligations(ctx, claimID, "", 1)
		require.NoError(t, err)
		require.Len(t, l, 1)
		return l[0]
	}
	if o := get("transient"); o.State != domain.StateCompleted || o.Attempts != 2 {
		t.Fatalf("got %+v, want completed at the second attempt", o)
	}
	refused := get("permanent")
	if refused.State != domain.StateFailed || refused.Attempts != 1 || !strings.HasPrefix(refused.LastError, app.FailureInvalidAccount) {
		t.Fatalf("got %+v, want failed for an invalid account after one attempt", refused)
	}
	failed := payoutEvents(t, e.db, events.PayoutFailed)
	if len(failed) != 1 || failed[0].ObligationID != refused.ID || failed[0].FailureReason != refused.LastError {
		t.Fatalf("got payout-failed %+v, want one for %s with the bank's reason", failed, refused.ID)
	}
	if got := count(t, e.db, "SELECT count(*) FROM deadline_obligations WHERE subject = ? AND state = 'open'", "payout/"+refused.ID); got != 1 {
		t.Fatalf("got %d open R6 deadlines for the refused payment, want 1: it is still owed", got)
	}
	// A handler corrects the account; the payment goes through.
	_, err := a.CorrectPayee(ctx, refused.ID, domain.Payee{Name: "李四", Role: "beneficiary", BankName: "中国银行",
		AccountNumber: "6216-6000-0000-0001 23"}, "handler-2", "")
	require.NoError(t, err)
	e.settle(t, a)
	paid := get("permanent")
	if paid.State != domain.StateCompleted || paid.Attempts != 2 || paid.PayeeCorrectedBy != "handler-2" || paid.Payee.AccountNumber != "621660000000000123" {
		t.Fatalf("got %+v, want paid at the second attempt to the corrected account", paid)
	}
	if got := len(payoutEvents(t, e.db, events.PayoutScheduled)); got != 3 {
		t.Fatalf("got %d payout-scheduled events, want 3 (two agreements, one correction)", got)
	}
	if got := count(t, e.db, "SELECT count(*) FROM deadline_obligations WHERE rule = 'payment' AND state IN ('met', 'missed')"); got != 2 {
		t.Fatalf("got %d R6 deadlines done, want 2", got)
	}
	if _, err := a.CorrectPayee(ctx, paid.ID, domain.Payee{Name: "李四", Role: "beneficiary", BankName: "中国银行", AccountNumber: account}, "h", ""); err == nil {
		t.Fatal("correcting the payee of a completed payment: got no error, want a conflict")
	}
	wantContract(t, e)
}

func TestResultNoticesR9AndR10(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.service(e.bank)
	require.NoError(t, a.HandleAgreement(ctx, agreement(t, "by-agent", 0, agent(150000))))
	require.NoError(t, a.HandleAgreement(ctx, agreement(t, "by-agent-small", 0, agent(100000))))
	e.settle(t, a)

	notices, err := a.Notices(ctx, "by-agent", 10)
	require.NoError(t, err)
	if len(notices) != 2 {
		t.Fatalf("got %d notices for an agent collecting RMB 1,500, want 2 (R9 and R10)", len(notices))
	}
	byRule := map[string]domain.Notice{}
	for _, n := range notices {
		byRule[n.Rule] = n
		if n.SentAt != nil {
			t.Fatalf("got notice %s sent before the notifier ran, want unsent", n.ID)
		}
	}
	r9, r10 := byRule["R9"], byRule["R10"]
	o, err := a.Obligations(ctx, "by-agent", "", 1)
	require.NoError(t, err)
	date := o[0].CompletedAt.In(e.loc).Format("2006年1月2日")
	wantR9 := "尊敬的客户：保单P-2026-000123的理赔款人民币1500.00元已于" + date + "以银行转账方式支付至中国建设银行尾号8812的账户，请查收。如有疑问，请联系您的理赔服务人员。"
	wantR10 := "尊敬的客户：保单P-2026-000123的理赔款人民币1500.00元已于" + date + "由代领人王*代您领取，以银行转账方式支付至中国建设银行尾号8812的账户。如非您本人授权，请及时与我公司联系。"
	if r9.Text != wantR9 || r9.RecipientRole != "payee" || r9.RecipientName != "王*" {
		t.Fatalf("got R9 notice %+v, want %q to the payee", r9, wantR9)
	}
	if r10.Text != wantR10 || r10.RecipientRole != "represented" || r10.RecipientName != "李*" || r10.RecipientRelation != "spouse" {
		t.Fatalf("got R10 notice %+v, want %q to the person collected for", r10, wantR10)
	}
	small, err := a.Notices(ctx, "by-agent-small", 10)
	require.NoError(t, err)
	if len(small) != 1 || small[0].Rule != "R9" {
		t.Fatalf("got %+v for an agent collecting exactly RMB 1,000, want the R9 notice only", small)
	}
	r9Open := func() int64 {
		return count(t, e.db, "SELECT count(*) FROM deadline_obligations WHERE rule = 'result-notification' AND state = 'open'")
	}
	if got := r9Open(); got != 2 {
		t.Fatalf("got %d open R9 deadlines, want 2 (one per completed payment)", got)
	}
	// The gateway's topic is down: nothing is lost, R9 stays owed.
	e.gateway.err = errors.New("kafka down")
	if _, err := a.SendNotices(ctx); err == nil {
		t.Fatal("got no error with the gateway down, want one")
	}
	if got := r9Open(); got != 2 {
		t.Fatalf("got %d open R9 deadlines with the gateway down, want 2", got)
	}
	e.gateway.err = nil
	sent, err := a.SendNotices(ctx)
	require.NoError(t, err)
	if sent != 3 || len(e.gateway.msgs) != 3 {
		t.Fatalf("got %d sent, %d messages, want 3", sent, len(e.gateway.msgs))
	}
	if got := r9Open(); got != 0 {
		t.Fatalf("got %d open R9 deadlines after sending, want 0", got)
	}
	if got := count(t, e.db, "SELECT count(*) FROM deadline_obligations WHERE rule = 'result-notification' AND state = 'met'"); got != 2 {
		t.Fatalf("got %d R9 deadlines met, want 2", got)
	}
	for _, m := range e.gateway.msgs {
		if m.Topic != topics.Notifications() || m.Type != events.NotificationRequested.Name {
			t.Fatalf("got message on %s of type %s, want the notifications topic", m.Topic, m.Type)
		}
	}
	wantContract(t, e)
}

func TestAReturnedPaymentIsReversedAndPaidAgainOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.service(e.bank)
	require.NoError(t, a.HandleAgreement(ctx, agreement(t, "claim-1", 8000)))
	e.settle(t, a)
	l, err := a.Obligations(ctx, "claim-1", "", 1)
	require.NoError(t, err)
	first := l[0]
	if _, _, err := a.Reverse(ctx, first.ID, "退汇：账户已销户", ptr(e.clock.Now().Add(time.Hour))); err == nil {
		t.Fatal("a return in the future: got no error, want one")
	}
	reversed, replacement, err := a.Reverse(ctx, first.ID, "退汇：账户已销户", nil)
	require.NoError(t, err)
	if reversed.State != domain.StateReversed || replacement.Replaces != first.ID || replacement.State != domain.StateFailed {
		t.Fatalf("got %+v and %+v, want the payment reversed and a replacement waiting for payee details", reversed, replacement)
	}
	if _, _, err := a.Reverse(ctx, first.ID, "again", nil); err == nil {
		t.Fatal("reversing twice: got no error, want a conflict")
	}
	rev := payoutEvents(t, e.db, events.PayoutReversed)
	if len(rev) != 1 || rev[0].ObligationID != first.ID || rev[0].ReversalReason != "退汇：账户已销户" || rev[0].ValueDate != first.ValueDate(e.loc) {
		t.Fatalf("got payout-reversed %+v, want one for %s keeping its value date", rev, first.ID)
	}
	if got := count(t, e.db, "SELECT count(*) FROM deadline_obligations WHERE rule = 'payment' AND state = 'open' AND subject = ?",
		"payout/"+replacement.ID); got != 1 {
		t.Fatalf("got %d open payment deadlines for the replacement, want 1", got)
	}
	_, err = a.CorrectPayee(ctx, replacement.ID, domain.Payee{Name: "李四", Role: "beneficiary", BankName: "中国银行",
		AccountNumber: "6216600000000009"}, "handler-1", "")
	require.NoError(t, err)
	e.settle(t, a)
	paid, err := a.Obligation(ctx, replacement.ID)
	require.NoError(t, err)
	if paid.State != domain.StateCompleted {
		t.Fatalf("got replacement %+v, want it paid", paid)
	}
	// Each key moved money once: the first payment and its replacement.
	if got := count(t, e.db, "SELECT count(*) FROM banksim.transfers WHERE executions = 1"); got != 2 {
		t.Fatalf("got %d keys executed, want 2", got)
	}
	scheduled := payoutEvents(t, e.db, events.PayoutScheduled)
	if len(scheduled) != 2 || scheduled[1].ReplacesObligationID != first.ID {
		t.Fatalf("got payout-scheduled %+v, want the replacement's naming %s", scheduled, first.ID)
	}
	day := paid.ValueDate(e.loc)
	r, err := a.Reconciliation(ctx, day, day)
	require.NoError(t, err)
	want := []domain.DayTotal{{Date: day, Type: domain.PayoutFinal, CompletedCount: 2, CompletedFen: 16000, ReversedCount: 1, ReversedFen: 8000}}
	require.Equal(t, want, r.Days)
	wantContract(t, e)
}

func ptr[T any](v T) *T { return &v }

func TestResealMovesPayeesToANewKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	require.NoError(t, e.service(e.bank).HandleAgreement(ctx, agreement(t, "claim-1", 5000)))
	keys, err := sealed.New([]sealed.Key{{ID: "k2", Secret: bytes.Repeat([]byte{9}, sealed.KeyBytes)},
		{ID: "k1", Secret: bytes.Repeat([]byte{7}, sealed.KeyBytes)}})
	require.NoError(t, err)
	rotated := app.NewService(adapters.NewObligations(e.db, nil, e.tracker, keys, e.loc), e.tracker, e.bank, e.gateway, topics, e.clock.Now, e.loc, controls(e))
	n, err := rotated.Reseal(ctx)
	require.NoError(t, err)
	if n != 1 || count(t, e.db, "SELECT count(*) FROM obligations WHERE payee_key_id = 'k2'") != 1 {
		t.Fatalf("got %d resealed, want the one payee under k2", n)
	}
	if n, _ := rotated.Reseal(ctx); n != 0 {
		t.Fatalf("got %d resealed again, want 0", n)
	}
}

// countingRepo counts the repository calls of the executor, each one
// transaction.
type countingRepo struct {
	app.Repository
	mu    sync.Mutex
	calls map[string]int
}

func (r *countingRepo) add(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls[name]++
}

func (r *countingRepo) take() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	got := r.calls
	r.calls = map[string]int{}
	return got
}

func (r *countingRepo) Due(ctx context.Context, now time.Time, states []domain.State, limit int, prepare func([]domain.Obligation), work func(context.Context, *domain.Obligation) (app.Effects, error)) (int, error) {
	r.add("Due")
	return r.Repository.Due(ctx, now, states, limit, prepare, work)
}

func (r *countingRepo) Among(ctx context.Context, now time.Time, pay, check []string, prepare func([]domain.Obligation), work func(context.Context, *domain.Obligation) (app.Effects, error)) (int, error) {
	r.add("Among")
	return r.Repository.Among(ctx, now, pay, check, prepare, work)
}

func (r *countingRepo) UpdateAll(ctx context.Context, now time.Time, ids []string, work func(context.Context, *domain.Obligation) (app.Effects, error)) error {
	r.add("UpdateAll")
	return r.Repository.UpdateAll(ctx, now, ids, work)
}

func (r *countingRepo) Update(ctx context.Context, id string, now time.Time, change func(*domain.Obligation) (app.Effects, error)) (domain.Obligation, error) {
	r.add("Update")
	return r.Repository.Update(ctx, id, now, change)
}

func (r *countingRepo) SendNotices(ctx context.Context, now time.Time, limit int, send func([]outbox.Message) error, sent func(domain.Notice) []tracking.Step) (int, error) {
	r.add("SendNotices")
	return r.Repository.SendNotices(ctx, now, limit, send, sent)
}

// countingBank counts the calls to the bank and the transfers they carry.
type countingBank struct {
	app.Bank
	mu    sync.Mutex
	calls map[string][]int
}

func (b *countingBank) add(name string, n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls[name] = append(b.calls[name], n)
}

func (b *countingBank) take() map[string][]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	got := b.calls
	b.calls = map[string][]int{}
	return got
}

func (b *countingBank) SubmitAll(ctx context.Context, reqs []app.TransferRequest) ([]app.Transfer, error) {
	b.add("SubmitAll", len(reqs))
	return b.Bank.SubmitAll(ctx, reqs)
}

func (b *countingBank) StatusAll(ctx context.Context, keys []string) ([]app.Transfer, error) {
	b.add("StatusAll", len(keys))
	return b.Bank.StatusAll(ctx, keys)
}

// TestDuePaymentsAreSubmittedAndCheckedInBatches checks what ten payments
// due together cost (issue 21): one transaction marks them all sent, one
// call hands them to the bank, and a pending answer is not recorded (the
// sent mark already says to ask); one transaction locks them for the
// check, across one call asking the bank about all of them, and completes
// them, and marks the payments due meanwhile sent; one transaction hands
// their notices to the gateway.
func TestDuePaymentsAreSubmittedAndCheckedInBatches(t *testing.T) {
	t.Parallel()
	const n = 10
	e := newEnv(t)
	e.agreed(t, n)
	ctx := context.Background()
	repo := &countingRepo{Repository: e.repo, calls: map[string]int{}}
	bank := &countingBank{Bank: e.bank, calls: map[string][]int{}}
	a := app.NewService(repo, e.tracker, bank, e.gateway, topics, e.clock.Now, e.loc, controls(e))

	tried, err := a.ExecuteDue(ctx)
	require.NoError(t, err)
	if tried != n {
		t.Fatalf("ExecuteDue: got %d submitted, want %d", tried, n)
	}
	if got := repo.take(); got["Due"] != 1 || got["UpdateAll"] != 0 || got["Update"] != 0 {
		t.Fatalf("ExecuteDue: got repository calls %v, want one Due and no update (the answers are pending)", got)
	}
	if got := bank.calls["SubmitAll"]; len(got) != 1 || got[0] != n {
		t.Fatalf("ExecuteDue: got bank submissions %v, want one call with %d transfers", got, n)
	}
	// The executor's round: three more agreements arrived meanwhile; one
	// transaction checks the ten and marks the three sent.
	for i := range 3 {
		require.NoError(t, e.service(e.bank).HandleAgreement(ctx, agreement(t, fmt.Sprintf("claim-new-%d", i), int64(2000+i))))
	}
	e.clock.Add(2 * time.Second)
	handled, err := a.Execute(ctx, domain.StateScheduled, domain.StateSent)
	require.NoError(t, err)
	if handled != n+3 {
		t.Fatalf("Execute: got %d handled, want %d", handled, n+3)
	}
	if got := repo.take(); got["Due"] != 1 || got["UpdateAll"] != 0 || got["Update"] != 0 {
		t.Fatalf("Execute: got repository calls %v, want one Due", got)
	}
	if got := bank.calls["StatusAll"]; len(got) != 1 || got[0] != n {
		t.Fatalf("Execute: got bank status calls %v, want one call with %d keys", got, n)
	}
	if got := bank.calls["SubmitAll"]; len(got) != 2 || got[1] != 3 {
		t.Fatalf("Execute: got bank submissions %v, want a second call with the 3 new transfers", got)
	}
	if got := count(t, e.db, "SELECT count(*) FROM obligations WHERE state = 'sent'"); got != 3 {
		t.Fatalf("got %d obligations sent, want the 3 new ones", got)
	}
	if got := count(t, e.db, "SELECT count(*) FROM obligations WHERE state = 'completed' AND attempts = 1"); got != n {
		t.Fatalf("got %d obligations completed, want %d", got, n)
	}
	if got := len(payoutEvents(t, e.db, events.PayoutCompleted)); got != n {
		t.Fatalf("got %d payout-completed events, want %d", got, n)
	}
	if got := count(t, e.db, "SELECT count(*) FROM deadline_obligations WHERE rule = 'payment' AND state = 'met'"); got != n {
		t.Fatalf("got %d payment deadlines (R6) met, want %d", got, n)
	}
	if got := count(t, e.db, "SELECT count(*) FROM notifications WHERE rule = 'R9'"); got != n {
		t.Fatalf("got %d result notices (R9), want %d", got, n)
	}
	sent, err := a.SendNotices(ctx)
	require.NoError(t, err)
	if got := repo.take(); sent != n || got["SendNotices"] != 1 {
		t.Fatalf("SendNotices: got %d sent in repository calls %v, want %d in one", sent, got, n)
	}
	wantContract(t, e)
}

// statementsOf records the SQL of the statements db runs from now on,
// through any of gorm's processors (BEGIN and COMMIT are none).
func statementsOf(t *testing.T, db *gorm.DB) func() []string {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	record := func(tx *gorm.DB) { mu.Lock(); seen = append(seen, tx.Statement.SQL.String()); mu.Unlock() }
	cb := db.Callback()
	name := "test:statements:" + t.Name()
	require.NoError(t, cb.Create().After("gorm:create").Register(name, record))
	require.NoError(t, cb.Query().After("gorm:query").Register(name, record))
	require.NoError(t, cb.Update().After("gorm:update").Register(name, record))
	require.NoError(t, cb.Delete().After("gorm:delete").Register(name, record))
	require.NoError(t, cb.Row().After("gorm:row").Register(name, record))
	require.NoError(t, cb.Raw().After("gorm:raw").Register(name, record))
	return func() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(seen) }
}

// TestACheckRoundStoresItsCompletionsByOneStatement: a round that finds
// three transfers settled stores the three completions (the obligations,
// their result notices, R9, their payout-completed events, and their
// deadlines: R6 met, R9 opened) by one statement (issue 21's fifteenth
// round: an UPDATE and a notice's INSERT each, the events' INSERT and the
// deadlines' write, before). The round's statements are the look for what
// is due, the locking read, the bank's answer (the simulator's own
// statement), the deadlines' locking read, and that one.
func TestACheckRoundStoresItsCompletionsByOneStatement(t *testing.T) {
	t.Parallel()
	const n = 3
	e := newEnv(t)
	e.agreed(t, n)
	a := e.service(e.bank)
	ctx := context.Background()
	_, err := a.ExecuteDue(ctx)
	require.NoError(t, err)
	e.clock.Add(2 * time.Second)
	seen := statementsOf(t, e.db)
	checked, err := a.CheckSent(ctx)
	require.NoError(t, err)
	if got := seen(); checked != n || len(got) != 5 {
		t.Fatalf("got %d checked in %d statements, want %d in 5 (look, locking read, bank, deadlines' locking read, completions): %q", checked, len(got), n, got)
	}
	wantEachPaidOnce(t, e, n)
	if got := count(t, e.db, "SELECT count(*) FROM notifications WHERE rule = 'R9'"); got != n {
		t.Fatalf("got %d result notices (R9), want %d", got, n)
	}
	if got := count(t, e.db, "SELECT count(*) FROM deadline_obligations WHERE rule = 'result-notification' AND state = 'open'"); got != n {
		t.Fatalf("got %d result notice deadlines (R9) open, want %d", got, n)
	}
	wantContract(t, e)
}

// checksTold are the checks a service was told to make
// (app.Controls.CheckAt), in the order told, and the payments it was told
// were scheduled (app.Controls.Scheduled).
type checksTold struct {
	mu        sync.Mutex
	told      []app.Check
	scheduled []string
}

func (c *checksTold) schedule(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.scheduled = append(c.scheduled, id)
}

func (c *checksTold) add(cs []app.Check) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.told = append(c.told, cs...)
}

// take returns the checks told since the last take, and their obligations.
func (c *checksTold) take() ([]app.Check, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	got := c.told
	c.told = nil
	ids := make([]string, len(got))
	for i, ch := range got {
		ids[i] = ch.ObligationID
	}
	return got, ids
}

// timedService is e's service over bank, telling checks of the checks to
// make.
func (e *env) timedService(repo app.Repository, bank app.Bank, checks *checksTold) *app.Service {
	c := controls(e)
	c.CheckAt, c.Scheduled = checks.add, checks.schedule
	return app.NewService(repo, e.tracker, bank, e.gateway, topics, e.clock.Now, e.loc, c)
}

// TestTheBanksStatedSettlementTimesTheFirstCheck: the bank's answer to a
// batch says when its transfers settle, and the executor is told to ask
// then (app.Controls.CheckAt), not at its first round after the sent
// mark's next attempt (issue 21's fourteenth round: a settled payment
// waited 145-256 ms for that round). The sent marks leave the rounds
// nothing to ask about before the settlement. A check before it finds the
// transfers pending and is told the same time again; the check at that
// time, with a payment scheduled meanwhile, is one round: one look-free
// lock of both, one call asking the bank about the settled ones, each
// completed, and one handing it the new one.
func TestTheBanksStatedSettlementTimesTheFirstCheck(t *testing.T) {
	t.Parallel()
	const n, latency = 5, 200 * time.Millisecond
	e := newEnv(t)
	e.agreed(t, n)
	ctx := context.Background()
	repo := &countingRepo{Repository: e.repo, calls: map[string]int{}}
	bank := &countingBank{Bank: adapters.NewBankSimulator(e.db, latency, e.clock.Now), calls: map[string][]int{}}
	checks := &checksTold{}
	a := e.timedService(repo, bank, checks)

	settles := e.clock.Now().Add(latency)
	submitted, err := a.ExecuteDue(ctx)
	require.NoError(t, err)
	told, ids := checks.take()
	if submitted != n || len(told) != n {
		t.Fatalf("got %d submitted and checks %v, want %d of each", submitted, told, n)
	}
	for _, c := range told {
		if !c.At.Equal(settles) {
			t.Fatalf("got a check of %s at %v, want it at the bank's settlement %v", c.ObligationID, c.At, settles)
		}
	}
	if got := count(t, e.db, "SELECT count(*) FROM obligations WHERE state = 'sent' AND next_attempt_at <= ?", settles); got != 0 {
		t.Fatalf("got %d sent obligations due at the executor's rounds by the settlement, want 0", got)
	}

	e.clock.Add(latency / 2)
	repo.take()
	early, err := a.ExecuteAmong(ctx, nil, ids)
	require.NoError(t, err)
	again, _ := checks.take()
	if got := count(t, e.db, "SELECT count(*) FROM obligations WHERE state = 'sent'"); early != n || got != n || len(again) != n || !again[0].At.Equal(settles) {
		t.Fatalf("a check before the settlement: got %d checked, %d still sent, checks %v, want %d, %d and each again at %v", early, got, again, n, n, settles)
	}

	e.clock.Add(latency / 2)
	require.NoError(t, a.HandleAgreement(ctx, agreement(t, "claim-new", 3000)))
	if len(checks.scheduled) != 1 {
		t.Fatalf("got payments told scheduled %v, want the new one", checks.scheduled)
	}
	repo.take()
	bank.take()
	handled, err := a.ExecuteAmong(ctx, checks.scheduled, ids)
	require.NoError(t, err)
	if got := repo.take(); handled != n+1 || got["Among"] != 1 || got["Due"] != 0 {
		t.Fatalf("the round at the settlement: got %d handled in repository calls %v, want %d in one Among and no Due", handled, got, n+1)
	}
	if got := bank.take(); !slices.Equal(got["StatusAll"], []int{n}) || !slices.Equal(got["SubmitAll"], []int{1}) {
		t.Fatalf("the round at the settlement: got bank calls %v, want one status call about %d transfers and one taking 1", got, n)
	}
	if later, _ := checks.take(); len(later) != 1 || later[0].ObligationID != checks.scheduled[0] {
		t.Fatalf("got checks %v told after the settlement, want the new payment's alone", later)
	}
	wantEachPaidOnce(t, e, n)
}

// failingBatchBank stands for a process that dies at a batch boundary: it
// ends the instance's context before handing the batch to the bank
// (before), or after the bank took the batch or answered about it (after),
// and answers nothing.
type failingBatchBank struct {
	app.Bank
	die           func()
	submit, check string // "", "before" or "after"
}

func (b failingBatchBank) SubmitAll(ctx context.Context, reqs []app.TransferRequest) ([]app.Transfer, error) {
	if b.submit == "before" {
		b.die()
		return nil, ctx.Err()
	}
	ts, err := b.Bank.SubmitAll(ctx, reqs)
	if b.submit == "after" {
		b.die()
		return nil, ctx.Err()
	}
	return ts, err
}

func (b failingBatchBank) StatusAll(ctx context.Context, keys []string) ([]app.Transfer, error) {
	ts, err := b.Bank.StatusAll(ctx, keys)
	if b.check == "after" {
		b.die()
	}
	return ts, err
}

// TestACrashAtABatchBoundaryPaysEachObligationOnce stops an instance at
// each boundary of a batch of five payments: after the batch was marked
// sent and before the bank call, after the bank took the batch and before
// its answers were recorded, after the bank answered the check of the
// batch and before the answers were recorded (that transaction rolls
// back), and with the bank's answer to the batch lost. A restarted
// instance asks the bank about each and records what it did: every
// payment is executed once, completed once in its first attempt, announced
// once and its R6 deadline met.
func TestACrashAtABatchBoundaryPaysEachObligationOnce(t *testing.T) {
	t.Parallel()
	const n = 5
	tests := []struct {
		name string
		// crash runs the first instance until it dies at the boundary.
		crash func(t *testing.T, e *env, ctx context.Context)
		// wantAtBank is how many transfers the bank holds after the
		// crash, wantExecuted how many it executed.
		wantAtBank, wantExecuted int64
	}{
		{"after the batch was marked sent, before the bank call", func(t *testing.T, e *env, ctx context.Context) {
			dying, die := context.WithCancel(ctx)
			_, _ = e.service(failingBatchBank{Bank: e.bank, die: die, submit: "before"}).ExecuteDue(dying)
		}, 0, 0},
		{"after the bank took the batch, before its answers were recorded", func(t *testing.T, e *env, ctx context.Context) {
			dying, die := context.WithCancel(ctx)
			_, _ = e.service(failingBatchBank{Bank: e.bank, die: die, submit: "after"}).ExecuteDue(dying)
		}, n, 0},
		{"after the bank answered the check of the batch, before the answers were recorded", func(t *testing.T, e *env, ctx context.Context) {
			_, err := e.service(e.bank).ExecuteDue(ctx)
			require.NoError(t, err)
			e.clock.Add(2 * time.Second)
			dying, die := context.WithCancel(ctx)
			if _, err := e.service(failingBatchBank{Bank: e.bank, die: die, check: "after"}).CheckSent(dying); !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, want the instance to die after the bank's answer", err)
			}
		}, n, n},
		{"after the bank answered a check timed by its answer, before the answers were recorded", func(t *testing.T, e *env, ctx context.Context) {
			checks := &checksTold{}
			_, err := e.timedService(e.repo, e.bank, checks).ExecuteDue(ctx)
			require.NoError(t, err)
			_, ids := checks.take()
			dying, die := context.WithCancel(ctx)
			if _, err := e.timedService(e.repo, failingBatchBank{Bank: e.bank, die: die, check: "after"}, checks).ExecuteAmong(dying, nil, ids); !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, want the instance to die after the bank's answer", err)
			}
		}, n, n},
		{"the bank's answer to the batch was lost", func(t *testing.T, e *env, ctx context.Context) {
			e.bank.FailNext(adapters.SimLostAnswer, 1)
			_, err := e.service(e.bank).ExecuteDue(ctx)
			require.NoError(t, err)
		}, n, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			ctx := context.Background()
			e.agreed(t, n)
			tt.crash(t, e, ctx)
			if got := count(t, e.db, "SELECT count(*) FROM obligations WHERE state = 'sent' AND attempts = 1"); got != n {
				t.Fatalf("after the crash: got %d obligations sent, want %d (the batch marked before the bank call)", got, n)
			}
			if got := count(t, e.db, "SELECT count(*) FROM banksim.transfers"); got != tt.wantAtBank {
				t.Fatalf("after the crash: got %d transfers at the bank, want %d", got, tt.wantAtBank)
			}
			if got := count(t, e.db, "SELECT coalesce(sum(executions), 0) FROM banksim.transfers"); got != tt.wantExecuted {
				t.Fatalf("after the crash: got %d transfers executed, want %d", got, tt.wantExecuted)
			}
			if got := len(payoutEvents(t, e.db, events.PayoutCompleted)); got != 0 {
				t.Fatalf("after the crash: got %d payout-completed events, want 0", got)
			}
			// A restarted instance asks the bank and records what it did.
			e.settle(t, e.service(e.bank))
			wantEachPaidOnce(t, e, n)
			if got := count(t, e.db, "SELECT count(*) FROM banksim.transfers WHERE executions = 1 AND submissions = 1"); got != n {
				t.Fatalf("got %d transfers executed once from one submission, want %d", got, n)
			}
		})
	}
}

// reorderingBank answers about a batch other than in the order of the
// request (change), as a bank adapter that sorts its answers, or a bulk
// file read back in another order or cut short, would.
type reorderingBank struct {
	app.Bank
	change func([]app.Transfer) []app.Transfer
}

func (b reorderingBank) SubmitAll(ctx context.Context, reqs []app.TransferRequest) ([]app.Transfer, error) {
	ts, err := b.Bank.SubmitAll(ctx, reqs)
	return b.change(ts), err
}

func (b reorderingBank) StatusAll(ctx context.Context, keys []string) ([]app.Transfer, error) {
	ts, err := b.Bank.StatusAll(ctx, keys)
	return b.change(ts), err
}

// TestAttackAnAnswerAboutAnotherTransferIsNotRecorded: a batch's answers
// come back in another order than the transfers, or one is left out
// (issue 21). Matched by position, the transfer the bank refused would be
// recorded as paid (and never paid) and the one it paid as refused (and
// paid again once its payee is corrected). An answer is recorded only for
// the transfer it names; the others wait for a check that answers in
// order.
func TestAttackAnAnswerAboutAnotherTransferIsNotRecorded(t *testing.T) {
	t.Parallel()
	for name, change := range map[string]func([]app.Transfer) []app.Transfer{
		"reversed": func(ts []app.Transfer) []app.Transfer { slices.Reverse(ts); return ts },
		"the first left out": func(ts []app.Transfer) []app.Transfer {
			if len(ts) > 1 {
				return ts[1:]
			}
			return ts
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			wantEachAnswerRecordedForItsTransfer(t, change)
		})
	}
}

// wantEachAnswerRecordedForItsTransfer pays two claims, one to an account
// that does not exist, through a bank whose answers change changes, then
// through the bank as it is, and checks that each payment ends as the bank
// did it.
func wantEachAnswerRecordedForItsTransfer(t *testing.T, change func([]app.Transfer) []app.Transfer) {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	a := e.service(reorderingBank{Bank: e.bank, change: change})
	require.NoError(t, a.HandleAgreement(ctx, agreement(t, "paid", 5000)))
	// Ends in 0000: no such account.
	require.NoError(t, a.HandleAgreement(ctx, agreement(t, "refused", 7000, func(d *events.AgreementReachedData) {
		d.Payee.AccountNumber = "6222000011110000"
	})))
	_, err := a.ExecuteDue(ctx)
	require.NoError(t, err)
	for range 3 {
		e.clock.Add(2 * time.Second)
		_, err = a.CheckSent(ctx)
		require.NoError(t, err)
	}
	e.settle(t, e.service(e.bank))
	for claimID, want := range map[string]domain.State{"paid": domain.StateCompleted, "refused": domain.StateFailed} {
		l, err := a.Obligations(ctx, claimID, "", 1)
		require.NoError(t, err)
		require.Len(t, l, 1)
		if l[0].State != want {
			t.Fatalf("got claim %s's payment %s (%s), want %s", claimID, l[0].State, l[0].LastError, want)
		}
	}
	if got := payoutEvents(t, e.db, events.PayoutCompleted); len(got) != 1 || got[0].ClaimID != "paid" {
		t.Fatalf("got completions %+v, want claim paid's only", got)
	}
}

// noReferenceBank says a transfer succeeded without the bank's reference,
// which no completion can be recorded without.
type noReferenceBank struct {
	app.Bank
	key string
}

func (b noReferenceBank) StatusAll(ctx context.Context, keys []string) ([]app.Transfer, error) {
	ts, err := b.Bank.StatusAll(ctx, keys)
	for i := range ts {
		if ts[i].Key == b.key {
			ts[i].Reference = ""
		}
	}
	return ts, err
}

// TestAttackOneAnswerThatCannotBeRecordedHoldsNoOtherPayment: the bank's
// answer about one transfer of a batch cannot be recorded (a success
// without its reference). The others' answers are recorded (issue 21: one
// transaction a batch must not make one payment's fault every payment's);
// the faulty one stays sent, with the error, and is asked about again.
func TestAttackOneAnswerThatCannotBeRecordedHoldsNoOtherPayment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.service(e.bank)
	e.agreedInTurn(t, a, "first", "faulty", "last")
	_, err := a.ExecuteDue(ctx)
	require.NoError(t, err)
	faulty, err := a.Obligations(ctx, "faulty", "", 1)
	require.NoError(t, err)
	require.Len(t, faulty, 1)
	e.clock.Add(2 * time.Second)
	checked, err := e.service(noReferenceBank{Bank: e.bank, key: faulty[0].ID}).CheckSent(ctx)
	require.NoError(t, err)
	if checked != 3 || e.paid(t, "first") != 5000 || e.paid(t, "last") != 5000 {
		t.Fatalf("got %d checked, %d and %d fen paid to first and last, want 3 checked and both paid", checked, e.paid(t, "first"), e.paid(t, "last"))
	}
	held, err := a.Obligations(ctx, "faulty", "", 1)
	require.NoError(t, err)
	if o := held[0]; o.State != domain.StateSent || !strings.Contains(o.LastError, "reference") || !o.NextAttemptAt.After(e.clock.Now()) {
		t.Fatalf("got the faulty payment %s (%q) next asked at %s, want sent, its error kept, asked again later", o.State, o.LastError, o.NextAttemptAt)
	}
	e.settle(t, a)
	if got := e.paid(t, "faulty"); got != 5000 {
		t.Fatalf("got %d fen paid to faulty once the bank answers with its reference, want 5000", got)
	}
	wantEachPaidOnce(t, e, 3)
}

// TestAttackOnePayeeThatCannotBeOpenedHoldsNoOtherPayment damages the
// sealed payee of one of three due payments (as a damaged disk or a key
// dropped too early from PAYOUT_DATA_KEYS would): the other two are paid in
// the same round, while that one is held with the reason, the alarm counted
// once, never sent to the bank (so never to an empty or a wrong account)
// and not taken again in the next rounds.
func TestAttackOnePayeeThatCannotBeOpenedHoldsNoOtherPayment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.service(e.bank)
	e.agreedInTurn(t, a, "first", "damaged", "last")
	e.damagePayees(t, "damaged")
	for range 3 {
		_, err := a.ExecuteDue(ctx)
		require.NoError(t, err)
		e.clock.Add(2 * time.Second)
		_, err = a.CheckSent(ctx)
		require.NoError(t, err)
	}
	if e.paid(t, "first") != 5000 || e.paid(t, "last") != 5000 {
		t.Fatalf("got %d and %d fen paid to first and last, want both paid 5000", e.paid(t, "first"), e.paid(t, "last"))
	}
	var held struct {
		ID            string
		State         string
		Attempts      int
		LastError     string
		NextAttemptAt time.Time
	}
	require.NoError(t, e.db.Raw("SELECT id, state, attempts, last_error, next_attempt_at FROM obligations WHERE claim_id = 'damaged'").Scan(&held).Error)
	if held.State != string(domain.StateScheduled) || held.Attempts != 0 || !strings.Contains(held.LastError, "payee cannot be opened") ||
		!held.NextAttemptAt.After(e.clock.Now().Add(30*time.Minute)) {
		t.Fatalf("got the damaged payment %s after %d attempts (%q) next tried at %s, want scheduled, never sent, held with the reason for a while",
			held.State, held.Attempts, held.LastError, held.NextAttemptAt)
	}
	if n := count(t, e.db, "SELECT count(*) FROM banksim.transfers WHERE idempotency_key = ?", held.ID); n != 0 {
		t.Fatalf("got %d transfers of the payment whose payee does not open, want none", n)
	}
	if n := count(t, e.db, "SELECT count(*) FROM obligations WHERE claim_id = 'damaged' AND payee_sealed IS NOT NULL"); n != 1 {
		t.Fatalf("got %d damaged payees kept, want the sealed payee kept as it was for a person to look at", n)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.held != 1 {
		t.Fatalf("got the alarm of an unreadable payee raised %d times in three rounds, want once", e.held)
	}
}

// rerunningRepo runs the executor's first batch twice, as
// postgres.Transaction runs again a transaction PostgreSQL failed as a
// deadlock's victim: the first attempt does its work, then fails and is
// rolled back whole; between (may be nil) runs between the attempts.
type rerunningRepo struct {
	app.Repository
	between func()
	rerun   bool
}

func (r *rerunningRepo) Due(ctx context.Context, now time.Time, states []domain.State, limit int, prepare func([]domain.Obligation), work func(context.Context, *domain.Obligation) (app.Effects, error)) (int, error) {
	if !r.rerun {
		r.rerun = true
		lost := errors.New("deadlock detected (SQLSTATE 40P01)")
		_, err := r.Repository.Due(ctx, now, states, limit, prepare, func(ctx context.Context, o *domain.Obligation) (app.Effects, error) {
			if _, err := work(ctx, o); err != nil {
				return app.Effects{}, err
			}
			return app.Effects{}, lost
		})
		if !errors.Is(err, lost) {
			return 0, fmt.Errorf("got %v from the first attempt, want it to fail as a deadlock's victim", err)
		}
		if r.between != nil {
			r.between()
		}
	}
	return r.Repository.Due(ctx, now, states, limit, prepare, work)
}

// TestAttackAnExecutorBatchRunAgainAfterADeadlockSubmitsEachPaymentOnce:
// the transaction marking a batch sent is run again after the first
// attempt lost a deadlock (postgres.Transaction). What the lost attempt
// gathered in memory (the payments it marked sent, rolled back) must not
// reach the bank beside what the second attempt marked, nor when the
// second attempt finds the payments gone (another instance took them, or
// they are no longer due): each payment is handed to the bank only by the
// attempt that committed its mark, and paid once.
func TestAttackAnExecutorBatchRunAgainAfterADeadlockSubmitsEachPaymentOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// between runs between the two attempts.
		between   func(e *env)
		wantCalls []int
	}{
		{"the second attempt finds them again", nil, []int{2}},
		{"the second attempt finds none due", func(e *env) {
			require.NoError(t, e.db.Exec("UPDATE obligations SET next_attempt_at = next_attempt_at + interval '1 hour'").Error)
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			bank := &countingBank{Bank: e.bank, calls: map[string][]int{}}
			repo := &rerunningRepo{Repository: e.repo}
			if tt.between != nil {
				repo.between = func() { tt.between(e) }
			}
			a := app.NewService(repo, e.tracker, bank, e.gateway, topics, e.clock.Now, e.loc, controls(e))
			e.agreedInTurn(t, a, "claim-1", "claim-2")
			_, err := a.ExecuteDue(context.Background())
			require.NoError(t, err)
			if got := bank.calls["SubmitAll"]; !slices.Equal(got, tt.wantCalls) {
				t.Fatalf("got the bank handed %v transfers a call, want %v: a payment goes to the bank only once its sent mark committed", got, tt.wantCalls)
			}
			e.clock.Add(2 * time.Hour)
			e.settle(t, e.service(e.bank))
			wantEachPaidOnce(t, e, 2)
			if got := count(t, e.db, "SELECT coalesce(sum(submissions), 0) FROM banksim.transfers"); got != 2 {
				t.Fatalf("got %d submissions at the bank, want 2", got)
			}
		})
	}
}

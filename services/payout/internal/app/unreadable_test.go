package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/payout/internal/app"
	"claims.local/payout/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/events"
)

// adjudicationAnswers stands in for adjudication's payment authorisations
// (GET /v1/payment-authorisations); err, when set, is its failure.
type adjudicationAnswers struct {
	auths []domain.Authorisation
	err   error
}

func (a *adjudicationAnswers) PaymentAuthorisations(context.Context, time.Time, time.Time) ([]domain.Authorisation, error) {
	return a.auths, a.err
}

// damagedPayment has payout handle the agreement of claimID (RMB 50 to
// account, recorded by handler-1), authorised by adjudication to that
// account, damages its sealed payee as a damaged disk or a data key dropped
// too early would, and runs a round of the executor, which holds it. It
// returns the held payment's id.
func damagedPayment(t *testing.T, e *env, a *app.Service, claimID string) string {
	t.Helper()
	ctx := context.Background()
	e.agreedInTurn(t, a, claimID)
	e.damagePayees(t, claimID)
	_, err := a.ExecuteDue(ctx)
	require.NoError(t, err)
	var id string
	require.NoError(t, e.db.Raw("SELECT id FROM obligations WHERE claim_id = ?", claimID).Scan(&id).Error)
	o, err := a.Obligation(ctx, id)
	require.NoError(t, err)
	if o.PayeeUnreadable == "" || o.State != domain.StateScheduled || o.Payee != (domain.Payee{}) {
		t.Fatalf("got the damaged payment %s, unreadable %q; want it held, scheduled, its payee unreadable and shown as none", o.State, o.PayeeUnreadable)
	}
	return id
}

// damagePayees flips the last byte of the sealed payees of claimID's
// payments, as a damaged disk or a data key dropped too early from
// PAYOUT_DATA_KEYS would leave them: they no longer open.
func (e *env) damagePayees(t *testing.T, claimID string) {
	t.Helper()
	require.NoError(t, e.db.Exec(`UPDATE obligations SET payee_sealed = set_byte(payee_sealed, length(payee_sealed) - 1,
		(get_byte(payee_sealed, length(payee_sealed) - 1) + 1) % 256) WHERE claim_id = ?`, claimID).Error)
}

// newDamagedEnv is an env whose adjudication authorised each of claims to
// account, as the agreement's payee named it.
func newDamagedEnv(t *testing.T, claims ...string) *env {
	t.Helper()
	e := newEnv(t)
	answers := &adjudicationAnswers{}
	for _, c := range claims {
		answers.auths = append(answers.auths, domain.Authorisation{Kind: domain.AuthorisedAgreement, ClaimID: c, ReferenceID: "case-" + c,
			AmountFen: 5000, AccountFingerprint: e.fingerprints.Account(c, account), AuthorisedAt: time.Date(2026, 10, 9, 2, 0, 0, 0, time.UTC)})
	}
	e.authorisations = answers
	return e
}

var (
	beneficiary = domain.Payee{Name: "李四", Role: domain.RoleBeneficiary, BankName: "中国工商银行", AccountNumber: account}
	seniorOther = auth.Principal{Subject: "senior-9", Roles: []auth.Role{auth.SeniorHandler}}
)

// payeeTrail returns the actions of the payee audit trail of id.
func payeeTrail(t *testing.T, a *app.Service, id string) []string {
	t.Helper()
	changes, err := a.PayeeChanges(context.Background(), id)
	require.NoError(t, err)
	var out []string
	for _, c := range changes {
		out = append(out, c.Action+" by "+c.By)
	}
	return out
}

func wantCode(t *testing.T, what string, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("%s: got %v, want %s", what, err, code)
	}
}

// TestAHeldPayeeThatCannotBeOpenedIsSuppliedAgainAndPaidOnceConfirmed: a
// handler supplies the payee of a payment held because its sealed payee
// cannot be opened; it waits for a second senior, whatever its amount, and
// once confirmed is paid once, into the account adjudication authorised.
// The trail records who supplied and who confirmed it.
func TestAHeldPayeeThatCannotBeOpenedIsSuppliedAgainAndPaidOnceConfirmed(t *testing.T) {
	t.Parallel()
	e := newDamagedEnv(t, "damaged")
	a := e.service(e.bank)
	ctx := context.Background()
	id := damagedPayment(t, e, a, "damaged")
	o, err := a.CorrectPayee(ctx, id, beneficiary, "handler-2", "已电话核实受益人账户")
	require.NoError(t, err)
	if o.State != domain.StateAwaitingConfirmation || o.PayeeUnreadable != "" || o.PayeeCorrectedBy != "handler-2" {
		t.Fatalf("got %s, unreadable %q, corrected by %q; want awaiting a second senior, readable, corrected by handler-2", o.State, o.PayeeUnreadable, o.PayeeCorrectedBy)
	}
	_, err = a.ExecuteDue(ctx)
	require.NoError(t, err)
	if n := count(t, e.db, "SELECT count(*) FROM banksim.transfers"); n != 0 {
		t.Fatalf("got %d transfers before a second senior confirmed the supplied payee, want 0", n)
	}
	e.clock.Add(time.Second) // the trail is in the order of its times
	_, err = a.ConfirmPayee(ctx, id, seniorOther)
	require.NoError(t, err)
	e.settle(t, a)
	if got := e.paid(t, "damaged"); got != 5000 {
		t.Fatalf("got %d fen paid, want 5000 once confirmed", got)
	}
	wantEachPaidOnce(t, e, 1)
	got, err := a.Obligation(ctx, id)
	require.NoError(t, err)
	if got.Payee.AccountNumber != account {
		t.Fatalf("got the stored payee's account ending %s, want the supplied one sealed again and readable", domain.AccountTail(got.Payee.AccountNumber))
	}
	trail := payeeTrail(t, a, id)
	want := []string{"set by handler-1", "replaced_unreadable by handler-2", "confirmed by senior-9"}
	if len(trail) != 3 || trail[1] != want[1] || trail[2] != want[2] {
		t.Fatalf("got the payee trail %v, want %v", trail, want)
	}
}

// TestAttackAPayeeSuppliedForAnUnreadableOneIntoAnotherAccountIsRefused: a
// handler supplies, for the held payment, a payee paid into an account of
// their choosing (their own). Nobody can compare it with the unreadable
// payee, so the account adjudication authorised stands in: refused
// (payee_not_entitled), the payment still held, nothing in the trail. An
// authorisation of another claim to that account authorises nothing here.
func TestAttackAPayeeSuppliedForAnUnreadableOneIntoAnotherAccountIsRefused(t *testing.T) {
	t.Parallel()
	const attackers = "6217000099990001"
	e := newDamagedEnv(t, "damaged")
	answers := e.authorisations.(*adjudicationAnswers)
	answers.auths = append(answers.auths, domain.Authorisation{Kind: domain.AuthorisedAgreement, ClaimID: "other-claim", ReferenceID: "case-other",
		AmountFen: 5000, AccountFingerprint: e.fingerprints.Account("other-claim", attackers)})
	a := e.service(e.bank)
	ctx := context.Background()
	id := damagedPayment(t, e, a, "damaged")
	for name, p := range map[string]domain.Payee{
		"the handler's own account": {Name: "李四", Role: domain.RoleBeneficiary, BankName: "中国建设银行", AccountNumber: attackers},
		"an agent's account":        {Name: "王五", Role: domain.RoleAgent, BankName: "中国建设银行", AccountNumber: attackers, OnBehalfOf: &domain.Person{Name: "李四", Relation: "spouse"}},
	} {
		_, err := a.CorrectPayee(ctx, id, p, "handler-2", "客户来电要求改账户")
		wantCode(t, name, err, apperr.PayeeNotEntitled)
	}
	// Adjudication unreachable, or not knowing the payment: nothing changes.
	answers.err = errors.New("connection refused")
	_, err := a.CorrectPayee(ctx, id, beneficiary, "handler-2", "已电话核实受益人账户")
	wantCode(t, "adjudication unreachable", err, apperr.Unavailable)
	answers.err, answers.auths = nil, answers.auths[1:]
	_, err = a.CorrectPayee(ctx, id, beneficiary, "handler-2", "已电话核实受益人账户")
	wantCode(t, "no authorisation of this claim", err, apperr.Unavailable)
	o, err := a.Obligation(ctx, id)
	require.NoError(t, err)
	if o.PayeeUnreadable == "" || o.State != domain.StateScheduled {
		t.Fatalf("got the payment %s, unreadable %q after the refused attempts; want it still held, unreadable", o.State, o.PayeeUnreadable)
	}
	if trail := payeeTrail(t, a, id); len(trail) != 1 {
		t.Fatalf("got the payee trail %v, want only its setting (nothing refused recorded as a change)", trail)
	}
}

// TestAttackTheHandlerWhoSuppliedAnUnreadablePayeeCannotConfirmIt: the
// handler who supplied the payee, also a senior, confirms it themselves;
// so does the handler who recorded the agreement; a handler who is no
// senior tries too. Each is refused (four-eyes: a senior with no hand in
// the payment), and nothing is paid until another senior confirms.
func TestAttackTheHandlerWhoSuppliedAnUnreadablePayeeCannotConfirmIt(t *testing.T) {
	t.Parallel()
	e := newDamagedEnv(t, "damaged")
	a := e.service(e.bank)
	ctx := context.Background()
	id := damagedPayment(t, e, a, "damaged")
	_, err := a.CorrectPayee(ctx, id, beneficiary, "senior-2", "已电话核实受益人账户")
	require.NoError(t, err)
	for name, who := range map[string]auth.Principal{
		"the supplier":              {Subject: "senior-2", Roles: []auth.Role{auth.SeniorHandler}},
		"the supplier, spelt again": {Subject: " SENIOR-2 ", Roles: []auth.Role{auth.SeniorHandler}},
		"the agreement's recorder":  {Subject: "handler-1", Roles: []auth.Role{auth.SeniorHandler}},
		"a handler, not senior":     {Subject: "handler-7", Roles: []auth.Role{auth.Handler}},
	} {
		_, err := a.ConfirmPayee(ctx, id, who)
		wantCode(t, name, err, apperr.Forbidden)
	}
	e.settle(t, a)
	if n := count(t, e.db, "SELECT count(*) FROM banksim.transfers"); n != 0 {
		t.Fatalf("got %d transfers with the supplied payee confirmed by nobody else, want 0", n)
	}
}

// TestAttackASupplyOfAPayeeReplayedOrAimedAtAReadablePaymentChangesNothing:
// the request that supplied the payee of a held payment is sent again,
// before and after the confirmation, with another account (the replay of
// a captured request, edited); and the same kind of request is aimed at a
// payment whose payee opens and that the bank never refused, to swap its
// payee without a failure. Each is refused; the confirmed payee is paid
// once, and the trail holds one supply.
func TestAttackASupplyOfAPayeeReplayedOrAimedAtAReadablePaymentChangesNothing(t *testing.T) {
	t.Parallel()
	e := newDamagedEnv(t, "damaged", "healthy")
	a := e.service(e.bank)
	ctx := context.Background()
	id := damagedPayment(t, e, a, "damaged")
	_, err := a.CorrectPayee(ctx, id, beneficiary, "handler-2", "已电话核实受益人账户")
	require.NoError(t, err)
	_, err = a.CorrectPayee(ctx, id, beneficiary, "handler-2", "已电话核实受益人账户")
	wantCode(t, "the request again", err, apperr.Conflict)
	_, err = a.ConfirmPayee(ctx, id, seniorOther)
	require.NoError(t, err)
	edited := beneficiary
	edited.AccountNumber = "6217000099990001"
	_, err = a.CorrectPayee(ctx, id, edited, "handler-3", "已电话核实受益人账户")
	wantCode(t, "the request again after the confirmation, another account", err, apperr.Conflict)
	e.agreedInTurn(t, a, "healthy")
	list, err := a.Obligations(ctx, "healthy", "", 1)
	require.NoError(t, err)
	_, err = a.CorrectPayee(ctx, list[0].ID, edited, "handler-3", "客户来电要求改账户")
	wantCode(t, "a payment whose payee opens", err, apperr.Conflict)
	e.settle(t, a)
	if e.paid(t, "damaged") != 5000 || e.paid(t, "healthy") != 5000 {
		t.Fatalf("got %d and %d fen paid, want each 5000 once", e.paid(t, "damaged"), e.paid(t, "healthy"))
	}
	wantEachPaidOnce(t, e, 2)
	if trail := payeeTrail(t, a, id); len(trail) != 3 {
		t.Fatalf("got the payee trail %v, want set, one supply and its confirmation", trail)
	}
}

// TestAttackAPaidAdvanceWhosePayeeNoLongerOpensHoldsNoLaterPaymentOfItsClaim:
// an advance was paid, and its stored payee is damaged afterwards (a
// damaged disk, or its data key dropped from PAYOUT_DATA_KEYS too early).
// The claim's final payment is paid and recorded as completed all the
// same: its completion reads the claim's earlier payments (R10 counts what
// one agent collected) and must not fail on one it cannot open.
func TestAttackAPaidAdvanceWhosePayeeNoLongerOpensHoldsNoLaterPaymentOfItsClaim(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.service(e.bank)
	ctx := context.Background()
	require.NoError(t, a.HandleAdvance(ctx, advance(t, "claim-adv", 30_000)))
	e.settle(t, a)
	e.damagePayees(t, "claim-adv")
	e.clock.Add(time.Second)
	require.NoError(t, a.HandleAgreement(ctx, agreement(t, "claim-adv", 80_000, func(d *events.AgreementReachedData) { d.AdvancedFen = 30_000 })))
	for range 5 {
		_, err := a.ExecuteDue(ctx)
		require.NoError(t, err)
		e.clock.Add(2 * time.Second)
		_, _ = a.CheckSent(ctx)
	}
	if got := e.paid(t, "claim-adv"); got != 80_000 {
		var last string
		require.NoError(t, e.db.Raw("SELECT state || ': ' || last_error FROM obligations WHERE claim_id = 'claim-adv' AND payout_type = 'final'").Scan(&last).Error)
		t.Fatalf("got %d fen recorded paid on the claim, want 80000 (the advance and the final payment, %s)", got, last)
	}
}

// TestAttackARejectionAfterAdvancesWhosePayeesNoLongerOpenSettlesThem: a
// claim's advance was paid and a second one waits, held, and both stored
// payees are damaged; then the claim is rejected. The rejection must still
// settle them: the unsent one cancelled, the paid one owed back (finance
// told, the payee unknown), each damaged payee kept as it was.
func TestAttackARejectionAfterAdvancesWhosePayeesNoLongerOpenSettlesThem(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.service(e.bank)
	ctx := context.Background()
	e.advancePaidAndAnotherScheduled(t, a, "claim-1")
	e.damagePayees(t, "claim-1")
	var sealedBefore [][]byte
	require.NoError(t, e.db.Raw("SELECT payee_sealed FROM obligations WHERE claim_id = 'claim-1' ORDER BY id").Scan(&sealedBefore).Error)
	require.NoError(t, a.HandleDecision(ctx, decided(t, "claim-1", events.OutcomeRejected)))
	if n := count(t, e.db, "SELECT count(*) FROM obligations WHERE claim_id = 'claim-1' AND state = 'cancelled' AND amount_fen = 5000"); n != 1 {
		t.Fatalf("got %d cancelled advances, want the unsent one", n)
	}
	if n := count(t, e.db, "SELECT count(*) FROM outbox WHERE event_type = ? AND msg_key = 'claim-1'", events.RecoveryDue.Name); n != 1 {
		t.Fatalf("got %d recovery-due events, want 1 (the paid advance owed back)", n)
	}
	var sealedAfter [][]byte
	require.NoError(t, e.db.Raw("SELECT payee_sealed FROM obligations WHERE claim_id = 'claim-1' ORDER BY id").Scan(&sealedAfter).Error)
	require.Equal(t, sealedBefore, sealedAfter, "the damaged sealed payees, kept as they were")
}

// sentThenDamaged has payout handle the agreement of claimID (RMB 50 to
// account), marks it sent through bank, then damages its sealed payee, as
// a data key dropped while the transfer was at the bank would: the payment
// is sent and its payee no longer opens. It returns the payment's id.
func sentThenDamaged(t *testing.T, e *env, bank app.Bank, claimID string) string {
	t.Helper()
	ctx := context.Background()
	e.agreedInTurn(t, e.service(e.bank), claimID)
	_, err := e.service(bank).ExecuteDue(ctx)
	require.NoError(t, err)
	var id string
	require.NoError(t, e.db.Raw("SELECT id FROM obligations WHERE claim_id = ? AND state = 'sent'", claimID).Scan(&id).Error)
	if id == "" {
		t.Fatalf("got no sent payment of %s, want it marked sent before the bank's answer", claimID)
	}
	e.damagePayees(t, claimID)
	e.clock.Add(2 * time.Second)
	return id
}

// TestASentPaymentWhosePayeeNoLongerOpensAndTheBankRefusedTakesASuppliedPayee:
// a payment is at the bank when its sealed payee stops opening, and the
// bank refuses the transfer (no such account). Asking the bank what became
// of a transfer needs its key, not its payee: the refusal is recorded
// (failed, finance told, the R6 deadline still open), and a handler
// supplies the payee into the account adjudication authorised; once a
// second senior confirms it, it is paid once, at the second attempt.
func TestASentPaymentWhosePayeeNoLongerOpensAndTheBankRefusedTakesASuppliedPayee(t *testing.T) {
	t.Parallel()
	e := newDamagedEnv(t, "refused")
	a := e.service(e.bank)
	ctx := context.Background()
	e.bank.FailNext(app.FailureInvalidAccount, 1)
	id := sentThenDamaged(t, e, e.bank, "refused")
	_, err := a.CheckSent(ctx)
	require.NoError(t, err)
	o, err := a.Obligation(ctx, id)
	require.NoError(t, err)
	if o.State != domain.StateFailed || !strings.HasPrefix(o.LastError, app.FailureInvalidAccount) {
		t.Fatalf("got the payment %s (%s), want failed for the bank's refusal: a refusal is asked by the transfer's key, not its payee", o.State, o.LastError)
	}
	if got := len(payoutEvents(t, e.db, events.PayoutFailed)); got != 1 {
		t.Fatalf("got %d payout-failed events, want 1", got)
	}
	if got := count(t, e.db, "SELECT count(*) FROM deadline_obligations WHERE subject = ? AND state = 'open'", "payout/"+id); got != 1 {
		t.Fatalf("got %d open R6 deadlines for the refused payment, want 1: it is still owed", got)
	}
	o, err = a.CorrectPayee(ctx, id, beneficiary, "handler-2", "已电话核实受益人账户")
	require.NoError(t, err)
	if o.State != domain.StateAwaitingConfirmation || o.PayeeUnreadable != "" {
		t.Fatalf("got %s, unreadable %q; want awaiting a second senior, the supplied payee readable", o.State, o.PayeeUnreadable)
	}
	e.clock.Add(time.Second)
	_, err = a.ConfirmPayee(ctx, id, seniorOther)
	require.NoError(t, err)
	e.settle(t, a)
	if got := e.paid(t, "refused"); got != 5000 {
		t.Fatalf("got %d fen paid, want 5000 once confirmed", got)
	}
	// Refused at the first attempt, paid to the supplied payee at the
	// second.
	wantEachPaidOnceAt(t, e, 1, 2)
	if trail := payeeTrail(t, a, id); len(trail) != 3 || trail[1] != "replaced_unreadable by handler-2" {
		t.Fatalf("got the payee trail %v, want set, the supply by handler-2 and its confirmation", trail)
	}
}

// TestAttackASentPaymentWhosePayeeNoLongerOpensIsNeverSentAgainBlind: a
// payment whose payee stopped opening while it was at the bank. When the
// bank never received it (the process died before the call), sending it
// again would send money to an empty account: it is held, not resent, and
// the alarm raised. When the bank paid it, its completion cannot say
// whether an agent collected (R10 is in the payee): held too, the money
// moved once, nothing sent again. Neither takes a supplied payee while the
// bank may still move the money.
func TestAttackASentPaymentWhosePayeeNoLongerOpensIsNeverSentAgainBlind(t *testing.T) {
	t.Parallel()
	for name, tt := range map[string]struct {
		bank          func(e *env) app.Bank
		wantTransfers int64
	}{
		"never received": {func(e *env) app.Bank { return droppingBank{e.bank} }, 0},
		"paid":           {func(e *env) app.Bank { return e.bank }, 1},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newDamagedEnv(t, "blind")
			a := e.service(e.bank)
			ctx := context.Background()
			id := sentThenDamaged(t, e, tt.bank(e), "blind")
			for range 3 {
				_, err := a.CheckSent(ctx)
				require.NoError(t, err)
				e.clock.Add(domain.PayeeHold + time.Second)
			}
			o, err := a.Obligation(ctx, id)
			require.NoError(t, err)
			if o.State != domain.StateSent || o.PayeeUnreadable == "" {
				t.Fatalf("got the payment %s, unreadable %q; want it still sent, held", o.State, o.PayeeUnreadable)
			}
			if got := count(t, e.db, "SELECT count(*) FROM banksim.transfers"); got != tt.wantTransfers {
				t.Fatalf("got %d transfers at the bank, want %d (nothing sent again without its payee)", got, tt.wantTransfers)
			}
			if got := count(t, e.db, "SELECT coalesce(sum(submissions), 0) FROM banksim.transfers"); got != tt.wantTransfers {
				t.Fatalf("got %d submissions, want %d", got, tt.wantTransfers)
			}
			e.mu.Lock()
			held := e.held
			e.mu.Unlock()
			if held == 0 {
				t.Fatal("got no alarm for the held payment, want one a round")
			}
			_, err = a.CorrectPayee(ctx, id, beneficiary, "handler-2", "已电话核实受益人账户")
			wantCode(t, "a payee supplied while the bank may have the transfer", err, apperr.Conflict)
		})
	}
}

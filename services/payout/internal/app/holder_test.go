package app_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"claims.local/payout/internal/adapters"
	"claims.local/payout/internal/app"
	"claims.local/payout/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/events"
)

// silentBank is a payee's bank whose account-holder verification does not
// answer.
type silentBank struct{}

func (silentBank) Verify(context.Context, string, string) (domain.HolderCheck, error) {
	return domain.HolderCheck{}, errors.New("connection refused")
}

// withHolders is the use cases of e asking holders whether a payee typed
// in payout holds its account.
func (e *env) withHolders(holders app.HolderVerifier) *app.Service {
	c := controls(e)
	c.Holders = holders
	return app.NewService(e.repo, e.tracker, e.bank, e.gateway, topics, e.clock.Now, e.loc, c)
}

// openAccounts registers accounts (number to holder) in the simulated
// bank's register, as the bank opened them.
func (e *env) openAccounts(t *testing.T, accounts map[string]string) {
	t.Helper()
	for number, holder := range accounts {
		require.NoError(t, e.db.Exec("INSERT INTO holdersim.accounts (account_number, holder_name) VALUES (?, ?)", number, holder).Error)
	}
}

// TestAttackACorrectedPayeeWhoseAccountIsHeldBySomeoneElseIsNotPaid: the
// bank refused a payment (no such account) and a handler corrects its
// payee: the beneficiary 李四, into an account the bank holds in 王五's
// name. Intake asked the bank about the claim request's payee only;
// payout paid the corrected one on the handler's word (the amount is below
// the confirmation threshold, so nobody else looked). The correction must
// be refused (422 payee_not_entitled) and nothing paid; a bank that does
// not answer changes nothing (503); the account the bank holds in 李四's
// name is taken and paid.
func TestAttackACorrectedPayeeWhoseAccountIsHeldBySomeoneElseIsNotPaid(t *testing.T) {
	t.Parallel()
	const someoneElses, beneficiarys = "6216600000000000123", "6216600000000000456"
	e := newEnv(t)
	e.openAccounts(t, map[string]string{someoneElses: "王五", beneficiarys: "李四"})
	a := e.withHolders(adapters.NewHolderSimulator(e.db))
	ctx := context.Background()
	// Ends in 0000: the bank refuses it, no such account.
	require.NoError(t, a.HandleAgreement(ctx, agreement(t, "holder-refused", 7000, func(d *events.AgreementReachedData) {
		d.Payee.AccountNumber = "6222000011110000"
	})))
	e.settle(t, a)
	l, err := a.Obligations(ctx, "holder-refused", "", 1)
	require.NoError(t, err)
	require.Len(t, l, 1)
	id := l[0].ID
	require.Equal(t, domain.StateFailed, l[0].State)

	_, err = a.CorrectPayee(ctx, id, domain.Payee{Name: "李四", Role: domain.RoleBeneficiary, BankName: "中国银行", AccountNumber: someoneElses}, "handler-2", "客户来电提供新账户")
	e.settle(t, a)
	o, getErr := a.Obligation(ctx, id)
	require.NoError(t, getErr)
	if apperr.CodeOf(err) != apperr.PayeeNotEntitled || o.State != domain.StateFailed || o.Attempts != 1 {
		t.Fatalf("got %v correcting the payee into 王五's account, and the payment %s after %d attempts (account %s); want %s and the payment still failed after 1",
			err, o.State, o.Attempts, domain.MaskAccount(o.Payee.AccountNumber), apperr.PayeeNotEntitled)
	}
	_, err = e.withHolders(silentBank{}).CorrectPayee(ctx, id, domain.Payee{Name: "李四", Role: domain.RoleBeneficiary, BankName: "中国银行", AccountNumber: beneficiarys}, "handler-2", "客户来电提供新账户")
	if apperr.CodeOf(err) != apperr.Unavailable {
		t.Fatalf("got %v with the bank silent, want %s (nothing changed)", err, apperr.Unavailable)
	}
	if o, err = a.Obligation(ctx, id); err != nil || o.State != domain.StateFailed {
		t.Fatalf("got the payment %s (%v) after the bank did not answer, want it still failed", o.State, err)
	}

	_, err = a.CorrectPayee(ctx, id, domain.Payee{Name: "李四", Role: domain.RoleBeneficiary, BankName: "中国银行", AccountNumber: beneficiarys}, "handler-2", "客户来电提供新账户")
	require.NoError(t, err)
	e.settle(t, a)
	o, err = a.Obligation(ctx, id)
	require.NoError(t, err)
	if o.State != domain.StateCompleted || o.Attempts != 2 || o.Payee.AccountNumber != beneficiarys {
		t.Fatalf("got the payment %s after %d attempts into %s, want completed at the second attempt into 李四's account", o.State, o.Attempts, domain.MaskAccount(o.Payee.AccountNumber))
	}
}

// TestAttackAPayeeSuppliedForAnUnreadableOneIsVerifiedByTheBank: a payee
// supplied for a payment whose sealed payee no longer opens must pay the
// account adjudication authorised; that account is the one agreed, but
// the name typed beside it is the bank's to confirm: supplied as 王五's
// (the bank holds it in 李四's name) it is refused.
func TestAttackAPayeeSuppliedForAnUnreadableOneIsVerifiedByTheBank(t *testing.T) {
	t.Parallel()
	e := newDamagedEnv(t, "holder-damaged")
	e.openAccounts(t, map[string]string{account: "李四"})
	a := e.withHolders(adapters.NewHolderSimulator(e.db))
	ctx := context.Background()
	id := damagedPayment(t, e, a, "holder-damaged")
	_, err := a.CorrectPayee(ctx, id, domain.Payee{Name: "王五", Role: domain.RoleAgent, BankName: "中国工商银行", AccountNumber: account,
		OnBehalfOf: &domain.Person{Name: "李四", Relation: "spouse"}}, "handler-2", "代领人来电")
	wantCode(t, "an agent named on the beneficiary's account", err, apperr.PayeeNotEntitled)
	o, err := a.CorrectPayee(ctx, id, beneficiary, "handler-2", "已电话核实受益人账户")
	require.NoError(t, err)
	if o.PayeeUnreadable != "" || o.Payee.Name != "李四" {
		t.Fatalf("got the payment unreadable %q, payee %s; want the beneficiary supplied", o.PayeeUnreadable, domain.MaskName(o.Payee.Name))
	}
}

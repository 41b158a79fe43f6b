package domain_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"claims.local/payout/internal/domain"
	"claims.local/pkg/apperr"
)

func TestNeedsPayeeConfirmationAboveTheThreshold(t *testing.T) {
	tests := []struct {
		amount, threshold int64
		want              bool
	}{
		{499_999, domain.DefaultPayeeConfirmationThresholdFen, false},
		{500_000, domain.DefaultPayeeConfirmationThresholdFen, false}, // RMB 5,000 exactly: not above
		{500_001, domain.DefaultPayeeConfirmationThresholdFen, true},
		{4_000_000, domain.DefaultPayeeConfirmationThresholdFen, true},
		{1, 0, true}, // a threshold of zero holds every payment
		{100_000, 100_000, false},
		{100_001, 100_000, true},
	}
	for _, tt := range tests {
		if got := domain.NeedsPayeeConfirmation(tt.amount, tt.threshold); got != tt.want {
			t.Errorf("NeedsPayeeConfirmation(%d, %d): got %v, want %v", tt.amount, tt.threshold, got, tt.want)
		}
	}
}

func waiting(amount int64, parties ...string) domain.Obligation {
	o := domain.Obligation{ID: "o1", ClaimID: "c1", AmountFen: amount, State: domain.StateScheduled,
		Payee: domain.Payee{Name: "李四", Role: domain.RoleBeneficiary, BankName: "中国银行", AccountNumber: "6216600000008866"}}
	o.AddParties(parties...)
	o.HoldForConfirmation(domain.DefaultPayeeConfirmationThresholdFen)
	return o
}

func TestWhoMayConfirmAPayee(t *testing.T) {
	parties := []string{"handler-1", "senior-1", "  ", "HANDLER-1"}
	tests := []struct {
		name    string
		subject string
		senior  bool
		code    apperr.Code
	}{
		{"a second senior", "senior-2", true, ""},
		{"the recorder", "handler-1", true, apperr.Forbidden},
		{"the approver", "senior-1", true, apperr.Forbidden},
		{"the approver padded", "  senior-1\t", true, apperr.Forbidden},
		{"the approver re-cased", "Senior-1", true, apperr.Forbidden},
		{"the approver in full-width letters", "ｓｅｎｉｏｒ-1", true, apperr.Forbidden},
		{"the approver with a zero-width space", "senior\u200b-1", true, apperr.Forbidden},
		{"a handler who is not a senior", "handler-2", false, apperr.Forbidden},
		{"nobody", " ", true, apperr.Unauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := waiting(4_000_000, parties...)
			if len(o.Parties) != 2 {
				t.Fatalf("got parties %q, want handler-1 and senior-1 once each", o.Parties)
			}
			_, err := o.ConfirmPayee(tt.subject, tt.senior, time.Now())
			if tt.code == "" {
				if err != nil || o.State != domain.StateScheduled || o.PayeeConfirmedBy != tt.subject {
					t.Fatalf("got %v, state %s, want confirmed and scheduled", err, o.State)
				}
				return
			}
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != tt.code {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
			if o.State != domain.StateAwaitingConfirmation {
				t.Fatalf("got state %s after a refused confirmation, want it still waiting", o.State)
			}
		})
	}
}

func TestAPaymentAboveTheThresholdIsNeverSubmittedUnconfirmed(t *testing.T) {
	now := time.Now()
	small := waiting(500_000, "handler-1")
	if small.State != domain.StateScheduled || small.ConfirmationRequired {
		t.Fatalf("got %s, want a payment of RMB 5,000 scheduled without confirmation", small.State)
	}
	if err := small.Submit(now); err != nil {
		t.Fatalf("got %v, want the small payment submitted", err)
	}
	large := waiting(500_001, "handler-1")
	if large.State != domain.StateAwaitingConfirmation {
		t.Fatalf("got %s, want the large payment waiting", large.State)
	}
	// Even forced into scheduled, it is not submitted without a confirmation.
	large.State = domain.StateScheduled
	if err := large.Submit(now); err == nil {
		t.Fatalf("got an unconfirmed payment submitted, want it refused")
	}
}

func TestConfirmingTwiceIsOneConfirmation(t *testing.T) {
	o := waiting(4_000_000, "handler-1")
	now := time.Now()
	if changed, err := o.ConfirmPayee("senior-2", true, now); err != nil || !changed {
		t.Fatalf("got %v, %v, want the first confirmation taken", changed, err)
	}
	if changed, err := o.ConfirmPayee(" senior-2", true, now); err != nil || changed {
		t.Fatalf("got %v, %v, want the repeat accepted with no change", changed, err)
	}
	var ae *apperr.Error
	if _, err := o.ConfirmPayee("senior-3", true, now); !errors.As(err, &ae) || ae.Code != apperr.Conflict {
		t.Fatalf("got %v, want a second confirmer refused with a conflict", err)
	}
}

func TestACorrectedPayeeNeedsAnotherPersonAboveTheThreshold(t *testing.T) {
	now := time.Now()
	payee := func(name string, role domain.Role, forWhom string) domain.Payee {
		p := domain.Payee{Name: name, Role: role, BankName: "中国银行", AccountNumber: "6216600000001234"}
		if forWhom != "" {
			p.OnBehalfOf = &domain.Person{Name: forWhom, Relation: "self"}
		}
		return p
	}
	tests := []struct {
		name   string
		payee  domain.Payee
		amount int64
		want   domain.State
	}{
		{"below the threshold, the same payee's account: paid again at once", payee("李四", domain.RoleBeneficiary, ""), 400_000, domain.StateScheduled},
		{"below the threshold, the same payee spaced: paid again at once", payee("　李 四", domain.RoleBeneficiary, ""), 400_000, domain.StateScheduled},
		{"below the threshold, another person: held", payee("王五", domain.RoleBeneficiary, ""), 400_000, domain.StateAwaitingConfirmation},
		{"below the threshold, the same name in another role: held", payee("李四", domain.RoleInsured, ""), 400_000, domain.StateAwaitingConfirmation},
		{"below the threshold, an agent collecting for the payee: held", payee("王五", domain.RoleAgent, "李四"), 400_000, domain.StateAwaitingConfirmation},
		{"below the threshold, an invisible character: held", payee("李​四", domain.RoleBeneficiary, ""), 400_000, domain.StateAwaitingConfirmation},
		{"above the threshold: held", payee("王五", domain.RoleBeneficiary, ""), 4_000_000, domain.StateAwaitingConfirmation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := waiting(tt.amount, "handler-1")
			o.State, o.PayeeConfirmedBy = domain.StateFailed, "senior-2"
			if err := o.CorrectPayee(tt.payee, "handler-7", domain.DefaultPayeeConfirmationThresholdFen, now); err != nil {
				t.Fatal(err)
			}
			if o.State != tt.want || o.PayeeConfirmedBy != "" {
				t.Fatalf("got state %s confirmed by %q, want %s and no confirmation", o.State, o.PayeeConfirmedBy, tt.want)
			}
			if tt.want != domain.StateAwaitingConfirmation {
				return
			}
			for _, who := range []string{"handler-7", "handler-1"} {
				if err := o.MayConfirmPayee(who, true); err == nil {
					t.Fatalf("got %s allowed to confirm, want refused", who)
				}
			}
			if err := o.MayConfirmPayee("senior-2", true); err != nil {
				t.Fatalf("got %v, want the earlier confirmer allowed (no hand in the correction)", err)
			}
		})
	}
}

func TestRejectingAPayeeSendsItBackForCorrection(t *testing.T) {
	o := waiting(4_000_000, "handler-1")
	if err := o.RejectPayee("senior-2", true, " "); err == nil {
		t.Fatalf("got a refusal without a reason accepted, want it refused")
	}
	if err := o.RejectPayee("handler-1", true, "账户名与被保险人不符"); err == nil {
		t.Fatalf("got the recorder refusing, want refused")
	}
	if err := o.RejectPayee("senior-2", true, "账户名与被保险人不符"); err != nil || o.State != domain.StateFailed {
		t.Fatalf("got %v, state %s, want failed", err, o.State)
	}
}

func TestThresholdLeftCountsAdvancesPaidWithoutConfirmation(t *testing.T) {
	adv := func(fen int64, state domain.State, confirmed bool) domain.Obligation {
		return domain.Obligation{Type: domain.PayoutAdvance, AmountFen: fen, State: state, ConfirmationRequired: confirmed}
	}
	tests := []struct {
		name     string
		advances []domain.Obligation
		want     int64
	}{
		{"no advance", nil, 500_000},
		{"one advance paid unconfirmed", []domain.Obligation{adv(300_000, domain.StateCompleted, false)}, 200_000},
		{"one advance confirmed by a second person", []domain.Obligation{adv(900_000, domain.StateCompleted, true)}, 500_000},
		{"a reversed advance, paid again by its replacement", []domain.Obligation{adv(300_000, domain.StateReversed, false)}, 500_000},
		{"a cancelled advance", []domain.Obligation{adv(300_000, domain.StateCancelled, false)}, 500_000},
		{"two advances exhaust it", []domain.Obligation{adv(300_000, domain.StateCompleted, false), adv(300_000, domain.StateScheduled, false)}, -100_000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := domain.ThresholdLeft(500_000, tc.advances); got != tc.want {
				t.Fatalf("got %d fen left, want %d", got, tc.want)
			}
		})
	}
	// A second advance of 3000 yuan after one of 3000 yuan is held.
	if domain.NeedsPayeeConfirmation(300_000, domain.ThresholdLeft(500_000, tests[1].advances)) != true {
		t.Fatalf("got the second advance of 3000 yuan paid unconfirmed, want it held")
	}
}

// Attacks on a confirmed payee: refusing it afterwards, correcting it
// before the bank has it, confirming it again as someone else, and sending
// it unconfirmed all change nothing.
func TestAConfirmedPayeeStaysAsConfirmed(t *testing.T) {
	now := time.Now()
	o := waiting(4_000_000, "handler-1")
	if changed, err := o.ConfirmPayee("senior-2", true, now); err != nil || !changed {
		t.Fatalf("got %v, %v, want the first confirmation taken", changed, err)
	}
	if err := o.RejectPayee("senior-3", true, "改主意"); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("confirm then reject: got %v, want a conflict", err)
	}
	p := domain.Payee{Name: "李四", Role: domain.RoleBeneficiary, BankName: "中国银行", AccountNumber: "6216600000001234"}
	if err := o.CorrectPayee(p, "handler-7", domain.DefaultPayeeConfirmationThresholdFen, now); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("correcting a confirmed payee before the bank has it: got %v, want a conflict", err)
	}
	if _, err := o.ConfirmPayee("senior-3", true, now); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("a second confirmer: got %v, want a conflict", err)
	}
	if changed, err := o.ConfirmPayee(" SENIOR-2", true, now); err != nil || changed {
		t.Fatalf("the confirmation replayed: got %v, %v, want nothing changed", changed, err)
	}
	if o.State != domain.StateScheduled || o.PayeeConfirmedBy != "senior-2" || o.Payee.AccountNumber != "6216600000008866" {
		t.Fatalf("got %s confirmed by %q paying %s, want scheduled as senior-2 confirmed it", o.State, o.PayeeConfirmedBy, o.Payee.AccountNumber)
	}
}

func TestActsOnOwnEntry(t *testing.T) {
	tests := []struct {
		name      string
		enteredBy []string
		actors    []string
		want      bool
	}{
		{"nobody entered anything", nil, []string{"clerk-2"}, false},
		{"a colleague approved", []string{"clerk-2"}, []string{"handler-4", ""}, false},
		{"the approver entered it", []string{"clerk-2"}, []string{"handler-4", "clerk-2"}, true},
		{"padded and re-cased", []string{"clerk-2"}, []string{" CLERK-2 "}, true},
		{"full-width", []string{"clerk-2"}, []string{"ｃｌｅｒｋ－２"}, true},
		{"no actor named", []string{"clerk-2"}, []string{"", " "}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.ActsOnOwnEntry(tt.enteredBy, tt.actors...); got != tt.want {
				t.Fatalf("ActsOnOwnEntry(%q, %q): got %v, want %v", tt.enteredBy, tt.actors, got, tt.want)
			}
		})
	}
}

// TestARefusedPayeeHeldBelowTheThresholdStaysHeld: a payment held below
// the threshold (its approver entered the card it pays, ActsOnOwnEntry)
// whose payee a senior refused cannot be paid at once by correcting it to
// the same payee: the attack is the clerk who uploaded the card putting it
// back. A payee a second person confirmed and the bank then failed is paid
// again at once (TestACorrectedPayeeNeedsAnotherPersonAboveTheThreshold).
func TestARefusedPayeeHeldBelowTheThresholdStaysHeld(t *testing.T) {
	now := time.Now()
	o := domain.Obligation{ID: "o1", ClaimID: "c1", AmountFen: 300_000, State: domain.StateScheduled,
		Payee: domain.Payee{Name: "李四", Role: domain.RoleBeneficiary, BankName: "中国银行", AccountNumber: "6216600000008866"}}
	o.AddParties("clerk-2")
	o.HoldForConfirmation(0)
	if err := o.RejectPayee("senior-2", true, "卡号不是被保险人的"); err != nil {
		t.Fatal(err)
	}
	if err := o.CorrectPayee(o.Payee, "clerk-2", domain.DefaultPayeeConfirmationThresholdFen, now); err != nil {
		t.Fatal(err)
	}
	if o.State != domain.StateAwaitingConfirmation || !o.ConfirmationRequired {
		t.Fatalf("got state %s (confirmation required %v), want the refused payee waiting for a second senior", o.State, o.ConfirmationRequired)
	}
	if err := o.MayConfirmPayee("clerk-2", true); err == nil {
		t.Fatalf("got the clerk who entered the card allowed to confirm it, want refused")
	}
}

func TestAPayeeTypedInPayoutIsTakenOnlyOnTheBanksMatch(t *testing.T) {
	p := domain.Payee{Name: "李四", Role: domain.RoleBeneficiary, AccountNumber: "6216600000000000456"}
	cases := []struct {
		name   string
		answer domain.HolderCheck
		want   apperr.Code
	}{
		{"a match with its reference", domain.HolderCheck{Result: domain.HolderMatch, Reference: "SIM-1"}, ""},
		{"no match", domain.HolderCheck{Result: domain.HolderNoMatch}, apperr.PayeeNotEntitled},
		{"no match with a reference", domain.HolderCheck{Result: domain.HolderNoMatch, Reference: "SIM-2"}, apperr.PayeeNotEntitled},
		{"a match without its reference", domain.HolderCheck{Result: domain.HolderMatch}, apperr.Unavailable},
		{"no answer", domain.HolderCheck{}, apperr.Unavailable},
		{"an answer the port does not define", domain.HolderCheck{Result: "MATCH", Reference: "SIM-3"}, apperr.Unavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := domain.BankHoldsAccount(p, tc.answer)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("got %v, want the payee taken", err)
				}
				return
			}
			if got := apperr.CodeOf(err); got != tc.want {
				t.Fatalf("got %v (code %s), want code %s", err, got, tc.want)
			}
			if strings.Contains(err.Error(), p.AccountNumber) {
				t.Errorf("got %q, want the account masked", err.Error())
			}
		})
	}
}

package domain_test

import (
	"errors"
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
	p := domain.Payee{Name: "王五", Role: domain.RoleBeneficiary, BankName: "中国银行", AccountNumber: "6216600000001234"}
	tests := []struct {
		name   string
		amount int64
		want   domain.State
	}{
		{"below the threshold: paid again at once", 400_000, domain.StateScheduled},
		{"above the threshold: held", 4_000_000, domain.StateAwaitingConfirmation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := waiting(tt.amount, "handler-1")
			o.State, o.PayeeConfirmedBy = domain.StateFailed, "senior-2"
			if err := o.CorrectPayee(p, "handler-7", domain.DefaultPayeeConfirmationThresholdFen, now); err != nil {
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

package domain_test

import (
	"testing"

	"claims.local/payout/internal/domain"
)

func TestSettleDeductsTheLargerAdvanceAndNeverPaysMoreThanAgreed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                     string
		agreed, named, paid      int64
		wantAdvanced, wantExcess int64
	}{
		{"no advances", 100_000, 0, 0, 0, 0},
		{"agreement and payout agree", 100_000, 30_000, 30_000, 30_000, 0},
		{"payout paid more than the agreement names", 100_000, 10_000, 30_000, 30_000, 0},
		{"the agreement names more than payout paid", 100_000, 30_000, 10_000, 30_000, 0},
		{"paid exactly the amount", 50_000, 0, 50_000, 50_000, 0},
		{"paid above the amount: the excess is owed back", 40_000, 40_000, 60_000, 40_000, 20_000},
		{"the agreement names more than its amount: left for the event check", 40_000, 50_000, 0, 50_000, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, excess := domain.Settle(domain.Agreement{AmountFen: tt.agreed, AdvancedFen: tt.named}, tt.paid)
			if got.AdvancedFen != tt.wantAdvanced || excess != tt.wantExcess {
				t.Fatalf("Settle(agreed %d, named %d, paid %d): got advanced %d excess %d, want %d and %d",
					tt.agreed, tt.named, tt.paid, got.AdvancedFen, excess, tt.wantAdvanced, tt.wantExcess)
			}
			if final := got.AmountFen - got.AdvancedFen; tt.named <= tt.agreed && final+tt.paid-excess > tt.agreed {
				t.Fatalf("got %d final + %d paid - %d recovered, more than the agreed %d", final, tt.paid, excess, tt.agreed)
			}
		})
	}
}

func TestCancelOnlyAnAdvanceThatNeverReachedTheBank(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		typ   domain.PayoutType
		state domain.State
		ok    bool
	}{
		{domain.PayoutAdvance, domain.StateScheduled, true},
		{domain.PayoutAdvance, domain.StateFailed, true},
		{domain.PayoutAdvance, domain.StateSent, false},
		{domain.PayoutAdvance, domain.StateCompleted, false},
		{domain.PayoutFinal, domain.StateScheduled, false},
	} {
		o := domain.Obligation{ID: "o1", Type: tt.typ, State: tt.state}
		if err := o.Cancel("rejected"); (err == nil) != tt.ok {
			t.Errorf("Cancel of a %s %s: got %v, want ok %v", tt.state, tt.typ, err, tt.ok)
		}
	}
}

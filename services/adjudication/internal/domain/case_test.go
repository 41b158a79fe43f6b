package domain_test

import (
	"testing"
	"time"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
)

func TestDecide(t *testing.T) {
	now := time.Date(2026, 10, 9, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		state     domain.State
		in        domain.DecisionInput
		wantCode  apperr.Code
		wantField string
		wantState domain.State
	}{
		{"approve", domain.StateReceived, domain.DecisionInput{Outcome: "approve", AmountFen: 1250000, DecidedBy: "h1"}, "", "", domain.StateApproved},
		{"reject with reason", domain.StateReceived, domain.DecisionInput{Outcome: "reject", Reason: "waiting period, clause 4.2", DecidedBy: "h1"}, "", "", domain.StateRejected},
		{"approve without amount", domain.StateReceived, domain.DecisionInput{Outcome: "approve", DecidedBy: "h1"}, apperr.Invalid, "amount_fen", domain.StateReceived},
		{"approve negative", domain.StateReceived, domain.DecisionInput{Outcome: "approve", AmountFen: -1, DecidedBy: "h1"}, apperr.Invalid, "amount_fen", domain.StateReceived},
		{"approve above the cap", domain.StateReceived, domain.DecisionInput{Outcome: "approve", AmountFen: domain.MaxAmountFen + 1, DecidedBy: "h1"}, apperr.Invalid, "amount_fen", domain.StateReceived},
		{"reject without reason", domain.StateReceived, domain.DecisionInput{Outcome: "reject", DecidedBy: "h1"}, apperr.Invalid, "reason", domain.StateReceived},
		{"reject with amount", domain.StateReceived, domain.DecisionInput{Outcome: "reject", AmountFen: 5, Reason: "x", DecidedBy: "h1"}, apperr.Invalid, "amount_fen", domain.StateReceived},
		{"unknown outcome", domain.StateReceived, domain.DecisionInput{Outcome: "maybe", DecidedBy: "h1"}, apperr.Invalid, "outcome", domain.StateReceived},
		{"no decider", domain.StateReceived, domain.DecisionInput{Outcome: "approve", AmountFen: 1}, apperr.Invalid, "decided_by", domain.StateReceived},
		{"already approved", domain.StateApproved, domain.DecisionInput{Outcome: "reject", Reason: "x", DecidedBy: "h2"}, apperr.Conflict, "", domain.StateApproved},
		{"already rejected", domain.StateRejected, domain.DecisionInput{Outcome: "approve", AmountFen: 1, DecidedBy: "h2"}, apperr.Conflict, "", domain.StateRejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := domain.Case{ClaimID: "c1", State: tt.state}
			err := c.Decide(tt.in, now)
			if got := c.State; got != tt.wantState {
				t.Fatalf("got state %s, want %s", got, tt.wantState)
			}
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				if c.Decision == nil || !c.Decision.DecidedAt.Equal(now) {
					t.Fatalf("got decision %+v, want one decided at %v", c.Decision, now)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Code != tt.wantCode || e.Field != tt.wantField {
				t.Fatalf("got %v, want %s on field %q", err, tt.wantCode, tt.wantField)
			}
		})
	}
}

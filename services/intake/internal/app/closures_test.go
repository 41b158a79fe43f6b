package app_test

import (
	"context"
	"testing"
	"time"

	"claims.local/intake/internal/app"
	"claims.local/intake/internal/domain"
	"claims.local/pkg/events"
)

// TestClaimClosuresAreLearnedFromAdjudicationAndPayout: a rejection, a
// withdrawal and a final payment close a report's claim (issue 20); an
// approval or an advance does not.
func TestClaimClosuresAreLearnedFromAdjudicationAndPayout(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 2, 3, 4, 5, 0, time.UTC)
	completed := at.Add(time.Hour)
	tests := []struct {
		name string
		typ  events.Type
		data any
		want []domain.Closure
	}{
		{"withdrawn", events.ClaimWithdrawn, events.ClaimWithdrawnData{ClaimID: "c-1", CaseID: "case-1",
			ReasonCode: events.WithdrawalClosedUndecided, Reason: "申请人撤回索赔申请", WithdrawnAt: at},
			[]domain.Closure{{ClaimID: "c-1", Kind: domain.ClosureWithdrawn, At: at}}},
		{"rejected", events.ClaimDecided, events.ClaimDecidedData{ClaimID: "c-1", CaseID: "case-1", Outcome: events.OutcomeRejected,
			Currency: "CNY", DecidedBy: "handler-1", DecidedAt: at},
			[]domain.Closure{{ClaimID: "c-1", Kind: domain.ClosureRejected, At: at}}},
		{"approved", events.ClaimDecided, events.ClaimDecidedData{ClaimID: "c-1", CaseID: "case-1", Outcome: events.OutcomeApproved,
			AmountFen: 100, Currency: "CNY", DecidedBy: "handler-1", DecidedAt: at}, nil},
		{"paid", events.PayoutCompleted, events.PayoutData{ClaimID: "c-1", PayoutType: events.PayoutTypeFinal, AmountFen: 100,
			Currency: "CNY", Status: "completed", ScheduledAt: at, CompletedAt: &completed},
			[]domain.Closure{{ClaimID: "c-1", Kind: domain.ClosurePaid, At: completed}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, repo := newService(t, nil)
			e, err := events.New(tt.typ, "test", "c-1", at, tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.RecordClaimClosure(app.DecisionsConsumer)(context.Background(), e); err != nil {
				t.Fatalf("RecordClaimClosure: got %v, want nil", err)
			}
			if len(repo.closures) != len(tt.want) || (len(tt.want) == 1 && repo.closures[0] != tt.want[0]) {
				t.Fatalf("got closures %+v, want %+v", repo.closures, tt.want)
			}
		})
	}
}

package adapters_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"claims.local/adjudication/internal/adapters"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/inbox"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingtest"
)

// BenchmarkTheWitnessOfHonestDecisions measures what session 15 adds to a
// sweep after honest decisions: the monitor reads each decision's step in
// the record of due moves (as it reads every move) and asks
// adapters.DeadlineWitness, in one statement, whether each decision is in
// effect by its due. Here 500 cases are decided and their 500 steps
// proven per operation; it reports the time per step proven.
func BenchmarkTheWitnessOfHonestDecisions(b *testing.B) {
	const n = 500
	db := pgtest.NewMigrated(b, 2, adapters.Migrations)
	repo := adapters.NewCases(db, nil, tracking.NewTracker(tracking.NewCalendars(nil), -1))
	ctx := context.Background()
	received := time.Date(2026, 3, 3, 1, 0, 0, 0, time.UTC)
	due := time.Date(2026, 3, 10, 16, 0, 0, 0, time.UTC)
	moves := make([]tracking.DueMove, n)
	for i := range moves {
		claim := fmt.Sprintf("witness-%d", i)
		if _, err := repo.Open(ctx, inbox.Receipt{}, newCase(claim, received)); err != nil {
			b.Fatal(err)
		}
		c, err := repo.Update(ctx, claim, func(c *domain.Case) (tracking.Effects, error) {
			if err := c.StartReview(handler, received); err != nil {
				return tracking.Effects{}, err
			}
			return tracking.Effects{}, c.Decide(handler, authority, approve(100), received.Add(time.Hour))
		})
		if err != nil {
			b.Fatal(err)
		}
		moves[i] = tracking.DueMove{Seq: int64(i + 1), OldState: tracking.StateOpen, Obligation: tracking.Deadline{ClaimID: claim,
			Rule: deadline.Decision, State: tracking.StateMet, Evidence: domain.DecisionEvidence(c.ID), DueAt: due}}
	}
	for b.Loop() {
		if err := trackingtest.ProveAll(db, adapters.DeadlineWitness{}, moves); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n/1000, "µs/step")
}

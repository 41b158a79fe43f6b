package adapters_test

import (
	"fmt"
	"testing"

	"claims.local/payout/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingtest"
)

// BenchmarkTheWitnessOfHonestPayments measures what sessions 16 and 17
// add to a payout sweep after honest payments: the monitor reads each
// payment's step in the record of due moves (as it reads every move) and
// asks adapters.DeadlineWitness, in one statement, whether the payment
// each names was completed by the bank by its due, and then (session 17)
// reads the payments' amounts in one more and asks the bank (its
// simulator) in one call whether it executed them. Here 500 payments are
// paid and their 500 steps proven per operation; it reports the time per
// step proven.
func BenchmarkTheWitnessOfHonestPayments(b *testing.B) {
	const n = 500
	d, agreed := newDeadlines(b)
	moves := make([]tracking.DueMove, n)
	for i := range moves {
		o, r6 := d.owe(b, fmt.Sprintf("witness-%d", i), agreed)
		d.pay(b, o, d.now, false)
		moves[i] = tracking.DueMove{Seq: int64(i + 1), OldState: tracking.StateOpen, Obligation: tracking.Deadline{ID: r6.ID, ClaimID: o.ClaimID,
			Rule: deadline.Payment, State: tracking.StateMet, Evidence: domain.PaymentEvidence(o.ID), DueAt: r6.DueAt}}
	}
	for b.Loop() {
		if err := trackingtest.ProveAll(d.f.db, witness(d.f.db), moves); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n/1000, "µs/step")
}

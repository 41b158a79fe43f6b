package e2e

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"claims.local/pkg/events"
	"claims.local/pkg/postgres/pgtest"
)

// benchStamps are the times one claim of BenchmarkEndToEndClaims reached
// each step, as its client saw them: the claim began (the report was
// sent), intake answered the report and the claim request, adjudication
// answered the decision (sent with ?wait=, so when the case was open) and
// the agreement, and the payout-completed event reached the benchmark's
// reader.
type benchStamps struct {
	began, reported, requested, decided, agreed, completed time.Time
}

// hop is a stretch of a claim's path between two points, named by where
// they are recorded (see logHops).
type hop struct{ from, to, what string }

// claimHops are the stretches logHops measures, in the order a claim passes
// them. A point is "client <step>" (benchStamps), "<service> stored|sent
// <event>" (the outbox row stored in the change's transaction, and marked
// sent once the broker acknowledged it), "<service> applied <event>"
// (the inbox receipt, in the consumer's transaction), or one of payout's
// "payout obligation sent", "payout bank settled" and "payout bank asked"
// (the check that found it settled).
var claimHops = []hop{
	{"client began", "intake stored " + events.IncidentReported.Name, "report: intake's transaction"},
	{"intake stored " + events.IncidentReported.Name, "client reported", "report: commit and answer"},
	{"client reported", "intake stored " + events.ClaimRequested.Name, "checklist satisfied, claim request stored"},
	{"intake stored " + events.ClaimRequested.Name, "client requested", "claim request: commit and answer"},
	{"intake stored " + events.ClaimRequested.Name, "intake sent " + events.ClaimRequested.Name, "intake's relay: stored to acknowledged"},
	{"intake stored " + events.ClaimRequested.Name, "adjudication applied " + events.ClaimRequested.Name, "claim request stored to case opened (relay, Kafka, consumer)"},
	{"client requested", "adjudication applied " + events.ClaimRequested.Name, "claim request answered to case opened"},
	{"adjudication applied " + events.ClaimRequested.Name, "adjudication stored " + events.ClaimDecided.Name, "case opened to decision stored"},
	{"client requested", "client decided", "decision sent (?wait=) to answered"},
	{"client decided", "adjudication stored " + events.AgreementReached.Name, "agreement sent to stored"},
	{"adjudication stored " + events.AgreementReached.Name, "client agreed", "agreement: commit and answer"},
	{"adjudication stored " + events.AgreementReached.Name, "adjudication sent " + events.AgreementReached.Name, "adjudication's relay: stored to acknowledged"},
	{"adjudication stored " + events.AgreementReached.Name, "payout applied " + events.AgreementReached.Name, "agreement stored to applied by payout (relay, Kafka, consumer)"},
	{"payout applied " + events.AgreementReached.Name, "payout obligation sent", "payout: agreement applied to sent to the bank (executor)"},
	{"payout obligation sent", "payout bank settled", "the simulated bank's latency"},
	{"payout bank settled", "payout stored " + events.PayoutCompleted.Name, "bank settled to completion stored (executor's check)"},
	{"payout bank settled", "payout bank asked", "bank settled to asked by the check (its wait)"},
	{"payout bank asked", "payout stored " + events.PayoutCompleted.Name, "bank asked to completion stored (the check's work)"},
	{"payout stored " + events.PayoutCompleted.Name, "payout sent " + events.PayoutCompleted.Name, "payout's relay: stored to acknowledged"},
	{"payout stored " + events.PayoutCompleted.Name, "client completed", "completion stored to read by the benchmark (relay, Kafka, reader)"},
	{"client agreed", "client completed", "agreement answered to completion read"},
	{"client began", "client completed", "the claim, end to end"},
}

// logHops prints, when CLAIMS_BENCH_E2E_HOPS=1, where the claims of a run
// spent their time: the p50, over the claims, of each stretch of
// claimHops, and of the time from the claim's start to its end (issue
// 21's thirteenth round: where a claim waits). The services' points are
// read from their databases (outbox, inbox, payout's obligations and the
// simulated bank's ledger), whose times the services stamp with the clock
// the benchmark reads: one machine.
func logHops(b *testing.B, s *system, stamps map[string]benchStamps) {
	b.Helper()
	if os.Getenv("CLAIMS_BENCH_E2E_HOPS") != "1" {
		return
	}
	ids := make([]string, 0, len(stamps))
	points := map[string]map[string]time.Time{} // point, claim: time
	at := func(point, claim string, t time.Time) {
		if points[point] == nil {
			points[point] = map[string]time.Time{}
		}
		if prev, ok := points[point][claim]; !ok || t.Before(prev) {
			points[point][claim] = t
		}
	}
	for id, st := range stamps {
		ids = append(ids, id)
		for name, t := range map[string]time.Time{"began": st.began, "reported": st.reported, "requested": st.requested,
			"decided": st.decided, "agreed": st.agreed, "completed": st.completed} {
			at("client "+name, id, t)
		}
	}
	// The claim ids are the services' own (UUIDs): an array literal.
	claims := "{" + strings.Join(ids, ",") + "}"
	for _, name := range benchDatabases {
		db := pgtest.Open(b, s.dsn[name], 1)
		queries := []string{
			`SELECT msg_key, 'stored ' || event_type, created_at FROM outbox WHERE msg_key = ANY(?::text[])`,
			`SELECT msg_key, 'sent ' || event_type, sent_at FROM outbox WHERE msg_key = ANY(?::text[]) AND sent_at IS NOT NULL`,
			`SELECT claim_id, 'applied ' || event_type, processed_at FROM inbox WHERE claim_id = ANY(?::text[])`,
		}
		if name == "payout" {
			queries = append(queries,
				`SELECT claim_id, 'obligation sent', sent_at FROM obligations WHERE claim_id = ANY(?::text[]) AND sent_at IS NOT NULL`,
				`SELECT o.claim_id, 'bank settled', t.settle_at FROM obligations o JOIN banksim.transfers t ON t.idempotency_key = o.id
					WHERE o.claim_id = ANY(?::text[])`,
				// The simulator settles a transfer when it is asked about it
				// after its settle_at: settled_at is when the check asked.
				`SELECT o.claim_id, 'bank asked', t.settled_at FROM obligations o JOIN banksim.transfers t ON t.idempotency_key = o.id
					WHERE o.claim_id = ANY(?::text[]) AND t.settled_at IS NOT NULL`)
		}
		for _, q := range queries {
			rows, err := db.Raw(q, claims).Rows()
			if err != nil {
				b.Fatalf("hops from %s (%s): %v", name, q, err)
			}
			for rows.Next() {
				var claim, what string
				var t time.Time
				if err := rows.Scan(&claim, &what, &t); err != nil {
					rows.Close()
					b.Fatal(err)
				}
				at(name+" "+what, claim, t)
			}
			rows.Close()
		}
	}
	fmt.Fprintf(os.Stderr, "hops of %d claims (p50 over the claims, ms):\n", len(stamps))
	for _, h := range claimHops {
		var d []time.Duration
		for claim, to := range points[h.to] {
			if from, ok := points[h.from][claim]; ok {
				d = append(d, to.Sub(from))
			}
		}
		if len(d) == 0 {
			b.Errorf("hop %q: got no claim with both %q and %q", h.what, h.from, h.to)
			continue
		}
		fmt.Fprintf(os.Stderr, "hop %8.1f  %-70s (%d claims)\n", ms(median(d)), h.what, len(d))
	}
}

// median returns the middle of d (the upper one of an even count); zero
// when d is empty.
func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[len(d)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

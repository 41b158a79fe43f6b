package e2e

import (
	"context"
	"database/sql"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"
)

// chaosConfig is the size of a chaos run and the seed of its monkey, from
// the environment: CLAIMS_CHAOS_CLAIMS (300), CLAIMS_CHAOS_WORKERS (24: a
// worker mostly waits for a consumer that the monkey keeps rebalancing) and
// CLAIMS_CHAOS_SEED (the clock's nanoseconds; a seed from the log repeats
// the monkey's choices, though not their timing against the claims).
// CLAIMS_CHAOS_LOGS names a folder to keep the services' logs and the
// monkey's journal in whatever the outcome; a failed run keeps them in a
// temporary folder anyway.
type chaosConfig struct {
	claims, workers int
	seed            uint64
}

// chaosConfigFromEnv reads the configuration, failing the test on a value
// that is not a positive whole number.
func chaosConfigFromEnv(t *testing.T) chaosConfig {
	t.Helper()
	number := func(name string, def uint64) uint64 {
		s := os.Getenv(name)
		if s == "" {
			return def
		}
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil || v == 0 {
			t.Fatalf("%s=%q: got no positive whole number, want one", name, s)
		}
		return v
	}
	return chaosConfig{claims: int(number("CLAIMS_CHAOS_CLAIMS", 300)), workers: int(number("CLAIMS_CHAOS_WORKERS", 24)),
		seed: number("CLAIMS_CHAOS_SEED", uint64(time.Now().UnixNano()))}
}

// chaosPlan is how hard the monkey hits: a SIGKILL every 2 to 6 seconds,
// the service down for half a second to two; the broker restarted after
// 30 seconds of service each time, and once, 35 seconds in, kept down for
// 60 seconds while claims keep arriving; PostgreSQL crashed 15 and 60
// seconds in (the second after the long outage); one service frozen with
// SIGSTOP for 20 seconds, 10 seconds in.
//
// Killing more often starves the consumers rather than testing them: a
// consumer group takes up to its session timeout (10 s) to give a killed
// member's partitions to its successor, and every kill in the meantime
// starts that wait again, so with a kill every 1 to 4 seconds (a service
// every 7.5 s) adjudication went minutes without a rebalance that
// completed. The broker needs 10 s or more to come back on this machine.
func chaosPlan(seed uint64) monkeyPlan {
	return monkeyPlan{seed: seed, killEvery: [2]time.Duration{2 * time.Second, 6 * time.Second},
		downFor: [2]time.Duration{500 * time.Millisecond, 2 * time.Second}, kafkaEvery: 30 * time.Second,
		pgAt: []time.Duration{15 * time.Second, 60 * time.Second}, kafkaOutageAt: 35 * time.Second, kafkaOutage: 60 * time.Second,
		freezeAt: 10 * time.Second, freezeFor: 20 * time.Second}
}

// chaosBound is the liveness bound of the run: five minutes and two
// seconds a claim, within the test's own deadline less five minutes for the
// checks and the cleanup.
func chaosBound(t *testing.T, claims int) time.Duration {
	t.Helper()
	bound := 5*time.Minute + time.Duration(claims)*2*time.Second
	if deadline, ok := t.Deadline(); ok {
		bound = min(bound, time.Until(deadline)-5*time.Minute)
	}
	if bound < time.Minute {
		t.Fatalf("got %v left before the test's deadline, want a chaos run to have some minutes: raise -timeout", bound)
	}
	return bound
}

// TestChaosEveryClaimEndsExactlyOnce drives many claims through the whole
// flow (report, checklist, claim request, case, approval, agreement,
// payment) while a monkey kills the services with SIGKILL at random
// moments, restarts the Kafka broker (once keeping it down for a minute,
// during which every service stays ready), freezes a service with SIGSTOP
// and crashes PostgreSQL twice (pg_ctl -m immediate), as chaosPlan says. The test has a PostgreSQL cluster
// and a broker of its own, so that it disturbs no other test. When the
// monkey has stopped and the system has settled, every claim has reached
// its end exactly once: one report, one case, one decision, one agreement,
// one completed payment of the agreed amount, executed once by the bank;
// each event published once (a redelivery of the same event is counted, not
// refused); the finance events, the reconciliation report and the payout
// table agree to the fen; nothing parked.
//
// It does not run in parallel with the other tests: it loads the machine,
// and the others' liveness bounds should not pay for it. CLAIMS_CHAOS_CLAIMS
// sets its size: 300 claims take about two and a half minutes on a quiet
// 2-core machine, 1000 about ten; a larger run wants a larger -timeout
// (3000 claims: -timeout 120m).
func TestChaosEveryClaimEndsExactlyOnce(t *testing.T) {
	cfg := chaosConfigFromEnv(t)
	t.Logf("chaos: %d claims, %d workers, seed %d (CLAIMS_CHAOS_SEED)", cfg.claims, cfg.workers, cfg.seed)
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), chaosBound(t, cfg.claims))
	defer cancel()

	c := startChaosCluster(t)
	client, err := newChaosClient(c.sys)
	if err != nil {
		t.Fatal(err)
	}
	claims := chaosClaims(cfg.claims)
	var run chaosRun
	stop := c.unleash(chaosPlan(cfg.seed))
	defer stop()
	quiet := c.report(t, 30*time.Second, &run)
	defer quiet()
	client.run(ctx, claims, cfg.workers, &run)
	stop()
	quiet()
	ran := time.Since(began)
	for i, err := range run.errs {
		if i == 20 {
			t.Errorf("... and %d more", len(run.errs)-i)
			break
		}
		t.Error(err)
	}
	for _, err := range c.infraErrs {
		t.Errorf("the monkey could not restart PostgreSQL or Kafka: %v", err)
	}
	for _, msg := range c.notReady {
		t.Error(msg)
	}

	// Calm: everything up, every outbox sent, no payment under way.
	c.waitReady(t)
	dbs := map[string]*sql.DB{}
	for _, name := range chaosServices {
		dbs[name] = openDB(t, c.sys.dsn[name])
	}
	if err := c.settle(dbs, 3*time.Minute); err != nil {
		t.Error(err)
	}
	var tally chaosTally
	errs := &chaosErrors{t: t}
	verifyDatabases(t, errs, dbs, claims, &tally)
	verifyTopics(t, errs, c, dbs, claims, &tally)
	verifyReconciliation(t, errs, client, dbs, &tally)
	errs.done()

	var want int64
	for _, cl := range claims {
		want += cl.amountFen
	}
	if tally.payouts != len(claims) || tally.payoutSumFen != want {
		t.Errorf("got %d payments of %d fen, want %d of %d fen", tally.payouts, tally.payoutSumFen, len(claims), want)
	}
	kills, selfExits := map[string]int{}, 0
	for _, name := range chaosServices {
		k, e := c.services[name].counts()
		kills[name], selfExits = k, selfExits+e
	}
	var latencies []time.Duration
	for _, cl := range claims {
		if !cl.paid.IsZero() {
			latencies = append(latencies, cl.paid.Sub(cl.began))
		}
	}
	slices.Sort(latencies)
	p50, worst := time.Duration(0), time.Duration(0)
	if len(latencies) > 0 {
		p50, worst = latencies[len(latencies)/2], latencies[len(latencies)-1]
	}
	t.Logf("chaos summary: %d claims (seed %d, %d workers) in %v (checks done at %v); SIGKILLs intake %d, adjudication %d, payout %d (and %d ends on their own); "+
		"Kafka restarts %d, PostgreSQL restarts (crashes) %d; %d payouts, %d finance events (%d deliveries), %d fen paid = %d in payout-completed events = %d reconciled; "+
		"redeliveries %v; %d bank transfers asked about again; %d inbox receipts, %d dead letters; %d requests retried; steps found done: %s; report to payment p50 %v, max %v",
		len(claims), cfg.seed, cfg.workers, ran.Round(time.Second), time.Since(began).Round(time.Second), kills["intake"], kills["adjudication"], kills["payout"], selfExits,
		c.kafkaRestarts.Load(), c.pgRestarts.Load(), tally.payouts, tally.financeEvents, tally.financeDeliveries, tally.payoutSumFen, tally.completedEventsSumFen, tally.reconciledFen,
		tally.redeliveries, tally.transfersAskedAgain, tally.inboxReceipts, tally.deadLetters, client.retries.Load(), client.replaySummary(),
		p50.Round(100*time.Millisecond), worst.Round(100*time.Millisecond))
}

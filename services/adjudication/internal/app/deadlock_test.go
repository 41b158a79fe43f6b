package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
)

// workerOf is the consumer pool's choice of worker for a key (kafkabus:
// FNV-1a of the key, modulo the workers), so that the test puts each pair
// of claims on one worker.
func workerOf(key string, workers int) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(workers))
}

// claimOnWorker returns the first claim id prefix-N that the pool of
// workers hands to worker w.
func claimOnWorker(prefix string, w, workers int) string {
	for n := 0; ; n++ {
		if id := fmt.Sprintf("%s-%d", prefix, n); workerOf(id, workers) == w {
			return id
		}
	}
}

// crossing is a claim consumer's handler that holds the second claim of
// each batch until the first claims of both batches are applied (or a few
// seconds passed): each batch then holds the lock on its first claim's
// account while it asks for the other's.
type crossing struct {
	handle  kafkabus.Handler
	firsts  map[string]bool
	mu      sync.Mutex
	done    int
	both    chan struct{}
	errs    []string
	applied map[string]int
}

func (c *crossing) Handle(ctx context.Context, e events.Envelope) error {
	if !c.firsts[e.ClaimID] {
		select {
		case <-c.both:
		case <-time.After(10 * time.Second):
		}
	}
	err := c.handle(ctx, e)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.errs = append(c.errs, e.ClaimID+": "+err.Error())
		return err
	}
	c.applied[e.ClaimID]++
	if c.firsts[e.ClaimID] {
		if c.done++; c.done == 2 {
			close(c.both)
		}
	}
	return nil
}

// TestAttackTwoCrossingBatchesDeadlockAndEveryClaimIsAppliedOnceRight: two
// workers of the claim consumer each apply a batch of two clean claims
// that go straight through with an agreement in advance: the first batch
// pays into account K1 then K2, the second into K2 then K1, each claim of
// another insured and policy. Each batch holds its first account's lock
// (until it commits) when it asks for the second's: they wait for each
// other in a circle, and PostgreSQL aborts one of them (deadlock_detected).
// The consumer rolls back only that claim's step, commits the rest of its
// batch, and applies the claim again on its own. Every claim is opened
// once; each account is paid without a person once, its second claim sees
// the first's use (fraud_signal: shared_account) and goes to a handler;
// two agreements are announced to payout, not three or four.
func TestAttackTwoCrossingBatchesDeadlockAndEveryClaimIsAppliedOnceRight(t *testing.T) {
	t.Parallel()
	const workers = 2
	a1, a2 := claimOnWorker("dl-a1", 0, workers), claimOnWorker("dl-a2", 0, workers)
	b1, b2 := claimOnWorker("dl-b1", 1, workers), claimOnWorker("dl-b2", 1, workers)
	type claim struct{ id, policy, insured, account, key string }
	const k1, k2 = "6222020200100000001", "6222020200100000002"
	claims := []claim{
		{a1, "P-DL-A1", "张三", k1, "key-1"}, {b1, "P-DL-B1", "王五", k2, "key-2"},
		{a2, "P-DL-A2", "赵六", k2, "key-2"}, {b2, "P-DL-B2", "李四", k1, "key-1"},
	}
	policies := map[string]string{}
	for _, c := range claims {
		policies[c.policy] = c.insured
	}
	f := newStraightFixture(t, policies, nil)
	now := f.clock.Now()

	cluster, prefix := kafkatest.Cluster(t), kafkatest.Prefix(t)
	topic := events.Topics{Prefix: prefix}.Intake()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// One partition: the four requests come in the order published, a1 and
	// a2 to worker 0, b1 and b2 to worker 1, each pair in one batch.
	require.NoError(t, kafkabus.EnsureTopics(ctx, cluster, []events.TopicSpec{{Name: topic, Partitions: 1}}))
	var msgs []outbox.Message
	for i, c := range claims {
		d := cleanInAdvance(t, c.id, c.policy, c.insured, fmt.Sprintf("6000000%d", i), c.account, c.key, now)
		e := claimRequested(t, d)
		v, err := json.Marshal(e)
		require.NoError(t, err)
		msgs = append(msgs, outbox.Message{Topic: topic, Key: c.id, EventID: e.ID, Type: e.Type, Value: v})
	}
	apitest.Publish(t, cluster, msgs...)

	h := &crossing{handle: f.app.OpenCase, firsts: map[string]bool{a1: true, b1: true}, both: make(chan struct{}), applied: map[string]int{}}
	consumer := &kafkabus.Consumer{Name: app.ClaimsConsumer, Cluster: cluster, Topic: topic, GroupID: prefix + "adjudication",
		Handle: h.Handle, Park: func(context.Context, kafka.Message, error) error { return nil },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxAttempts: 10,
		Workers: workers, Batch: postgres.Batches{DB: f.db}, BatchSize: 2}
	run, stop := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- consumer.Run(run) }()
	apitest.Eventually(t, 45*time.Second, "the four claim requests applied", func() bool {
		return pgtest.Count(t, f.db, "SELECT count(*) FROM inbox WHERE consumer = ?", app.ClaimsConsumer) == 4 &&
			pgtest.Count(t, f.db, "SELECT count(*) FROM auto_assessments") == 4
	})
	stop()
	require.NoError(t, <-stopped)

	h.mu.Lock()
	errs := strings.Join(h.errs, "\n")
	h.mu.Unlock()
	t.Logf("errors of the handler: %s", errs)
	if !strings.Contains(errs, "deadlock") {
		t.Fatalf("got the errors %q, want one claim's step aborted by a deadlock (the batches crossed)", errs)
	}
	paid := map[string]int{}
	for _, c := range claims {
		ok, codes := f.paidInAdvance(t, c.id)
		t.Logf("claim %s (account %s): paid in advance %v, reasons %v", c.id, c.key, ok, codes)
		if ok {
			paid[c.key]++
		} else if strings.Join(codes, ",") != "fraud_signal:shared_account" {
			t.Errorf("claim %s: got reasons %v, want only fraud_signal:shared_account (it would have gone through but for the other)", c.id, codes)
		}
	}
	if paid["key-1"] != 1 || paid["key-2"] != 1 {
		t.Fatalf("got claims paid without a person per account %v, want 1 on each", paid)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM cases"); n != 4 {
		t.Fatalf("got %d cases, want 4 (each claim opened once)", n)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox WHERE event_type = ?", events.AgreementReached.Name); n != 2 {
		t.Fatalf("got %d agreement-reached events, want 2 (one per account)", n)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox WHERE event_type = ?", events.ClaimDecided.Name); n != 2 {
		t.Fatalf("got %d claim-decided events, want 2 (the two decided by the system, each once)", n)
	}
}

// holdingInvoices is a cases' repository whose first SameInvoices (a
// handler's decision reads it with the case locked, before the policy's
// usage) tells locked and waits for go on; later calls read at once.
type holdingInvoices struct {
	app.Repository
	mu     sync.Mutex
	calls  int
	locked chan struct{}
	goOn   chan struct{}
}

func (h *holdingInvoices) SameInvoices(ctx context.Context, c domain.Case) ([]domain.InvoiceMatch, error) {
	h.mu.Lock()
	h.calls++
	first := h.calls == 1
	h.mu.Unlock()
	if first {
		close(h.locked)
		<-h.goOn
	}
	return h.Repository.SameInvoices(ctx, c)
}

// TestAttackAHandlersDecisionPickedAsADeadlocksVictimIsRunAgainOnce: a
// handler's decision holds its case's row lock and asks for its policy's
// usage lock, which another transaction holds while it asks for the case's
// row: a deadlock, in the opposite of the one lock order (as a consumer's
// batch holding a policy's usage for an earlier event may cross a request).
// The other transaction waits first, with a long deadlock_timeout, so that
// PostgreSQL picks the decision as the victim (40P01). The handler's
// request must not fail for it: the decision's transaction is run again
// from its start once the other committed, and the decision, its
// claim-decided event and its audit entry are stored once.
func TestAttackAHandlersDecisionPickedAsADeadlocksVictimIsRunAgainOnce(t *testing.T) {
	t.Parallel()
	hold := &holdingInvoices{locked: make(chan struct{}), goOn: make(chan struct{})}
	f := newFixtureWith(t, func(d *app.Deps) { hold.Repository, d.Cases = d.Cases, hold })
	ctx := context.Background()
	f.importPolicy(t, "P-1")
	f.open(t, request("claim-dl", time.Now().Add(-time.Hour)))

	var name string
	require.NoError(t, f.db.Raw("SELECT current_database()").Scan(&name).Error)
	// The other transaction runs as the database's superuser: only it may
	// set deadlock_timeout for itself.
	admin := pgtest.Open(t, pgtest.WithDatabase(t, pgtest.AdminDSN(t), name), 3)

	decided := make(chan error, 1)
	go func() {
		_, err := f.app.Decide(ctx, handler, "claim-dl", approve(100))
		decided <- err
	}()
	<-hold.locked // the decision holds the case's row lock

	other := admin.Begin()
	require.NoError(t, other.Error)
	defer other.Rollback()
	require.NoError(t, other.Exec("SET LOCAL deadlock_timeout = '60s'").Error)
	require.NoError(t, other.Exec("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", "adjudication.policy-usage:P-1").Error)
	var pid int64
	require.NoError(t, other.Raw("SELECT pg_backend_pid()").Scan(&pid).Error)
	otherDone := make(chan error, 1)
	go func() {
		if err := other.Exec("SELECT 1 FROM cases WHERE claim_id = ? FOR UPDATE", "claim-dl").Error; err != nil {
			otherDone <- err
			return
		}
		otherDone <- other.Commit().Error
	}()
	apitest.Eventually(t, 30*time.Second, "the other transaction waiting for the case's row", func() bool {
		return pgtest.Count(t, admin, "SELECT count(*) FROM pg_stat_activity WHERE pid = ? AND wait_event_type = 'Lock'", pid) == 1
	})
	close(hold.goOn) // the decision now asks for the policy's usage: a circle

	err := <-decided
	require.NoError(t, <-otherDone, "the other transaction (not the victim: its deadlock_timeout is longer)")
	if err != nil {
		t.Fatalf("got %v from the handler's decision, want it made (the deadlock's victim run again)", err)
	}
	hold.mu.Lock()
	reads := hold.calls
	hold.mu.Unlock()
	// Under load the retry can take the case's row before the other
	// transaction, woken by the victim's rollback, does: the circle closes
	// again and the retry is the victim too; a third attempt then goes
	// through.
	if reads < 2 || reads > postgres.TxAttempts {
		t.Errorf("got the decision's reads made %d times, want 2 to %d (the victim's, then the retries')", reads, postgres.TxAttempts)
	}
	c, err := f.app.Case(ctx, "claim-dl")
	require.NoError(t, err)
	if c.Decision == nil || c.Decision.Outcome != domain.Approve || c.Decision.AmountFen != 100 {
		t.Fatalf("got decision %+v, want the approval of 100 fen", c.Decision)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox WHERE event_type = ? AND msg_key = ?", events.ClaimDecided.Name, "claim-dl"); n != 1 {
		t.Errorf("got %d claim-decided events, want 1", n)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM decisions d JOIN cases c ON c.id = d.case_id WHERE c.claim_id = ?", "claim-dl"); n != 1 {
		t.Errorf("got %d decisions stored, want 1", n)
	}
	timeline, err := f.app.Timeline(ctx, "claim-dl")
	require.NoError(t, err)
	decisions := 0
	for _, ch := range timeline {
		if ch.Action == domain.ActionDecided {
			decisions++
		}
	}
	if decisions != 1 {
		t.Errorf("got %d decided entries in the audit, want 1", decisions)
	}
}

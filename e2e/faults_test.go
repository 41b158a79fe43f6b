package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/kafkabus/kafkatest"
)

// TestAdjudicationKilledBetweenDatabaseAndOffsetCommit kills adjudication
// (SIGKILL) right after it committed a new case (its consumer's batch
// transaction) and before it committed the Kafka offset. The restarted
// consumer gets the event again; the inbox absorbs it: one case, one
// decision.
func TestAdjudicationKilledBetweenDatabaseAndOffsetCommit(t *testing.T) {
	t.Parallel()
	sys, db, claimID := crashAdjudicationOnAClaimRequest(t, "crash-after-apply", 1)
	sys.restartAndWantOneCaseDecidedOnce(t, db, claimID)
}

// TestAdjudicationKilledInsideABatchBeforeItsCommit kills adjudication
// (SIGKILL) after its consumer applied a claim request inside its batch
// transaction (postgres.Batch) and before that transaction committed:
// nothing of the case stands, not even its inbox receipt. The restarted
// consumer gets the event again and opens the case once: one case, one
// receipt, one decision.
func TestAdjudicationKilledInsideABatchBeforeItsCommit(t *testing.T) {
	t.Parallel()
	sys, db, claimID := crashAdjudicationOnAClaimRequest(t, "crash-before-batch-commit", 0)
	if got := count(t, db, `SELECT count(*) FROM inbox WHERE claim_id = $1`, claimID); got != 0 {
		t.Fatalf("after the crash: got %d inbox receipts, want 0 (the batch did not commit)", got)
	}
	sys.restartAndWantOneCaseDecidedOnce(t, db, claimID)
}

// crashAdjudicationOnAClaimRequest runs the three services, adjudication
// with fault, files a claim request, waits for adjudication to die of it
// and checks that wantCases cases of the claim were committed.
func crashAdjudicationOnAClaimRequest(t *testing.T, fault string, wantCases int) (*system, *sql.DB, string) {
	t.Helper()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.start("intake")
	sys.start("payout")
	crashing := sys.startWithFault("adjudication", fault)
	for _, name := range []string{"intake", "payout", "adjudication"} {
		sys.waitReady(name)
	}
	r := sys.reportAndRequest(t, "P-E2E-CRASH")
	crashing.waitExit(t, 60*time.Second)
	db := openDB(t, sys.dsn["adjudication"])
	if got := count(t, db, `SELECT count(*) FROM cases WHERE claim_id = $1`, r.ClaimID); got != wantCases {
		t.Fatalf("after the crash (%s): got %d cases, want %d", fault, got, wantCases)
	}
	return sys, db, r.ClaimID
}

// restartAndWantOneCaseDecidedOnce starts adjudication again after its
// crash with claimID's request unacknowledged, waits for the request to
// come again, and checks one case and one receipt for it, then that the
// claim is decided, agreed and paid with one decision.
func (sys *system) restartAndWantOneCaseDecidedOnce(t *testing.T, db *sql.DB, claimID string) {
	t.Helper()
	sys.start("adjudication")
	sys.waitReady("adjudication")
	// The claim request was not acknowledged to Kafka, so it comes again.
	apitest.Eventually(t, 90*time.Second, "claim request redelivered", func() bool {
		return metricValue(t, sys.url("adjudication", "/metrics"),
			`consumer_events_total{consumer="adjudication.claim-requests",result="applied"}`) >= 1
	})
	if got := count(t, db, `SELECT count(*) FROM cases WHERE claim_id = $1`, claimID); got != 1 {
		t.Fatalf("after redelivery: got %d cases, want 1", got)
	}
	if got := count(t, db, `SELECT count(*) FROM inbox WHERE claim_id = $1 AND event_type = $2`, claimID, events.ClaimRequested.Name); got != 1 {
		t.Fatalf("got %d inbox receipts for the claim request, want 1", got)
	}

	sys.approve(t, claimID, 5000)
	sys.agree(t, claimID)
	readTopic(t, sys.brokers, sys.topics.Payout(), 60*time.Second, func(es []events.Envelope) bool {
		return countOf(es, claimID, events.PayoutCompleted) >= 1
	})
	// The topic also carries the claim request's receipt (claim-request-
	// received, red team 17): read until the decision.
	decisions := readTopic(t, sys.brokers, sys.topics.Adjudication(), 30*time.Second, func(es []events.Envelope) bool {
		return countOf(es, claimID, events.ClaimDecided) >= 1
	})
	if got := countOf(decisions, claimID, events.ClaimDecided); got != 1 {
		t.Fatalf("got %d decision events, want 1", got)
	}
	if got := count(t, db, `SELECT count(*) FROM decisions`); got != 1 {
		t.Fatalf("got %d decisions, want 1", got)
	}
}

// TestProductionBinariesCarryNoFaultInjection checks that the binaries
// `make build` ships hold none of the fault-injection code (it is compiled
// only with -tags faults, into bin/faults), while the fault builds the
// crash tests run do hold it, so that the check can see it when it is there.
func TestProductionBinariesCarryNoFaultInjection(t *testing.T) {
	t.Parallel()
	faults := map[string][]string{
		"adjudication": {"ADJUDICATION_FAULT", "crash-after-apply", "fault injection"},
		"payout":       {"PAYOUT_FAULT", "crash-after-bank-call", "fault injection"},
	}
	for name, marks := range faults {
		production := readBinary(t, filepath.Join(binDir(t), name))
		faulty := readBinary(t, filepath.Join(binDir(t), "faults", name))
		for _, mark := range marks {
			if bytes.Contains(production, []byte(mark)) {
				t.Errorf("bin/%s holds %q, want no fault injection in a production binary", name, mark)
			}
			if !bytes.Contains(faulty, []byte(mark)) {
				t.Errorf("bin/faults/%s lacks %q, want the fault build to hold it", name, mark)
			}
		}
	}
	intake := readBinary(t, filepath.Join(binDir(t), "intake"))
	if bytes.Contains(intake, []byte("_FAULT")) || bytes.Contains(intake, []byte("fault injection")) {
		t.Errorf("bin/intake holds fault injection, want none")
	}
}

// readBinary reads the built binary at path.
func readBinary(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v (build it with `make build`)", path, err)
	}
	return b
}

// TestBrokerOutageLosesNoEvents stops the Kafka broker while intake keeps
// taking reports, then starts it again: every event arrives, in order per
// claim. Meanwhile intake stays ready (/readyz 200: readiness is the
// database) and reports kafka_up 0. The test runs a broker of its own so
// that stopping it disturbs no other test.
func TestBrokerOutageLosesNoEvents(t *testing.T) {
	t.Parallel()
	broker := startPrivateBroker(t)
	sys := newSystemOn(t, newDatabases(t), broker.admin(t), broker.secrets())
	sys.start("intake")
	sys.waitReady("intake")
	if got := metricValue(t, sys.url("intake", "/metrics"), "kafka_up"); got != 1 {
		t.Fatalf("kafka_up with the broker running: got %v, want 1", got)
	}

	broker.stop(t)
	apitest.Eventually(t, 30*time.Second, "intake reports Kafka unreachable", func() bool {
		return metricValue(t, sys.url("intake", "/metrics"), "kafka_up") == 0
	})
	if got := sys.call(t, http.MethodGet, sys.url("intake", "/readyz"), nil, nil); got != http.StatusOK {
		t.Fatalf("GET /readyz with Kafka down: got %d, want 200 (readiness is the database only)", got)
	}
	const claims = 15
	var reports []report
	for i := 0; i < claims; i++ {
		reports = append(reports, sys.reportAndRequest(t, fmt.Sprintf("P-OUTAGE-%03d", i)))
	}
	broker.start(t)

	got := readTopic(t, sys.brokers, sys.topics.Intake(), 120*time.Second, func(es []events.Envelope) bool { return len(es) >= 2*claims })
	if len(got) != 2*claims {
		t.Fatalf("got %d events, want %d", len(got), 2*claims)
	}
	byClaim := map[string][]string{}
	for _, e := range got {
		byClaim[e.ClaimID] = append(byClaim[e.ClaimID], e.Type)
	}
	want := []string{events.IncidentReported.Name, events.ClaimRequested.Name}
	for _, r := range reports {
		if !equal(byClaim[r.ClaimID], want) {
			t.Fatalf("claim %s: got events %v, want %v", r.ClaimID, byClaim[r.ClaimID], want)
		}
	}
	apitest.Eventually(t, 30*time.Second, "outbox drained", func() bool {
		return metricValue(t, sys.url("intake", "/metrics"), "outbox_pending") == 0
	})
}

type privateBroker struct {
	dir, addr string
	port      int
}

// startPrivateBroker starts a single-node KRaft broker in a temporary folder
// with the project's own infra script.
func startPrivateBroker(t testing.TB) *privateBroker {
	t.Helper()
	b := &privateBroker{dir: t.TempDir(), port: freePortPair(t)}
	b.addr = fmt.Sprintf("127.0.0.1:%d", b.port)
	b.start(t)
	t.Cleanup(func() { b.stop(t) })
	return b
}

func (b *privateBroker) start(t testing.TB) {
	t.Helper()
	infra(t, "kafka-start", b.dir, fmt.Sprint(b.port))
}

func (b *privateBroker) stop(t testing.TB) {
	t.Helper()
	infra(t, "kafka-stop", b.dir)
}

// secrets is the folder of the broker's principals' passwords, which
// infra.sh writes.
func (b *privateBroker) secrets() string { return filepath.Join(b.dir, "secrets", "kafka") }

// admin is the broker reached as its set-up principal.
func (b *privateBroker) admin(t testing.TB) kafkabus.Cluster {
	t.Helper()
	return kafkatest.At(t, []string{b.addr}, b.secrets(), kafkabus.AdminUser)
}

func infra(t testing.TB, args ...string) {
	t.Helper()
	if err := runInfra(args...); err != nil {
		t.Fatal(err)
	}
}

// runInfra runs deployments/local/infra.sh with args, for a broker with a
// small heap and a PostgreSQL cluster without fsync (a test's data need not
// outlive the machine; a crash of the server alone loses nothing).
func runInfra(args ...string) error {
	root := os.Getenv("CLAIMS_REPO_ROOT")
	if root == "" {
		return errors.New("CLAIMS_REPO_ROOT is not set: run the tests with `make test`")
	}
	cmd := exec.Command("bash", append([]string{filepath.Join(root, "deployments/local/infra.sh")}, args...)...)
	cmd.Env = append(os.Environ(), "KAFKA_HEAP_OPTS=-Xms128m -Xmx384m", "PG_FSYNC=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("infra.sh %v: %v\n%s", args, err, out)
	}
	return nil
}

// freePortPair finds a port p such that p and p+1 (the controller) are free.
// It draws below Linux's ephemeral range (32768-60999): a port in that range
// that is free now may be handed to a client socket before the broker binds
// it, or between two of the chaos test's restarts ("Address already in use"
// was seen on a busy machine); below it the kernel never hands one out.
func freePortPair(t testing.TB) int {
	t.Helper()
	for i := 0; i < 100; i++ {
		p := 20000 + rand.IntN(12000)
		if takePort(p) && takePort(p+1) && portFree(p) && portFree(p+1) {
			return p
		}
	}
	t.Fatalf("no free pair of ports found")
	return 0
}

func portFree(p int) bool {
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

func openDB(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func count(t testing.TB, db *sql.DB, query string, args ...any) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var n int
	if err := db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

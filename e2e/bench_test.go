package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/segmentio/kafka-go"

	"claims.local/pkg/events"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/postgres/pgtest"
)

// These benchmarks run under `make bench` only (go test -bench). Each
// reports its figure against a baseline measured in the same run on the same
// machine, as a ratio: the machines are shared and absolute numbers drift.

// benchClaims is the number of claims BenchmarkEndToEndClaims drives
// (CLAIMS_BENCH_E2E_CLAIMS, 200) and the clients that drive them at once
// (CLAIMS_BENCH_E2E_CLIENTS, 32).
func benchClaims(b *testing.B) (claims, clients int) {
	b.Helper()
	claims, clients = 200, 32
	envCounts(b, envCount{"CLAIMS_BENCH_E2E_CLAIMS", &claims}, envCount{"CLAIMS_BENCH_E2E_CLIENTS", &clients})
	return claims, clients
}

// envCount is a count a benchmark takes from an environment variable.
type envCount struct {
	name string
	to   *int
}

// envCounts sets each count whose variable is set to its value, which
// must be a positive whole number.
func envCounts(b *testing.B, counts ...envCount) {
	b.Helper()
	for _, v := range counts {
		if s := os.Getenv(v.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				b.Fatalf("%s=%q: want a positive whole number", v.name, s)
			}
			*v.to = n
		}
	}
}

// benchCount is the whole number in the environment variable name, def
// when it is not set.
func benchCount(b *testing.B, name string, def int) int {
	b.Helper()
	n := def
	envCounts(b, envCount{name, &n})
	return n
}

// BenchmarkEndToEndClaims drives claims from incident report to the
// payout-completed event on Kafka through the three services (report,
// checklist items satisfied, claim request, approval, agreement), several at
// once, and reports claims per second and the p50 and p99 time from the
// report to the finance event. It counts the PostgreSQL transactions one
// claim commits across the three databases and the CPU time one claim
// costs in each process (the three services, PostgreSQL and Kafka), and
// measures pgbench's transactions per second on the same server in the
// same run, so that the report says how close the system comes to what
// the database allows (claims/s per 1,000 pgbench tps; issue 21's targets:
// at least 50 claims/s, 25 per 1,000 tps, p99 at most 1.5 s, 25 CPU ms and
// 15 PostgreSQL transactions per claim). Each claim is an insured's of
// their own paid into their own account, unless
// CLAIMS_BENCH_E2E_SHARED_ACCOUNT=1 (benchShape): figures of the two
// shapes, and of this benchmark before the tenth round (one account), are
// not comparable.
func BenchmarkEndToEndClaims(b *testing.B) {
	sys := newSystem(b, kafkatest.Cluster(b))
	// The deadline monitors' sweeps are not part of a claim's cost.
	sys.env = []string{"DEADLINE_SWEEP_INTERVAL=30s"}
	sys.startAll()
	n, clients := benchClaims(b)
	shape := benchShapeOf(b)
	before, rolledBefore := commits(b, sys)
	statementsBefore := statements(b, sys)
	// CLAIMS_BENCH_E2E_STATEMENTS=1 logs each database's statements by
	// calls a claim (pg_stat_statements, before and after the run).
	listStatements := os.Getenv("CLAIMS_BENCH_E2E_STATEMENTS") == "1"
	var topBefore map[string]statementStat
	if listStatements {
		topBefore = topStatements(b, sys)
	}
	walBefore := walWritten(b)
	cpuBefore := cpuTimes(b, sys)
	completed := watchCompleted(b, sys)
	var rate float64
	stamps := map[string]benchStamps{}
	perf := perfControl(b)

	b.ResetTimer()
	perf("enable")
	for range b.N {
		start := time.Now()
		// CLAIMS_BENCH_PROFILE=<prefix> takes a 5 s CPU profile of each
		// service while the claims run, into <prefix>-<service>.
		var profiled []func()
		if prefix := os.Getenv("CLAIMS_BENCH_PROFILE"); prefix != "" {
			for _, name := range benchDatabases {
				profiled = append(profiled, sys.profile(b, name, prefix+"-"+name, 5))
			}
		}
		var wg sync.WaitGroup
		jobs := make(chan int)
		latencies := make([]time.Duration, n)
		var notFound atomic.Int64
		var stampsMu sync.Mutex
		for w := 0; w < clients; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range jobs {
					claim, missed, st := sys.benchClaim(b, shape, i)
					notFound.Add(int64(missed))
					st.completed = completed.wait(b, claim)
					latencies[i] = st.completed.Sub(st.began)
					stampsMu.Lock()
					stamps[claim] = st
					stampsMu.Unlock()
				}
			}()
		}
		for i := range n {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		elapsed := time.Since(start)
		for _, done := range profiled {
			done()
		}
		slices.Sort(latencies)
		rate = float64(n) / elapsed.Seconds()
		b.ReportMetric(rate, "claims/s")
		b.ReportMetric(latencies[n/2].Seconds()*1000, "p50-ms")
		b.ReportMetric(latencies[n*99/100].Seconds()*1000, "p99-ms")
		// The decisions adjudication answered 404 (case not yet open):
		// the benchmark's polling, a read-only transaction of three
		// statements each, counted in pg-stmt/claim-adjudication.
		b.ReportMetric(float64(notFound.Load())/float64(n), "bench-404/claim")
	}
	b.StopTimer()
	perf("disable")
	cpuAfter := cpuTimes(b, sys)
	walAfter := walWritten(b)
	after, rolledAfter := commits(b, sys)
	statementsAfter := statements(b, sys)
	if listStatements {
		logStatementsByCalls(b, topBefore, topStatements(b, sys), n*b.N)
	}
	logHops(b, sys, stamps)
	var perClaim, rolled, statementsPerClaim float64
	for _, name := range benchDatabases {
		tx := float64(after[name]-before[name]) / float64(n*b.N)
		perClaim += tx
		rolled += float64(rolledAfter[name]-rolledBefore[name]) / float64(n*b.N)
		b.ReportMetric(tx, "pg-tx/claim-"+name)
		st := float64(statementsAfter[name]-statementsBefore[name]) / float64(n*b.N)
		statementsPerClaim += st
		b.ReportMetric(st, "pg-stmt/claim-"+name)
	}
	b.ReportMetric(statementsPerClaim, "pg-stmt/claim")
	b.ReportMetric(rolled, "pg-rollbacks/claim")
	var cpuTotal float64
	for _, name := range cpuProcesses {
		ms := (cpuAfter[name] - cpuBefore[name]) * 1000 / float64(n*b.N)
		cpuTotal += ms
		b.ReportMetric(ms, "cpu-ms/claim-"+name)
	}
	b.ReportMetric(cpuTotal, "cpu-ms/claim")
	claims := float64(n * b.N)
	b.ReportMetric(float64(walAfter.bytes-walBefore.bytes)/1024/claims, "pg-wal-kB/claim")
	b.ReportMetric(float64(walAfter.records-walBefore.records)/claims, "pg-wal-records/claim")
	b.ReportMetric(float64(walAfter.fullPages-walBefore.fullPages)/claims, "pg-wal-fpi/claim")
	b.ReportMetric(float64(walAfter.syncs-walBefore.syncs)/claims, "pg-wal-syncs/claim")
	b.ReportMetric(float64(walAfter.checkpoints-walBefore.checkpoints), "pg-checkpoints")
	tps := pgbenchTPS(b)
	b.ReportMetric(perClaim, "pg-tx/claim")
	b.ReportMetric(tps, "pgbench-tps")
	b.ReportMetric(tps/perClaim, "claims/s-bound")
	b.ReportMetric(rate/(tps/1000), "claims/s-per-1000-tps")
}

// perfControl returns a function that writes a line ("enable",
// "disable") to the FIFO named by CLAIMS_BENCH_PERF_CONTROL, so that a
// profiler reading it (perf's --control fifo, or a script that starts
// `perf record -a` on "enable" and stops it on "disable") covers the
// claims only, not the services' start-up and migrations (issue 21's
// thirteenth round). With the variable unset it does nothing.
func perfControl(b *testing.B) func(command string) {
	b.Helper()
	file := os.Getenv("CLAIMS_BENCH_PERF_CONTROL")
	if file == "" {
		return func(string) {}
	}
	return func(command string) {
		f, err := os.OpenFile(file, os.O_WRONLY, 0)
		if err != nil {
			b.Fatalf("open perf's control FIFO: %v", err)
		}
		defer f.Close()
		if _, err := f.WriteString(command + "\n"); err != nil {
			b.Fatalf("tell perf to %s: %v", command, err)
		}
	}
}

// cpuProcesses are the processes whose CPU time a claim is charged with.
var cpuProcesses = []string{"intake", "adjudication", "payout", "postgres", "kafka"}

// cpuTimes returns the CPU seconds (user and system) each of cpuProcesses
// has used so far: the services the benchmark started, PostgreSQL's
// postmaster with its backends (live ones, and the exited ones it
// reaped), and the Kafka broker, found through the pid files of the test
// infrastructure (CLAIMS_BENCH_STATE, by default .local/test under
// CLAIMS_REPO_ROOT).
func cpuTimes(b *testing.B, s *system) map[string]float64 {
	b.Helper()
	state := os.Getenv("CLAIMS_BENCH_STATE")
	if state == "" {
		root := os.Getenv("CLAIMS_REPO_ROOT")
		if root == "" {
			b.Fatal("CLAIMS_REPO_ROOT is not set: run the benchmarks with `make bench`")
		}
		state = filepath.Join(root, ".local", "test")
	}
	out := map[string]float64{}
	for _, name := range []string{"intake", "adjudication", "payout"} {
		p, ok := s.procs[name]
		if !ok {
			continue // not started by this benchmark: not measured
		}
		out[name] = procCPU(b, p.cmd.Process.Pid).own
	}
	pidOf := func(file string) int {
		raw, err := os.ReadFile(filepath.Join(state, file))
		if err != nil {
			b.Fatalf("read %s (set CLAIMS_BENCH_STATE to the infrastructure's state folder): %v", file, err)
		}
		first, _, _ := strings.Cut(string(raw), "\n")
		pid, err := strconv.Atoi(strings.TrimSpace(first))
		if err != nil {
			b.Fatalf("%s: got %q, want a process id", file, first)
		}
		return pid
	}
	kafkaPID := pidOf("kafka/pid")
	out["kafka"] = procCPU(b, kafkaPID).own
	postmaster := pidOf("pg/postmaster.pid")
	pm := procCPU(b, postmaster)
	out["postgres"] = pm.own + pm.children
	entries, err := os.ReadDir("/proc")
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == postmaster {
			continue
		}
		if c, ok := procStat(pid); ok && c.ppid == postmaster {
			out["postgres"] += c.own
		}
	}
	return out
}

// procTimes is a process's CPU seconds, its own and its reaped children's.
type procTimes struct {
	ppid          int
	own, children float64
}

func procCPU(b *testing.B, pid int) procTimes {
	b.Helper()
	c, ok := procStat(pid)
	if !ok {
		b.Fatalf("no /proc/%d/stat: the process is gone", pid)
	}
	return c
}

// procStat reads utime, stime, cutime and cstime (fields 14 to 17) of
// /proc/<pid>/stat, in clock ticks of 1/100 s (Linux's USER_HZ).
func procStat(pid int) (procTimes, bool) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procTimes{}, false
	}
	// The command name may hold spaces; the fields follow its closing parenthesis.
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return procTimes{}, false
	}
	f := strings.Fields(string(raw[i+1:]))
	if len(f) < 15 {
		return procTimes{}, false
	}
	num := func(k int) float64 { v, _ := strconv.ParseFloat(f[k], 64); return v / 100 }
	ppid, _ := strconv.Atoi(f[1])
	// f[0] is the state (field 3), so field n is f[n-3].
	return procTimes{ppid: ppid, own: num(11) + num(12), children: num(13) + num(14)}, true
}

// benchShape is what BenchmarkEndToEndClaims's claims share. By default
// each claim is a person of its own (surgeInsured) paid into an account of
// their own (surgeAccount), as real claims are: the benchmark then measures
// a claim's path. CLAIMS_BENCH_E2E_SHARED_ACCOUNT=1 gives the shape of the
// rounds before the tenth: every claim is 赵六's, paid into one account,
// which the fraud controls rightly serialise (the account's advisory lock)
// and read in full (every earlier use of the account, every other case of
// the insured), so that shape measures those controls under contention.
//
// The checklist's items are marked satisfied in one request (issue 21's
// eleventh round); CLAIMS_BENCH_E2E_SATISFY=each marks them one request
// an item, as before it, which binaries before that round need (they have
// no such request).
//
// By default the decision is sent right after the claim request with
// ?wait=10s, which adjudication answers once it has opened the case
// (issue 21's eleventh round); CLAIMS_BENCH_E2E_POLL=1 sends it after
// growing waits until it is not answered 404, as before, which is also
// how binaries without the wait (main's before that round) are measured.
type benchShape struct{ shared, eachItem, poll bool }

func benchShapeOf(b *testing.B) benchShape {
	b.Helper()
	flag := func(name string) bool {
		switch v := os.Getenv(name); v {
		case "", "0":
			return false
		case "1":
			return true
		default:
			b.Fatalf("%s=%q: want 1 or 0", name, v)
			return false
		}
	}
	sh := benchShape{shared: flag("CLAIMS_BENCH_E2E_SHARED_ACCOUNT"), poll: flag("CLAIMS_BENCH_E2E_POLL")}
	switch v := os.Getenv("CLAIMS_BENCH_E2E_SATISFY"); v {
	case "", "together":
	case "each":
		sh.eachItem = true
	default:
		b.Fatalf("CLAIMS_BENCH_E2E_SATISFY=%q: want each or together", v)
	}
	return sh
}

// payee is the insured of claim i and the account they are paid into.
func (sh benchShape) payee(i int) (insured, account string) {
	if sh.shared {
		return "赵六", "6217000010001234567"
	}
	return surgeInsured(i), surgeAccount(i)
}

// benchClaim files one claim through to the agreement and returns its id
// and how many times its decision was answered 404 (its case not yet
// open). It sends only the requests a claim needs (report, checklist
// items, claim request, decision, agreement) and reads nothing back: the
// checklist comes with the report's answer and the insured's name is the
// one it reported. Adjudication opens the case when it consumes the claim
// request: the decision is sent at once with ?wait=10s, answered when the
// case has opened (a 404 then means it did not open within 10 s, and the
// decision is sent again as below); with shape.poll it is sent after a
// wait and again, after longer and longer waits (backOff), while the
// answer is 404: each 404 is a read-only transaction of adjudication's,
// which the benchmark counts (bench-404/claim) because it charges the
// claim with the benchmark's own polling.
func (s *system) benchClaim(t testing.TB, shape benchShape, i int) (claimID string, notFound int, stamps benchStamps) {
	t.Helper()
	stamps.began = time.Now()
	insured, account := shape.payee(i)
	incident := time.Now().Add(-48 * time.Hour)
	var r intakeReport
	for tries := 0; ; tries++ {
		status := s.call(t, http.MethodPost, s.url("intake", "/v1/reports"), map[string]any{
			"policy_number": fmt.Sprintf("P-BENCH-%06d", i), "insured_name": insured, "incident_type": "medical",
			"incident_time": incident.Format(time.RFC3339),
			"reporter":      map[string]string{"name": insured, "role": "insured"},
		}, &r)
		if status == http.StatusCreated {
			break
		}
		if status != http.StatusConflict || tries == 60 {
			t.Fatalf("POST /v1/reports: got status %d, want 201", status)
		}
		incident = incident.Add(-24 * time.Hour)
	}
	stamps.reported = time.Now()
	if shape.eachItem {
		for _, item := range r.Checklist.Missing {
			path := "/v1/reports/" + r.ID + "/checklist/items/" + item + "/satisfy"
			if status := s.call(t, http.MethodPost, s.url("intake", path), map[string]string{"reason": "原件已在柜面核验 (bench)"}, nil); status != http.StatusCreated {
				t.Fatalf("satisfy %s: got status %d, want 201", item, status)
			}
		}
	} else if len(r.Checklist.Missing) > 0 {
		body := map[string]any{"items": r.Checklist.Missing, "reason": "原件已在柜面核验 (bench)"}
		if status := s.call(t, http.MethodPost, s.url("intake", "/v1/reports/"+r.ID+"/checklist/satisfy"), body, nil); status != http.StatusCreated {
			t.Fatalf("satisfy %v: got status %d, want 201", r.Checklist.Missing, status)
		}
	}
	if status := s.call(t, http.MethodPost, s.url("intake", "/v1/reports/"+r.ID+"/claim-request"), nil, nil); status != http.StatusCreated {
		t.Fatalf("claim request: got %d, want 201", status)
	}
	stamps.requested = time.Now()
	body := map[string]any{"outcome": "approve", "lines": []map[string]any{{"benefit": "medical_expense",
		"claimed_fen": int64(10_000 + i), "approved_fen": int64(10_000 + i)}}, "acknowledge_unknown": acknowledgement}
	wait := backOff{first: benchFirstDecisionWait, next: benchNextDecisionWait}
	decision := "/v1/cases/" + r.ClaimID + "/decision"
	if !shape.poll {
		decision += "?wait=10s"
	}
	for deadline, tries := time.Now().Add(60*time.Second), 0; ; tries++ {
		if shape.poll || tries > 0 {
			time.Sleep(wait.step())
		}
		status := s.call(t, http.MethodPost, s.url("adjudication", decision), body, nil)
		if status == http.StatusOK {
			break
		}
		if status != http.StatusNotFound || time.Now().After(deadline) {
			t.Fatalf("approve %s: got status %d, want 200 (404 only until its case is opened, within 60 s)", r.ClaimID, status)
		}
		notFound++
	}
	stamps.decided = time.Now()
	agreement := map[string]any{"agreed_by": insured, "channel": "signed_form", "payee": map[string]any{
		"name": insured, "role": "insured", "bank_name": "中国建设银行", "account_number": account}}
	if status := s.call(t, http.MethodPost, s.url("adjudication", "/v1/cases/"+r.ClaimID+"/agreement"), agreement, nil); status != http.StatusOK {
		t.Fatalf("agreement on %s: got status %d, want 200", r.ClaimID, status)
	}
	stamps.agreed = time.Now()
	return r.ClaimID, notFound, stamps
}

// benchFirstDecisionWait is how long benchClaim waits after the claim
// request before it first sends the decision, and benchNextDecisionWait
// the first wait after a 404, which then grows by half up to 400 ms
// (backOff). Adjudication opens a case some 50-300 ms after the claim
// request at 32 clients on two cores, by the machine's load: sent every
// 20 ms from the claim request on, as before the tenth round, the
// decision was answered 404 2.3-2.7 times a claim. A try added to a
// claim's latency at most the wait before it, so the latency is the
// path's within 50-400 ms.
const (
	benchFirstDecisionWait = 100 * time.Millisecond
	benchNextDecisionWait  = 50 * time.Millisecond
)

// backOff is a wait that starts at first, then at next, growing by half at
// each step up to 400 ms: few requests when the awaited state is late,
// little added latency when it is nearly there.
type backOff struct{ first, next time.Duration }

// step returns the wait before this try and lengthens the next one.
func (w *backOff) step() time.Duration {
	if d := w.first; d > 0 {
		w.first = 0
		return d
	}
	d := w.next
	w.next = min(w.next*3/2, 400*time.Millisecond)
	return d
}

// completedWatch follows the payout topic and remembers when each claim's
// payout-completed event arrived.
type completedWatch struct {
	mu   sync.Mutex
	at   map[string]time.Time
	cond *sync.Cond
	// failed holds the payout-failed event of each claim whose payment
	// failed: no completion follows one (a failed payment waits for a
	// handler), so wait reports it at once rather than after 2 minutes.
	failed map[string]string
}

// watchCompleted follows the payout topic in a group of the benchmark. Its
// reader waits as long as the services' consumers do (a fetch returns
// when a message arrives): with a shorter MaxWait, kafka-go's read deadline
// expires before the broker's empty answer on a busy machine, and the
// reader dials again, with a SASL handshake, charging the broker's CPU per
// claim with the benchmark's own reconnections. It commits its offsets
// once a second, not after each message, for the same reason.
func watchCompleted(b *testing.B, s *system) *completedWatch {
	b.Helper()
	w := &completedWatch{at: map[string]time.Time{}, failed: map[string]string{}}
	w.cond = sync.NewCond(&w.mu)
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: s.brokers.Brokers, Dialer: s.brokers.Dialer(10 * time.Second), Topic: s.topics.Payout(), GroupID: s.prefix + "bench",
		StartOffset: kafka.FirstOffset, MaxWait: kafkabus.FetchMaxWait, CommitInterval: time.Second})
	b.Cleanup(func() { _ = r.Close() })
	go func() {
		for {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				return
			}
			e, err := events.Decode(m.Value)
			if err != nil || e.Type != events.PayoutCompleted.Name && e.Type != events.PayoutFailed.Name {
				continue
			}
			w.mu.Lock()
			if e.Type == events.PayoutFailed.Name {
				w.failed[e.ClaimID] = string(e.Data)
			} else if _, seen := w.at[e.ClaimID]; !seen {
				w.at[e.ClaimID] = time.Now()
			}
			w.cond.Broadcast()
			w.mu.Unlock()
		}
	}()
	return w
}

func (w *completedWatch) wait(b *testing.B, claimID string) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	timeout := time.AfterFunc(2*time.Minute, func() { w.mu.Lock(); w.cond.Broadcast(); w.mu.Unlock() })
	defer timeout.Stop()
	limit := time.Now().Add(2 * time.Minute)
	for {
		if at, ok := w.at[claimID]; ok {
			return at
		}
		if failed, ok := w.failed[claimID]; ok {
			b.Errorf("claim %s: got payout-failed %s, want payout-completed", claimID, failed)
			return time.Now()
		}
		if time.Now().After(limit) {
			b.Errorf("no payout-completed event for claim %s within 2 minutes", claimID)
			return time.Now()
		}
		w.cond.Wait()
	}
}

// benchDatabases are the services whose databases a claim's transactions
// are counted in.
var benchDatabases = []string{"intake", "adjudication", "payout"}

// commits returns the committed and the rolled-back transactions of each
// service's database so far (pg_stat_database).
func commits(b *testing.B, s *system) (committed, rolledBack map[string]int64) {
	b.Helper()
	committed, rolledBack = map[string]int64{}, map[string]int64{}
	for _, name := range benchDatabases {
		db := pgtest.Open(b, s.dsn[name], 1)
		var c, r int64
		if err := db.Raw(`SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = current_database()`).Row().Scan(&c, &r); err != nil {
			b.Fatal(err)
		}
		committed[name], rolledBack[name] = c, r
	}
	return committed, rolledBack
}

// statements returns how many statements each service's database has
// executed so far, BEGIN and COMMIT included (pg_stat_statements, which
// infra.sh preloads): each is a round trip between a service and PostgreSQL,
// which both sides pay for in CPU.
func statements(b *testing.B, s *system) map[string]int64 {
	b.Helper()
	db := pgtest.Open(b, pgtest.AdminDSN(b), 1)
	if err := db.Exec(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`).Error; err != nil {
		b.Fatalf("pg_stat_statements (infra.sh preloads it): %v", err)
	}
	counts := map[string]int64{}
	for _, name := range benchDatabases {
		var database string
		if err := pgtest.Open(b, s.dsn[name], 1).Raw(`SELECT current_database()`).Row().Scan(&database); err != nil {
			b.Fatal(err)
		}
		var calls int64
		if err := db.Raw(`SELECT coalesce(sum(s.calls), 0)::bigint FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = ?`, database).Row().Scan(&calls); err != nil {
			b.Fatal(err)
		}
		counts[name] = calls
	}
	return counts
}

// walCounts are the server's WAL counters (pg_stat_wal) and its
// checkpoints (pg_stat_bgwriter) so far, the whole cluster's: the
// benchmark's server runs nothing else while the claims run.
type walCounts struct {
	records, fullPages, bytes, checkpoints int64
	// syncs are the WAL flushes to disk (pg_stat_wal.wal_sync): a commit
	// waits for one, and commits that wait together share it.
	syncs int64
}

// walWritten returns the server's walCounts: WAL is what every commit
// waits on and writes, and a full-page image after a checkpoint is a page
// written whole for a change of a few bytes.
func walWritten(b *testing.B) walCounts {
	b.Helper()
	var w walCounts
	row := pgtest.Open(b, pgtest.AdminDSN(b), 1).Raw(`SELECT w.wal_records, w.wal_fpi, w.wal_bytes::bigint, w.wal_sync,
		c.checkpoints_timed + c.checkpoints_req FROM pg_stat_wal w, pg_stat_bgwriter c`).Row()
	if err := row.Scan(&w.records, &w.fullPages, &w.bytes, &w.syncs, &w.checkpoints); err != nil {
		b.Fatalf("pg_stat_wal: %v", err)
	}
	return w
}

var tpsPattern = regexp.MustCompile(`tps = ([0-9.]+)`)

// pgbenchTPS runs pgbench's TPC-B-like load on a database of its own on the
// same server, 8 clients for 10 s, and returns its transactions per second.
func pgbenchTPS(b *testing.B) float64 {
	b.Helper()
	// The owner's: pgbench makes its tables.
	dsn := pgtest.NewDatabase(b).OwnerDSN
	for _, args := range [][]string{{"-i", "-q", "-s", "4", dsn}, {"-c", "8", "-j", "2", "-T", "10", "-n", dsn}} {
		out, err := exec.Command("pgbench", args...).CombinedOutput()
		if err != nil {
			b.Fatalf("pgbench %v: %v\n%s", args[:len(args)-1], err, out)
		}
		if m := tpsPattern.FindSubmatch(out); m != nil {
			v, _ := strconv.ParseFloat(string(m[1]), 64)
			return v
		}
	}
	b.Fatal("pgbench printed no tps")
	return 0
}

// BenchmarkIntakeReportsAgainstBareGin posts incident reports to intake
// and the same JSON to a bare gin handler that decodes it and answers 201,
// with the same client and concurrency, and reports both rates and their
// ratio: what intake's validation, checklist, database transaction and
// outbox cost over the HTTP and JSON work any service does.
func BenchmarkIntakeReportsAgainstBareGin(b *testing.B) {
	sys := newSystem(b, kafkatest.Cluster(b))
	sys.env = []string{"DEADLINE_SWEEP_INTERVAL=30s"}
	sys.start("intake")
	sys.waitReady("intake")
	bare := bareGin(b)
	// CLAIMS_BENCH_INTAKE_REPORTS (2,000) reports a run; a larger count
	// gives the profile (CLAIMS_BENCH_PROFILE_SECONDS, 2) more samples.
	requests, seconds := 2000, 2
	envCounts(b, envCount{"CLAIMS_BENCH_INTAKE_REPORTS", &requests}, envCount{"CLAIMS_BENCH_PROFILE_SECONDS", &seconds})
	var seq atomic.Int64
	body := func() []byte {
		i := seq.Add(1)
		raw, _ := json.Marshal(map[string]any{
			"policy_number": fmt.Sprintf("P-RATE-%08d", i), "insured_name": "钱七", "incident_type": "medical",
			"incident_time": time.Now().Add(-time.Hour).Format(time.RFC3339),
			"reporter":      map[string]string{"name": "钱七", "role": "insured"},
		})
		return raw
	}
	rate := func(url string) float64 {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}, Timeout: 30 * time.Second}
		start := time.Now()
		var wg sync.WaitGroup
		var left atomic.Int64
		left.Store(int64(requests))
		for w := 0; w < 16; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for left.Add(-1) >= 0 {
					req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body()))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+sys.token)
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusCreated {
						b.Errorf("POST %s: got %d, want 201", url, resp.StatusCode)
						return
					}
				}
			}()
		}
		wg.Wait()
		return float64(requests) / time.Since(start).Seconds()
	}
	self := os.Getpid()
	b.ResetTimer()
	for range b.N {
		clientBefore := procCPU(b, self).own
		base := rate(bare + "/v1/reports")
		clientMid := procCPU(b, self).own
		profiled := sys.profile(b, "intake", os.Getenv("CLAIMS_BENCH_PROFILE"), seconds)
		cpuBefore := cpuTimes(b, sys)
		txBefore, _ := commits(b, sys)
		stmtBefore := statements(b, sys)
		intake := rate(sys.url("intake", "/v1/reports"))
		stmtAfter := statements(b, sys)
		txAfter, _ := commits(b, sys)
		cpuAfter := cpuTimes(b, sys)
		clientAfter := procCPU(b, self).own
		profiled()
		b.ReportMetric(base, "bare-gin-req/s")
		b.ReportMetric(intake, "intake-req/s")
		b.ReportMetric(intake/base, "intake/bare")
		// What a report costs: the benchmark's own process (its HTTP
		// clients; with the bare handler, the handler too), intake,
		// PostgreSQL and Kafka (the relay publishes meanwhile), and
		// intake's committed transactions.
		b.ReportMetric((clientMid-clientBefore)*1000/float64(requests), "bench-cpu-ms/req-bare")
		b.ReportMetric((clientAfter-clientMid)*1000/float64(requests), "bench-cpu-ms/req-intake")
		for _, name := range []string{"intake", "postgres", "kafka"} {
			b.ReportMetric((cpuAfter[name]-cpuBefore[name])*1000/float64(requests), "cpu-ms/report-"+name)
		}
		b.ReportMetric(float64(txAfter["intake"]-txBefore["intake"])/float64(requests), "pg-tx/report")
		// Statements, BEGIN and COMMIT included (pg_stat_statements), the
		// relay's reads and marks of the outbox with them.
		b.ReportMetric(float64(stmtAfter["intake"]-stmtBefore["intake"])/float64(requests), "pg-statements/report")
	}
}

// profile starts a CPU profile of seconds of the service name, taken
// through its admin-only /debug/pprof/profile, and a profile of what it
// allocates in the same seconds (/debug/pprof/allocs), and returns a
// function that waits for them and writes them to file and file.allocs;
// with no file it does nothing (CLAIMS_BENCH_PROFILE names the file: go
// tool pprof reads both).
func (s *system) profile(b *testing.B, name, file string, seconds int) func() {
	b.Helper()
	if file == "" {
		return func() {}
	}
	var wg sync.WaitGroup
	for path, to := range map[string]string{"profile": file, "allocs": file + ".allocs"} {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, s.url(name, fmt.Sprintf("/debug/pprof/%s?seconds=%d", path, seconds)), nil)
			req.Header.Set("Authorization", "Bearer "+s.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Errorf("profile %s: %v", name, err)
				return
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				b.Errorf("profile %s (%s): got status %d, want 200", name, path, resp.StatusCode)
				return
			}
			if err := os.WriteFile(to, raw, 0o644); err != nil {
				b.Error(err)
			}
		})
	}
	return wg.Wait
}

// bareGin serves a handler that decodes a report and answers 201 with a
// small JSON body, and returns its base URL.
func bareGin(b *testing.B) string {
	b.Helper()
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.POST("/v1/reports", func(c *gin.Context) {
		var v map[string]any
		if err := json.NewDecoder(c.Request.Body).Decode(&v); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
			return
		}
		c.JSON(http.StatusCreated, gin.H{"id": "x", "policy_number": v["policy_number"]})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	return "http://" + strings.TrimPrefix(ln.Addr().String(), "http://")
}

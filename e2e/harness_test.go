// Package e2e drives the built services (bin/) as separate processes over the
// real PostgreSQL and Kafka that `make test` starts. Each test has its own
// databases, topics and consumer groups, so tests run in parallel.
package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/postgres/pgtest"
)

// system is one private deployment of the three services.
type system struct {
	t      testing.TB
	prefix string
	// brokers is the Kafka of the test reached as the set-up principal;
	// kafkaSecrets the folder of its principals' passwords, one file per
	// user. Each service runs as its own principal.
	brokers      kafkabus.Cluster
	kafkaSecrets string
	dsn          map[string]string
	// migrationDSN is each service's <SVC>_MIGRATION_DSN: its database's
	// owner role, which applies the migrations at start.
	migrationDSN map[string]string
	addr         map[string]string
	procs        map[string]*proc
	topics       events.Topics
	// keys is the token issuer the services trust (AUTH_ISSUER, its JWKS
	// served by the test); token signs the test in with every role.
	keys  *apitest.TestKeys
	token string
	// dataKeys is payout's PAYOUT_DATA_KEYS; storage intake's folder of
	// uploaded documents.
	dataKeys string
	storage  string
	// instructions is adjudication's key signing payment instructions
	// (ADJUDICATION_SIGNING_KEY); payout trusts its public key
	// (PAYOUT_TRUSTED_INSTRUCTION_KEYS). Tests that stand in for
	// adjudication sign with it.
	instructions *signing.Signer
	// requests is intake's key signing claim requests
	// (INTAKE_SIGNING_KEY); adjudication trusts its public key
	// (ADJUDICATION_TRUSTED_INTAKE_KEYS). Tests that stand in for intake
	// sign with it.
	requests *signing.Signer
	// signalKey is adjudication's ADJUDICATION_SIGNAL_KEY (hex).
	signalKey string
	// env is added to every service's environment after the defaults.
	env []string
	// traceparent, when set, is sent with every call as the W3C trace
	// context of the caller, so the services' spans join its trace.
	traceparent string
}

// newSystem prepares databases, ports, topics and ACLs for the three
// services on the test broker without starting them.
func newSystem(t testing.TB, brokers kafkabus.Cluster) *system {
	t.Helper()
	return newSystemOn(t, newDatabases(t), brokers, kafkatest.SecretsDir(t))
}

// newDatabases creates a database for each service on the test cluster and
// returns them (the run-time role's DSN and the owner's) by service name.
func newDatabases(t testing.TB) map[string]pgtest.Database {
	t.Helper()
	dsn := map[string]pgtest.Database{}
	for _, name := range []string{"intake", "adjudication", "payout"} {
		dsn[name] = pgtest.NewDatabase(t)
	}
	return dsn
}

// newSystemOn prepares ports and topics for the three services on the
// databases of dsn (service name to DSN) and the Kafka of brokers (the
// set-up principal) whose passwords are in kafkaSecrets, without starting
// them. The topics of the test's prefix are made and each service's
// principal granted its ACLs on them, as the set-up does for a deployment.
func newSystemOn(t testing.TB, dsn map[string]pgtest.Database, brokers kafkabus.Cluster, kafkaSecrets string) *system {
	t.Helper()
	prefix := kafkatest.Prefix(t)
	kafkatest.Grant(t, brokers, prefix)
	keys := apitest.Keys(t)
	s := &system{t: t, prefix: prefix, brokers: brokers, kafkaSecrets: kafkaSecrets, topics: events.Topics{Prefix: prefix},
		dsn: map[string]string{}, migrationDSN: map[string]string{}, addr: map[string]string{}, procs: map[string]*proc{},
		keys: keys, token: apitest.Token(t, keys, apitest.Everyone()),
		dataKeys: "e2e:" + base64.StdEncoding.EncodeToString(randomBytes(t, 32)), storage: t.TempDir(),
		signalKey: hex.EncodeToString(randomBytes(t, 32))}
	var err error
	if s.instructions, err = signing.Generate("e2e-adjudication"); err != nil {
		t.Fatal(err)
	}
	if s.requests, err = signing.Generate("e2e-intake"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"intake", "adjudication", "payout"} {
		s.dsn[name], s.migrationDSN[name] = dsn[name].DSN, dsn[name].OwnerDSN
		s.addr[name] = freeAddr(t)
	}
	return s
}

// randomBytes returns n bytes from crypto/rand.
func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random bytes: %v", err)
	}
	return b
}

// start runs service name with extra environment and waits until it is ready.
func (s *system) start(name string, extra ...string) *proc {
	s.t.Helper()
	p := startProc(s.t, name, s.serviceEnv(name, extra...))
	s.procs[name] = p
	return p
}

// serviceEnv is the environment of service name: the harness's settings,
// then the system's env, then extra.
func (s *system) serviceEnv(name string, extra ...string) []string {
	upper := strings.ToUpper(name)
	return append([]string{
		upper + "_HTTP_ADDR=" + s.addr[name],
		upper + "_DATABASE_DSN=" + s.dsn[name],
		upper + "_MIGRATION_DSN=" + s.migrationDSN[name],
		"KAFKA_BROKERS=" + strings.Join(s.brokers.Brokers, ","),
		"KAFKA_USER=" + name,
		"KAFKA_PASSWORD_FILE=" + filepath.Join(s.kafkaSecrets, name),
		"TOPIC_PREFIX=" + s.prefix,
		"SHUTDOWN_GRACE=5s",
		"PAYOUT_EXECUTE_INTERVAL=100ms",
		"AUTH_ISSUER=" + s.keys.Issuer(),
		"PAYOUT_CLIENT_SECRET=" + s.keys.ClientSecret(),
		"DEADLINE_SWEEP_INTERVAL=200ms",
		"PAYOUT_DATA_KEYS=" + s.dataKeys,
		"INTAKE_DATA_KEYS=" + s.dataKeys,
		// The fraud signals' account key (random: a patterned one is refused).
		"ADJUDICATION_SIGNAL_KEY=" + s.signalKey,
		"PAYOUT_BANK_SIM_LATENCY=200ms",
		"INTAKE_STORAGE_DIR=" + s.storage,
		// The harness signs every request with one token that stands for
		// many people (the benchmarks' 32 clients, the memory attack's 20
		// uploads at once): the per-caller bound of uploads in flight,
		// proven by intake's component test, would refuse them.
		"INTAKE_UPLOADS_PER_CALLER=64",
		// Issue 19 (s14d): the names' OCR model where make install puts
		// it; intake refuses to start without it there.
		"INTAKE_OCR_NAMES_MODEL_DIR=" + namesModelDir(),
		"PAYOUT_ADJUDICATION_URL=" + s.url("adjudication", ""),
		"ADJUDICATION_SIGNING_KEY=" + s.instructions.Private(),
		"PAYOUT_TRUSTED_INSTRUCTION_KEYS=" + s.instructions.Public(),
		"INTAKE_SIGNING_KEY=" + s.requests.Private(),
		// Red team, session 12: intake applies only calendar versions
		// adjudication signed.
		"INTAKE_TRUSTED_CALENDAR_KEYS=" + s.instructions.Public(),
		"ADJUDICATION_TRUSTED_INTAKE_KEYS=" + s.requests.Public(),
		// Issue 17: payout's payee key pair; tests that stand in for
		// adjudication seal with its public key (eventstest.SealPayee).
		"ADJUDICATION_PAYEE_SEAL_KEY=" + eventstest.PayeeKeys(s.t).Public,
		"PAYOUT_PAYEE_OPEN_KEYS=" + eventstest.PayeeKeys(s.t).Private,
		// Issue 19: intake seals the payee of an advance agreement for
		// payout and hashes its account with the signals' key.
		"INTAKE_PAYEE_SEAL_KEY=" + eventstest.PayeeKeys(s.t).Public,
		"INTAKE_SIGNAL_KEY=" + s.signalKey,
		// Issue 19: intake asks the simulated bank's register whether an
		// advance payee's account is held by the payee's name; tests open
		// accounts in it (registerAccount).
		"INTAKE_HOLDER_CHECK=simulator",
		// The review of issue 19: the three services' fingerprint key
		// (fixed, so that tests standing in for intake or adjudication
		// fingerprint as the services compare: eventstest.Fingerprints).
		"INTAKE_FINGERPRINT_KEYS=" + eventstest.FingerprintKeys(),
		"ADJUDICATION_FINGERPRINT_KEYS=" + eventstest.FingerprintKeys(),
		"PAYOUT_FINGERPRINT_KEYS=" + eventstest.FingerprintKeys(),
	}, append(slices.Clone(s.env), extra...)...)
}

// tail returns claimsctl with args, signed in to Kafka as the read-only
// principal, as a finance team runs `events tail` or `payouts tail`.
func (s *system) tail(t testing.TB, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir(t), "claimsctl"), args...)
	cmd.Env = append(os.Environ(), "KAFKA_USER="+kafkabus.ReaderUser,
		"KAFKA_PASSWORD_FILE="+filepath.Join(s.kafkaSecrets, kafkabus.ReaderUser))
	return cmd
}

// startWithFault runs the fault-injection build of service name
// (bin/faults, built with -tags faults) with fault set in its environment
// variable (ADJUDICATION_FAULT, PAYOUT_FAULT). Production binaries carry no
// fault injection (TestProductionBinariesCarryNoFaultInjection).
func (s *system) startWithFault(name, fault string) *proc {
	s.t.Helper()
	env := s.serviceEnv(name, strings.ToUpper(name)+"_FAULT="+fault)
	p := startProcIn(s.t, filepath.Join(binDir(s.t), "faults"), name, env)
	s.procs[name] = p
	return p
}

// startAll starts the three services and waits until each is ready.
func (s *system) startAll() {
	s.t.Helper()
	for _, name := range []string{"intake", "adjudication", "payout"} {
		s.start(name)
	}
	for _, name := range []string{"intake", "adjudication", "payout"} {
		s.waitReady(name)
	}
}

func (s *system) url(name, path string) string { return "http://" + s.addr[name] + path }

// waitReady polls /readyz until 200.
func (s *system) waitReady(name string) {
	s.t.Helper()
	apitest.Eventually(s.t, 90*time.Second, name+" ready", func() bool {
		resp, err := http.Get(s.url(name, "/readyz"))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// proc is one running service binary.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
}

func binDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("CLAIMS_BIN_DIR")
	if dir == "" {
		t.Fatalf("CLAIMS_BIN_DIR is not set: run the tests with `make test`, which builds the services")
	}
	return dir
}

func startProc(t testing.TB, name string, env []string) *proc {
	t.Helper()
	return startProcIn(t, binDir(t), name, env)
}

// startProcIn starts binary name of dir and stops it at the end of the
// test.
func startProcIn(t testing.TB, dir, name string, env []string) *proc {
	t.Helper()
	out := &syncBuffer{}
	p, err := spawn(dir, name, env, out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.stop()
		// The flows of these tests are honest: a tampered alarm in one
		// is the monitor taking an honest move of a due for a forged
		// one (session 14: every move is checked, earlier ones too).
		if strings.Contains(out.String(), tamperedLog) {
			t.Errorf("%s: got a tampered alarm (%q) in an honest flow, want none", name, tamperedLog)
		}
		// Red team, session 17: an honest hand-over is confirmed by
		// adjudication's receipt within the bound.
		if strings.Contains(out.String(), handOverUnconfirmedLog) {
			t.Errorf("%s: got a hand-over alarm (%q) in an honest flow, want none", name, handOverUnconfirmedLog)
		}
		if t.Failed() {
			t.Logf("--- %s log ---\n%s", name, lastLines(out.String(), 60))
		}
	})
	return p
}

// tamperedLog begins the message of every tampered alarm of the monitor
// (tracking.TamperedLog): a due moved, a stop of the clock or a step to
// met or cancelled without its source.
const tamperedLog = "deadline tampered: "

// handOverUnconfirmedLog begins the message of intake's alarm of a
// hand-over adjudication did not confirm within the bound
// (ports.HandOverUnconfirmedLog).
const handOverUnconfirmedLog = "handover unconfirmed: "

// spawn starts binary name of dir with env added to the test's environment,
// its output going to out, and returns at once; the caller stops it.
func spawn(dir, name string, env []string, out *syncBuffer) (*proc, error) {
	cmd := exec.Command(filepath.Join(dir, name))
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, out: out, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	return p, nil
}

// stop asks for a graceful shutdown and waits for it.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// waitExit waits for the process to end on its own.
func (p *proc) waitExit(t testing.TB, within time.Duration) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(within):
		t.Fatalf("%s still running after %v, want it to have exited", p.name, within)
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// freeAddr returns an address on a port free now, for a service this test
// process starts. The port is drawn below Linux's ephemeral range, as
// freePortPair's are (a port the kernel hands to "127.0.0.1:0" and takes
// back at close can be handed out again, or to a client socket, before
// the service binds it: a test once sent its report to payout listening
// on the port picked for intake), and never twice in this process
// (takePort).
func freeAddr(t testing.TB) string {
	t.Helper()
	for i := 0; i < 1000; i++ {
		if p := 20000 + mrand.IntN(12000); takePort(p) && portFree(p) {
			return fmt.Sprintf("127.0.0.1:%d", p)
		}
	}
	t.Fatalf("find a free port: none of 1000 tried was free")
	return ""
}

// portsTaken holds the ports this test process has handed out (freeAddr,
// freePortPair), so that two services started at once never get the same
// one. It is the test process's registry, not state of the platform.
var portsTaken sync.Map

// takePort records p as handed out and tells whether it was not yet.
func takePort(p int) bool {
	_, taken := portsTaken.LoadOrStore(p, true)
	return !taken
}

// call sends a JSON request signed in as the system's user (every role)
// and decodes a JSON answer into out (if not nil).
func (s *system) call(t testing.TB, method, url string, body any, out any) int {
	t.Helper()
	return s.callAs(t, s.token, method, url, body, out)
}

// callAs is call signed in with token.
func (s *system) callAs(t testing.TB, token, method, url string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("encode body: %v", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if s.traceparent != "" {
		req.Header.Set("traceparent", s.traceparent)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, url, raw, err)
		}
	}
	return resp.StatusCode
}

type report struct {
	ID      string `json:"id"`
	ClaimID string `json:"claim_id"`
}

// reportAndRequest files a report, marks every item of its guidance
// checklist satisfied (a handler saw the originals at the counter) and
// makes the claim request on it, which intake then hands to adjudication at
// once, as a complete claim. Each call files a new claim: a report of an
// incident already reported (same policy, insured, type and date) would be
// linked to the first, so the incident is moved a day earlier until it is
// new.
func (s *system) reportAndRequest(t testing.TB, policy string) report {
	t.Helper()
	r := s.newReport(t, policy, "王五", time.Date(2026, 9, 28, 2, 0, 0, 0, time.UTC))
	s.satisfyChecklist(t, r.ID)
	if status := s.call(t, http.MethodPost, s.url("intake", "/v1/reports/"+r.ID+"/claim-request"), nil, nil); status != http.StatusCreated {
		t.Fatalf("POST claim-request: got status %d, want 201", status)
	}
	return r
}

// topicPartitions returns the partitions of topic.
func topicPartitions(ctx context.Context, t testing.TB, brokers kafkabus.Cluster, topic string) []kafka.Partition {
	t.Helper()
	conn, err := brokers.Dialer(10*time.Second).DialContext(ctx, "tcp", brokers.Brokers[0])
	if err != nil {
		t.Fatalf("dial kafka: %v", err)
	}
	parts, err := conn.ReadPartitions(topic)
	conn.Close()
	if err != nil {
		t.Fatalf("read partitions of %s: %v", topic, err)
	}
	return parts
}

// readTopic reads every event of topic from the start until stop says enough
// or within has passed, and returns them in partition order.
func readTopic(t testing.TB, brokers kafkabus.Cluster, topic string, within time.Duration, stop func([]events.Envelope) bool) []events.Envelope {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	parts := topicPartitions(ctx, t, brokers, topic)
	var (
		mu  sync.Mutex
		all []events.Envelope
		wg  sync.WaitGroup
	)
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	for _, p := range parts {
		wg.Add(1)
		go func(partition int) {
			defer wg.Done()
			r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers.Brokers, Dialer: brokers.Dialer(10 * time.Second), Topic: topic, Partition: partition, MaxWait: 200 * time.Millisecond})
			defer r.Close()
			for {
				m, err := r.ReadMessage(readCtx)
				if err != nil {
					return
				}
				e, err := events.Decode(m.Value)
				if err != nil {
					t.Errorf("partition %d offset %d: %v", partition, m.Offset, err)
					continue
				}
				mu.Lock()
				all = append(all, e)
				enough := stop(all)
				mu.Unlock()
				if enough {
					stopReading()
				}
			}
		}(p.ID)
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if !stop(all) {
		t.Fatalf("topic %s: condition not met within %v; read %d events", topic, within, len(all))
	}
	return all
}

func metricValue(t testing.TB, url, series string) float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("get metrics: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, series+" ") {
			var v float64
			fmt.Sscanf(strings.TrimPrefix(line, series+" "), "%g", &v)
			return v
		}
	}
	return 0
}

// namesModelDir is where make install puts intake's names' OCR model
// (deployments/local/infra.sh names_model_install): the checkout's
// .local/tessdata (CLAIMS_REPO_ROOT, else the e2e module's parent).
func namesModelDir() string {
	root := os.Getenv("CLAIMS_REPO_ROOT")
	if root == "" {
		root, _ = filepath.Abs("..")
	}
	return filepath.Join(root, ".local", "tessdata")
}

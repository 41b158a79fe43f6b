package e2e

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"claims.local/pkg/kafkabus"
	"claims.local/pkg/postgres/pgtest"
)

// chaosServices are the services the monkey kills, in the order it numbers
// them.
var chaosServices = []string{"intake", "adjudication", "payout"}

// chaosCluster is a deployment of its own for the chaos test: a PostgreSQL
// cluster and a Kafka broker that no other test uses, so that they can be
// crashed and restarted, and the three services under supervision.
type chaosCluster struct {
	sys      *system
	pg       *privatePostgres
	broker   *privateBroker
	services map[string]*supervisedService
	// journal is what the monkey did and when, for the log of a failed run.
	journal *syncBuffer
	began   time.Time

	kafkaRestarts, pgRestarts atomic.Int64
	mu                        sync.Mutex
	infraErrs                 []error
	// notReady holds the /readyz answers other than 200 during the long
	// Kafka outage.
	notReady []string
}

// startChaosCluster starts PostgreSQL and Kafka of the test's own and the
// three services on them, and waits until every service is ready. The
// services are started again whenever they end, until the test ends.
func startChaosCluster(t *testing.T) *chaosCluster {
	t.Helper()
	pg := startPrivatePostgres(t)
	broker := startPrivateBroker(t)
	dsn := map[string]pgtest.Database{}
	for _, name := range chaosServices {
		dsn[name] = pgtest.Database{DSN: pg.dsn(t, name, name), OwnerDSN: pg.dsn(t, name+"_owner", name)}
	}
	c := &chaosCluster{sys: newSystemOn(t, dsn, broker.admin(t), broker.secrets()), pg: pg, broker: broker,
		services: map[string]*supervisedService{}, journal: &syncBuffer{}, began: time.Now()}
	// Tracing is on, as in production: exporting spans must not change
	// what the services do when they crash and restart.
	c.sys.env = append(c.sys.env, "OTEL_EXPORTER_OTLP_ENDPOINT="+startTraceStore(t).otlp)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, name := range chaosServices {
		s := &supervisedService{name: name, dir: binDir(t), env: c.sys.serviceEnv(name), out: &syncBuffer{}}
		c.services[name] = s
		wg.Add(1)
		go func() { defer wg.Done(); s.supervise(ctx) }()
	}
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		var stopping sync.WaitGroup
		for _, s := range c.services {
			stopping.Add(1)
			go func() { defer stopping.Done(); s.stop() }()
		}
		stopping.Wait()
		if dir := os.Getenv("CLAIMS_CHAOS_LOGS"); dir != "" || t.Failed() {
			c.dumpLogs(t, dir)
		}
	})
	c.waitReady(t)
	return c
}

// waitReady waits until every service answers /readyz with 200.
func (c *chaosCluster) waitReady(t *testing.T) {
	t.Helper()
	for _, name := range chaosServices {
		c.sys.waitReady(name)
	}
}

// note writes a line to the journal, stamped with the time since the start.
func (c *chaosCluster) note(format string, args ...any) {
	fmt.Fprintf(c.journal, "%7.1fs  %s\n", time.Since(c.began).Seconds(), fmt.Sprintf(format, args...))
}

// infraFailed records a restart of PostgreSQL or Kafka that failed.
func (c *chaosCluster) infraFailed(err error) {
	c.note("error: %v", err)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.infraErrs = append(c.infraErrs, err)
}

// dumpLogs writes each service's whole output and the monkey's journal to
// files in dir (a new temporary folder if empty), which outlive the test,
// and logs their last lines.
func (c *chaosCluster) dumpLogs(t *testing.T, dir string) {
	t.Helper()
	var err error
	if dir == "" {
		dir, err = os.MkdirTemp("", "claims-chaos-")
	} else {
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		t.Logf("keep the chaos logs: %v", err)
		dir = ""
	}
	keep := func(name, text string) {
		if dir == "" {
			return
		}
		if err := os.WriteFile(filepath.Join(dir, name+".log"), []byte(text), 0o644); err != nil {
			t.Logf("keep %s log: %v", name, err)
		}
	}
	keep("monkey", c.journal.String())
	t.Logf("--- chaos monkey (last lines; all in %s) ---\n%s", dir, lastLines(c.journal.String(), 30))
	for _, name := range chaosServices {
		out := c.services[name].out.String()
		keep(name, out)
		t.Logf("--- %s log (last lines) ---\n%s", name, lastLines(out, 40))
	}
}

// privatePostgres is a PostgreSQL cluster of one test, started with the
// project's infra script in a temporary folder, with the databases intake,
// adjudication and payout.
type privatePostgres struct {
	dir  string
	port int
}

// startPrivatePostgres initialises and starts a cluster; it is deleted when
// the test ends.
func startPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	p := &privatePostgres{dir: t.TempDir(), port: freePortPair(t)}
	infra(t, "pg-start", p.dir, fmt.Sprint(p.port))
	t.Cleanup(func() {
		if err := runInfra("pg-destroy", p.dir); err != nil {
			t.Errorf("delete the chaos test's PostgreSQL cluster: %v", err)
		}
	})
	return p
}

// dsn is the DSN of database of the cluster reached as role, one of those
// infra.sh made for it as for `make run`: the service's run-time role of
// the same name, or <name>_owner, which owns it and migrates.
func (p *privatePostgres) dsn(t *testing.T, role, database string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(p.dir, "secrets", "postgres", role))
	if err != nil {
		t.Fatalf("read the password of role %s: %v", role, err)
	}
	return fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/%s?sslmode=disable", role, strings.TrimSpace(string(b)), p.port, database)
}

// supervisedService is one service that is started again whenever it ends:
// after the pause the monkey asked for when it killed it, or after a second
// when it ended by itself (a service that cannot reach its database when it
// starts exits, as in production, where its supervisor starts it again).
type supervisedService struct {
	name string
	dir  string
	env  []string
	// out holds the output of every run, one after the other.
	out *syncBuffer

	mu  sync.Mutex
	cur *proc
	// down is how long the next restart waits; zero when the process ends
	// without the monkey.
	down                     time.Duration
	starts, kills, selfExits int
}

// supervise runs the service until ctx ends, and leaves the last process
// running for stop.
func (s *supervisedService) supervise(ctx context.Context) {
	for ctx.Err() == nil {
		p, err := spawn(s.dir, s.name, s.env, s.out)
		if err != nil {
			fmt.Fprintf(s.out, "--- chaos: %v ---\n", err)
			if !sleepCtx(ctx, time.Second) {
				return
			}
			continue
		}
		s.mu.Lock()
		s.cur, s.starts = p, s.starts+1
		s.mu.Unlock()
		select {
		case <-p.done:
		case <-ctx.Done():
			return
		}
		s.mu.Lock()
		down := s.down
		s.cur, s.down = nil, 0
		if down == 0 {
			s.selfExits++
			down = time.Second
		}
		s.mu.Unlock()
		fmt.Fprintf(s.out, "--- chaos: %s ended (%v); starting it again in %v ---\n", s.name, p.cmd.ProcessState, down)
		if !sleepCtx(ctx, down) {
			return
		}
	}
}

// kill sends SIGKILL to the running process and has it started again down
// later. It reports whether a process was running.
func (s *supervisedService) kill(down time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		return false
	}
	select {
	case <-s.cur.done:
		return false
	default:
	}
	if err := s.cur.cmd.Process.Kill(); err != nil {
		return false
	}
	s.down = down
	s.kills++
	return true
}

// freeze stops the running process with SIGSTOP, waits d (or until ctx
// ends) and lets it go on with SIGCONT: a long pause, as a stalled VM or a
// stop-the-world pause would make. It reports whether a process was running.
func (s *supervisedService) freeze(ctx context.Context, d time.Duration) bool {
	s.mu.Lock()
	p := s.cur
	s.mu.Unlock()
	if p == nil || p.cmd.Process.Signal(syscall.SIGSTOP) != nil {
		return false
	}
	sleepCtx(ctx, d)
	_ = p.cmd.Process.Signal(syscall.SIGCONT) // a process killed meanwhile is gone: nothing to continue
	return true
}

// stop shuts the last process down gracefully, once supervise returned.
func (s *supervisedService) stop() {
	s.mu.Lock()
	p := s.cur
	s.mu.Unlock()
	if p != nil {
		p.stop()
	}
}

// counts returns how often the service was killed and how often it ended
// by itself.
func (s *supervisedService) counts() (kills, selfExits int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kills, s.selfExits
}

// sleepCtx waits d and reports whether ctx is still alive.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// between draws a duration in [lo, hi) from rng.
func between(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(rng.Int64N(int64(hi-lo)))
}

// monkeyPlan is how the chaos monkey behaves.
type monkeyPlan struct {
	seed uint64
	// killEvery and downFor bound the pause between two kills (of any
	// service) and how long a killed service stays down.
	killEvery, downFor [2]time.Duration
	// kafkaEvery is how long the broker runs between two restarts.
	kafkaEvery time.Duration
	// pgAt lists when PostgreSQL crashes and restarts, counted from the
	// monkey's start.
	pgAt []time.Duration
	// kafkaOutageAt is when the broker stops once for kafkaOutage (a long
	// outage while claims keep arriving); zero kafkaOutage means none.
	// Meanwhile every service that answers /readyz must answer 200.
	kafkaOutageAt, kafkaOutage time.Duration
	// freezeAt is when one service, drawn at random, is frozen with SIGSTOP
	// for freezeFor (a long pause, not a crash); zero freezeFor means none.
	freezeAt, freezeFor time.Duration
}

// unleash starts the monkey: it kills a random service now and then,
// restarts the broker every plan.kafkaEvery and crashes PostgreSQL at
// plan.pgAt. The function it returns stops the monkey and returns once
// PostgreSQL and Kafka run again; calling it again does nothing.
func (c *chaosCluster) unleash(plan monkeyPlan) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		if plan.freezeFor == 0 || !sleepCtx(ctx, plan.freezeAt) {
			return
		}
		name := chaosServices[rand.New(rand.NewPCG(plan.seed, 3)).IntN(len(chaosServices))]
		c.note("SIGSTOP %s for %v", name, plan.freezeFor)
		if c.services[name].freeze(ctx, plan.freezeFor) {
			c.note("SIGCONT %s", name)
		} else {
			c.note("%s is not running; not frozen", name)
		}
	}()
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(plan.seed, 1))
		for sleepCtx(ctx, between(rng, plan.killEvery[0], plan.killEvery[1])) {
			name := chaosServices[rng.IntN(len(chaosServices))]
			down := between(rng, plan.downFor[0], plan.downFor[1])
			if c.services[name].kill(down) {
				c.note("SIGKILL %s, down %v", name, down.Round(time.Millisecond))
			} else {
				c.note("%s is not running; not killed", name)
			}
		}
	}()
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(plan.seed, 2))
		began, pgAt, outage := time.Now(), plan.pgAt, plan.kafkaOutage > 0
		nextKafka := began.Add(plan.kafkaEvery)
		for sleepCtx(ctx, 250*time.Millisecond) {
			switch {
			case outage && time.Since(began) >= plan.kafkaOutageAt:
				outage = false
				probing := make(chan struct{})
				done := make(chan struct{})
				go func() { defer close(done); c.probeReadiness(probing) }()
				c.restart("Kafka (long outage)", &c.kafkaRestarts, plan.kafkaOutage,
					[]string{"kafka-stop", c.broker.dir}, []string{"kafka-start", c.broker.dir, fmt.Sprint(c.broker.port)}, c.brokerReady)
				close(probing)
				<-done
				nextKafka = time.Now().Add(plan.kafkaEvery)
			case len(pgAt) > 0 && time.Since(began) >= pgAt[0]:
				pgAt = pgAt[1:]
				c.restart("PostgreSQL", &c.pgRestarts, between(rng, 500*time.Millisecond, 3*time.Second),
					[]string{"pg-stop", c.pg.dir, "immediate"}, []string{"pg-start", c.pg.dir, fmt.Sprint(c.pg.port)}, nil)
			case time.Now().After(nextKafka):
				c.restart("Kafka", &c.kafkaRestarts, between(rng, 500*time.Millisecond, 3*time.Second),
					[]string{"kafka-stop", c.broker.dir}, []string{"kafka-start", c.broker.dir, fmt.Sprint(c.broker.port)}, c.brokerReady)
				nextKafka = time.Now().Add(plan.kafkaEvery)
			}
		}
	}()
	return sync.OnceFunc(func() {
		cancel()
		wg.Wait()
		c.note("monkey stopped")
	})
}

// probeReadiness asks every service for /readyz each second until stop
// closes, and records each answer other than 200: readiness is the
// database, so a Kafka outage must leave every service ready. A service
// that does not answer (killed, frozen) is not counted.
func (c *chaosCluster) probeReadiness(stop <-chan struct{}) {
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		for _, name := range chaosServices {
			resp, err := client.Get(c.sys.url(name, "/readyz"))
			if err != nil {
				continue
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				c.mu.Lock()
				c.notReady = append(c.notReady, fmt.Sprintf("%s /readyz during the Kafka outage: got %d %s, want 200", name, resp.StatusCode, body))
				c.mu.Unlock()
			}
		}
		select {
		case <-stop:
			return
		case <-time.After(time.Second):
		}
	}
}

// restart stops what (infra.sh with stopArgs), waits down and starts it
// again (startArgs), trying the start up to three times, then waits until
// ready, when given, says it serves. It counts the restart in n.
func (c *chaosCluster) restart(what string, n *atomic.Int64, down time.Duration, stopArgs, startArgs []string, ready func(context.Context) error) {
	began := time.Now()
	c.note("stop %s (%s)", what, stopArgs[0])
	if err := runInfra(stopArgs...); err != nil {
		c.infraFailed(err)
	}
	time.Sleep(down)
	for try := 1; try <= 3; try++ {
		err := runInfra(startArgs...)
		if err == nil {
			break
		}
		c.infraFailed(fmt.Errorf("start %s (try %d): %w", what, try, err))
	}
	n.Add(1)
	if ready != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if err := ready(ctx); err != nil {
			c.infraFailed(fmt.Errorf("%s started but not serving: %w", what, err))
		}
	}
	c.note("%s back after %v (down %v)", what, time.Since(began).Round(time.Millisecond), down.Round(time.Millisecond))
}

// brokerReady waits until every topic of the system has a leader for each
// of its partitions: a broker that listens may still be loading its logs
// or registering with its controller.
func (c *chaosCluster) brokerReady(ctx context.Context) error {
	for {
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := kafkabus.EnsureTopics(tctx, c.sys.brokers, c.sys.topics.All())
		cancel()
		if err == nil || !sleepCtx(ctx, time.Second) {
			return err
		}
	}
}

// report logs the run's progress every interval until the function it
// returns is called (once or more).
func (c *chaosCluster) report(t *testing.T, every time.Duration, run *chaosRun) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for sleepCtx(ctx, every) {
			var kills []string
			for _, name := range chaosServices {
				k, e := c.services[name].counts()
				kills = append(kills, fmt.Sprintf("%s %d+%d", name, k, e))
			}
			t.Logf("chaos at %v: %d agreed, %d paid; SIGKILLs+own ends %s; Kafka restarts %d, PostgreSQL crashes %d",
				time.Since(c.began).Round(time.Second), run.agreed.Load(), run.paid.Load(), strings.Join(kills, ", "),
				c.kafkaRestarts.Load(), c.pgRestarts.Load())
		}
	}()
	return sync.OnceFunc(func() {
		cancel()
		<-done
	})
}

package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// runScript is one `make run` (deployments/local/run.sh) in a state folder
// and on ports of its own.
type runScript struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan error
}

func (r *runScript) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stderr.Write(p)
}

func (r *runScript) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stderr.String()
}

// startRun starts run.sh with state, the HTTP ports from base and the given
// PostgreSQL and Kafka ports. The whole process group is killed when the
// test ends, whatever happened.
func startRun(t *testing.T, state string, base, pgPort, kafkaPort int) *runScript {
	t.Helper()
	root := os.Getenv("CLAIMS_REPO_ROOT")
	if root == "" {
		t.Fatal("CLAIMS_REPO_ROOT is not set: run the tests with `make test`")
	}
	r := &runScript{done: make(chan error, 1)}
	r.cmd = exec.Command("bash", filepath.Join(root, "deployments/local/run.sh"))
	r.cmd.Env = append(os.Environ(), "RUN_STATE="+state, "HTTP_PORT_BASE="+strconv.Itoa(base),
		"PG_PORT="+strconv.Itoa(pgPort), "KAFKA_PORT="+strconv.Itoa(kafkaPort),
		// The trace store's ports too: a developer's own make run holds the defaults.
		"JAEGER_OTLP_PORT="+strconv.Itoa(freePortPair(t)), "JAEGER_UI_PORT="+strconv.Itoa(freePortPair(t)),
		"KAFKA_HEAP_OPTS=-Xms128m -Xmx384m", "PG_FSYNC=off")
	r.cmd.Stdout, r.cmd.Stderr = r, r
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start run.sh: %v", err)
	}
	go func() { r.done <- r.cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-r.done:
			case <-time.After(60 * time.Second):
				_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
			}
		}
		_ = runInfra("jaeger-stop", state)
		_ = runInfra("stop", state)
	})
	return r
}

// exitWithin waits up to d for the run to end and returns its exit error.
func (r *runScript) exitWithin(t *testing.T, d time.Duration) error {
	t.Helper()
	select {
	case err := <-r.done:
		r.done <- err
		return err
	case <-time.After(d):
		t.Fatalf("run.sh still running after %v, want it ended; output:\n%s", d, r.output())
		return nil
	}
}

// freePortRun finds a base port b such that b..b+3 are free.
func freePortRun(t *testing.T) int {
	t.Helper()
	for i := 0; i < 100; i++ {
		b := freePortPair(t)
		if portFree(b+2) && portFree(b+3) {
			return b
		}
	}
	t.Fatal("no four free ports in a row found")
	return 0
}

// TestMakeRunTwiceRefusesAndLeavesTheFirstAlone is the attack of issue 17:
// a second `make run` while one runs used to fail to bind its ports, and
// its exit trap then stopped the first run's PostgreSQL and Kafka. Now the
// second refuses at once naming the first, a run on other state but the
// same ports refuses naming the port, the first keeps answering, and the
// first's own exit stops what it started and nothing else.
func TestMakeRunTwiceRefusesAndLeavesTheFirstAlone(t *testing.T) {
	binDir(t)
	state := filepath.Join(t.TempDir(), "dev")
	base, pgPort, kafkaPort := freePortRun(t), freePortPair(t), freePortPair(t)
	first := startRun(t, state, base, pgPort, kafkaPort)
	deadline := time.Now().Add(4 * time.Minute)
	for !strings.Contains(first.output(), "the platform is up") {
		select {
		case err := <-first.done:
			t.Fatalf("first run ended (%v) before it was up; output:\n%s", err, first.output())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("first run not up within 4 minutes; output:\n%s", first.output())
		}
		time.Sleep(500 * time.Millisecond)
	}
	intakeReady := fmt.Sprintf("http://127.0.0.1:%d/readyz", base+1)
	wantReady := func(when string) {
		t.Helper()
		resp, err := http.Get(intakeReady)
		if err != nil {
			t.Fatalf("%s: GET intake /readyz: %v, want 200", when, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: GET intake /readyz: got %d, want 200", when, resp.StatusCode)
		}
	}
	wantReady("first run up")

	began := time.Now()
	second := startRun(t, state, base, pgPort, kafkaPort)
	if err := second.exitWithin(t, 15*time.Second); err == nil {
		t.Fatalf("second run on the same state: got exit 0, want a refusal; output:\n%s", second.output())
	}
	want := fmt.Sprintf("already running as pid %d", first.cmd.Process.Pid)
	if !strings.Contains(second.output(), want) {
		t.Fatalf("second run's message: got %q, want it to contain %q", second.output(), want)
	}
	t.Logf("second run refused after %v", time.Since(began).Round(time.Millisecond))

	other := startRun(t, filepath.Join(t.TempDir(), "other"), base, freePortPair(t), freePortPair(t))
	if err := other.exitWithin(t, 15*time.Second); err == nil {
		t.Fatalf("run on the first's HTTP ports: got exit 0, want a refusal; output:\n%s", other.output())
	}
	if want := fmt.Sprintf("port %d is already in use", base); !strings.Contains(other.output(), want) {
		t.Fatalf("run on the first's ports: got %q, want it to contain %q", other.output(), want)
	}
	time.Sleep(2 * time.Second) // a trap stopping the first's infrastructure would have done so by now
	wantReady("after two refused runs")
	if portFree(pgPort) || portFree(kafkaPort) {
		t.Fatalf("after two refused runs: PostgreSQL up %v, Kafka up %v; want both up", !portFree(pgPort), !portFree(kafkaPort))
	}

	if err := syscall.Kill(first.cmd.Process.Pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = first.exitWithin(t, 90*time.Second)
	if !portFree(pgPort) || !portFree(kafkaPort) || !portFree(base+1) {
		t.Fatalf("after the first run's exit: PostgreSQL up %v, Kafka up %v, intake up %v; want all stopped",
			!portFree(pgPort), !portFree(kafkaPort), !portFree(base+1))
	}
	if _, err := os.Stat(filepath.Join(state, "run.pid")); !os.IsNotExist(err) {
		t.Fatalf("after the first run's exit: run.pid stat: got %v, want it removed", err)
	}
}

// TestMakeRunLeavesInfrastructureItDidNotStart: PostgreSQL and Kafka started
// before the run (`make infra-up`) are used and still running after it.
func TestMakeRunLeavesInfrastructureItDidNotStart(t *testing.T) {
	binDir(t)
	state := filepath.Join(t.TempDir(), "dev")
	base, pgPort, kafkaPort := freePortRun(t), freePortPair(t), freePortPair(t)
	infra(t, "start", state, strconv.Itoa(pgPort), strconv.Itoa(kafkaPort))
	t.Cleanup(func() { _ = runInfra("stop", state) })
	run := startRun(t, state, base, pgPort, kafkaPort)
	deadline := time.Now().Add(4 * time.Minute)
	for !strings.Contains(run.output(), "the platform is up") {
		if time.Now().After(deadline) {
			t.Fatalf("run not up within 4 minutes; output:\n%s", run.output())
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err := syscall.Kill(run.cmd.Process.Pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = run.exitWithin(t, 90*time.Second)
	if portFree(pgPort) || portFree(kafkaPort) {
		t.Fatalf("after the run: PostgreSQL up %v, Kafka up %v; want both still up (started before the run)", !portFree(pgPort), !portFree(kafkaPort))
	}
}

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"claims.local/pkg/kafkabus/kafkatest"
)

// schemathesisExamples is the number of generated inputs per operation and
// phase; CLAIMS_FUZZ_EXAMPLES raises it for a longer run.
const schemathesisExamples = 25

// schemathesis returns the schemathesis command that `make test` installs
// (deployments/local/infra.sh) or the one CLAIMS_SCHEMATHESIS names. A
// missing tool fails the test: the fuzzing is part of the suite.
func schemathesis(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("CLAIMS_SCHEMATHESIS"); p != "" {
		return p
	}
	root := os.Getenv("CLAIMS_REPO_ROOT")
	if root == "" {
		root = ".."
	}
	p := filepath.Join(root, ".local", "tools", "venv", "bin", "schemathesis")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("schemathesis is not installed at %s (%v): run the tests with `make test`", p, err)
	}
	return p
}

// generatedPattern reads the number of test cases from schemathesis's
// summary, e.g. "683 generated, 683 passed".
var generatedPattern = regexp.MustCompile(`(\d+) generated`)

// TestOpenAPIFuzzingFindsNoServerErrorAndOnlyDocumentedAnswers runs
// schemathesis against each service's own OpenAPI document, signed in with
// every role: generated valid and invalid inputs for every operation must
// never get a 5xx, and every answer with a documented status must match its
// documented schema (the error shape included) and content type.
func TestOpenAPIFuzzingFindsNoServerErrorAndOnlyDocumentedAnswers(t *testing.T) {
	t.Parallel()
	tool := schemathesis(t)
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.startAll()
	examples := schemathesisExamples
	if s := os.Getenv("CLAIMS_FUZZ_EXAMPLES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("CLAIMS_FUZZ_EXAMPLES=%q: want a positive whole number", s)
		}
		examples = n
	}
	reports := filepath.Join(os.TempDir(), "claims-schemathesis-"+sys.prefix)
	for _, name := range []string{"intake", "adjudication", "payout"} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, tool, "run", sys.url(name, "/openapi.json"),
				"--header", "Authorization: Bearer "+sys.token,
				"--checks", "not_a_server_error,response_schema_conformance,content_type_conformance",
				"--max-examples", strconv.Itoa(examples), "--seed", "20261127", "--workers", "1",
				"--report", "junit", "--report-dir", filepath.Join(reports, name))
			cmd.Env = append(os.Environ(), "NO_COLOR=1", "SCHEMATHESIS_TELEMETRY=false")
			out, err := cmd.CombinedOutput()
			generated := 0
			if m := generatedPattern.FindSubmatch(out); m != nil {
				generated, _ = strconv.Atoi(string(m[1]))
			}
			t.Logf("%s: %d generated test cases (report in %s)", name, generated, filepath.Join(reports, name))
			if err != nil {
				t.Fatalf("schemathesis against %s: got %v, want no failure:\n%s\n%s", name, err, lastLines(string(out), 80),
					lastLines(sys.procs[name].out.String(), 20))
			}
			if generated == 0 {
				t.Fatalf("got no generated test cases against %s, want the operations exercised:\n%s", name, lastLines(string(out), 40))
			}
		})
	}
}

package e2e

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"claims.local/pkg/kafkabus/kafkatest"
)

// promQLWords are the words of an alert expression that are not metric
// names: aggregations, functions and keywords.
var promQLWords = []string{"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset"}

// alertMetricNames returns the metric names each expression of the rule file
// deployments/k8s/alerts.yaml uses, by alert.
func alertMetricNames(t *testing.T) map[string][]string {
	t.Helper()
	root := os.Getenv("CLAIMS_REPO_ROOT")
	if root == "" {
		t.Fatal("CLAIMS_REPO_ROOT is not set: run the tests with `make test`")
	}
	raw, err := os.ReadFile(filepath.Join(root, "deployments/k8s/alerts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	strip := regexp.MustCompile(`\{[^}]*\}|\[[^\]]*\]|"[^"]*"|\b(by|without)\s*\([^)]*\)`)
	ident := regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*\s*\(?`)
	out := map[string][]string{}
	alert := ""
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if a, ok := strings.CutPrefix(line, "- alert:"); ok {
			alert = strings.TrimSpace(a)
		}
		expr, ok := strings.CutPrefix(line, "expr:")
		if !ok {
			continue
		}
		for _, w := range ident.FindAllString(strip.ReplaceAllString(expr, " "), -1) {
			w = strings.TrimSpace(w)
			if strings.HasSuffix(w, "(") || slices.Contains(promQLWords, w) {
				continue // a function or aggregation, or a keyword
			}
			out[alert] = append(out[alert], w)
		}
		if len(out[alert]) == 0 {
			t.Fatalf("alert %s: got no metric name in %q, want one", alert, expr)
		}
	}
	if len(out) == 0 {
		t.Fatal("alerts.yaml: got no alert expressions, want some")
	}
	return out
}

// TestAlertRulesNameMetricsTheServicesExport: every metric an alert rule
// of deployments/k8s/alerts.yaml uses is on a running service's /metrics, so
// that no alert watches a series that never exists (and so never fires).
func TestAlertRulesNameMetricsTheServicesExport(t *testing.T) {
	t.Parallel()
	want := alertMetricNames(t)
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.startAll()
	exported := map[string]bool{}
	deadline := time.Now().Add(90 * time.Second)
	for {
		for _, name := range []string{"intake", "adjudication", "payout"} {
			resp, err := http.Get(sys.url(name, "/metrics"))
			if err != nil {
				t.Fatalf("GET %s /metrics: %v", name, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, line := range strings.Split(string(body), "\n") {
				if line != "" && !strings.HasPrefix(line, "#") {
					exported[strings.FieldsFunc(line, func(r rune) bool { return r == '{' || r == ' ' })[0]] = true
				}
			}
		}
		var missing []string
		for alert, names := range want {
			for _, n := range names {
				if !exported[n] {
					missing = append(missing, alert+": "+n)
				}
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("got alert rules naming metrics no service exports %v, want every metric on some service's /metrics", missing)
		}
		time.Sleep(2 * time.Second)
	}
}

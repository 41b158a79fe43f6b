package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"claims.local/pkg/events"
	"claims.local/pkg/kafkabus/kafkatest"
)

// traceStore is a private Jaeger (the local trace store, in memory) started
// by the project's infra script for one test.
type traceStore struct {
	// otlp is the OTLP/HTTP base URL the services export to; query the
	// base URL of the query API and UI.
	otlp, query string
}

// startTraceStore starts a Jaeger on free ports and stops it at the end of
// the test. `make test` builds it (infra.sh install).
func startTraceStore(t testing.TB) *traceStore {
	t.Helper()
	root := os.Getenv("CLAIMS_REPO_ROOT")
	if root == "" {
		t.Fatalf("CLAIMS_REPO_ROOT is not set: run the tests with `make test`")
	}
	if _, err := os.Stat(filepath.Join(root, ".local/tools/bin/jaeger")); err != nil {
		t.Fatalf("no trace store binary: %v (make test builds it: infra.sh install)", err)
	}
	dir := t.TempDir()
	query := freePortPair(t)
	otlp := freePortPair(t)
	for otlp == query || otlp == query+1 || otlp+1 == query {
		otlp = freePortPair(t)
	}
	infra(t, "jaeger-start", dir, fmt.Sprint(otlp), fmt.Sprint(query))
	t.Cleanup(func() { infra(t, "jaeger-stop", dir) })
	return &traceStore{otlp: fmt.Sprintf("http://127.0.0.1:%d", otlp), query: fmt.Sprintf("http://127.0.0.1:%d", query)}
}

// jaegerTrace is a trace as Jaeger's query API returns it.
type jaegerTrace struct {
	TraceID string `json:"traceID"`
	Spans   []struct {
		SpanID        string `json:"spanID"`
		OperationName string `json:"operationName"`
		ProcessID     string `json:"processID"`
		StartTime     int64  `json:"startTime"`
		References    []struct {
			RefType string `json:"refType"`
			TraceID string `json:"traceID"`
			SpanID  string `json:"spanID"`
		} `json:"references"`
		Tags []struct {
			Key   string `json:"key"`
			Value any    `json:"value"`
		} `json:"tags"`
	} `json:"spans"`
	Processes map[string]struct {
		ServiceName string `json:"serviceName"`
	} `json:"processes"`
}

// get reads path of the query API into out; false when it is not (yet)
// there.
func (s *traceStore) get(t testing.TB, path string, out any) bool {
	t.Helper()
	resp, err := http.Get(s.query + path)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: decode: %v", path, err)
	}
	return true
}

// tracedSpan is one span of a trace with its service and parent.
type tracedSpan struct {
	id, parent, service, name, claim string
	start                            int64
}

func spansOf(tr jaegerTrace) []tracedSpan {
	out := make([]tracedSpan, 0, len(tr.Spans))
	for _, sp := range tr.Spans {
		ts := tracedSpan{id: sp.SpanID, service: tr.Processes[sp.ProcessID].ServiceName, name: sp.OperationName, start: sp.StartTime}
		for _, r := range sp.References {
			if r.RefType == "CHILD_OF" {
				ts.parent = r.SpanID
			}
		}
		for _, tag := range sp.Tags {
			if tag.Key == "claim_id" {
				ts.claim = fmt.Sprint(tag.Value)
			}
		}
		out = append(out, ts)
	}
	return out
}

// newTraceParent is a fresh W3C trace context of a sampled root span, and
// its trace id.
func newTraceParent(t testing.TB) (traceparent, traceID string) {
	t.Helper()
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	traceID = hex.EncodeToString(b[:16])
	return "00-" + traceID + "-" + hex.EncodeToString(b[16:]) + "-01", traceID
}

// TestOneTraceFollowsAClaimFromReportToPayout drives one claim from report
// to payout-completed with tracing on and a trace store of its own, the
// operator's calls carrying one trace context as the console's would, and
// finds ONE trace whose spans cover the three services and both Kafka hops
// (intake → adjudication, adjudication → payout) in causal order, each hop's
// consumer a child of the span that stored the event, and the bank call.
// The claim's trace is found by its claim_id tag, as the console links it.
func TestOneTraceFollowsAClaimFromReportToPayout(t *testing.T) {
	t.Parallel()
	store := startTraceStore(t)
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.env = append(sys.env, "OTEL_EXPORTER_OTLP_ENDPOINT="+store.otlp, "OTEL_TRACES_SAMPLER_ARG=1")
	var traceID string
	sys.traceparent, traceID = newTraceParent(t)
	sys.startAll()

	r, _ := sys.reportAndApprove(t, "P-E2E-0001")
	sys.agree(t, r.ClaimID)
	sys.confirmPayees(t, r.ClaimID, 1)
	readTopic(t, sys.brokers, sys.topics.Payout(), 60*time.Second, func(es []events.Envelope) bool {
		return countOf(es, r.ClaimID, events.PayoutCompleted) >= 1
	})

	intakeTopic, adjudicationTopic, payoutTopic := sys.topics.Intake(), sys.topics.Adjudication(), sys.topics.Payout()
	// The path, in causal order: each step's span is found by service and
	// name, starts no earlier than the one before, and a consumer's span is
	// the child of the producer's span that stored the event.
	path := []struct{ service, name string }{
		{"intake", "POST /v1/reports/:id/claim-request"},
		{"intake", "publish " + intakeTopic},
		{"adjudication", "consume " + intakeTopic},
		{"adjudication", "publish " + adjudicationTopic},
		{"payout", "consume " + adjudicationTopic},
		{"payout", "bank submit"},
		{"payout", "publish " + payoutTopic},
	}
	var spans []tracedSpan
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(250 * time.Millisecond) {
		missing := ""
		var got struct{ Data []jaegerTrace }
		if !store.get(t, "/api/traces/"+traceID, &got) || len(got.Data) != 1 {
			missing = "the trace itself"
		} else {
			spans = spansOf(got.Data[0])
			for _, step := range path {
				if !slices.ContainsFunc(spans, func(s tracedSpan) bool { return s.service == step.service && s.name == step.name }) {
					missing = step.service + " " + step.name
					break
				}
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("trace %s: got no span %s within 60s, want it; spans: %+v", traceID, missing, spans)
		}
	}
	byID := map[string]tracedSpan{}
	services := map[string]bool{}
	for _, s := range spans {
		byID[s.id] = s
		services[s.service] = true
	}
	for _, want := range []string{"intake", "adjudication", "payout"} {
		if !services[want] {
			t.Errorf("got spans of %v, want %s among them", services, want)
		}
	}
	// Earliest span of each step that comes after the step before.
	var prev tracedSpan
	for i, step := range path {
		var found *tracedSpan
		for _, s := range spans {
			if s.service == step.service && s.name == step.name && (i == 0 || s.start >= prev.start) && (found == nil || s.start < found.start) {
				found = &s
			}
		}
		if found == nil {
			t.Fatalf("got no span %s %s starting after %s %s, want one (causal order)", step.service, step.name, prev.service, prev.name)
		}
		if found.claim != r.ClaimID {
			t.Errorf("%s %s: got claim_id %q, want %q", step.service, step.name, found.claim, r.ClaimID)
		}
		prev = *found
	}
	// Both Kafka hops: the consumer continues the trace of the span that
	// stored the event in the producer's outbox, in the producer's service.
	for _, hop := range []struct{ topic, producer, consumer string }{
		{intakeTopic, "intake", "adjudication"}, {adjudicationTopic, "adjudication", "payout"},
	} {
		ok := false
		for _, s := range spans {
			if s.service != hop.consumer || s.name != "consume "+hop.topic {
				continue
			}
			if parent, found := byID[s.parent]; found && parent.service == hop.producer {
				ok = true
			}
		}
		if !ok {
			t.Errorf("hop %s: got no %s consumer span whose parent is a %s span, want one", hop.topic, hop.consumer, hop.producer)
		}
	}

	// The console's link: Jaeger's search by the tag claim_id finds it.
	var found struct{ Data []jaegerTrace }
	q := url.Values{"service": {"payout"}, "tags": {`{"claim_id":"` + r.ClaimID + `"}`}, "lookback": {"1h"}, "limit": {"20"}}
	if !store.get(t, "/api/traces?"+q.Encode(), &found) {
		t.Fatalf("search by claim_id failed")
	}
	ids := make([]string, 0, len(found.Data))
	for _, tr := range found.Data {
		ids = append(ids, tr.TraceID)
	}
	if !slices.Contains(ids, traceID) {
		t.Fatalf("search by claim_id=%s: got traces %s, want %s among them", r.ClaimID, strings.Join(ids, ","), traceID)
	}
}

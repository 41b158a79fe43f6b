package service_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/intake/internal/service"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
)

// running is one intake started in-process on its own database and topics.
type running struct {
	svc  *service.Intake
	base string
	dsn  string
}

// start starts intake and stops it, waiting for Run to return, at cleanup.
func start(t *testing.T) *running {
	t.Helper()
	dsn := pgtest.NewDatabase(t)
	cfg := service.Config{HTTPAddr: "127.0.0.1:0", DatabaseDSN: dsn, KafkaBrokers: kafkatest.Brokers(t), TopicPrefix: kafkatest.Prefix(t)}
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := service.Start(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		cancel()
		t.Fatalf("start intake: got %v, want no error", err)
	}
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: got %v after cancel, want nil", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("Run: got still running 30s after cancel, want it stopped")
		}
	})
	return &running{svc: svc, base: "http://" + svc.Addr(), dsn: dsn}
}

var client = &http.Client{Timeout: 15 * time.Second}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (r *running) do(t *testing.T, method, path, body string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, r.base+path, rd)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	require.NoError(t, err, "%s %s", method, path)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

func (r *running) openDB(t *testing.T) *gorm.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), r.dsn, 2)
	require.NoError(t, err)
	t.Cleanup(func() { _ = postgres.Close(db) })
	return db
}

func count(t *testing.T, db *gorm.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	require.NoError(t, db.Raw(query, args...).Scan(&n).Error)
	return n
}

// specDoc is the part of an OpenAPI document the checks read.
type specDoc struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]schema `json:"schemas"`
	} `json:"components"`
}

type schema struct {
	Type       string            `json:"type"`
	Required   []string          `json:"required"`
	Properties map[string]schema `json:"properties"`
}

func (r *running) spec(t *testing.T) (specDoc, []byte) {
	t.Helper()
	a := r.do(t, http.MethodGet, "/openapi.json", "")
	if a.status != http.StatusOK {
		t.Fatalf("GET /openapi.json: got status %d, want 200", a.status)
	}
	var doc specDoc
	require.NoError(t, json.Unmarshal(a.body, &doc), "parse /openapi.json")
	return doc, a.body
}

// conforms checks v against s: an object holds every required member and
// no member s does not list; a string is a non-empty string.
func conforms(t *testing.T, where string, s schema, v any) {
	t.Helper()
	switch s.Type {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: got %T, want an object", where, v)
		}
		for _, k := range s.Required {
			if _, ok := m[k]; !ok {
				t.Fatalf("%s: got no member %q, want it (required)", where, k)
			}
		}
		for k, x := range m {
			ps, ok := s.Properties[k]
			if !ok {
				t.Fatalf("%s: got member %q, want only the documented %v", where, k, keys(s.Properties))
			}
			conforms(t, where+"."+k, ps, x)
		}
	case "string":
		if str, ok := v.(string); !ok || str == "" {
			t.Fatalf("%s: got %#v, want a non-empty string", where, v)
		}
	}
}

func keys(m map[string]schema) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// wantError checks that a is the documented error answer: a status the
// document lists for the operation (when op names one), the Error schema,
// the code and the field.
func wantError(t *testing.T, doc specDoc, op string, a answer, status int, code, field string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("got status %d (%s), want %d", a.status, a.body, status)
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("got content type %q, want application/json", ct)
	}
	if op != "" {
		method, path, _ := strings.Cut(op, " ")
		var operation struct {
			Responses map[string]json.RawMessage `json:"responses"`
		}
		require.NoError(t, json.Unmarshal(doc.Paths[path][strings.ToLower(method)], &operation), "operation %s", op)
		if _, ok := operation.Responses[strconv.Itoa(status)]; !ok {
			var listed []string
			for k := range operation.Responses {
				listed = append(listed, k)
			}
			t.Fatalf("got status %d for %s, want one the document lists (%v)", status, op, listed)
		}
	}
	var v any
	require.NoError(t, json.Unmarshal(a.body, &v), "error body")
	conforms(t, "body", doc.Components.Schemas["Error"], v)
	var body httpapi.ErrorBody
	require.NoError(t, json.Unmarshal(a.body, &body))
	if body.Error.Code != code || body.Error.Field != field {
		t.Fatalf("got code %q field %q (%s), want code %q field %q", body.Error.Code, body.Error.Field, body.Error.Message, code, field)
	}
	if got, want := body.Error.RequestID, a.header.Get(httpapi.RequestIDHeader); got != want {
		t.Fatalf("got request_id %q, want %q from the header", got, want)
	}
}

// specMismatches compares routes with the document through
// httpapi.SpecMismatches, which reads an engine's routes.
func specMismatches(t *testing.T, routes gin.RoutesInfo, spec []byte) []string {
	t.Helper()
	e := gin.New()
	for _, r := range routes {
		e.Handle(r.Method, r.Path, func(*gin.Context) {})
	}
	got, err := httpapi.SpecMismatches(e, spec)
	require.NoError(t, err)
	return got
}

type reporter struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

type report struct {
	ID               string     `json:"id"`
	ClaimID          string     `json:"claim_id"`
	PolicyNumber     string     `json:"policy_number"`
	InsuredName      string     `json:"insured_name"`
	IncidentType     string     `json:"incident_type"`
	IncidentTime     time.Time  `json:"incident_time"`
	Reporter         reporter   `json:"reporter"`
	ReportedAt       time.Time  `json:"reported_at"`
	ClaimRequestedAt *time.Time `json:"claim_requested_at"`
}

func newReportJSON(policy string) string {
	return `{"policy_number":"` + policy + `","insured_name":"张三","incident_type":"medical",
		"incident_time":"` + time.Now().Add(-48*time.Hour).UTC().Format(time.RFC3339Nano) + `",
		"reporter":{"name":"李四","role":"beneficiary"}}`
}

// createReport stores a valid report and returns the answer's body.
func (r *running) createReport(t *testing.T, policy string) (report, []byte) {
	t.Helper()
	a := r.do(t, http.MethodPost, "/v1/reports", newReportJSON(policy))
	if a.status != http.StatusCreated {
		t.Fatalf("POST /v1/reports: got status %d (%s), want 201", a.status, a.body)
	}
	var rep report
	require.NoError(t, json.Unmarshal(a.body, &rep))
	if got, want := a.header.Get("Location"), "/v1/reports/"+rep.ID; rep.ID == "" || got != want {
		t.Fatalf("got Location %q for report %q, want %q", got, rep.ID, want)
	}
	return rep, a.body
}

func TestOpenAPIDocumentMatchesRoutes(t *testing.T) {
	t.Parallel()
	r := start(t)
	_, spec := r.spec(t)
	routes := r.svc.Routes()
	if len(routes) < 7 {
		t.Fatalf("got %d routes, want the 4 operational and 3 /v1 routes", len(routes))
	}
	if got := specMismatches(t, routes, spec); len(got) != 0 {
		t.Fatalf("got mismatches between /openapi.json and the routes:\n%s\nwant none", strings.Join(got, "\n"))
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	r := start(t)
	if a := r.do(t, http.MethodGet, "/healthz", ""); a.status != http.StatusOK {
		t.Fatalf("GET /healthz: got status %d, want 200", a.status)
	}
	a := r.do(t, http.MethodGet, "/readyz", "")
	if a.status != http.StatusOK {
		t.Fatalf("GET /readyz: got status %d (%s), want 200", a.status, a.body)
	}
	require.JSONEq(t, `{"ready":true,"checks":{"database":"ok","kafka":"ok"}}`, string(a.body))
}

func TestBadInputAnswersWithTheDocumentedError(t *testing.T) {
	t.Parallel()
	r := start(t)
	doc, _ := r.spec(t)
	valid := func(change func(m map[string]any)) string {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(newReportJSON("P-2026-000123")), &m))
		change(m)
		b, err := json.Marshal(m)
		require.NoError(t, err)
		return string(b)
	}
	tests := []struct {
		name         string
		method, path string
		op           string
		body         string
		status       int
		code, field  string
	}{
		{"missing policy number", "POST", "/v1/reports", "POST /v1/reports",
			valid(func(m map[string]any) { delete(m, "policy_number") }), 400, "invalid_argument", "policy_number"},
		{"malformed policy number", "POST", "/v1/reports", "POST /v1/reports",
			valid(func(m map[string]any) { m["policy_number"] = "#1" }), 400, "invalid_argument", "policy_number"},
		{"unknown incident type", "POST", "/v1/reports", "POST /v1/reports",
			valid(func(m map[string]any) { m["incident_type"] = "flood" }), 400, "invalid_argument", "incident_type"},
		{"incident in the future", "POST", "/v1/reports", "POST /v1/reports",
			valid(func(m map[string]any) { m["incident_time"] = time.Now().Add(24 * time.Hour).Format(time.RFC3339) }), 400, "invalid_argument", "incident_time"},
		{"missing reporter role", "POST", "/v1/reports", "POST /v1/reports",
			valid(func(m map[string]any) { m["reporter"] = map[string]any{"name": "李四"} }), 400, "invalid_argument", "reporter.role"},
		{"policy number of the wrong type", "POST", "/v1/reports", "POST /v1/reports",
			valid(func(m map[string]any) { m["policy_number"] = 123 }), 400, "invalid_argument", "policy_number"},
		{"unknown field", "POST", "/v1/reports", "POST /v1/reports",
			valid(func(m map[string]any) { m["claim_id"] = "mine" }), 400, "invalid_argument", "claim_id"},
		{"invalid JSON", "POST", "/v1/reports", "POST /v1/reports", `{"policy_number": }`, 400, "invalid_argument", ""},
		{"empty body", "POST", "/v1/reports", "POST /v1/reports", ``, 400, "invalid_argument", ""},
		{"two objects", "POST", "/v1/reports", "POST /v1/reports", newReportJSON("P-1") + newReportJSON("P-2"), 400, "invalid_argument", ""},
		{"body too large", "POST", "/v1/reports", "POST /v1/reports",
			`{"policy_number":"` + strings.Repeat("x", 2<<20) + `"}`, 413, "payload_too_large", ""},
		{"unknown report", "GET", "/v1/reports/no-such-report", "GET /v1/reports/{id}", "", 404, "not_found", ""},
		{"claim request on an unknown report", "POST", "/v1/reports/no-such-report/claim-request",
			"POST /v1/reports/{id}/claim-request", "", 404, "not_found", ""},
		{"unknown path", "GET", "/v1/claims", "", "", 404, "not_found", ""},
		{"method not allowed", "DELETE", "/v1/reports", "", "", 405, "method_not_allowed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := r.do(t, tt.method, tt.path, tt.body)
			wantError(t, doc, tt.op, a, tt.status, tt.code, tt.field)
		})
	}

	db := r.openDB(t)
	if got := count(t, db, "SELECT count(*) FROM incident_reports"); got != 0 {
		t.Fatalf("got %d reports stored by bad requests, want 0", got)
	}
	if got := count(t, db, "SELECT count(*) FROM outbox"); got != 0 {
		t.Fatalf("got %d events stored by bad requests, want 0", got)
	}
}

func TestClaimRequestIsIdempotent(t *testing.T) {
	t.Parallel()
	r := start(t)
	rep, _ := r.createReport(t, "P-2026-000123")
	if rep.ClaimRequestedAt != nil {
		t.Fatalf("got claim_requested_at %v on a new report, want null", rep.ClaimRequestedAt)
	}
	path := "/v1/reports/" + rep.ID + "/claim-request"

	first := r.do(t, http.MethodPost, path, "")
	if first.status != http.StatusCreated {
		t.Fatalf("first claim request: got status %d (%s), want 201", first.status, first.body)
	}
	second := r.do(t, http.MethodPost, path, "")
	if second.status != http.StatusOK {
		t.Fatalf("second claim request: got status %d (%s), want 200", second.status, second.body)
	}
	got := r.do(t, http.MethodGet, "/v1/reports/"+rep.ID, "")
	if got.status != http.StatusOK {
		t.Fatalf("GET report: got status %d, want 200", got.status)
	}
	requestedAt := func(b []byte) string {
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		s, _ := m["claim_requested_at"].(string)
		return s
	}
	at := requestedAt(first.body)
	if at == "" {
		t.Fatalf("got no claim_requested_at in %s, want the time of the request", first.body)
	}
	if again := requestedAt(second.body); again != at {
		t.Fatalf("second claim request: got claim_requested_at %q, want the first one %q", again, at)
	}
	if stored := requestedAt(got.body); stored != at {
		t.Fatalf("GET report: got claim_requested_at %q, want the one first answered %q", stored, at)
	}
	require.JSONEq(t, string(first.body), string(second.body), "both answers describe the same report")

	db := r.openDB(t)
	if n := count(t, db, "SELECT count(*) FROM outbox WHERE event_type = ?", events.ClaimRequested.Name); n != 1 {
		t.Fatalf("got %d claim-requested events, want 1", n)
	}
	// The event carries the first receipt time the client saw.
	var payload []byte
	require.NoError(t, db.Raw("SELECT payload FROM outbox WHERE event_type = ?", events.ClaimRequested.Name).Row().Scan(&payload))
	e, err := events.Decode(payload)
	require.NoError(t, err)
	var d events.ClaimRequestedData
	require.NoError(t, events.DecodeData(e, events.ClaimRequested, &d))
	if want, _ := time.Parse(time.RFC3339Nano, at); !d.FirstReceivedAt.Equal(want) || d.ClaimID != rep.ClaimID || d.ReportID != rep.ID {
		t.Fatalf("got event data %+v, want claim %s, report %s, first received at %s", d, rep.ClaimID, rep.ID, at)
	}

	// The relay hands both events to Kafka.
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, err := outbox.Pending(context.Background(), db)
		require.NoError(t, err)
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d events still pending after 20s, want all published", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestBadRequestAfterAGoodOneLosesNothing(t *testing.T) {
	t.Parallel()
	r := start(t)
	doc, _ := r.spec(t)
	rep, created := r.createReport(t, "P-2026-000777")

	wantError(t, doc, "POST /v1/reports", r.do(t, http.MethodPost, "/v1/reports", `{"policy_number":`), 400, "invalid_argument", "")
	wantError(t, doc, "POST /v1/reports", r.do(t, http.MethodPost, "/v1/reports", `{"insured_name":"x"}`), 400, "invalid_argument", "policy_number")
	wantError(t, doc, "POST /v1/reports/{id}/claim-request", r.do(t, http.MethodPost, "/v1/reports/"+rep.ID+"x/claim-request", ""), 404, "not_found", "")

	a := r.do(t, http.MethodGet, "/v1/reports/"+rep.ID, "")
	if a.status != http.StatusOK {
		t.Fatalf("GET the good report: got status %d (%s), want 200", a.status, a.body)
	}
	require.JSONEq(t, string(created), string(a.body), "the report read back equals the one created")

	if a := r.do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/claim-request", ""); a.status != http.StatusCreated {
		t.Fatalf("claim request on the good report: got status %d (%s), want 201", a.status, a.body)
	}
	db := r.openDB(t)
	if n := count(t, db, "SELECT count(*) FROM incident_reports"); n != 1 {
		t.Fatalf("got %d reports stored, want 1", n)
	}
	if n := count(t, db, "SELECT count(*) FROM outbox WHERE event_type = ?", events.IncidentReported.Name); n != 1 {
		t.Fatalf("got %d incident-reported events, want 1", n)
	}
}

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
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/adjudication/internal/service"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
)

// running is one adjudication started in-process on its own database and topics.
type running struct {
	svc     *service.Adjudication
	base    string
	dsn     string
	prefix  string
	brokers []string
}

// start starts adjudication and stops it, waiting for Run to return, at cleanup.
func start(t *testing.T) *running {
	t.Helper()
	dsn := pgtest.NewDatabase(t)
	brokers, prefix := kafkatest.Brokers(t), kafkatest.Prefix(t)
	cfg := service.Config{HTTPAddr: "127.0.0.1:0", DatabaseDSN: dsn, KafkaBrokers: brokers, TopicPrefix: prefix}
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := service.Start(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		cancel()
		t.Fatalf("start adjudication: got %v, want no error", err)
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
	return &running{svc: svc, base: "http://" + svc.Addr(), dsn: dsn, prefix: prefix, brokers: brokers}
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

// publish sends raw messages to a topic of this deployment and, like an
// outbox relay, tries again while the broker is not ready for them (a
// partition just created may answer "not leader" for a moment).
func (r *running) publish(t *testing.T, msgs ...outbox.Message) {
	t.Helper()
	pub := kafkabus.NewPublisher(r.brokers)
	defer pub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		err := pub.Publish(ctx, msgs)
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("publish to Kafka: got %v, want the messages sent within 30s", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// eventually polls cond every 50ms until it holds or within has passed.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("got no %s within %v, want it", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func claimRequested(t *testing.T, topics events.Topics, claimID string, firstReceivedAt time.Time) outbox.Message {
	t.Helper()
	e, err := events.New(events.ClaimRequested, "intake", claimID, firstReceivedAt, events.ClaimRequestedData{
		ClaimID: claimID, ReportID: "report-" + claimID, PolicyNumber: "P-2026-000123", InsuredName: "张三",
		IncidentType: "medical", IncidentTime: firstReceivedAt.Add(-48 * time.Hour), FirstReceivedAt: firstReceivedAt,
	})
	require.NoError(t, err)
	v, err := json.Marshal(e)
	require.NoError(t, err)
	return outbox.Message{Topic: topics.Intake(), Key: claimID, EventID: e.ID, Type: e.Type, Value: v}
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
	const approve = `{"outcome":"approve","amount_fen":123456,"decided_by":"handler-1"}`
	tests := []struct {
		name         string
		method, path string
		op           string
		body         string
		status       int
		code, field  string
	}{
		{"decision on an unknown claim", "POST", "/v1/cases/no-such-claim/decision", "POST /v1/cases/{claimId}/decision",
			approve, 404, "not_found", ""},
		{"decision that is not JSON", "POST", "/v1/cases/no-such-claim/decision", "POST /v1/cases/{claimId}/decision",
			`approve`, 400, "invalid_argument", ""},
		{"decision with an unknown field", "POST", "/v1/cases/no-such-claim/decision", "POST /v1/cases/{claimId}/decision",
			`{"outcome":"approve","amount":1}`, 400, "invalid_argument", "amount"},
		{"decision with a text amount", "POST", "/v1/cases/no-such-claim/decision", "POST /v1/cases/{claimId}/decision",
			`{"outcome":"approve","amount_fen":"1"}`, 400, "invalid_argument", "amount_fen"},
		{"decision body too large", "POST", "/v1/cases/no-such-claim/decision", "POST /v1/cases/{claimId}/decision",
			`{"outcome":"approve","reason":"` + strings.Repeat("x", 2<<20) + `"}`, 413, "payload_too_large", ""},
		{"unknown case", "GET", "/v1/cases/no-such-claim", "GET /v1/cases/{claimId}", "", 404, "not_found", ""},
		{"limit zero", "GET", "/v1/cases?limit=0", "GET /v1/cases", "", 400, "invalid_argument", "limit"},
		{"limit not a number", "GET", "/v1/cases?limit=ten", "GET /v1/cases", "", 400, "invalid_argument", "limit"},
		{"limit too large", "GET", "/v1/cases?limit=501", "GET /v1/cases", "", 400, "invalid_argument", "limit"},
		{"negative limit", "GET", "/v1/cases?limit=-1", "GET /v1/cases", "", 400, "invalid_argument", "limit"},
		{"method not allowed", "PUT", "/v1/cases/x/decision", "", approve, 405, "method_not_allowed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, doc, tt.op, r.do(t, tt.method, tt.path, tt.body), tt.status, tt.code, tt.field)
		})
	}

	// An empty list is an empty array, not null.
	a := r.do(t, http.MethodGet, "/v1/cases?limit=500", "")
	if a.status != http.StatusOK {
		t.Fatalf("GET /v1/cases?limit=500: got status %d (%s), want 200", a.status, a.body)
	}
	require.JSONEq(t, `{"cases":[]}`, string(a.body))
}

func TestClaimRequestOpensACaseThatIsDecidedOnce(t *testing.T) {
	t.Parallel()
	r := start(t)
	doc, _ := r.spec(t)
	db := r.openDB(t)
	topics := events.Topics{Prefix: r.prefix}
	claimID := uuid.NewString()
	received := time.Date(2026, 9, 30, 8, 20, 0, 123456000, time.UTC)

	// Two messages no consumer can apply, then a good one; each redelivered.
	nullData := `{"specversion":"1.0","id":"` + uuid.NewString() + `","type":"claims.intake.claim-requested","source":"intake",` +
		`"subject":"x","claimid":"x","schemaversion":1,"data":null}`
	good := claimRequested(t, topics, claimID, received)
	r.publish(t,
		outbox.Message{Topic: topics.Intake(), Key: "garbage", EventID: "garbage", Type: "?", Value: []byte("{not json")},
		outbox.Message{Topic: topics.Intake(), Key: "x", EventID: "null-data", Type: events.ClaimRequested.Name, Value: []byte(nullData)},
		good, good)

	var opened answer
	eventually(t, 45*time.Second, "case opened from the claim request", func() bool {
		opened = r.do(t, http.MethodGet, "/v1/cases/"+claimID, "")
		return opened.status == http.StatusOK
	})
	var c struct {
		ClaimID         string          `json:"claim_id"`
		ReportID        string          `json:"report_id"`
		State           string          `json:"state"`
		FirstReceivedAt time.Time       `json:"first_received_at"`
		Decision        json.RawMessage `json:"decision"`
	}
	require.NoError(t, json.Unmarshal(opened.body, &c))
	if c.ClaimID != claimID || c.ReportID != "report-"+claimID || c.State != "received" || !c.FirstReceivedAt.Equal(received) || string(c.Decision) != "null" {
		t.Fatalf("got case %s, want claim %s received at %v without decision", opened.body, claimID, received)
	}
	// Counted by key: a publish retried after a partial failure may have
	// sent a message twice, which is parked twice.
	eventually(t, 20*time.Second, "both unusable messages parked", func() bool {
		return count(t, db, "SELECT count(DISTINCT msg_key) FROM dead_letters") == 2
	})
	if n := count(t, db, "SELECT count(*) FROM cases"); n != 1 {
		t.Fatalf("got %d cases, want 1 (the redelivered request and the unusable messages open none)", n)
	}

	// A bad decision is refused, a good one is recorded once.
	path := "/v1/cases/" + claimID + "/decision"
	op := "POST /v1/cases/{claimId}/decision"
	wantError(t, doc, op, r.do(t, http.MethodPost, path, `{"outcome":"approve","decided_by":"handler-1"}`), 400, "invalid_argument", "amount_fen")
	wantError(t, doc, op, r.do(t, http.MethodPost, path, `{"outcome":"reject","decided_by":"handler-1"}`), 400, "invalid_argument", "reason")
	decided := r.do(t, http.MethodPost, path, `{"outcome":"approve","amount_fen":123456,"decided_by":"handler-1"}`)
	if decided.status != http.StatusOK {
		t.Fatalf("decision: got status %d (%s), want 200", decided.status, decided.body)
	}
	wantError(t, doc, op, r.do(t, http.MethodPost, path, `{"outcome":"reject","reason":"late","decided_by":"handler-2"}`), 409, "conflict", "")

	got := r.do(t, http.MethodGet, "/v1/cases/"+claimID, "")
	require.JSONEq(t, string(decided.body), string(got.body), "the case read back equals the decision's answer")
	list := r.do(t, http.MethodGet, "/v1/cases?state=approved&limit=10", "")
	require.JSONEq(t, `{"cases":[`+string(decided.body)+`]}`, string(list.body), "approved cases")
	if n := count(t, db, "SELECT count(*) FROM outbox WHERE event_type = ?", events.ClaimDecided.Name); n != 1 {
		t.Fatalf("got %d claim-decided events, want 1", n)
	}
}

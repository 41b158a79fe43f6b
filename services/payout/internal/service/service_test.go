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

	"claims.local/payout/internal/service"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
)

// running is one payout started in-process on its own database and topics.
type running struct {
	svc     *service.Payout
	base    string
	dsn     string
	prefix  string
	brokers []string
}

// start starts payout and stops it, waiting for Run to return, at cleanup.
func start(t *testing.T) *running {
	t.Helper()
	dsn := pgtest.NewDatabase(t)
	brokers, prefix := kafkatest.Brokers(t), kafkatest.Prefix(t)
	cfg := service.Config{HTTPAddr: "127.0.0.1:0", DatabaseDSN: dsn, KafkaBrokers: brokers, TopicPrefix: prefix,
		ExecuteInterval: 50 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := service.Start(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		cancel()
		t.Fatalf("start payout: got %v, want no error", err)
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

func claimDecided(t *testing.T, topics events.Topics, claimID, outcome string, amountFen int64) outbox.Message {
	t.Helper()
	at := time.Now().UTC()
	e, err := events.New(events.ClaimDecided, "adjudication", claimID, at, events.ClaimDecidedData{
		ClaimID: claimID, CaseID: "case-" + claimID, Outcome: outcome, AmountFen: amountFen, Currency: "CNY",
		DecidedBy: "handler-1", DecidedAt: at,
	})
	require.NoError(t, err)
	v, err := json.Marshal(e)
	require.NoError(t, err)
	return outbox.Message{Topic: topics.Adjudication(), Key: claimID, EventID: e.ID, Type: e.Type, Value: v}
}

func TestOpenAPIDocumentMatchesRoutes(t *testing.T) {
	t.Parallel()
	r := start(t)
	_, spec := r.spec(t)
	routes := r.svc.Routes()
	if len(routes) < 6 {
		t.Fatalf("got %d routes, want the 4 operational and 2 /v1 routes", len(routes))
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
	tests := []struct {
		name         string
		method, path string
		op           string
		status       int
		code, field  string
	}{
		{"unknown obligation", "GET", "/v1/obligations/no-such-obligation", "GET /v1/obligations/{id}", 404, "not_found", ""},
		{"limit zero", "GET", "/v1/obligations?limit=0", "GET /v1/obligations", 400, "invalid_argument", "limit"},
		{"limit not a number", "GET", "/v1/obligations?limit=1e2", "GET /v1/obligations", 400, "invalid_argument", "limit"},
		{"limit too large", "GET", "/v1/obligations?limit=501", "GET /v1/obligations", 400, "invalid_argument", "limit"},
		{"method not allowed", "POST", "/v1/obligations", "", 405, "method_not_allowed", ""},
		{"unknown path", "GET", "/v1/payments", "", 404, "not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, doc, tt.op, r.do(t, tt.method, tt.path, ""), tt.status, tt.code, tt.field)
		})
	}
	a := r.do(t, http.MethodGet, "/v1/obligations?claim_id=nothing&limit=500", "")
	if a.status != http.StatusOK {
		t.Fatalf("GET /v1/obligations: got status %d (%s), want 200", a.status, a.body)
	}
	require.JSONEq(t, `{"obligations":[]}`, string(a.body))
}

type obligation struct {
	ID            string     `json:"id"`
	ClaimID       string     `json:"claim_id"`
	PayoutType    string     `json:"payout_type"`
	AmountFen     int64      `json:"amount_fen"`
	Currency      string     `json:"currency"`
	State         string     `json:"state"`
	Attempts      int        `json:"attempts"`
	BankReference string     `json:"bank_reference"`
	CompletedAt   *time.Time `json:"completed_at"`
}

func TestApprovedClaimIsPaidOnce(t *testing.T) {
	t.Parallel()
	r := start(t)
	db := r.openDB(t)
	topics := events.Topics{Prefix: r.prefix}
	approved, rejected := uuid.NewString(), uuid.NewString()
	decision := claimDecided(t, topics, approved, events.OutcomeApproved, 123456)
	r.publish(t, decision, claimDecided(t, topics, rejected, events.OutcomeRejected, 0), decision)

	var list struct {
		Obligations []json.RawMessage `json:"obligations"`
	}
	var o obligation
	eventually(t, 45*time.Second, "completed obligation for the approved claim", func() bool {
		a := r.do(t, http.MethodGet, "/v1/obligations?claim_id="+approved, "")
		if a.status != http.StatusOK {
			t.Fatalf("GET /v1/obligations: got status %d (%s), want 200", a.status, a.body)
		}
		require.NoError(t, json.Unmarshal(a.body, &list))
		if len(list.Obligations) != 1 {
			return false
		}
		require.NoError(t, json.Unmarshal(list.Obligations[0], &o))
		return o.State == "completed"
	})
	if o.ClaimID != approved || o.PayoutType != "final" || o.AmountFen != 123456 || o.Currency != "CNY" ||
		o.Attempts != 1 || o.BankReference == "" || o.CompletedAt == nil {
		t.Fatalf("got obligation %s, want a completed final payment of 123456 fen CNY with a bank reference", list.Obligations[0])
	}
	one := r.do(t, http.MethodGet, "/v1/obligations/"+o.ID, "")
	if one.status != http.StatusOK {
		t.Fatalf("GET /v1/obligations/%s: got status %d, want 200", o.ID, one.status)
	}
	require.JSONEq(t, string(list.Obligations[0]), string(one.body), "the obligation alone equals the one listed")

	eventually(t, 20*time.Second, "both decisions received", func() bool {
		return count(t, db, "SELECT count(*) FROM inbox") == 2
	})
	if n := count(t, db, "SELECT count(*) FROM obligations"); n != 1 {
		t.Fatalf("got %d obligations, want 1 (none for the rejection or the redelivery)", n)
	}
	for _, typ := range []events.Type{events.PayoutScheduled, events.PayoutCompleted} {
		if n := count(t, db, "SELECT count(*) FROM outbox WHERE event_type = ?", typ.Name); n != 1 {
			t.Fatalf("got %d %s events, want 1", n, typ.Name)
		}
	}
	// The finance event tells what the API tells.
	var payload []byte
	require.NoError(t, db.Raw("SELECT payload FROM outbox WHERE event_type = ?", events.PayoutCompleted.Name).Row().Scan(&payload))
	e, err := events.Decode(payload)
	require.NoError(t, err)
	var d events.PayoutData
	require.NoError(t, events.DecodeData(e, events.PayoutCompleted, &d))
	if d.ObligationID != o.ID || d.Status != "completed" || d.BankReference != o.BankReference || d.CompletedAt == nil ||
		!d.CompletedAt.Equal(*o.CompletedAt) || d.ValueDate == "" {
		t.Fatalf("got payout-completed data %+v, want obligation %s completed at %v with reference %s and a value date",
			d, o.ID, o.CompletedAt, o.BankReference)
	}
}

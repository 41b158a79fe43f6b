package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/intake/internal/ports"
	"claims.local/intake/internal/service"
	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox/outboxpg"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/reveal/revealhttp"
	"claims.local/pkg/sealed"
	"claims.local/pkg/servicekit"
	"claims.local/pkg/tracking/trackinghttp"
)

// running is one intake started in-process on its own database and topics.
type running struct {
	*apitest.Client
	keys    *apitest.TestKeys
	svc     *service.Intake
	dsn     string
	storage string
	brokers kafkabus.Cluster
	topics  events.Topics
}

// start starts intake without OCR workers (documents stay pending) and
// stops it, waiting for Run to return, at cleanup.
func start(t *testing.T) *running {
	t.Helper()
	return startWith(t, func(*service.Config) {})
}

// startWith starts intake with the configuration change applies, on a
// new database unless change names one.
func startWith(t *testing.T, change func(*service.Config)) *running {
	t.Helper()
	keys := apitest.Keys(t)
	cfg := service.Config{Common: servicekit.Common{Auth: keys.Config(), HTTPAddr: "127.0.0.1:0", Kafka: kafkatest.Cluster(t),
		TopicPrefix: kafkatest.Prefix(t), DeadlineSweep: time.Hour}, StorageDir: t.TempDir(),
		DataKeys: []sealed.Key{{ID: "test", Secret: bytes.Repeat([]byte{4}, sealed.KeyBytes)}}, Fingerprints: eventstest.Fingerprints(),
		Requests: eventstest.IntakeSigner(t), TrustedCalendar: calendarKeys(t)}
	change(&cfg)
	if cfg.DatabaseDSN == "" {
		d := pgtest.NewDatabase(t)
		cfg.DatabaseDSN, cfg.MigrationDSN = d.DSN, d.OwnerDSN
	}
	svc, c := apitest.Start(t, "intake", service.Start, cfg)
	return &running{Client: c.As(t, keys, apitest.Everyone()), keys: keys, svc: svc, dsn: cfg.DatabaseDSN, storage: cfg.StorageDir,
		brokers: cfg.Kafka, topics: events.Topics{Prefix: cfg.TopicPrefix}}
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
	a := r.Do(t, http.MethodPost, "/v1/reports", newReportJSON(policy))
	if a.Status != http.StatusCreated {
		t.Fatalf("POST /v1/reports: got status %d (%s), want 201", a.Status, a.Body)
	}
	var rep report
	require.NoError(t, json.Unmarshal(a.Body, &rep))
	if got, want := a.Header.Get("Location"), "/v1/reports/"+rep.ID; rep.ID == "" || got != want {
		t.Fatalf("got Location %q for report %q, want %q", got, rep.ID, want)
	}
	return rep, a.Body
}

func TestOpenAPIDocumentMatchesRoutes(t *testing.T) {
	t.Parallel()
	r := start(t)
	r.WantRoutesDocumented(t, r.svc.Routes(), 16)
}

func TestEveryRouteChecksTheTokenAndTheRole(t *testing.T) {
	t.Parallel()
	r := start(t)
	r.WantPermissions(t, r.keys, r.svc.Routes(), ports.Permissions().Merge(trackinghttp.Permissions()).Merge(revealhttp.Permissions(), servicekit.DeadLetterPermissions()))
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	start(t).WantHealthy(t, `{"ready":true,"checks":{"database":"ok"}}`)
}

func TestBadInputAnswersWithTheDocumentedError(t *testing.T) {
	t.Parallel()
	r := start(t)
	doc := r.Spec(t)
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
		{"incident place of no province", "POST", "/v1/reports", "POST /v1/reports",
			valid(func(m map[string]any) { m["incident_place"] = "990000" }), 400, "invalid_argument", "incident_place"},
		{"beneficiary without relation", "POST", "/v1/reports", "POST /v1/reports",
			valid(func(m map[string]any) { m["beneficiary"] = map[string]any{"name": "李四"} }), 400, "invalid_argument", "beneficiary.relation"},
		{"negative claimed amount", "POST", "/v1/reports", "POST /v1/reports",
			valid(func(m map[string]any) { m["claimed_amount_fen"] = -1 }), 400, "invalid_argument", "claimed_amount_fen"},
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
			a := r.Do(t, tt.method, tt.path, tt.body)
			doc.WantError(t, tt.op, a, tt.status, tt.code, tt.field)
		})
	}

	db := pgtest.Open(t, r.dsn, 2)
	if got := pgtest.Count(t, db, "SELECT count(*) FROM incident_reports"); got != 0 {
		t.Fatalf("got %d reports stored by bad requests, want 0", got)
	}
	if got := pgtest.Count(t, db, "SELECT count(*) FROM outbox"); got != 0 {
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

	first := r.Do(t, http.MethodPost, path, "")
	if first.Status != http.StatusCreated {
		t.Fatalf("first claim request: got status %d (%s), want 201", first.Status, first.Body)
	}
	second := r.Do(t, http.MethodPost, path, "")
	if second.Status != http.StatusOK {
		t.Fatalf("second claim request: got status %d (%s), want 200", second.Status, second.Body)
	}
	got := r.Do(t, http.MethodGet, "/v1/reports/"+rep.ID, "")
	if got.Status != http.StatusOK {
		t.Fatalf("GET report: got status %d, want 200", got.Status)
	}
	requestedAt := func(b []byte) string {
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		s, _ := m["claim_requested_at"].(string)
		return s
	}
	at := requestedAt(first.Body)
	if at == "" {
		t.Fatalf("got no claim_requested_at in %s, want the time of the request", first.Body)
	}
	if again := requestedAt(second.Body); again != at {
		t.Fatalf("second claim request: got claim_requested_at %q, want the first one %q", again, at)
	}
	if stored := requestedAt(got.Body); stored != at {
		t.Fatalf("GET report: got claim_requested_at %q, want the one first answered %q", stored, at)
	}
	require.JSONEq(t, string(first.Body), string(second.Body), "both answers describe the same report")

	// The claim goes to adjudication once its checklist is complete: a
	// handler saw every original at the counter.
	db := pgtest.Open(t, r.dsn, 2)
	if n := pgtest.Count(t, db, "SELECT count(*) FROM outbox WHERE event_type = ?", events.ClaimRequested.Name); n != 0 {
		t.Fatalf("got %d claim-requested events for an incomplete claim, want 0", n)
	}
	r.satisfyAll(t, rep.ID)
	if n := pgtest.Count(t, db, "SELECT count(*) FROM outbox WHERE event_type = ?", events.ClaimRequested.Name); n != 1 {
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
		n, err := outboxpg.Pending(context.Background(), db)
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
	doc := r.Spec(t)
	rep, created := r.createReport(t, "P-2026-000777")

	doc.WantError(t, "POST /v1/reports", r.Do(t, http.MethodPost, "/v1/reports", `{"policy_number":`), 400, "invalid_argument", "")
	doc.WantError(t, "POST /v1/reports", r.Do(t, http.MethodPost, "/v1/reports", `{"insured_name":"x"}`), 400, "invalid_argument", "policy_number")
	doc.WantError(t, "POST /v1/reports/{id}/claim-request", r.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"x/claim-request", ""), 404, "not_found", "")

	a := r.Do(t, http.MethodGet, "/v1/reports/"+rep.ID, "")
	if a.Status != http.StatusOK {
		t.Fatalf("GET the good report: got status %d (%s), want 200", a.Status, a.Body)
	}
	require.JSONEq(t, string(created), string(a.Body), "the report read back equals the one created")

	if a := r.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/claim-request", ""); a.Status != http.StatusCreated {
		t.Fatalf("claim request on the good report: got status %d (%s), want 201", a.Status, a.Body)
	}
	db := pgtest.Open(t, r.dsn, 2)
	if n := pgtest.Count(t, db, "SELECT count(*) FROM incident_reports"); n != 1 {
		t.Fatalf("got %d reports stored, want 1", n)
	}
	if n := pgtest.Count(t, db, "SELECT count(*) FROM outbox WHERE event_type = ?", events.IncidentReported.Name); n != 1 {
		t.Fatalf("got %d incident-reported events, want 1", n)
	}
}

// Attack (issue 17): an intake without document data keys would store ID
// cards in clear; it refuses to start instead.
func TestStartRefusesWithoutDataKeys(t *testing.T) {
	t.Parallel()
	cfg := service.Config{Common: servicekit.Common{Auth: apitest.Keys(t).Config(), HTTPAddr: "127.0.0.1:0", DatabaseDSN: "postgres://nowhere",
		Kafka: kafkabus.Cluster{Brokers: []string{"127.0.0.1:1"}}}, StorageDir: t.TempDir()}
	if _, err := service.Start(t.Context(), cfg, nil); err == nil || !strings.Contains(err.Error(), "INTAKE_DATA_KEYS") {
		t.Errorf("got %v, want a refusal naming INTAKE_DATA_KEYS", err)
	}
}

// Attack (the review of issue 19): an intake without fingerprint keys
// would send the accounts of bank cards and payees under a fingerprint
// anyone can compute from the last four digits and the bank; it refuses
// to start instead.
func TestStartRefusesWithoutFingerprintKeys(t *testing.T) {
	t.Parallel()
	cfg := service.Config{Common: servicekit.Common{Auth: apitest.Keys(t).Config(), HTTPAddr: "127.0.0.1:0", DatabaseDSN: "postgres://nowhere",
		Kafka: kafkabus.Cluster{Brokers: []string{"127.0.0.1:1"}}}, StorageDir: t.TempDir(),
		DataKeys: []sealed.Key{{ID: "test", Secret: bytes.Repeat([]byte{4}, sealed.KeyBytes)}}}
	if _, err := service.Start(t.Context(), cfg, nil); err == nil || !strings.Contains(err.Error(), "INTAKE_FINGERPRINT_KEYS") {
		t.Errorf("got %v, want a refusal naming INTAKE_FINGERPRINT_KEYS", err)
	}
}

// calendarKeys trusts a fresh adjudication key for calendar versions
// (INTAKE_TRUSTED_CALENDAR_KEYS).
func calendarKeys(t *testing.T) *signing.Verifier {
	t.Helper()
	s, err := signing.Generate("test-adjudication")
	if err != nil {
		t.Fatal(err)
	}
	v, err := signing.ParseTrusted("adjudication", s.Public())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Attack (red team, session 12): an intake that trusted no calendar key
// could apply no calendar version, and one trusting its own claim request
// key would let whoever holds that key publish calendars as adjudication;
// it refuses to start either way.
func TestStartRefusesWithoutCalendarKeysOrWithItsOwn(t *testing.T) {
	t.Parallel()
	own, err := signing.ParseTrusted("adjudication", eventstest.IntakeSigner(t).Public())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		keys *signing.Verifier
		want string
	}{
		{"none", nil, "no calendar keys (INTAKE_TRUSTED_CALENDAR_KEYS)"},
		{"intake's own", own, "holds intake's own signing key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := service.Config{Common: servicekit.Common{Auth: apitest.Keys(t).Config(), HTTPAddr: "127.0.0.1:0", DatabaseDSN: "postgres://nowhere",
				Kafka: kafkabus.Cluster{Brokers: []string{"127.0.0.1:1"}}}, StorageDir: t.TempDir(),
				DataKeys: []sealed.Key{{ID: "test", Secret: bytes.Repeat([]byte{4}, sealed.KeyBytes)}}, Fingerprints: eventstest.Fingerprints(),
				Requests: eventstest.IntakeSigner(t), TrustedCalendar: tc.keys}
			if _, err := service.Start(t.Context(), cfg, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want a refusal saying %q", err, tc.want)
			}
		})
	}
}

// Attack (the review of issue 19): an intake without its key would hand
// adjudication claim requests it cannot tell from a forgery written to the
// topic; it refuses to start instead.
func TestStartRefusesWithoutARequestKey(t *testing.T) {
	t.Parallel()
	cfg := service.Config{Common: servicekit.Common{Auth: apitest.Keys(t).Config(), HTTPAddr: "127.0.0.1:0", DatabaseDSN: "postgres://nowhere",
		Kafka: kafkabus.Cluster{Brokers: []string{"127.0.0.1:1"}}}, StorageDir: t.TempDir(),
		DataKeys: []sealed.Key{{ID: "test", Secret: bytes.Repeat([]byte{4}, sealed.KeyBytes)}}, Fingerprints: eventstest.Fingerprints()}
	if _, err := service.Start(t.Context(), cfg, nil); err == nil || !strings.Contains(err.Error(), "INTAKE_SIGNING_KEY") {
		t.Errorf("got %v, want a refusal naming INTAKE_SIGNING_KEY", err)
	}
}

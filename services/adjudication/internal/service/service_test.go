package service_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/ports"
	"claims.local/adjudication/internal/service"
	"claims.local/pkg/auth"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking/trackinghttp"
)

// running is one adjudication started in-process on its own database and topics.
type running struct {
	*apitest.Client
	keys    []auth.Key
	svc     *service.Adjudication
	dsn     string
	prefix  string
	brokers []string
}

// start starts adjudication and stops it, waiting for Run to return, at cleanup.
func start(t *testing.T) *running {
	t.Helper()
	dsn := pgtest.NewDatabase(t)
	brokers, prefix := kafkatest.Brokers(t), kafkatest.Prefix(t)
	keys := apitest.Keys(t)
	cfg := service.Config{AuthKeys: keys, HTTPAddr: "127.0.0.1:0", DatabaseDSN: dsn, KafkaBrokers: brokers, TopicPrefix: prefix}
	svc, c := apitest.Start(t, "adjudication", service.Start, cfg)
	return &running{Client: c.As(t, keys, apitest.Everyone()), keys: keys, svc: svc, dsn: dsn, prefix: prefix, brokers: brokers}
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
	r.WantRoutesDocumented(t, r.svc.Routes(), 3)
}

func TestEveryRouteChecksTheTokenAndTheRole(t *testing.T) {
	t.Parallel()
	r := start(t)
	r.WantPermissions(t, r.keys, r.svc.Routes(), ports.Permissions().Merge(trackinghttp.Permissions()))
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	start(t).WantHealthy(t, `{"ready":true,"checks":{"database":"ok","kafka":"ok"}}`)
}

func TestBadInputAnswersWithTheDocumentedError(t *testing.T) {
	t.Parallel()
	r := start(t)
	doc := r.Spec(t)
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
		{"letter for an unknown claim", "POST", "/v1/cases/no-such-claim/rejection-letter", "POST /v1/cases/{claimId}/rejection-letter",
			`{"channel":"post","sent_by":"h1"}`, 404, "not_found", ""},
		{"letter without a body", "POST", "/v1/cases/no-such-claim/rejection-letter", "POST /v1/cases/{claimId}/rejection-letter",
			``, 400, "invalid_argument", ""},
		{"deadlines in an unknown state", "GET", "/v1/deadlines?state=open,late", "GET /v1/deadlines", "", 400, "invalid_argument", "state"},
		{"deadlines at an unknown risk", "GET", "/v1/deadlines?risk=red", "GET /v1/deadlines", "", 400, "invalid_argument", "risk"},
		{"deadlines of an unknown rule", "GET", "/v1/deadlines?rule=decide", "GET /v1/deadlines", "", 400, "invalid_argument", "rule"},
		{"deadlines limit too large", "GET", "/v1/deadlines?limit=1001", "GET /v1/deadlines", "", 400, "invalid_argument", "limit"},
		{"deadlines due_from not a time", "GET", "/v1/deadlines?due_from=tomorrow", "GET /v1/deadlines", "", 400, "invalid_argument", "due_from"},
		{"deadlines due_to before due_from", "GET", "/v1/deadlines?due_from=2026-10-13T00:00:00Z&due_to=2026-10-12T00:00:00Z",
			"GET /v1/deadlines", "", 400, "invalid_argument", "due_to"},
		{"deadlines with a forged page token", "GET", "/v1/deadlines?page_token=bm9wZQ", "GET /v1/deadlines", "", 400, "invalid_argument", "page_token"},
		{"unknown deadline", "GET", "/v1/deadlines/nope", "GET /v1/deadlines/{id}", "", 404, "not_found", ""},
		{"report without from", "GET", "/v1/compliance-report?to=2026-12-31", "GET /v1/compliance-report", "", 400, "invalid_argument", "from"},
		{"report with a bad date", "GET", "/v1/compliance-report?from=2026-02-30&to=2026-12-31", "GET /v1/compliance-report", "", 400, "invalid_argument", "from"},
		{"report ending before it starts", "GET", "/v1/compliance-report?from=2026-12-31&to=2026-01-01", "GET /v1/compliance-report", "", 400, "invalid_argument", "to"},
		{"report over too long a period", "GET", "/v1/compliance-report?from=2020-01-01&to=2026-12-31", "GET /v1/compliance-report", "", 400, "invalid_argument", "to"},
		{"report in an unknown format", "GET", "/v1/compliance-report?from=2026-01-01&to=2026-12-31&format=xlsx", "GET /v1/compliance-report", "", 400, "invalid_argument", "format"},
		{"calendar without reason", "POST", "/v1/calendar/versions", "POST /v1/calendar/versions",
			`{"calendar":{"years":{"2027":{"days":[]}}}}`, 400, "invalid_argument", "reason"},
		{"calendar naming its own submitter", "POST", "/v1/calendar/versions", "POST /v1/calendar/versions",
			`{"calendar":{"years":{"2027":{"days":[]}}},"reason":"notice","submitted_by":"someone else"}`, 400, "invalid_argument", "submitted_by"},
		{"calendar with a day listed twice", "POST", "/v1/calendar/versions", "POST /v1/calendar/versions",
			`{"calendar":{"years":{"2027":{"days":[{"date":"2027-01-01","offDay":true},{"date":"2027-01-01","offDay":true}]}}},"reason":"notice"}`,
			400, "invalid_argument", "calendar"},
		{"calendar that is not an object", "POST", "/v1/calendar/versions", "POST /v1/calendar/versions",
			`{"calendar":"2027","reason":"notice"}`, 400, "invalid_argument", "calendar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc.WantError(t, tt.op, r.Do(t, tt.method, tt.path, tt.body), tt.status, tt.code, tt.field)
		})
	}

	// An empty list is an empty array, not null.
	a := r.Do(t, http.MethodGet, "/v1/cases?limit=500", "")
	if a.Status != http.StatusOK {
		t.Fatalf("GET /v1/cases?limit=500: got status %d (%s), want 200", a.Status, a.Body)
	}
	require.JSONEq(t, `{"cases":[]}`, string(a.Body))
}

func TestClaimRequestOpensACaseThatIsDecidedOnce(t *testing.T) {
	t.Parallel()
	r := start(t)
	doc := r.Spec(t)
	db := pgtest.Open(t, r.dsn, 2)
	topics := events.Topics{Prefix: r.prefix}
	claimID := uuid.NewString()
	received := time.Date(2026, 9, 30, 8, 20, 0, 123456000, time.UTC)

	// Two messages no consumer can apply, then a good one; each redelivered.
	nullData := `{"specversion":"1.0","id":"` + uuid.NewString() + `","type":"claims.intake.claim-requested","source":"intake",` +
		`"subject":"x","claimid":"x","schemaversion":1,"data":null}`
	good := claimRequested(t, topics, claimID, received)
	apitest.Publish(t, r.brokers,
		outbox.Message{Topic: topics.Intake(), Key: "garbage", EventID: "garbage", Type: "?", Value: []byte("{not json")},
		outbox.Message{Topic: topics.Intake(), Key: "x", EventID: "null-data", Type: events.ClaimRequested.Name, Value: []byte(nullData)},
		good, good)

	var opened apitest.Answer
	apitest.Eventually(t, 45*time.Second, "case opened from the claim request", func() bool {
		opened = r.Do(t, http.MethodGet, "/v1/cases/"+claimID, "")
		return opened.Status == http.StatusOK
	})
	var c struct {
		ClaimID         string          `json:"claim_id"`
		ReportID        string          `json:"report_id"`
		State           string          `json:"state"`
		FirstReceivedAt time.Time       `json:"first_received_at"`
		Decision        json.RawMessage `json:"decision"`
	}
	require.NoError(t, json.Unmarshal(opened.Body, &c))
	if c.ClaimID != claimID || c.ReportID != "report-"+claimID || c.State != "received" || !c.FirstReceivedAt.Equal(received) || string(c.Decision) != "null" {
		t.Fatalf("got case %s, want claim %s received at %v without decision", opened.Body, claimID, received)
	}
	// Counted by key: a publish retried after a partial failure may have
	// sent a message twice, which is parked twice.
	apitest.Eventually(t, 20*time.Second, "both unusable messages parked", func() bool {
		return pgtest.Count(t, db, "SELECT count(DISTINCT msg_key) FROM dead_letters") == 2
	})
	if n := pgtest.Count(t, db, "SELECT count(*) FROM cases"); n != 1 {
		t.Fatalf("got %d cases, want 1 (the redelivered request and the unusable messages open none)", n)
	}

	// A bad decision is refused, a good one is recorded once.
	path := "/v1/cases/" + claimID + "/decision"
	op := "POST /v1/cases/{claimId}/decision"
	doc.WantError(t, op, r.Do(t, http.MethodPost, path, `{"outcome":"approve","decided_by":"handler-1"}`), 400, "invalid_argument", "amount_fen")
	doc.WantError(t, op, r.Do(t, http.MethodPost, path, `{"outcome":"reject","decided_by":"handler-1"}`), 400, "invalid_argument", "reason")
	decided := r.Do(t, http.MethodPost, path, `{"outcome":"approve","amount_fen":123456,"decided_by":"handler-1"}`)
	if decided.Status != http.StatusOK {
		t.Fatalf("decision: got status %d (%s), want 200", decided.Status, decided.Body)
	}
	doc.WantError(t, op, r.Do(t, http.MethodPost, path, `{"outcome":"reject","reason":"late","decided_by":"handler-2"}`), 409, "conflict", "")

	got := r.Do(t, http.MethodGet, "/v1/cases/"+claimID, "")
	require.JSONEq(t, string(decided.Body), string(got.Body), "the case read back equals the decision's answer")
	list := r.Do(t, http.MethodGet, "/v1/cases?state=approved&limit=10", "")
	require.JSONEq(t, `{"cases":[`+string(decided.Body)+`]}`, string(list.Body), "approved cases")
	if n := pgtest.Count(t, db, "SELECT count(*) FROM outbox WHERE event_type = ?", events.ClaimDecided.Name); n != 1 {
		t.Fatalf("got %d claim-decided events, want 1", n)
	}
}

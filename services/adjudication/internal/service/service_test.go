package service_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/adapters/letter"
	"claims.local/adjudication/internal/domain"
	"claims.local/adjudication/internal/ports"
	"claims.local/adjudication/internal/service"
	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/servicekit"
	"claims.local/pkg/tracking/trackinghttp"
)

// running is one adjudication started in-process on its own database and topics.
type running struct {
	*apitest.Client
	keys    *apitest.TestKeys
	svc     *service.Adjudication
	dsn     string
	prefix  string
	brokers kafkabus.Cluster
}

// start starts adjudication, configured further by each of with, and stops
// it, waiting for Run to return, at cleanup.
func start(t *testing.T, with ...func(*service.Config)) *running {
	t.Helper()
	dsn := pgtest.NewDatabase(t)
	brokers, prefix := kafkatest.Cluster(t), kafkatest.Prefix(t)
	keys := apitest.Keys(t)
	cfg := service.Config{Common: servicekit.Common{Auth: keys.Config(), HTTPAddr: "127.0.0.1:0", DatabaseDSN: dsn.DSN, MigrationDSN: dsn.OwnerDSN, Kafka: brokers, TopicPrefix: prefix},
		AuthorityLimits: map[string]int64{"handler": 5_000_000, "senior_handler": domain.Unlimited},
		Issuer: domain.LetterIssuer{CompanyName: "示例人寿保险股份有限公司", CompanyAddress: "北京市西城区金融大街1号",
			ServicePhone: "400-000-0000", ReviewProcedure: "如有异议，可自收到本通知书之日起六十日内申请复核。"},
		LetterFonts: letter.DefaultFonts(), Instructions: instructionKey(t), Payees: eventstest.PayeeSealer(t), Fingerprints: eventstest.Fingerprints(),
		TrustedRequests: eventstest.IntakeVerifier(t)}
	for _, w := range with {
		w(&cfg)
	}
	svc, c := apitest.Start(t, "adjudication", service.Start, cfg)
	return &running{Client: c.As(t, keys, apitest.Everyone()), keys: keys, svc: svc, dsn: dsn.DSN, prefix: prefix, brokers: brokers}
}

// instructionKey is adjudication's key signing payment instructions in
// the tests.
func instructionKey(t *testing.T) *signing.Signer {
	t.Helper()
	s, err := signing.NewSigner("test-adjudication", bytes.Repeat([]byte{9}, 32))
	require.NoError(t, err)
	return s
}

func claimRequested(t *testing.T, topics events.Topics, claimID string, firstReceivedAt time.Time) outbox.Message {
	t.Helper()
	e, err := events.New(events.ClaimRequested, "intake", claimID, firstReceivedAt, events.ClaimRequestedData{
		ClaimID: claimID, ReportID: "report-" + claimID, PolicyNumber: "P-2026-000123", InsuredName: "张三",
		IncidentType: "medical", IncidentTime: firstReceivedAt.Add(-48 * time.Hour), FirstReceivedAt: firstReceivedAt,
	})
	require.NoError(t, err)
	v, err := json.Marshal(eventstest.SignRequest(t, e))
	require.NoError(t, err)
	return outbox.Message{Topic: topics.Intake(), Key: claimID, EventID: e.ID, Type: e.Type, Value: v}
}

func TestOpenAPIDocumentMatchesRoutes(t *testing.T) {
	t.Parallel()
	r := start(t)
	r.WantRoutesDocumented(t, r.svc.Routes(), len(ports.Permissions()))
}

func TestEveryRouteChecksTheTokenAndTheRole(t *testing.T) {
	t.Parallel()
	r := start(t)
	r.WantPermissions(t, r.keys, r.svc.Routes(), ports.Permissions().Merge(trackinghttp.Permissions(), servicekit.DeadLetterPermissions()))
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	start(t).WantHealthy(t, `{"ready":true,"checks":{"database":"ok"}}`)
}

func TestBadInputAnswersWithTheDocumentedError(t *testing.T) {
	t.Parallel()
	r := start(t)
	doc := r.Spec(t)
	const approve = `{"outcome":"approve","lines":[{"benefit":"medical_expense","claimed_fen":123456,"approved_fen":123456}]}`
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
		{"decision naming its own decider", "POST", "/v1/cases/no-such-claim/decision", "POST /v1/cases/{claimId}/decision",
			`{"outcome":"approve","decided_by":"someone"}`, 400, "invalid_argument", "decided_by"},
		{"decision with a text amount", "POST", "/v1/cases/no-such-claim/decision", "POST /v1/cases/{claimId}/decision",
			`{"outcome":"approve","lines":[{"benefit":"a","claimed_fen":"1","approved_fen":1}]}`, 400, "invalid_argument", "lines.claimed_fen"},
		{"decision body too large", "POST", "/v1/cases/no-such-claim/decision", "POST /v1/cases/{claimId}/decision",
			`{"outcome":"approve","reason":"` + strings.Repeat("x", 2<<20) + `"}`, 413, "payload_too_large", ""},
		{"unknown case", "GET", "/v1/cases/no-such-claim", "GET /v1/cases/{claimId}", "", 404, "not_found", ""},
		{"limit zero", "GET", "/v1/cases?limit=0", "GET /v1/cases", "", 400, "invalid_argument", "limit"},
		{"limit not a number", "GET", "/v1/cases?limit=ten", "GET /v1/cases", "", 400, "invalid_argument", "limit"},
		{"limit too large", "GET", "/v1/cases?limit=501", "GET /v1/cases", "", 400, "invalid_argument", "limit"},
		{"negative limit", "GET", "/v1/cases?limit=-1", "GET /v1/cases", "", 400, "invalid_argument", "limit"},
		{"method not allowed", "PUT", "/v1/cases/x/decision", "", approve, 405, "method_not_allowed", ""},
		{"letter for an unknown claim", "POST", "/v1/cases/no-such-claim/rejection-letter", "POST /v1/cases/{claimId}/rejection-letter",
			`{"channel":"post"}`, 404, "not_found", ""},
		{"letter naming its own sender", "POST", "/v1/cases/no-such-claim/rejection-letter", "POST /v1/cases/{claimId}/rejection-letter",
			`{"channel":"post","sent_by":"h1"}`, 400, "invalid_argument", "sent_by"},
		{"download of an unknown letter", "GET", "/v1/cases/no-such-claim/rejection-letter", "GET /v1/cases/{claimId}/rejection-letter",
			"", 404, "not_found", ""},
		{"cases in an unknown state", "GET", "/v1/cases?state=done", "GET /v1/cases", "", 400, "invalid_argument", "state"},
		{"queue in an unknown state", "GET", "/v1/queue?state=received,done", "GET /v1/queue", "", 400, "invalid_argument", "state"},
		{"queue at an unknown risk", "GET", "/v1/queue?risk=red", "GET /v1/queue", "", 400, "invalid_argument", "risk"},
		{"queue unassigned and assigned", "GET", "/v1/queue?unassigned=true&assignee=h1", "GET /v1/queue", "", 400, "invalid_argument", "unassigned"},
		{"queue with a negative offset", "GET", "/v1/queue?offset=-1", "GET /v1/queue", "", 400, "invalid_argument", "offset"},
		{"timeline of an unknown claim", "GET", "/v1/cases/no-such-claim/timeline", "GET /v1/cases/{claimId}/timeline", "", 404, "not_found", ""},
		{"checks of an unknown claim", "GET", "/v1/cases/no-such-claim/checks", "GET /v1/cases/{claimId}/checks", "", 404, "not_found", ""},
		{"override of an unknown check", "POST", "/v1/cases/no-such-claim/checks/luck/override", "POST /v1/cases/{claimId}/checks/{check}/override",
			`{"reason":"x"}`, 404, "not_found", ""},
		{"complex of an unknown claim", "POST", "/v1/cases/no-such-claim/complex", "POST /v1/cases/{claimId}/complex",
			`{"reason":"x"}`, 404, "not_found", ""},
		{"review with a body that is not an object", "POST", "/v1/cases/no-such-claim/review", "POST /v1/cases/{claimId}/review",
			`[]`, 400, "invalid_argument", ""},
		{"agreement with an unknown field", "POST", "/v1/cases/no-such-claim/agreement", "POST /v1/cases/{claimId}/agreement",
			`{"agreed_by":"李四","amount_fen":1}`, 400, "invalid_argument", "amount_fen"},
		{"approval of an unknown claim", "POST", "/v1/cases/no-such-claim/decision/approval", "POST /v1/cases/{claimId}/decision/approval",
			`{"verdict":"approve"}`, 404, "not_found", ""},
		{"documents received in bad time", "POST", "/v1/cases/no-such-claim/documents-received", "POST /v1/cases/{claimId}/documents-received",
			`{"received_at":"yesterday"}`, 400, "invalid_argument", ""},
		{"unknown product", "GET", "/v1/products/NOPE", "GET /v1/products/{code}", "", 404, "not_found", ""},
		{"unknown policy", "GET", "/v1/policies/NOPE", "GET /v1/policies/{number}", "", 404, "not_found", ""},
		{"product without benefits", "PUT", "/v1/products/MED-1", "PUT /v1/products/{code}",
			`{"name":"医疗","notice_kind":"indemnity","benefits":[]}`, 400, "invalid_argument", "benefits"},
		{"product with a bad code", "PUT", "/v1/products/MED%201", "PUT /v1/products/{code}",
			`{"name":"医疗","notice_kind":"indemnity"}`, 400, "invalid_argument", "code"},
		{"policy of an unknown product", "PUT", "/v1/policies/P-9", "PUT /v1/policies/{number}",
			`{"product_code":"NOPE","policyholder_name":"张三","insured_name":"张三","effective_from":"2026-01-01","effective_to":"2026-12-31","coverages":[]}`,
			422, "unprocessable", "product_code"},
		{"policy with a bad date", "PUT", "/v1/policies/P-9", "PUT /v1/policies/{number}",
			`{"product_code":"NOPE","effective_from":"2026-13-01"}`, 400, "invalid_argument", "effective_from"},
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
		{"report grouped by an unknown key", "GET", "/v1/compliance-report?from=2026-01-01&to=2026-12-31&group=handler", "GET /v1/compliance-report", "", 400, "invalid_argument", "group"},
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
	doc.WantError(t, op, r.Do(t, http.MethodPost, path, `{"outcome":"approve"}`), 400, "invalid_argument", "lines")
	doc.WantError(t, op, r.Do(t, http.MethodPost, path, `{"outcome":"reject"}`), 400, "invalid_argument", "reasons")
	doc.WantError(t, op, r.Do(t, http.MethodPost, path, `{"outcome":"reject","reasons":[{"code":"X","text":"late","clause":"clause 4"}]}`),
		400, "invalid_argument", "reasons[0].clause")
	decided := r.Do(t, http.MethodPost, path, approveBody(123456))
	if decided.Status != http.StatusOK {
		t.Fatalf("decision: got status %d (%s), want 200", decided.Status, decided.Body)
	}
	doc.WantError(t, op, r.Do(t, http.MethodPost, path, rejectBody), 409, "conflict", "")

	got := r.Do(t, http.MethodGet, "/v1/cases/"+claimID, "")
	require.JSONEq(t, string(decided.Body), string(got.Body), "the case read back equals the decision's answer")
	var answer struct {
		Decision struct {
			DecidedBy string `json:"decided_by"`
			AmountFen int64  `json:"amount_fen"`
		} `json:"decision"`
	}
	require.NoError(t, json.Unmarshal(decided.Body, &answer))
	if answer.Decision.DecidedBy != apitest.Everyone().Subject || answer.Decision.AmountFen != 123456 {
		t.Fatalf("got decision %+v, want 123456 fen decided by the signed-in %s", answer.Decision, apitest.Everyone().Subject)
	}
	list := r.Do(t, http.MethodGet, "/v1/cases?state=approved&limit=10", "")
	require.JSONEq(t, `{"cases":[`+string(decided.Body)+`]}`, string(list.Body), "approved cases")
	if n := pgtest.Count(t, db, "SELECT count(*) FROM outbox WHERE event_type = ?", events.ClaimDecided.Name); n != 1 {
		t.Fatalf("got %d claim-decided events, want 1", n)
	}
}

// approveBody approves fen on the medical expense benefit, acknowledging
// the checks that cannot run when the policy is not imported.
func approveBody(fen int64) string {
	return fmt.Sprintf(`{"outcome":"approve","lines":[{"benefit":"medical_expense","claimed_fen":%d,"approved_fen":%d}],%s}`, fen, fen, ackUnknown)
}

const rejectBody = `{"outcome":"reject","reasons":[{"code":"WAITING_PERIOD","text":"等待期内发病，不属于保险责任。","clause":"《示例医疗保险条款》第四条"}],"note":"见条款"}`

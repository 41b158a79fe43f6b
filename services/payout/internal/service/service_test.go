package service_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"claims.local/payout/internal/ports"
	"claims.local/payout/internal/service"
	"claims.local/pkg/auth"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking/trackinghttp"
)

// running is one payout started in-process on its own database and topics.
type running struct {
	*apitest.Client
	keys    []auth.Key
	svc     *service.Payout
	dsn     string
	prefix  string
	brokers []string
}

// start starts payout and stops it, waiting for Run to return, at cleanup.
func start(t *testing.T) *running {
	t.Helper()
	dsn := pgtest.NewDatabase(t)
	brokers, prefix := kafkatest.Brokers(t), kafkatest.Prefix(t)
	keys := apitest.Keys(t)
	cfg := service.Config{AuthKeys: keys, HTTPAddr: "127.0.0.1:0", DatabaseDSN: dsn, KafkaBrokers: brokers, TopicPrefix: prefix,
		ExecuteInterval: 50 * time.Millisecond}
	svc, c := apitest.Start(t, "payout", service.Start, cfg)
	return &running{Client: c.As(t, keys, apitest.Everyone()), keys: keys, svc: svc, dsn: dsn, prefix: prefix, brokers: brokers}
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
	r.WantRoutesDocumented(t, r.svc.Routes(), 2)
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
			doc.WantError(t, tt.op, r.Do(t, tt.method, tt.path, ""), tt.status, tt.code, tt.field)
		})
	}
	a := r.Do(t, http.MethodGet, "/v1/obligations?claim_id=nothing&limit=500", "")
	if a.Status != http.StatusOK {
		t.Fatalf("GET /v1/obligations: got status %d (%s), want 200", a.Status, a.Body)
	}
	require.JSONEq(t, `{"obligations":[]}`, string(a.Body))
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
	db := pgtest.Open(t, r.dsn, 2)
	topics := events.Topics{Prefix: r.prefix}
	approved, rejected := uuid.NewString(), uuid.NewString()
	decision := claimDecided(t, topics, approved, events.OutcomeApproved, 123456)
	apitest.Publish(t, r.brokers, decision, claimDecided(t, topics, rejected, events.OutcomeRejected, 0), decision)

	var list struct {
		Obligations []json.RawMessage `json:"obligations"`
	}
	var o obligation
	apitest.Eventually(t, 45*time.Second, "completed obligation for the approved claim", func() bool {
		a := r.Do(t, http.MethodGet, "/v1/obligations?claim_id="+approved, "")
		if a.Status != http.StatusOK {
			t.Fatalf("GET /v1/obligations: got status %d (%s), want 200", a.Status, a.Body)
		}
		require.NoError(t, json.Unmarshal(a.Body, &list))
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
	one := r.Do(t, http.MethodGet, "/v1/obligations/"+o.ID, "")
	if one.Status != http.StatusOK {
		t.Fatalf("GET /v1/obligations/%s: got status %d, want 200", o.ID, one.Status)
	}
	require.JSONEq(t, string(list.Obligations[0]), string(one.Body), "the obligation alone equals the one listed")

	apitest.Eventually(t, 20*time.Second, "both decisions received", func() bool {
		return pgtest.Count(t, db, "SELECT count(*) FROM inbox") == 2
	})
	if n := pgtest.Count(t, db, "SELECT count(*) FROM obligations"); n != 1 {
		t.Fatalf("got %d obligations, want 1 (none for the rejection or the redelivery)", n)
	}
	for _, typ := range []events.Type{events.PayoutScheduled, events.PayoutCompleted} {
		if n := pgtest.Count(t, db, "SELECT count(*) FROM outbox WHERE event_type = ?", typ.Name); n != 1 {
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

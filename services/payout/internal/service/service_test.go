package service_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/payout/internal/ports"
	"claims.local/payout/internal/service"
	"claims.local/pkg/auth"
	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/events/schemas"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/reveal/revealhttp"
	"claims.local/pkg/sealed"
	"claims.local/pkg/servicekit"
	"claims.local/pkg/tracking/trackinghttp"
)

// running is one payout started in-process on its own database and topics.
type running struct {
	*apitest.Client
	keys    *apitest.TestKeys
	svc     *service.Payout
	dsn     string
	prefix  string
	brokers kafkabus.Cluster
	topics  events.Topics
}

func dataKeys() []sealed.Key {
	return []sealed.Key{{ID: "test", Secret: bytes.Repeat([]byte{5}, sealed.KeyBytes)}}
}

// instructionKey is the test's stand-in for adjudication's key signing
// payment instructions; payout trusts its public key.
func instructionKey(t *testing.T) *signing.Signer {
	t.Helper()
	s, err := signing.NewSigner("test-adjudication", bytes.Repeat([]byte{9}, 32))
	require.NoError(t, err)
	return s
}

func config(t *testing.T, keys *apitest.TestKeys, dsn pgtest.Database, prefix string, brokers kafkabus.Cluster) service.Config {
	t.Helper()
	trusted, err := signing.ParseTrusted("adjudication", instructionKey(t).Public())
	require.NoError(t, err)
	return service.Config{TrustedInstructions: trusted, PayeeKeys: eventstest.PayeeOpener(t), Common: servicekit.Common{Auth: keys.Config(), HTTPAddr: "127.0.0.1:0", DatabaseDSN: dsn.DSN, MigrationDSN: dsn.OwnerDSN, Kafka: brokers,
		TopicPrefix: prefix, DeadlineSweep: 100 * time.Millisecond, RiskLeadWorkingDays: 1},
		DataKeys: dataKeys(), ExecuteInterval: 50 * time.Millisecond, BankLatency: 100 * time.Millisecond, Fingerprints: eventstest.Fingerprints()}
}

// start starts payout and stops it, waiting for Run to return, at cleanup.
func start(t *testing.T) *running {
	t.Helper()
	return startWith(t, nil)
}

// startWith is start with the configuration change (when set) makes.
func startWith(t *testing.T, change func(*service.Config)) *running {
	t.Helper()
	dsn := pgtest.NewDatabase(t)
	brokers, prefix := kafkatest.Cluster(t), kafkatest.Prefix(t)
	keys := apitest.Keys(t)
	cfg := config(t, keys, dsn, prefix, brokers)
	if change != nil {
		change(&cfg)
	}
	svc, c := apitest.Start(t, "payout", service.Start, cfg)
	return &running{Client: c.As(t, keys, apitest.Everyone()), keys: keys, svc: svc, dsn: dsn.DSN, prefix: prefix, brokers: brokers,
		topics: events.Topics{Prefix: prefix}}
}

// message is e signed as adjudication signs it, for its topic.
func message(t *testing.T, topics events.Topics, e events.Envelope) outbox.Message {
	t.Helper()
	e, err := instructionKey(t).Sign(eventstest.SealPayee(t, eventstest.PayeeSealer(t), e))
	require.NoError(t, err)
	v, err := json.Marshal(e)
	require.NoError(t, err)
	return outbox.Message{Topic: topics.Adjudication(), Key: e.ClaimID, EventID: e.ID, Type: e.Type, Value: v}
}

const account = "6222020200112233445"

func agreement(t *testing.T, topics events.Topics, claimID string, amountFen int64, change ...func(*events.AgreementReachedData)) outbox.Message {
	t.Helper()
	at := time.Now().UTC()
	d := events.AgreementReachedData{ClaimID: claimID, CaseID: "case-" + claimID, PolicyNumber: "P-2026-000123", AmountFen: amountFen,
		Currency: "CNY", Payee: events.Payee{Name: "李四", Role: "beneficiary", BankName: "中国工商银行", AccountNumber: account},
		Channel: "signed_form", RecordedBy: "handler-1", AgreedAt: at}
	for _, c := range change {
		c(&d)
	}
	e, err := events.New(events.AgreementReached, "adjudication", claimID, at, d)
	require.NoError(t, err)
	return message(t, topics, e)
}

func decision(t *testing.T, topics events.Topics, claimID string, amountFen int64) outbox.Message {
	t.Helper()
	at := time.Now().UTC()
	e, err := events.New(events.ClaimDecided, "adjudication", claimID, at, events.ClaimDecidedData{ClaimID: claimID, CaseID: "case-" + claimID,
		Outcome: events.OutcomeApproved, AmountFen: amountFen, Currency: "CNY", DecidedBy: "handler-1", DecidedAt: at})
	require.NoError(t, err)
	return message(t, topics, e)
}

func TestOpenAPIDocumentMatchesRoutes(t *testing.T) {
	t.Parallel()
	r := start(t)
	r.WantRoutesDocumented(t, r.svc.Routes(), 9)
}

func TestEveryRouteChecksTheTokenAndTheRole(t *testing.T) {
	t.Parallel()
	r := start(t)
	r.WantPermissions(t, r.keys, r.svc.Routes(), ports.Permissions().Merge(trackinghttp.Permissions(), revealhttp.Permissions(), servicekit.DeadLetterPermissions()))
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	start(t).WantHealthy(t, `{"ready":true,"checks":{"database":"ok"}}`)
}

// Attack (the review of issue 19): a payout without fingerprint keys could
// only take the payees' fingerprints on trust, or compare them under the
// unkeyed scheme anyone computes; it refuses to start instead.
func TestStartRefusesWithoutFingerprintKeys(t *testing.T) {
	t.Parallel()
	cfg := config(t, apitest.Keys(t), pgtest.Database{DSN: "postgres://nowhere"}, "p", kafkabus.Cluster{Brokers: []string{"127.0.0.1:1"}})
	cfg.Fingerprints = nil
	if _, err := service.Start(t.Context(), cfg, nil); err == nil || !strings.Contains(err.Error(), "PAYOUT_FINGERPRINT_KEYS") {
		t.Errorf("got %v, want a refusal naming PAYOUT_FINGERPRINT_KEYS", err)
	}
}

func TestStartRefusesBadDataKeys(t *testing.T) {
	t.Parallel()
	cfg := config(t, apitest.Keys(t), pgtest.Database{DSN: "postgres://nowhere"}, "p", kafkabus.Cluster{Brokers: []string{"127.0.0.1:1"}})
	for name, keys := range map[string][]sealed.Key{
		"none":  nil,
		"short": {{ID: "k", Secret: []byte("short")}},
	} {
		cfg.DataKeys = keys
		if _, err := service.Start(t.Context(), cfg, nil); err == nil || !strings.Contains(err.Error(), "PAYOUT_DATA_KEYS") {
			t.Errorf("%s: got %v, want a refusal naming PAYOUT_DATA_KEYS", name, err)
		}
	}
}

// Attack (issue 15): a payout trusting no key of adjudication would park
// every payment instruction; it refuses to start instead.
func TestStartRefusesWithoutTrustedInstructionKeys(t *testing.T) {
	t.Parallel()
	cfg := config(t, apitest.Keys(t), pgtest.Database{DSN: "postgres://nowhere"}, "p", kafkabus.Cluster{Brokers: []string{"127.0.0.1:1"}})
	cfg.TrustedInstructions = nil
	if _, err := service.Start(t.Context(), cfg, nil); err == nil || !strings.Contains(err.Error(), "PAYOUT_TRUSTED_INSTRUCTION_KEYS") {
		t.Errorf("got %v, want a refusal naming PAYOUT_TRUSTED_INSTRUCTION_KEYS", err)
	}
}

// Attack (issue 17): a payout that cannot open the sealed payees would park
// every payment instruction; it refuses to start instead.
func TestStartRefusesWithoutPayeeKeys(t *testing.T) {
	t.Parallel()
	cfg := config(t, apitest.Keys(t), pgtest.Database{DSN: "postgres://nowhere"}, "p", kafkabus.Cluster{Brokers: []string{"127.0.0.1:1"}})
	cfg.PayeeKeys = nil
	if _, err := service.Start(t.Context(), cfg, nil); err == nil || !strings.Contains(err.Error(), "PAYOUT_PAYEE_OPEN_KEYS") {
		t.Errorf("got %v, want a refusal naming PAYOUT_PAYEE_OPEN_KEYS", err)
	}
}

func TestBadInputAnswersWithTheDocumentedError(t *testing.T) {
	t.Parallel()
	r := start(t)
	doc := r.Spec(t)
	tests := []struct {
		name         string
		method, path string
		body         string
		op           string
		status       int
		code, field  string
	}{
		{"unknown obligation", "GET", "/v1/obligations/no-such-obligation", "", "GET /v1/obligations/{id}", 404, "not_found", ""},
		{"limit zero", "GET", "/v1/obligations?limit=0", "", "GET /v1/obligations", 400, "invalid_argument", "limit"},
		{"limit not a number", "GET", "/v1/obligations?limit=1e2", "", "GET /v1/obligations", 400, "invalid_argument", "limit"},
		{"limit too large", "GET", "/v1/obligations?limit=501", "", "GET /v1/obligations", 400, "invalid_argument", "limit"},
		{"payee of an unknown obligation", "PUT", "/v1/obligations/nope/payee",
			`{"name":"李四","role":"beneficiary","bank_name":"中国银行","account_number":"6216600000008866"}`,
			"PUT /v1/obligations/{id}/payee", 404, "not_found", ""},
		{"payee not JSON", "PUT", "/v1/obligations/nope/payee", `{"name":`, "PUT /v1/obligations/{id}/payee", 400, "invalid_argument", ""},
		{"payee with an unknown field", "PUT", "/v1/obligations/nope/payee", `{"iban":"x"}`, "PUT /v1/obligations/{id}/payee", 400, "invalid_argument", "iban"},
		{"reversal of an unknown obligation", "POST", "/v1/obligations/nope/reversal", `{"reason":"退汇"}`,
			"POST /v1/obligations/{id}/reversal", 404, "not_found", ""},
		{"reversal in the future", "POST", "/v1/obligations/nope/reversal", `{"reason":"退汇","returned_at":"2999-01-01T00:00:00Z"}`,
			"POST /v1/obligations/{id}/reversal", 400, "invalid_argument", "returned_at"},
		{"reversal time not a time", "POST", "/v1/obligations/nope/reversal", `{"reason":"退汇","returned_at":"tomorrow"}`,
			"POST /v1/obligations/{id}/reversal", 400, "invalid_argument", ""},
		{"reconciliation without dates", "GET", "/v1/reconciliation", "", "GET /v1/reconciliation", 400, "invalid_argument", "from"},
		{"reconciliation to before from", "GET", "/v1/reconciliation?from=2026-10-02&to=2026-10-01", "", "GET /v1/reconciliation", 400, "invalid_argument", "to"},
		{"reconciliation over a year", "GET", "/v1/reconciliation?from=2025-01-01&to=2026-10-01", "", "GET /v1/reconciliation", 400, "invalid_argument", "to"},
		{"reconciliation as XML", "GET", "/v1/reconciliation?from=2026-10-01&to=2026-10-01&format=xml", "", "GET /v1/reconciliation", 400, "invalid_argument", "format"},
		{"notifications limit", "GET", "/v1/notifications?limit=x", "", "GET /v1/notifications", 400, "invalid_argument", "limit"},
		{"obligations from a negative offset", "GET", "/v1/obligations?offset=-1", "", "GET /v1/obligations", 400, "invalid_argument", "offset"},
		{"obligations paid from a date without an end", "GET", "/v1/obligations?from=2026-10-01", "", "GET /v1/obligations", 400, "invalid_argument", "to"},
		{"obligations in an unknown state", "GET", "/v1/obligations?state=paid", "", "GET /v1/obligations", 400, "invalid_argument", "state"},
		{"confirmation of an unknown obligation", "POST", "/v1/obligations/nope/payee/confirmation", `{"decision":"confirm"}`,
			"POST /v1/obligations/{id}/payee/confirmation", 404, "not_found", ""},
		{"confirmation without a decision", "POST", "/v1/obligations/nope/payee/confirmation", `{"decision":"maybe"}`,
			"POST /v1/obligations/{id}/payee/confirmation", 400, "invalid_argument", "decision"},
		{"payee changes of an unknown obligation", "GET", "/v1/obligations/nope/payee/changes", "", "GET /v1/obligations/{id}/payee/changes", 404, "not_found", ""},
		{"three-way without a date", "GET", "/v1/reconciliation/three-way", "", "GET /v1/reconciliation/three-way", 400, "invalid_argument", "date"},
		{"method not allowed", "POST", "/v1/obligations", "", "", 405, "method_not_allowed", ""},
		{"unknown path", "GET", "/v1/payments", "", "", 404, "not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc.WantError(t, tt.op, r.Do(t, tt.method, tt.path, tt.body), tt.status, tt.code, tt.field)
		})
	}
	for path, want := range map[string]string{
		"/v1/obligations?claim_id=nothing&limit=500": `{"obligations":[],"limit":500,"offset":0,"total":{"count":0,"amount_fen":0}}`,
		"/v1/notifications?claim_id=nothing":         `{"notifications":[]}`,
		"/v1/reconciliation/three-way?date=2026-10-01": `{"date":"2026-10-01","time_zone":"Asia/Shanghai","currency":"CNY","unmatched":0,"lines":[],` +
			`"authorisations_checked":false,"authorisations_unavailable":"adjudication's address is not configured (PAYOUT_ADJUDICATION_URL)"}`,
		"/v1/reconciliation?from=2026-10-01&to=2026-10-31": `{"from":"2026-10-01","to":"2026-10-31","time_zone":"Asia/Shanghai","currency":"CNY","days":[],"totals":[]}`,
	} {
		a := r.Do(t, http.MethodGet, path, "")
		if a.Status != http.StatusOK {
			t.Fatalf("GET %s: got status %d (%s), want 200", path, a.Status, a.Body)
		}
		require.JSONEq(t, want, string(a.Body), path)
	}
}

type payee struct {
	Name          string `json:"name"`
	Role          string `json:"role"`
	BankName      string `json:"bank_name"`
	AccountNumber string `json:"account_number"`
	OnBehalfOf    *struct {
		Name     string `json:"name"`
		Relation string `json:"relation"`
	} `json:"on_behalf_of"`
}

type obligation struct {
	ID               string     `json:"id"`
	ClaimID          string     `json:"claim_id"`
	PayoutType       string     `json:"payout_type"`
	AmountFen        int64      `json:"amount_fen"`
	Currency         string     `json:"currency"`
	State            string     `json:"state"`
	Payee            *payee     `json:"payee"`
	Attempts         int        `json:"attempts"`
	LastError        string     `json:"last_error"`
	BankReference    string     `json:"bank_reference"`
	CompletedAt      *time.Time `json:"completed_at"`
	ValueDate        string     `json:"value_date"`
	Replaces         string     `json:"replaces"`
	PayeeCorrectedBy string     `json:"payee_corrected_by"`
}

// obligationsOf waits until claimID has n obligations that all pass ok,
// and returns them with the raw answer.
func (r *running) obligationsOf(t *testing.T, claimID string, n int, what string, ok func(obligation) bool) ([]obligation, []byte) {
	t.Helper()
	var list struct {
		Obligations []obligation `json:"obligations"`
	}
	var raw []byte
	apitest.Eventually(t, 45*time.Second, what, func() bool {
		a := r.Do(t, http.MethodGet, "/v1/obligations?claim_id="+claimID, "")
		if a.Status != http.StatusOK {
			t.Fatalf("GET /v1/obligations: got status %d (%s), want 200", a.Status, a.Body)
		}
		raw = a.Body
		require.NoError(t, json.Unmarshal(a.Body, &list))
		if len(list.Obligations) != n {
			return false
		}
		for _, o := range list.Obligations {
			if !ok(o) {
				return false
			}
		}
		return true
	})
	return list.Obligations, raw
}

func completed(o obligation) bool { return o.State == "completed" }

func outboxPayloads(t *testing.T, db *gorm.DB, eventType string) [][]byte {
	t.Helper()
	var payloads [][]byte
	require.NoError(t, db.Raw("SELECT payload FROM outbox WHERE event_type = ? ORDER BY id", eventType).Scan(&payloads).Error)
	return payloads
}

func payoutData(t *testing.T, payloads [][]byte, typ events.Type) []events.PayoutData {
	t.Helper()
	out := make([]events.PayoutData, len(payloads))
	for i, p := range payloads {
		e, err := events.Decode(p)
		require.NoError(t, err)
		require.NoError(t, events.DecodeData(e, typ, &out[i]))
	}
	return out
}

func TestAnAgreementIsPaidOnceAnnouncedAndNotified(t *testing.T) {
	t.Parallel()
	r := start(t)
	db := pgtest.Open(t, r.dsn, 2)
	agreed, byAgent, decidedOnly := uuid.NewString(), uuid.NewString(), uuid.NewString()
	first := agreement(t, r.topics, agreed, 123456, func(d *events.AgreementReachedData) { d.AdvancedFen = 23456 })
	apitest.Publish(t, r.brokers, decision(t, r.topics, agreed, 123456), decision(t, r.topics, decidedOnly, 5000), first,
		agreement(t, r.topics, byAgent, 250000, func(d *events.AgreementReachedData) {
			d.Payee = events.Payee{Name: "王五", Role: "agent", BankName: "中国建设银行", AccountNumber: "6217000011118812",
				OnBehalfOf: &events.Person{Name: "赵六", Relation: "parent"}}
		}), first)

	list, raw := r.obligationsOf(t, agreed, 1, "completed obligation for the agreement", completed)
	o := list[0]
	if o.PayoutType != "final" || o.AmountFen != 100000 || o.Currency != "CNY" || o.Attempts != 1 || o.BankReference == "" ||
		o.CompletedAt == nil || o.Payee == nil || o.Payee.Name != "李*" || o.Payee.AccountNumber != "****3445" || o.Payee.BankName != "中国工商银行" {
		t.Fatalf("got obligation %s, want a completed final payment of 100000 fen to a masked payee", raw)
	}
	if bytes.Contains(raw, []byte(account)) || bytes.Contains(raw, []byte("李四")) {
		t.Fatalf("got %s holding the payee in clear, want it masked", raw)
	}
	one := r.Do(t, http.MethodGet, "/v1/obligations/"+o.ID, "")
	if one.Status != http.StatusOK {
		t.Fatalf("GET /v1/obligations/%s: got status %d, want 200", o.ID, one.Status)
	}
	var listed struct {
		Obligations []json.RawMessage `json:"obligations"`
	}
	require.NoError(t, json.Unmarshal(raw, &listed))
	require.JSONEq(t, string(listed.Obligations[0]), string(one.Body), "the obligation alone equals the one listed")
	r.obligationsOf(t, byAgent, 1, "completed obligation paid to the agent", completed)

	// Notices: R9 to both payees, R10 to the person the agent collected for;
	// all handed to the gateway's topic, and R9 met.
	type notice struct {
		Rule      string `json:"rule"`
		Text      string `json:"text"`
		Recipient struct {
			Role string `json:"role"`
			Name string `json:"name"`
		} `json:"recipient"`
		SentAt *time.Time `json:"sent_at"`
	}
	var notices struct {
		Notifications []notice `json:"notifications"`
	}
	apitest.Eventually(t, 30*time.Second, "the agent's notices sent", func() bool {
		a := r.Do(t, http.MethodGet, "/v1/notifications?claim_id="+byAgent, "")
		require.Equal(t, http.StatusOK, a.Status, string(a.Body))
		require.NoError(t, json.Unmarshal(a.Body, &notices))
		return len(notices.Notifications) == 2 && notices.Notifications[0].SentAt != nil && notices.Notifications[1].SentAt != nil
	})
	rules := []string{notices.Notifications[0].Rule, notices.Notifications[1].Rule}
	slices.Sort(rules)
	if !slices.Equal(rules, []string{"R10", "R9"}) {
		t.Fatalf("got notices %+v, want R9 and R10", notices.Notifications)
	}
	for _, n := range notices.Notifications {
		if !strings.Contains(n.Text, "人民币2500.00元") || !strings.Contains(n.Text, "尾号8812") || strings.Contains(n.Text, "6217000011118812") {
			t.Fatalf("got notice text %q, want the amount, the account's last four digits only", n.Text)
		}
	}
	apitest.Eventually(t, 30*time.Second, "R9 met for both payments", func() bool {
		return pgtest.Count(t, db, "SELECT count(*) FROM deadline_obligations WHERE rule = 'result-notification' AND state = 'met'") == 2
	})

	apitest.Eventually(t, 20*time.Second, "both agreements received", func() bool {
		return pgtest.Count(t, db, "SELECT count(*) FROM inbox") == 2
	})
	if n := pgtest.Count(t, db, "SELECT count(*) FROM obligations"); n != 2 {
		t.Fatalf("got %d obligations, want 2 (none for a decision alone or the redelivery)", n)
	}
	if n := pgtest.Count(t, db, "SELECT coalesce(sum(executions), 0) FROM banksim.transfers"); n != 2 {
		t.Fatalf("got %d transfers executed by the bank, want 2", n)
	}
	v, err := schemas.NewValidator()
	require.NoError(t, err)
	for _, typ := range []events.Type{events.PayoutScheduled, events.PayoutCompleted} {
		payloads := outboxPayloads(t, db, typ.Name)
		if len(payloads) != 2 {
			t.Fatalf("got %d %s events, want 2", len(payloads), typ.Name)
		}
		for _, p := range payloads {
			require.NoError(t, v.Validate(p), "%s against the published schema", typ.Name)
		}
	}
	var notified [][]byte
	require.NoError(t, db.Raw("SELECT payload FROM notifications").Scan(&notified).Error)
	for _, p := range notified {
		require.NoError(t, v.Validate(p), "notice against the published schema")
	}
	// The finance event tells what the API tells.
	for _, d := range payoutData(t, outboxPayloads(t, db, events.PayoutCompleted.Name), events.PayoutCompleted) {
		if d.ObligationID != o.ID {
			continue
		}
		if d.BankReference != o.BankReference || !d.CompletedAt.Equal(*o.CompletedAt) || d.ValueDate != o.ValueDate ||
			d.AgreedAmountFen != 123456 || d.AdvancedFen != 23456 || d.Payee.AccountNumber != "****3445" {
			t.Fatalf("got payout-completed data %+v, want obligation %+v", d, o)
		}
	}
	// R11: no column of payout's tables holds the account numbers in clear.
	for _, table := range []string{"obligations", "notifications", "outbox", "banksim.transfers", "payee_changes"} {
		var rows []string
		require.NoError(t, db.Raw("SELECT row_to_json(x)::text FROM "+table+" x").Scan(&rows).Error)
		for _, row := range rows {
			if strings.Contains(row, account) || strings.Contains(row, "6217000011118812") || strings.Contains(row, "李四") {
				t.Fatalf("got a row of %s holding the payee in clear: %s", table, row)
			}
		}
	}
	wantReconciliationEqualsEvents(t, r, db)
}

// wantReconciliationEqualsEvents checks the report of today, as JSON and
// as CSV, against the payout-completed events payout stored.
func wantReconciliationEqualsEvents(t *testing.T, r *running, db *gorm.DB) {
	t.Helper()
	sums := map[string][2]int64{}
	for _, d := range payoutData(t, outboxPayloads(t, db, events.PayoutCompleted.Name), events.PayoutCompleted) {
		k := d.ValueDate + "," + d.PayoutType
		s := sums[k]
		sums[k] = [2]int64{s[0] + 1, s[1] + d.AmountFen}
	}
	loc, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	day := time.Now().In(loc)
	from, to := day.AddDate(0, 0, -1).Format(time.DateOnly), day.AddDate(0, 0, 1).Format(time.DateOnly)
	var report struct {
		Days []struct {
			Date               string `json:"date"`
			PayoutType         string `json:"payout_type"`
			CompletedCount     int64  `json:"completed_count"`
			CompletedAmountFen int64  `json:"completed_amount_fen"`
		} `json:"days"`
	}
	a := r.Do(t, http.MethodGet, "/v1/reconciliation?from="+from+"&to="+to, "")
	require.Equal(t, http.StatusOK, a.Status, string(a.Body))
	require.NoError(t, json.Unmarshal(a.Body, &report))
	got := map[string][2]int64{}
	for _, d := range report.Days {
		got[d.Date+","+d.PayoutType] = [2]int64{d.CompletedCount, d.CompletedAmountFen}
	}
	require.Equal(t, sums, got, "the JSON report equals the completed events")

	c := r.Do(t, http.MethodGet, "/v1/reconciliation?from="+from+"&to="+to+"&format=csv", "")
	require.Equal(t, http.StatusOK, c.Status, string(c.Body))
	if ct := c.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("got content type %q, want text/csv", ct)
	}
	records, err := csv.NewReader(bytes.NewReader(c.Body)).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"date", "payout_type", "currency", "completed_count", "completed_amount_fen", "reversed_count", "reversed_amount_fen"}, records[0])
	fromCSV := map[string][2]int64{}
	for _, rec := range records[1:] {
		n, err1 := strconv.ParseInt(rec[3], 10, 64)
		fen, err2 := strconv.ParseInt(rec[4], 10, 64)
		require.NoError(t, err1)
		require.NoError(t, err2)
		fromCSV[rec[0]+","+rec[1]] = [2]int64{n, fen}
	}
	require.Equal(t, sums, fromCSV, "the CSV report equals the completed events")
}

func TestTwoInstancesPayEachObligationOnce(t *testing.T) {
	t.Parallel()
	r := start(t)
	// A second instance on the same database, topics and consumer group.
	_, c2 := apitest.Start(t, "payout-2", service.Start, config(t, r.keys, pgtest.Database{DSN: r.dsn}, r.prefix, r.brokers))
	other := c2.As(t, r.keys, apitest.Everyone())
	db := pgtest.Open(t, r.dsn, 2)
	const n = 12
	var msgs []outbox.Message
	for i := range n {
		m := agreement(t, r.topics, uuid.NewString(), int64(10000+i))
		msgs = append(msgs, m, m) // each delivered twice
	}
	apitest.Publish(t, r.brokers, msgs...)
	apitest.Eventually(t, 60*time.Second, "every payment completed", func() bool {
		return pgtest.Count(t, db, "SELECT count(*) FROM obligations WHERE state = 'completed'") == n
	})
	if got := pgtest.Count(t, db, "SELECT count(*) FROM obligations"); got != n {
		t.Fatalf("got %d obligations, want %d", got, n)
	}
	if got := pgtest.Count(t, db, "SELECT coalesce(sum(executions), 0) FROM banksim.transfers"); got != n {
		t.Fatalf("got %d transfers executed, want %d", got, n)
	}
	if got := pgtest.Count(t, db, "SELECT count(*) FROM obligations WHERE attempts <> 1"); got != 0 {
		t.Fatalf("got %d obligations with more than one attempt, want 0", got)
	}
	if got := pgtest.Count(t, db, "SELECT count(DISTINCT convert_from(payload, 'UTF8')::jsonb #>> '{data,obligation_id}') FROM outbox WHERE event_type = ?",
		events.PayoutCompleted.Name); got != n || pgtest.Count(t, db, "SELECT count(*) FROM outbox WHERE event_type = ?", events.PayoutCompleted.Name) != n {
		t.Fatalf("got %d distinct obligations completed in events, want %d events for %d obligations", got, n, n)
	}
	// Both instances answer the same.
	a, b := r.Do(t, http.MethodGet, "/v1/obligations?limit=500", ""), other.Do(t, http.MethodGet, "/v1/obligations?limit=500", "")
	require.JSONEq(t, string(a.Body), string(b.Body), "both instances list the same obligations")
}

type deadlineJSON struct {
	Subject string `json:"subject"`
	Rule    string `json:"rule"`
	State   string `json:"state"`
	Risk    string `json:"risk"`
}

func (r *running) deadlines(t *testing.T, query string) []deadlineJSON {
	t.Helper()
	a := r.Do(t, http.MethodGet, "/v1/deadlines?"+query, "")
	require.Equal(t, http.StatusOK, a.Status, string(a.Body))
	var out struct {
		Deadlines []deadlineJSON `json:"deadlines"`
	}
	require.NoError(t, json.Unmarshal(a.Body, &out))
	return out.Deadlines
}

func TestPaymentDeadlineAtRiskBreachedAndMetWhenTheHandlerCorrectsThePayee(t *testing.T) {
	t.Parallel()
	r := start(t)
	db := pgtest.Open(t, r.dsn, 2)
	late, soon := uuid.NewString(), uuid.NewString()
	invalid := func(d *events.AgreementReachedData) { d.Payee.AccountNumber = "6222000011110000" }
	apitest.Publish(t, r.brokers,
		// Agreed 40 days ago, to an account that does not exist: breached.
		agreement(t, r.topics, late, 5000, invalid, func(d *events.AgreementReachedData) { d.AgreedAt = d.AgreedAt.AddDate(0, 0, -40) }),
		// Agreed now with a contract period of one day: due on the next
		// working day, so at risk from today (the working day before it).
		agreement(t, r.topics, soon, 5000, invalid, func(d *events.AgreementReachedData) { d.PaymentPeriodDays = 1 }))
	failedLate, _ := r.obligationsOf(t, late, 1, "the late payment refused", func(o obligation) bool { return o.State == "failed" })
	r.obligationsOf(t, soon, 1, "the soon payment refused", func(o obligation) bool { return o.State == "failed" })
	if !strings.HasPrefix(failedLate[0].LastError, "invalid_account") {
		t.Fatalf("got last error %q, want the bank's invalid_account", failedLate[0].LastError)
	}
	for claim, risk := range map[string]string{late: "breached", soon: "at-risk"} {
		got := r.deadlines(t, "claim_id="+claim)
		if len(got) != 1 || got[0].Rule != "payment" || got[0].State != "open" || got[0].Risk != risk {
			t.Fatalf("claim %s: got deadlines %+v, want the R6 payment deadline open and %s", claim, got, risk)
		}
	}
	apitest.Eventually(t, 30*time.Second, "breach and at-risk alarms raised", func() bool {
		return pgtest.Count(t, db, "SELECT count(*) FROM outbox WHERE event_type = ?", events.DeadlineBreached.Name) == 1 &&
			pgtest.Count(t, db, "SELECT count(*) FROM outbox WHERE event_type = ?", events.DeadlineAtRisk.Name) == 1
	})

	// A handler corrects the payee; finance may not.
	body := `{"name":"李四","role":"beneficiary","bank_name":"中国银行","account_number":"6216 6000 0000 8866"}`
	finance := r.As(t, r.keys, auth.Principal{Subject: "finance-1", Roles: []auth.Role{auth.Finance}})
	if a := finance.Do(t, http.MethodPut, "/v1/obligations/"+failedLate[0].ID+"/payee", body); a.Status != http.StatusForbidden {
		t.Fatalf("finance correcting a payee: got %d, want 403", a.Status)
	}
	handler := r.As(t, r.keys, auth.Principal{Subject: "handler-7", Roles: []auth.Role{auth.Handler}})
	doc := r.Spec(t)
	doc.WantError(t, "PUT /v1/obligations/{id}/payee", handler.Do(t, http.MethodPut, "/v1/obligations/"+failedLate[0].ID+"/payee",
		`{"name":"李四","role":"beneficiary","bank_name":"中国银行","account_number":"12"}`), 400, "invalid_argument", "account_number")
	a := handler.Do(t, http.MethodPut, "/v1/obligations/"+failedLate[0].ID+"/payee", body)
	require.Equal(t, http.StatusOK, a.Status, string(a.Body))
	var corrected obligation
	require.NoError(t, json.Unmarshal(a.Body, &corrected))
	if corrected.State != "scheduled" || corrected.PayeeCorrectedBy != "handler-7" || corrected.Payee.AccountNumber != "****8866" ||
		bytes.Contains(a.Body, []byte("6216600000008866")) {
		t.Fatalf("got %s, want the payment scheduled again to the masked new account, corrected by handler-7", a.Body)
	}
	r.obligationsOf(t, late, 1, "the late payment paid", completed)
	if got := r.deadlines(t, "claim_id="+late+"&rule=payment"); len(got) != 1 || got[0].State != "missed" {
		t.Fatalf("got %+v, want the R6 deadline met late (missed)", got)
	}
	doc.WantError(t, "PUT /v1/obligations/{id}/payee", handler.Do(t, http.MethodPut, "/v1/obligations/"+failedLate[0].ID+"/payee", body),
		409, "conflict", "")
}

func TestFinanceRecordsABankReturnAndTheReplacementIsPaid(t *testing.T) {
	t.Parallel()
	r := start(t)
	db := pgtest.Open(t, r.dsn, 2)
	claim := uuid.NewString()
	apitest.Publish(t, r.brokers, agreement(t, r.topics, claim, 8000))
	paid, _ := r.obligationsOf(t, claim, 1, "the payment completed", completed)
	doc := r.Spec(t)
	finance := r.As(t, r.keys, auth.Principal{Subject: "finance-1", Roles: []auth.Role{auth.Finance}})
	doc.WantError(t, "POST /v1/obligations/{id}/reversal", finance.Do(t, http.MethodPost, "/v1/obligations/"+paid[0].ID+"/reversal", `{"reason":" "}`),
		400, "invalid_argument", "reason")
	a := finance.Do(t, http.MethodPost, "/v1/obligations/"+paid[0].ID+"/reversal", `{"reason":"退汇：收款账户已销户"}`)
	require.Equal(t, http.StatusOK, a.Status, string(a.Body))
	var out struct {
		Reversed    obligation `json:"reversed"`
		Replacement obligation `json:"replacement"`
	}
	require.NoError(t, json.Unmarshal(a.Body, &out))
	if out.Reversed.State != "reversed" || out.Replacement.State != "failed" || out.Replacement.Replaces != paid[0].ID {
		t.Fatalf("got %s, want the payment reversed and a replacement waiting", a.Body)
	}
	doc.WantError(t, "POST /v1/obligations/{id}/reversal", finance.Do(t, http.MethodPost, "/v1/obligations/"+paid[0].ID+"/reversal", `{"reason":"again"}`),
		409, "conflict", "")
	handler := r.As(t, r.keys, auth.Principal{Subject: "handler-1", Roles: []auth.Role{auth.Handler}})
	a = handler.Do(t, http.MethodPut, "/v1/obligations/"+out.Replacement.ID+"/payee",
		`{"name":"李四","role":"beneficiary","bank_name":"中国银行","account_number":"6216600000008866"}`)
	require.Equal(t, http.StatusOK, a.Status, string(a.Body))
	r.obligationsOf(t, claim, 2, "the replacement paid", func(o obligation) bool { return o.State == "completed" || o.State == "reversed" })
	if got := pgtest.Count(t, db, "SELECT count(*) FROM outbox WHERE event_type = ?", events.PayoutReversed.Name); got != 1 {
		t.Fatalf("got %d payout-reversed events, want 1", got)
	}
	v, err := schemas.NewValidator()
	require.NoError(t, err)
	for _, p := range outboxPayloads(t, db, events.PayoutReversed.Name) {
		require.NoError(t, v.Validate(p))
	}
	if got := pgtest.Count(t, db, "SELECT coalesce(sum(executions), 0) FROM banksim.transfers"); got != 2 {
		t.Fatalf("got %d executions, want 2 (the payment and its replacement)", got)
	}
}

// TestAnAgreementIsSentToTheBankWithoutWaitingForTheExecutorsRound runs
// payout with an executor round of an hour: the only way the agreement's
// obligation reaches the bank within the test is the wake its scheduling
// gives the executor once it has committed.
func TestAnAgreementIsSentToTheBankWithoutWaitingForTheExecutorsRound(t *testing.T) {
	t.Parallel()
	r := startWith(t, func(cfg *service.Config) { cfg.ExecuteInterval = time.Hour })
	claim := uuid.NewString()
	apitest.Publish(t, r.brokers, agreement(t, r.topics, claim, 100000))
	r.obligationsOf(t, claim, 1, "the obligation sent to the bank at once", func(o obligation) bool { return o.Attempts >= 1 })
}

// TestASettledPaymentIsLearnedWithoutWaitingForTheExecutorsRound runs
// payout with an executor round of an hour: the payment completes within
// the test only if the executor asks the bank about it at the time the
// bank's answer said it settles (issue 21's fourteenth round), not at one
// of its rounds.
func TestASettledPaymentIsLearnedWithoutWaitingForTheExecutorsRound(t *testing.T) {
	t.Parallel()
	r := startWith(t, func(cfg *service.Config) { cfg.ExecuteInterval = time.Hour })
	claim := uuid.NewString()
	apitest.Publish(t, r.brokers, agreement(t, r.topics, claim, 100000))
	r.obligationsOf(t, claim, 1, "the payment completed at the bank's settlement", completed)
}

// TestASettledPaymentIsCompletedWhileAnotherPaymentsBankCallIsHeld: the
// bank holds the call that hands it one payment (a row of its ledger under
// that payment's key, inserted and not committed, makes the simulator's
// insert wait) while another payment's settlement falls due. The settled
// payment is asked about and completed while that call is still held
// (issue 21's fifteenth round: the executor's loop made its paying rounds'
// bank calls itself, and a check due meanwhile waited for them, here for as
// long as the bank holds the call). Once the bank lets the call through,
// the held payment is paid too: each executed once, from one submission
// (the executor's rounds did not ask about the held one, whose call was
// under way, and hand it over again).
func TestASettledPaymentIsCompletedWhileAnotherPaymentsBankCallIsHeld(t *testing.T) {
	t.Parallel()
	r := startWith(t, func(cfg *service.Config) { cfg.BankLatency = 5 * time.Second })
	db := pgtest.Open(t, r.dsn, 2)
	// The held payment waits for a second senior's confirmation: its key
	// is known before it goes to the bank.
	heldClaim, settledClaim := uuid.NewString(), uuid.NewString()
	apitest.Publish(t, r.brokers, agreement(t, r.topics, heldClaim, fortyThousandYuan))
	list, _ := r.obligationsOf(t, heldClaim, 1, "the held payment waiting for confirmation", func(o obligation) bool { return o.State == awaiting })
	held := list[0].ID
	hold := db.Begin()
	require.NoError(t, hold.Error)
	defer hold.Rollback()
	require.NoError(t, hold.Exec(`INSERT INTO banksim.transfers (idempotency_key, attempt, amount_fen, currency, account_masked, state, outcome, accepted_at, settle_at)
		VALUES (?, 1, 1, 'CNY', '****', 'pending', 'succeeded', now(), now())`, held).Error)

	apitest.Publish(t, r.brokers, agreement(t, r.topics, settledClaim, 100000))
	list, _ = r.obligationsOf(t, settledClaim, 1, "the other payment sent", func(o obligation) bool { return o.Attempts >= 1 })
	settled := list[0].ID
	apitest.Eventually(t, 45*time.Second, "the other payment at the bank", func() bool {
		return pgtest.Count(t, db, "SELECT count(*) FROM banksim.transfers WHERE idempotency_key = ?", settled) == 1
	})
	if a := r.confirm(t, senior("senior-3"), held); a.Status != http.StatusOK {
		t.Fatalf("confirming the held payment's payee: got %d (%s), want 200", a.Status, a.Body)
	}
	r.obligationsOf(t, heldClaim, 1, "the held payment marked sent", func(o obligation) bool { return o.Attempts >= 1 })
	r.obligationsOf(t, settledClaim, 1, "the other payment completed while the held payment's bank call waits", completed)
	if n := pgtest.Count(t, db, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
		AND query LIKE '%banksim%transfers%'`); n != 1 {
		t.Fatalf("got %d statements waiting for a lock once the other payment completed, want 1: the held payment's bank call", n)
	}
	require.NoError(t, hold.Rollback().Error)
	r.obligationsOf(t, heldClaim, 1, "the held payment completed once the bank took it", completed)
	if n := pgtest.Count(t, db, "SELECT count(*) FROM banksim.transfers WHERE executions = 1 AND submissions = 1"); n != 2 {
		t.Fatalf("got %d transfers executed once from one submission, want 2", n)
	}
}

// TestACompletionsNoticeIsSentWithoutWaitingForTheNotifiersRound pays an
// agreement with the notifier's round an hour away: the completion's
// result notice (R9) is handed to the gateway as soon as it commits.
func TestACompletionsNoticeIsSentWithoutWaitingForTheNotifiersRound(t *testing.T) {
	t.Parallel()
	r := startWith(t, func(cfg *service.Config) { cfg.NotifyInterval = time.Hour })
	claim := uuid.NewString()
	apitest.Publish(t, r.brokers, agreement(t, r.topics, claim, 100000))
	var notices struct {
		Notifications []struct {
			Rule   string     `json:"rule"`
			SentAt *time.Time `json:"sent_at"`
		} `json:"notifications"`
	}
	apitest.Eventually(t, 30*time.Second, "the result notice sent", func() bool {
		a := r.Do(t, http.MethodGet, "/v1/notifications?claim_id="+claim, "")
		require.Equal(t, http.StatusOK, a.Status, string(a.Body))
		require.NoError(t, json.Unmarshal(a.Body, &notices))
		return len(notices.Notifications) == 1 && notices.Notifications[0].SentAt != nil
	})
	if notices.Notifications[0].Rule != "R9" {
		t.Fatalf("got notice %+v, want the result notice (R9)", notices.Notifications[0])
	}
}

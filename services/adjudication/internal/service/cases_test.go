package service_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/auth"
	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres/pgtest"
)

// openCases publishes a claim request for each of ds, signed as intake
// signs it, and waits until their cases are open.
func (r *running) openCases(t *testing.T, ds ...events.ClaimRequestedData) {
	t.Helper()
	topics := events.Topics{Prefix: r.prefix}
	msgs := make([]outbox.Message, len(ds))
	for i, d := range ds {
		e, err := events.New(events.ClaimRequested, "intake", d.ClaimID, d.FirstReceivedAt, d)
		require.NoError(t, err)
		e = eventstest.SignRequest(t, e)
		v, err := json.Marshal(e)
		require.NoError(t, err)
		msgs[i] = outbox.Message{Topic: topics.Intake(), Key: d.ClaimID, EventID: e.ID, Type: e.Type, Value: v}
	}
	apitest.Publish(t, r.brokers, msgs...)
	for _, d := range ds {
		apitest.Eventually(t, 45*time.Second, "case "+d.ClaimID+" opened", func() bool {
			return r.Do(t, http.MethodGet, "/v1/cases/"+d.ClaimID, "").Status == http.StatusOK
		})
	}
}

// startWithCase starts adjudication with one case open and returns the
// path of the case.
func startWithCase(t *testing.T) (*running, string) {
	t.Helper()
	r := start(t)
	d := requestData()
	r.openCases(t, d)
	return r, "/v1/cases/" + d.ClaimID
}

// count counts the rows query counts in the service's database.
func (r *running) count(t *testing.T, query string, args ...any) int64 {
	t.Helper()
	return pgtest.Count(t, pgtest.Open(t, r.dsn, 1), query, args...)
}

// requestData is a medical claim on policy P-1 received an hour ago.
func requestData() events.ClaimRequestedData {
	id := uuid.NewString()
	at := time.Now().Add(-time.Hour).UTC().Truncate(time.Microsecond)
	return events.ClaimRequestedData{ClaimID: id, ReportID: "report-" + id, PolicyNumber: "P-1", InsuredName: "张三",
		IncidentType: "medical", IncidentTime: at.Add(-48 * time.Hour), FirstReceivedAt: at}
}

// as is a client signed in as subject with roles.
func (r *running) as(t *testing.T, subject string, roles ...auth.Role) *apitest.Client {
	t.Helper()
	return r.Client.As(t, r.keys, auth.Principal{Subject: subject, Roles: roles})
}

// want checks the status of a and decodes its body into out (if not nil).
func want(t *testing.T, a apitest.Answer, status int, out any) {
	t.Helper()
	if a.Status != status {
		t.Fatalf("got status %d (%s), want %d", a.Status, a.Body, status)
	}
	if out != nil {
		require.NoError(t, json.Unmarshal(a.Body, out))
	}
}

type caseAnswer struct {
	State    string `json:"state"`
	Version  int    `json:"version"`
	Decision *struct {
		DecidedBy  string `json:"decided_by"`
		ApprovedBy string `json:"approved_by"`
		AmountFen  int64  `json:"amount_fen"`
	} `json:"decision"`
	RejectionLetter *struct {
		LetterNumber string `json:"letter_number"`
		SHA256       string `json:"sha256"`
		SentBy       string `json:"sent_by"`
		Channel      string `json:"channel"`
	} `json:"rejection_letter"`
}

func TestTwoHandlersDecidingAtOnceGetOneDecision(t *testing.T) {
	t.Parallel()
	r, base := startWithCase(t)
	path := base + "/decision"
	bodies := []string{approveBody(1000), rejectBody}
	answers := make([]apitest.Answer, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		c := r.as(t, "handler-"+string(rune('a'+i)), auth.Handler)
		wg.Go(func() { answers[i] = c.Do(t, http.MethodPost, path, bodies[i]) })
	}
	wg.Wait()
	statuses := []int{answers[0].Status, answers[1].Status}
	if !(statuses[0] == 200 && statuses[1] == 409 || statuses[0] == 409 && statuses[1] == 200) {
		t.Fatalf("got statuses %v (%s / %s), want one 200 and one 409", statuses, answers[0].Body, answers[1].Body)
	}
	assert.Equal(t, int64(1), r.count(t, "SELECT count(*) FROM decisions"))
	assert.Equal(t, int64(1), r.count(t, "SELECT count(*) FROM outbox WHERE event_type = ?", events.ClaimDecided.Name))
}

func TestADecisionAboveTheHandlersLimitNeedsAnotherSenior(t *testing.T) {
	t.Parallel()
	r, base := startWithCase(t)
	doc := r.Spec(t)
	var c caseAnswer
	want(t, r.as(t, "handler-1", auth.Handler).Do(t, http.MethodPost, base+"/decision", approveBody(6_000_000)), 200, &c)
	if c.State != "pending_approval" || c.Decision.DecidedBy != "handler-1" {
		t.Fatalf("got %s decided by %+v, want pending_approval by handler-1", c.State, c.Decision)
	}
	op := "POST /v1/cases/{claimId}/decision/approval"
	approve := `{"verdict":"approve","reason":"核对无误"}`
	want(t, r.as(t, "handler-2", auth.Handler).Do(t, http.MethodPost, base+"/decision/approval", approve), 403, nil)
	doc.WantError(t, op, r.as(t, "handler-1", auth.SeniorHandler).Do(t, http.MethodPost, base+"/decision/approval", approve),
		403, "forbidden", "")
	senior := r.as(t, "senior-1", auth.SeniorHandler)
	doc.WantError(t, op, senior.Do(t, http.MethodPost, base+"/decision/approval", `{"verdict":"approve","version":1}`), 409, "conflict", "")
	doc.WantError(t, op, senior.Do(t, http.MethodPost, base+"/decision/approval", `{"verdict":"return"}`), 400, "invalid_argument", "reason")
	want(t, senior.Do(t, http.MethodPost, base+"/decision/approval", approve), 200, &c)
	if c.State != "approved" || c.Decision.ApprovedBy != "senior-1" {
		t.Fatalf("got %s approved by %q, want approved by senior-1", c.State, c.Decision.ApprovedBy)
	}
	want(t, senior.Do(t, http.MethodPost, base+"/decision", approveBody(1)), 409, nil)
	assert.Equal(t, int64(1), r.count(t, "SELECT count(*) FROM outbox WHERE event_type = ?", events.ClaimDecided.Name))
}

func TestTheRejectionLetterIsDownloadedSentAndKept(t *testing.T) {
	t.Parallel()
	r, base := startWithCase(t)
	doc := r.Spec(t)
	handler := r.as(t, "handler-7", auth.Handler)
	var c caseAnswer
	want(t, handler.Do(t, http.MethodPost, base+"/decision", rejectBody), 200, &c)
	require.NotNil(t, c.RejectionLetter, "generated at the rejection")

	auditor := r.as(t, "auditor-1", auth.Auditor)
	pdf := auditor.Do(t, http.MethodGet, base+"/rejection-letter", "")
	want(t, pdf, 200, nil)
	assert.Equal(t, "application/pdf", pdf.Header.Get("Content-Type"))
	sum := sha256.Sum256(pdf.Body)
	assert.Equal(t, hex.EncodeToString(sum[:]), pdf.Header.Get("X-Letter-SHA256"))
	assert.Equal(t, c.RejectionLetter.SHA256, pdf.Header.Get("X-Letter-SHA256"))

	doc.WantError(t, "POST /v1/cases/{claimId}/rejection-letter", handler.Do(t, http.MethodPost, base+"/rejection-letter", `{"channel":"fax"}`),
		400, "invalid_argument", "channel")
	want(t, handler.Do(t, http.MethodPost, base+"/rejection-letter", `{"channel":"post"}`), 200, &c)
	if c.RejectionLetter.SentBy != "handler-7" || c.RejectionLetter.Channel != "post" {
		t.Fatalf("got letter %+v, want sent by post by the signed-in handler-7", c.RejectionLetter)
	}
	again := auditor.Do(t, http.MethodGet, base+"/rejection-letter", "")
	assert.Equal(t, pdf.Body, again.Body, "the letter is kept as it was sent")

	var timeline struct {
		Entries []struct {
			Action string `json:"action"`
			Actor  string `json:"actor"`
		} `json:"entries"`
	}
	want(t, auditor.Do(t, http.MethodGet, base+"/timeline", ""), 200, &timeline)
	var actions []string
	for _, e := range timeline.Entries {
		actions = append(actions, e.Action+" by "+e.Actor)
	}
	assert.Equal(t, []string{"opened by system:intake", "assigned by handler-7", "decided by handler-7", "letter_generated by handler-7", "letter_sent by handler-7"}, actions,
		"the first action on an unassigned case assigns it to the actor")

	want(t, handler.Do(t, http.MethodPost, base+"/close", `{"reason":"拒赔通知已送达"}`), 200, &c)
	assert.Equal(t, "closed", c.State)
}

func TestTheAgreementIsAnnouncedAndTheAccountNeverAnswered(t *testing.T) {
	t.Parallel()
	r := start(t)
	d := requestData()
	d.Documents = []events.ClaimDocument{{DocumentID: "doc-poa", Type: "other", SHA256: "ef"}}
	r.openCases(t, d)
	base := "/v1/cases/" + d.ClaimID
	doc := r.Spec(t)
	op := "POST /v1/cases/{claimId}/agreement"
	agreement := `{"agreed_by":"李四","channel":"phone_recorded","payee":{"name":"李四","role":"agent","bank_name":"中国工商银行",` +
		`"account_number":"6222020200112233445","on_behalf_of":{"name":"张三","relation":"self"},"authorisation_document_id":"doc-poa"}}`
	doc.WantError(t, op, r.Do(t, http.MethodPost, base+"/agreement", agreement), 409, "conflict", "")
	want(t, r.Do(t, http.MethodPost, base+"/decision", approveBody(88_800)), 200, nil)
	doc.WantError(t, op, r.Do(t, http.MethodPost, base+"/agreement", strings.Replace(agreement, `,"on_behalf_of":{"name":"张三","relation":"self"}`, "", 1)),
		400, "invalid_argument", "payee.on_behalf_of")
	agreed := r.Do(t, http.MethodPost, base+"/agreement", agreement)
	want(t, agreed, 200, nil)
	read := r.Do(t, http.MethodGet, base, "")
	timeline := r.Do(t, http.MethodGet, base+"/timeline", "")
	for name, body := range map[string][]byte{"agreement": agreed.Body, "case": read.Body, "timeline": timeline.Body} {
		if strings.Contains(string(body), "6222020200112233445") || !strings.Contains(string(body), "****3445") {
			t.Errorf("%s: got %s, want the account masked as ****3445", name, body)
		}
	}
	assert.Contains(t, string(agreed.Body), `"state":"agreed"`)

	db := pgtest.Open(t, r.dsn, 2)
	var payload []byte
	require.NoError(t, db.Raw("SELECT payload FROM outbox WHERE event_type = ?", events.AgreementReached.Name).Row().Scan(&payload))
	e, err := events.Decode(payload)
	require.NoError(t, err)
	var data events.AgreementReachedData
	require.NoError(t, events.DecodeData(e, events.AgreementReached, &data))
	assert.NotContains(t, string(e.Data), "6222020200112233445", "the number is sealed for payout (issue 17)")
	opened, err := data.Payee.Open(eventstest.PayeeOpener(t), eventstest.Fingerprints(), e.ClaimID)
	require.NoError(t, err)
	assert.Equal(t, "6222020200112233445", opened.AccountNumber, "payout gets the full number")
	assert.Equal(t, "3445", data.Payee.AccountLast4, "the last four digits stay in clear for reconciliation")
	assert.Equal(t, int64(88_800), data.AmountFen)
	assert.Equal(t, apitest.Everyone().Subject, data.RecordedBy)
	assert.Equal(t, apitest.Everyone().Subject, data.DecidedBy, "payout keeps the decider from confirming the payee")
	assert.Empty(t, data.DecisionApprovedBy, "a decision within the decider's authority has no approver")
}

const productBody = `{"name":"示例医疗保险","notice_kind":"indemnity",
	"benefits":[{"code":"medical_expense","name":"医疗费用保险金","incident_types":["medical"],"clause":"《示例医疗保险条款》第五条"}],
	"waiting_periods":[{"incident_type":"medical","days":30,"clause":"《示例医疗保险条款》第四条"}],
	"deadline_overrides":[{"rule":"payment","length":7,"unit":"days"}]}`

func TestPolicyDataIsImportedAndTheChecksReadIt(t *testing.T) {
	t.Parallel()
	r := start(t)
	admin := r.as(t, "admin-1", auth.Admin)
	want(t, r.as(t, "handler-1", auth.Handler).Do(t, http.MethodPut, "/v1/products/MED-1", productBody), 403, nil)
	want(t, admin.Do(t, http.MethodPut, "/v1/products/MED-1", productBody), 201, nil)
	want(t, admin.Do(t, http.MethodPut, "/v1/products/MED-1", productBody), 200, nil)
	year := time.Now().Year()
	policy := `{"product_code":"MED-1","policyholder_name":"张三","insured_name":"张三","beneficiaries":[],` +
		`"effective_from":"` + strconv.Itoa(year-1) + `-01-01","effective_to":"` + strconv.Itoa(year+1) + `-12-31",` +
		`"coverages":[{"benefit":"medical_expense","sum_insured_fen":10000000,"used_fen":0}]}`
	want(t, admin.Do(t, http.MethodPut, "/v1/policies/P-1", policy), 201, nil)
	var got struct {
		Number    string `json:"number"`
		Coverages []struct {
			SumInsuredFen int64 `json:"sum_insured_fen"`
		} `json:"coverages"`
	}
	want(t, r.Do(t, http.MethodGet, "/v1/policies/P-1", ""), 200, &got)
	if got.Number != "P-1" || len(got.Coverages) != 1 || got.Coverages[0].SumInsuredFen != 10000000 {
		t.Fatalf("got policy %+v, want P-1 as imported", got)
	}

	d := requestData()
	d.Documents = []events.ClaimDocument{{DocumentID: "doc-1", Type: "medical_invoice", SHA256: "ab", InvoiceNumber: "0441", TotalAmountFen: 5000}}
	d.ClaimedAmountFen = 5000
	r.openCases(t, d)
	var checks struct {
		Checks []struct {
			Check  string `json:"check"`
			Result string `json:"result"`
			Reason string `json:"reason"`
		} `json:"checks"`
	}
	want(t, r.Do(t, http.MethodGet, "/v1/cases/"+d.ClaimID+"/checks", ""), 200, &checks)
	results := map[string]string{}
	for _, c := range checks.Checks {
		results[c.Check] = c.Result
		assert.NotEmpty(t, c.Reason, "every result says why")
	}
	assert.Equal(t, map[string]string{"policy_in_force": "pass", "waiting_period": "pass", "exclusions": "pass", "sum_insured": "pass",
		"duplicate_invoice": "pass", "beneficiary": "pass"}, results)
	doc := r.Spec(t)
	doc.WantError(t, "POST /v1/cases/{claimId}/checks/{check}/override",
		r.Do(t, http.MethodPost, "/v1/cases/"+d.ClaimID+"/checks/sum_insured/override", `{"reason":"ok"}`), 409, "conflict", "")
}

func TestTheQueueListsTheWorkSoonestDueFirst(t *testing.T) {
	t.Parallel()
	r := start(t)
	older, newer := requestData(), requestData()
	older.FirstReceivedAt = older.FirstReceivedAt.Add(-72 * time.Hour)
	r.openCases(t, newer, older)
	handler := r.as(t, "handler-1", auth.Handler)
	want(t, handler.Do(t, http.MethodPost, "/v1/cases/"+newer.ClaimID+"/review", `{}`), 200, nil)
	var q struct {
		Items []struct {
			ClaimID  string `json:"claim_id"`
			Assignee string `json:"assignee"`
			Deadline *struct {
				Rule    string `json:"rule"`
				RNumber string `json:"r_number"`
			} `json:"deadline"`
		} `json:"items"`
		NextOffset *int `json:"next_offset"`
	}
	want(t, r.Do(t, http.MethodGet, "/v1/queue", ""), 200, &q)
	require.Len(t, q.Items, 2)
	assert.Equal(t, []string{older.ClaimID, newer.ClaimID}, []string{q.Items[0].ClaimID, q.Items[1].ClaimID})
	assert.Equal(t, "R4", q.Items[0].Deadline.RNumber)
	assert.Nil(t, q.NextOffset)
	want(t, r.Do(t, http.MethodGet, "/v1/queue?assignee=handler-1&limit=1", ""), 200, &q)
	require.Len(t, q.Items, 1)
	assert.Equal(t, newer.ClaimID, q.Items[0].ClaimID)
	assert.Nil(t, q.NextOffset, "the only case of handler-1: no next page (the total says so)")
	want(t, r.Do(t, http.MethodGet, "/v1/queue?limit=1", ""), 200, &q)
	require.NotNil(t, q.NextOffset)
	assert.Equal(t, 1, *q.NextOffset)
	want(t, r.Do(t, http.MethodGet, "/v1/queue?state=under_review,complex&unassigned=true", ""), 200, &q)
	assert.Empty(t, q.Items)
}

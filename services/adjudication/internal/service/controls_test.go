package service_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/domain"
	"claims.local/adjudication/internal/service"
	"claims.local/pkg/auth"
	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
)

// The attacks of issue 14 on adjudication: each is what a dishonest insider
// tried through the public API, and each must now be refused.

// ackUnknown is what a decider adds to acknowledge the checks that could not
// run (the policy is not in adjudication's data).
const ackUnknown = `"acknowledge_unknown":"保单系统已人工核对"`

func wantRefused(t *testing.T, status int, body []byte, wantStatus int, code string) {
	t.Helper()
	if status != wantStatus || !strings.Contains(string(body), `"code":"`+code+`"`) {
		t.Fatalf("got %d %s, want %d with code %s", status, body, wantStatus, code)
	}
}

// agreementFor is an agreement paying payee (a JSON object) on a case.
func agreementFor(payee string) string {
	return `{"agreed_by":"张三","channel":"signed_form","payee":` + payee + `}`
}

func TestAttackAHandlerCannotPayAStranger(t *testing.T) {
	t.Parallel()
	r := start(t)
	r.importCover(t)
	d := requestData()
	r.openCases(t, d)
	base := "/v1/cases/" + d.ClaimID
	handler := r.as(t, "handler-1", auth.Handler)
	want(t, handler.Do(t, http.MethodPost, base+"/decision", approveBody(1_000_000)), 200, nil)

	for name, payee := range map[string]string{
		"a stranger as beneficiary":      `{"name":"李四","role":"beneficiary","bank_name":"中国工商银行","account_number":"6222020200112233445"}`,
		"a stranger as the insured":      `{"name":"李四","role":"insured","bank_name":"中国工商银行","account_number":"6222020200112233445"}`,
		"the insured's name padded":      `{"name":"张三丰","role":"insured","bank_name":"中国工商银行","account_number":"6222020200112233445"}`,
		"an invisible character":         `{"name":"张\u200b三","role":"insured","bank_name":"中国工商银行","account_number":"6222020200112233445"}`,
		"someone else's account":         `{"name":"张三","role":"insured","account_holder":"李四","bank_name":"中国工商银行","account_number":"6222020200112233445"}`,
		"an agent without authorisation": `{"name":"李四","role":"agent","bank_name":"中国工商银行","account_number":"6222020200112233445","on_behalf_of":{"name":"张三","relation":"self"}}`,
		"a policyholder who is not":      `{"name":"李四","role":"policyholder","bank_name":"中国工商银行","account_number":"6222020200112233445"}`,
	} {
		a := handler.Do(t, http.MethodPost, base+"/agreement", agreementFor(payee))
		if a.Status != http.StatusUnprocessableEntity || !strings.Contains(string(a.Body), `"code":"payee_not_entitled"`) {
			t.Errorf("%s: got %d %s, want 422 payee_not_entitled", name, a.Status, a.Body)
		}
	}
	assert.Equal(t, int64(0), r.count(t, "SELECT count(*) FROM outbox WHERE event_type = ?", events.AgreementReached.Name), "nothing goes to payout")

	// The insured, written with full-width and padded spaces, is the insured.
	var c struct {
		State     string `json:"state"`
		Agreement struct {
			Payee struct {
				Name string `json:"name"`
			} `json:"payee"`
		} `json:"agreement"`
	}
	want(t, handler.Do(t, http.MethodPost, base+"/agreement",
		agreementFor(`{"name":"　张 三 ","role":"insured","account_holder":"张三","bank_name":"中国工商银行","account_number":"6222020200112233445"}`)), 200, &c)
	if c.State != "agreed" || c.Agreement.Payee.Name != "张三" {
		t.Fatalf("got %s paying %q, want agreed paying 张三", c.State, c.Agreement.Payee.Name)
	}
}

// waitingProduct has a 30-day waiting period for medical claims; policy
// P-WAIT took effect ten days ago, so a medical incident now is inside it.
func (r *running) importWaitingPolicy(t *testing.T) {
	t.Helper()
	admin := r.as(t, "admin-1", auth.Admin)
	want(t, admin.Do(t, http.MethodPut, "/v1/products/MED-1", productBody), 201, nil)
	from := time.Now().AddDate(0, 0, -10).Format("2006-01-02")
	to := time.Now().AddDate(1, 0, 0).Format("2006-01-02")
	want(t, admin.Do(t, http.MethodPut, "/v1/policies/P-WAIT", `{"product_code":"MED-1","policyholder_name":"张三","insured_name":"张三",
		"beneficiaries":[],"effective_from":"`+from+`","effective_to":"`+to+`",
		"coverages":[{"benefit":"medical_expense","sum_insured_fen":10000000,"used_fen":0}]}`), 201, nil)
}

// openWaitingCase opens a medical claim on P-WAIT whose incident lies
// inside the waiting period, and returns the case's path.
func (r *running) openWaitingCase(t *testing.T) string {
	t.Helper()
	r.importWaitingPolicy(t)
	d := requestData()
	d.PolicyNumber = "P-WAIT"
	d.IncidentTime = time.Now().Add(-24 * time.Hour).UTC()
	r.openCases(t, d)
	return "/v1/cases/" + d.ClaimID
}

func TestAttackASeniorCannotApproveAClaimFailingACheck(t *testing.T) {
	t.Parallel()
	r := start(t)
	base := r.openWaitingCase(t)
	senior1, senior2 := r.as(t, "senior-1", auth.SeniorHandler), r.as(t, "senior-2", auth.SeniorHandler)

	a := senior1.Do(t, http.MethodPost, base+"/decision", approveBody(100_000))
	wantRefused(t, a.Status, a.Body, http.StatusConflict, "checks_failing")
	assert.Contains(t, string(a.Body), "waiting_period", "the refusal lists the failing check")

	// A handler may not wave the check through; the decider's own override
	// does not count.
	a = r.as(t, "handler-1", auth.Handler).Do(t, http.MethodPost, base+"/checks/waiting_period/override", `{"reason":"接受"}`)
	want(t, a, http.StatusForbidden, nil)
	want(t, senior1.Do(t, http.MethodPost, base+"/checks/waiting_period/override", `{"reason":"已核实投保前无病史"}`), 200, nil)
	a = senior1.Do(t, http.MethodPost, base+"/decision", approveBody(100_000))
	wantRefused(t, a.Status, a.Body, http.StatusConflict, "checks_failing")

	// Another senior's override lets senior-1 decide; senior-2 may not
	// decide after overriding.
	want(t, senior2.Do(t, http.MethodPost, base+"/checks/waiting_period/override", `{"reason":"复核：病历显示等待期后首次就诊"}`), 200, nil)
	a = senior2.Do(t, http.MethodPost, base+"/decision", approveBody(100_000))
	wantRefused(t, a.Status, a.Body, http.StatusConflict, "checks_failing")
	want(t, senior1.Do(t, http.MethodPost, base+"/decision", approveBody(100_000)), 200, nil)
	assert.Equal(t, int64(1), r.count(t, "SELECT count(*) FROM outbox WHERE event_type = ?", events.ClaimDecided.Name))
}

func TestAttackAHandlerAloneCannotRejectALargeOrDeathClaim(t *testing.T) {
	t.Parallel()
	r := start(t)
	death, large := requestData(), requestData()
	death.IncidentType, death.ClaimedAmountFen = "death", 4_900_000
	large.ClaimedAmountFen = 6_000_000
	r.openCases(t, death, large)
	handler := r.as(t, "handler-1", auth.Handler)
	for _, id := range []string{death.ClaimID, large.ClaimID} {
		var c caseAnswer
		want(t, handler.Do(t, http.MethodPost, "/v1/cases/"+id+"/decision", rejectBody), 200, &c)
		if c.State != "pending_approval" {
			t.Fatalf("claim %s: got %s, want the rejection pending a senior's approval", id, c.State)
		}
	}
	assert.Equal(t, int64(0), r.count(t, "SELECT count(*) FROM outbox WHERE event_type = ?", events.ClaimDecided.Name), "nothing rejected yet")
	assert.Equal(t, int64(0), r.count(t, "SELECT count(*) FROM deadline_obligations WHERE rule = 'rejection-notice'"), "no R5 clock before the rejection takes effect")

	senior := r.as(t, "senior-1", auth.SeniorHandler)
	var c caseAnswer
	want(t, senior.Do(t, http.MethodPost, "/v1/cases/"+death.ClaimID+"/decision/approval", `{"verdict":"approve","reason":"拒赔理由成立"}`), 200, &c)
	if c.State != "rejected" || c.Decision.ApprovedBy != "senior-1" || c.RejectionLetter == nil {
		t.Fatalf("got %+v, want rejected, approved by senior-1, with its letter", c)
	}
	assert.Equal(t, int64(1), r.count(t, "SELECT count(*) FROM deadline_obligations WHERE rule = 'rejection-notice'"), "the R5 clock starts at the approval")
}

func TestAttackAHandlerCannotDecideSomeoneElsesCase(t *testing.T) {
	t.Parallel()
	r, base := startWithCase(t)
	want(t, r.as(t, "senior-1", auth.SeniorHandler).Do(t, http.MethodPost, base+"/assignment", `{"assignee":"handler-2"}`), 200, nil)
	intruder := r.as(t, "handler-1", auth.Handler)
	for path, body := range map[string]string{
		"/decision":         approveBody(1000),
		"/document-request": `{"documents":["发票"]}`,
		"/review":           `{}`,
	} {
		a := intruder.Do(t, http.MethodPost, base+path, body)
		if a.Status != http.StatusForbidden {
			t.Errorf("%s by handler-1 on handler-2's case: got %d %s, want 403", path, a.Status, a.Body)
		}
	}
	assert.Equal(t, int64(0), r.count(t, "SELECT count(*) FROM decisions"))
	var c struct {
		Assignee string `json:"assignee"`
	}
	want(t, r.as(t, "handler-2", auth.Handler).Do(t, http.MethodPost, base+"/decision", approveBody(1000)), 200, &c)
	assert.Equal(t, "handler-2", c.Assignee)

	// The first action on an unassigned case gives it to the actor.
	d := requestData()
	r.openCases(t, d)
	want(t, r.as(t, "handler-3", auth.Handler).Do(t, http.MethodPost, "/v1/cases/"+d.ClaimID+"/document-request", `{"documents":["发票"]}`), 200, &c)
	assert.Equal(t, "handler-3", c.Assignee)
}

// openCoveredCase imports the cover of P-1 (medical: 50000 yuan sum
// insured, at most 20000 yuan per claim), opens a medical claim on it and
// returns the case's path.
func (r *running) openCoveredCase(t *testing.T) string {
	t.Helper()
	r.importCover(t)
	d := requestData()
	r.openCases(t, d)
	return "/v1/cases/" + d.ClaimID
}

func TestAttackNoApprovalBeyondTheContract(t *testing.T) {
	t.Parallel()
	r := start(t)
	base := r.openCoveredCase(t)
	var c struct {
		MaxPayable *struct {
			TotalFen int64 `json:"total_fen"`
			Lines    []struct {
				Benefit       string `json:"benefit"`
				MaxPayableFen int64  `json:"max_payable_fen"`
			} `json:"lines"`
		} `json:"max_payable"`
	}
	want(t, r.Do(t, http.MethodGet, base, ""), 200, &c)
	require.NotNil(t, c.MaxPayable, "the case offers the most the contract allows")
	assert.Equal(t, int64(2_000_000), c.MaxPayable.TotalFen)

	senior1, senior2 := r.as(t, "senior-1", auth.SeniorHandler), r.as(t, "senior-2", auth.SeniorHandler)
	a := senior1.Do(t, http.MethodPost, base+"/decision", approveBody(2_500_000))
	wantRefused(t, a.Status, a.Body, http.StatusUnprocessableEntity, "beyond_contract")
	assert.Contains(t, string(a.Body), strconv.Itoa(2_000_000))
	// An "override" of the sum insured check changes nothing.
	r.as(t, "senior-2", auth.SeniorHandler).Do(t, http.MethodPost, base+"/checks/sum_insured/override", `{"reason":"接受"}`)
	a = senior1.Do(t, http.MethodPost, base+"/decision", approveBody(2_500_000))
	wantRefused(t, a.Status, a.Body, http.StatusUnprocessableEntity, "beyond_contract")
	assert.Equal(t, int64(0), r.count(t, "SELECT count(*) FROM decisions"))

	// Ex gratia (通融赔付) is its own labelled decision, approved by the top
	// authority, never by the decider.
	exGratia := `{"outcome":"approve","ex_gratia":true,"note":"通融赔付：客户长期合作","lines":[{"benefit":"medical_expense","claimed_fen":2500000,"approved_fen":2500000}]}`
	var pending caseAnswer
	want(t, senior1.Do(t, http.MethodPost, base+"/decision", exGratia), 200, &pending)
	assert.Equal(t, "pending_approval", pending.State)
	want(t, senior2.Do(t, http.MethodPost, base+"/decision/approval", `{"verdict":"approve","reason":"同意通融"}`), 200, nil)
	assert.Equal(t, int64(1), r.count(t, "SELECT count(*) FROM decisions WHERE ex_gratia"))
}

func TestPaymentAuthorisationsListAgreementsAndAdvancesWithTheirAccounts(t *testing.T) {
	t.Parallel()
	r := start(t)
	r.importCover(t)
	from := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	agreed, advanced := requestData(), requestData()
	r.openCases(t, agreed, advanced)
	handler := r.as(t, "handler-1", auth.Handler)
	insured := `{"name":"张三","role":"insured","bank_name":"中国工商银行","account_number":"6222 0202 0011 2233 445"}`
	want(t, handler.Do(t, http.MethodPost, "/v1/cases/"+advanced.ClaimID+"/advance", `{"amount_fen":12000,"reason":"已确定的住院费用","payee":`+insured+`}`), 200, nil)
	want(t, handler.Do(t, http.MethodPost, "/v1/cases/"+agreed.ClaimID+"/decision", approveBody(1_000_000)), 200, nil)
	var c struct {
		ID string `json:"id"`
	}
	want(t, handler.Do(t, http.MethodPost, "/v1/cases/"+agreed.ClaimID+"/agreement", agreementFor(insured)), 200, &c)
	to := time.Now().Add(time.Minute).UTC().Format(time.RFC3339)

	var got struct {
		Items []struct {
			Kind               string    `json:"kind"`
			ClaimID            string    `json:"claim_id"`
			ReferenceID        string    `json:"reference_id"`
			AmountFen          int64     `json:"amount_fen"`
			AdvancedFen        int64     `json:"advanced_fen"`
			AccountFingerprint string    `json:"account_fingerprint"`
			AuthorisedAt       time.Time `json:"authorised_at"`
		} `json:"items"`
	}
	want(t, r.as(t, "finance-1", auth.Finance).Do(t, http.MethodGet, "/v1/payment-authorisations?from="+from+"&to="+to, ""), 200, &got)
	require.Len(t, got.Items, 2)
	fingerprint := func(claimID string) string {
		return eventstest.Fingerprints().Account(claimID, "6222020200112233445")
	}
	adv, agr := got.Items[0], got.Items[1]
	if adv.Kind != "advance" || adv.ClaimID != advanced.ClaimID || adv.AmountFen != 12000 || adv.AccountFingerprint != fingerprint(advanced.ClaimID) {
		t.Errorf("got %+v, want the advance of 12000 fen on %s to the insured's account", adv, advanced.ClaimID)
	}
	if agr.Kind != "agreement" || agr.ReferenceID != c.ID || agr.AmountFen != 1_000_000 || agr.AccountFingerprint != fingerprint(agreed.ClaimID) {
		t.Errorf("got %+v, want the agreement of case %s, 1000000 fen, to the insured's account", agr, c.ID)
	}
	doc := r.Spec(t)
	doc.WantError(t, "GET /v1/payment-authorisations", r.Do(t, http.MethodGet, "/v1/payment-authorisations?from=yesterday&to="+to, ""),
		400, "invalid_argument", "from")
	doc.WantError(t, "GET /v1/payment-authorisations", r.Do(t, http.MethodGet, "/v1/payment-authorisations?from="+to+"&to="+from, ""),
		400, "invalid_argument", "to")
	want(t, handler.Do(t, http.MethodGet, "/v1/payment-authorisations?from="+from+"&to="+to, ""), 403, nil)
}

// withSignals keys the account signals, makes the employee-account signal
// block, and two claims of one insured in 90 days a burst.
func withSignals(cfg *service.Config) {
	cfg.SignalKey = []byte("0123456789abcdef0123456789abcdef")
	cfg.Signals = domain.SignalPolicy{Blocking: []domain.SignalKind{domain.SignalEmployeeAccount}, BurstClaims: 2, BurstWindow: 90 * 24 * time.Hour}
}

func TestFraudSignalsAreRaisedExplainedAndBlock(t *testing.T) {
	t.Parallel()
	r := start(t, withSignals)
	r.importCover(t)
	admin := r.as(t, "admin-1", auth.Admin)
	const employeeAccount, sharedAccount = "6222 0000 1111 2222 333", "6217 0000 9999 8888 777"
	var loaded struct {
		Employees int `json:"employees"`
	}
	want(t, admin.Do(t, http.MethodPut, "/v1/employees", `{"employees":[{"employee_id":"E1001","account_number":"`+employeeAccount+`"}]}`), 200, &loaded)
	assert.Equal(t, 1, loaded.Employees)
	assert.Equal(t, int64(0), r.count(t, "SELECT count(*) FROM employees WHERE account_key LIKE '%6222%' OR employee_id LIKE '%6222%'"), "no account in clear")

	first, second, other := requestData(), requestData(), requestData()
	other.InsuredName, other.PolicyNumber = "李雷", "P-OTHER"
	r.openCases(t, first, second, other)
	type signal struct {
		Kind        string `json:"kind"`
		Explanation string `json:"explanation"`
		Blocking    bool   `json:"blocking"`
	}
	var c struct {
		State   string   `json:"state"`
		Signals []signal `json:"signals"`
	}
	// Two claims of 张三 within 90 days: a burst, explained, not blocking.
	handler := r.as(t, "handler-1", auth.Handler)
	base := "/v1/cases/" + first.ClaimID
	want(t, handler.Do(t, http.MethodPost, base+"/decision", approveBody(100_000)), 200, &c)
	require.Len(t, c.Signals, 1)
	assert.Equal(t, "claim_burst", c.Signals[0].Kind)
	assert.Contains(t, c.Signals[0].Explanation, "张三 made 2 claims within 90 days")

	// The employee's account: the handler is refused; a senior other than
	// the decider may go on, and the signal stays on the case.
	pay := func(name, account string) string {
		return agreementFor(`{"name":"` + name + `","role":"insured","bank_name":"中国工商银行","account_number":"` + account + `"}`)
	}
	a := handler.Do(t, http.MethodPost, base+"/agreement", pay("张三", employeeAccount))
	wantRefused(t, a.Status, a.Body, http.StatusConflict, "fraud_signal")
	assert.Contains(t, string(a.Body), "belongs to employee E1001")
	assert.NotContains(t, string(a.Body), "1111", "the account is not quoted")
	want(t, r.as(t, "senior-2", auth.SeniorHandler).Do(t, http.MethodPost, base+"/agreement", pay("张三", employeeAccount)), 200, &c)
	assert.Equal(t, "agreed", c.State)
	kinds := []string{}
	for _, s := range c.Signals {
		kinds = append(kinds, s.Kind)
	}
	assert.Equal(t, []string{"claim_burst", "employee_account"}, kinds)
	// The senior went on alone: payout is told, and holds the payment for
	// another senior whatever its amount.
	assert.Equal(t, int64(1), r.count(t, "SELECT count(*) FROM outbox WHERE event_type = ? AND msg_key = ? AND convert_from(payload, 'UTF8') LIKE ?",
		events.AgreementReached.Name, first.ClaimID, `%"blocking_signals":["employee_account"]%`), "the agreement names its blocking signals")

	// One account on claims of unrelated insureds.
	otherBase := "/v1/cases/" + other.ClaimID
	want(t, r.as(t, "handler-2", auth.Handler).Do(t, http.MethodPost, "/v1/cases/"+second.ClaimID+"/decision", approveBody(1000)), 200, nil)
	want(t, r.as(t, "handler-2", auth.Handler).Do(t, http.MethodPost, "/v1/cases/"+second.ClaimID+"/agreement", pay("张三", sharedAccount)), 200, nil)
	handler3 := r.as(t, "handler-3", auth.Handler)
	want(t, handler3.Do(t, http.MethodPost, otherBase+"/decision", approveBody(1000)), 200, nil)
	want(t, handler3.Do(t, http.MethodPost, otherBase+"/agreement",
		`{"agreed_by":"李雷","channel":"signed_form","payee":{"name":"李雷","role":"insured","bank_name":"中国工商银行","account_number":"`+sharedAccount+`"}}`), 200, &c)
	require.Len(t, c.Signals, 1)
	assert.Equal(t, "shared_account", c.Signals[0].Kind)
	assert.Contains(t, c.Signals[0].Explanation, second.ClaimID)

	var q struct {
		Items []struct {
			ClaimID string   `json:"claim_id"`
			Signals []signal `json:"signals"`
		} `json:"items"`
	}
	want(t, r.Do(t, http.MethodGet, "/v1/queue?state=agreed", ""), 200, &q)
	shown := map[string]int{}
	for _, it := range q.Items {
		shown[it.ClaimID] = len(it.Signals)
	}
	assert.Equal(t, 1, shown[other.ClaimID], "the queue shows the signals")
	assert.Equal(t, int64(4), r.count(t, "SELECT count(*) FROM outbox WHERE event_type = ?", events.FraudSignalRaised.Name),
		"two bursts (both claims of 张三), the employee account, the shared account")
}

func TestTheEmployeeRegistryIsOffWithoutAKey(t *testing.T) {
	t.Parallel()
	r := start(t)
	r.Spec(t).WantError(t, "PUT /v1/employees",
		r.as(t, "admin-1", auth.Admin).Do(t, http.MethodPut, "/v1/employees", `{"employees":[{"employee_id":"E1","account_number":"6222020200112233445"}]}`),
		409, "conflict", "")
}

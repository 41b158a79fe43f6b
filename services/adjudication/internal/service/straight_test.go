package service_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/domain"
	"claims.local/adjudication/internal/service"
	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/httpapi/apitest"
)

// withAuto turns the straight-through path on, every automatic decision
// sampled for review.
func withAuto(cfg *service.Config) {
	cfg.Auto, cfg.AutoEnabled = domain.DefaultAutoPolicy(), true
	cfg.Auto.SampleBP = 10_000
}

// rulesBody are the rules of MED-STP's medical expenses: 100 yuan
// deductible a year, 80% with social insurance, 60% without, self-funded
// items not paid.
const rulesBody = `{"benefit":"medical_expense","deductible_fen":10000,"deductible_clause":"《示例医疗保险条款》第六条第一款",
	"ratio_with_social_bp":8000,"ratio_without_social_bp":6000,"ratio_clause":"《示例医疗保险条款》第六条第二款",
	"pays_self_funded":false,"self_funded_clause":"《示例医疗保险条款》第九条","per_claim_limit_fen":2000000,"annual_limit_fen":5000000,
	"limit_clause":"《示例医疗保险条款》第六条第三款"}`

// stpFrom is the first day of policy P-STP: 200 days ago, so that its
// 30-day waiting period for medical claims is over.
func stpFrom() time.Time { return time.Now().AddDate(0, 0, -200) }

// importRules imports product MED-STP (medical expenses, a 30-day waiting
// period), policy P-STP of 张三 on it, and the rules of its medical
// expenses.
func (r *running) importRules(t *testing.T) {
	t.Helper()
	admin := r.as(t, "admin-1", auth.Admin)
	want(t, admin.Do(t, http.MethodPut, "/v1/products/MED-STP", `{"name":"示例医疗保险","notice_kind":"indemnity",
		"benefits":[{"code":"medical_expense","name":"医疗费用保险金","incident_types":["medical"],"per_claim_limit_fen":2000000,"clause":"《示例医疗保险条款》第六条"}],
		"waiting_periods":[{"incident_type":"medical","days":30,"clause":"《示例医疗保险条款》第四条"}]}`), 201, nil)
	want(t, admin.Do(t, http.MethodPut, "/v1/policies/P-STP", `{"product_code":"MED-STP","policyholder_name":"张三","insured_name":"张三",
		"beneficiaries":[],"effective_from":"`+stpFrom().Format("2006-01-02")+`","effective_to":"`+stpFrom().AddDate(1, 0, -1).Format("2006-01-02")+`",
		"coverages":[{"benefit":"medical_expense","sum_insured_fen":5000000,"used_fen":0}]}`), 201, nil)
	want(t, admin.Do(t, http.MethodPost, "/v1/products/MED-STP/rules", rulesBody), 201, nil)
}

// cleanRequest is a clean medical claim of 张三 on P-STP: an invoice of
// 1,000 yuan (600 paid by the fund, 300 self-pay, 100 self-funded) read
// with confidence, 张三's ID card whose checksum verifies and 张三's bank card,
// all sent by the claimant's own channel.
// The rules compute (300 − 100) × 80% = 160 yuan.
func cleanRequest(invoice string) events.ClaimRequestedData {
	d := requestData()
	d.PolicyNumber = "P-STP"
	day := d.IncidentTime.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	src := func(page int) events.FieldSource {
		return events.FieldSource{Page: page, Box: [4]int{120, 340, 260, 36}, Confidence: 0.97}
	}
	d.ClaimedAmountFen = 100_000
	d.Documents = []events.ClaimDocument{
		{DocumentID: "inv-" + d.ClaimID, Type: "medical_invoice", SHA256: "aa", InvoiceCode: "031001900104", InvoiceNumber: invoice,
			TotalAmountFen: 100_000, EventDate: day, PatientName: "张三", Institution: "上海市第六人民医院", Confidence: 0.96,
			Insurance: &events.InsuranceSplit{FundPaidFen: 60_000, SelfPayFen: 30_000, SelfFundedFen: 10_000},
			Sources:   map[string]events.FieldSource{"total_amount_fen": src(1), "insurance.self_pay_fen": src(1), "insurance.fund_paid_fen": src(1)}},
		{DocumentID: "id-" + d.ClaimID, Type: "id_card", SHA256: "bb", IDNumberValid: true, HolderName: "张三", Confidence: 0.99},
		{DocumentID: "card-" + d.ClaimID, Type: "bank_card", SHA256: "cc", HolderName: "张三", AccountFingerprint: "v1:test-fp:" + strings.Repeat("f1", 32), AccountLast4: "1234", Confidence: 0.99},
	}
	for i := range d.Documents {
		d.Documents[i].EnteredBy, d.Documents[i].EnteredVia = "claimant-app", events.EnteredViaClaimant
	}
	return d
}

type assessmentAnswer struct {
	Automatic    bool `json:"automatic"`
	RulesVersion int  `json:"rules_version"`
	Reasons      []struct {
		Code   string            `json:"code"`
		Params map[string]string `json:"params"`
	} `json:"reasons"`
	Computation *struct {
		PayableFen int64 `json:"payable_fen"`
		Steps      []struct {
			Text       string `json:"text"`
			AmountFen  int64  `json:"amount_fen"`
			DocumentID string `json:"document_id"`
			Page       int    `json:"page"`
			Clause     string `json:"clause"`
		} `json:"steps"`
	} `json:"computation"`
}

func (a assessmentAnswer) codes() []string {
	var out []string
	for _, r := range a.Reasons {
		out = append(out, r.Code)
	}
	return out
}

// assessed waits for the assessment of claimID and returns it.
func (r *running) assessed(t *testing.T, claimID string) assessmentAnswer {
	t.Helper()
	var a assessmentAnswer
	apitest.Eventually(t, 45*time.Second, "claim "+claimID+" assessed", func() bool {
		return r.Do(t, http.MethodGet, "/v1/cases/"+claimID+"/assessment", "").Status == http.StatusOK
	})
	want(t, r.Do(t, http.MethodGet, "/v1/cases/"+claimID+"/assessment", ""), 200, &a)
	return a
}

type autoCase struct {
	State    string `json:"state"`
	Decision *struct {
		DecidedBy    string `json:"decided_by"`
		AmountFen    int64  `json:"amount_fen"`
		Automatic    bool   `json:"automatic"`
		RulesVersion int    `json:"rules_version"`
		ComputedFen  *int64 `json:"computed_fen"`
		AmountReason string `json:"amount_reason"`
	} `json:"decision"`
}

func TestACleanSmallClaimIsDecidedWithoutAPerson(t *testing.T) {
	t.Parallel()
	r := start(t, withAuto)
	r.importRules(t)
	d := cleanRequest("10000001")
	r.openCases(t, d)
	a := r.assessed(t, d.ClaimID)
	if !a.Automatic || a.RulesVersion != 1 || a.Computation == nil || a.Computation.PayableFen != 16_000 {
		t.Fatalf("got %+v, want automatic under version 1 paying 16000 fen", a)
	}
	traced := slices.ContainsFunc(a.Computation.Steps, func(s struct {
		Text       string `json:"text"`
		AmountFen  int64  `json:"amount_fen"`
		DocumentID string `json:"document_id"`
		Page       int    `json:"page"`
		Clause     string `json:"clause"`
	}) bool {
		return s.DocumentID == "inv-"+d.ClaimID && s.Page == 1 && s.AmountFen == 30_000
	})
	assert.True(t, traced, "the self-pay of 300 yuan is traced to the invoice's page 1: %+v", a.Computation.Steps)

	var c autoCase
	want(t, r.Do(t, http.MethodGet, "/v1/cases/"+d.ClaimID, ""), 200, &c)
	require.NotNil(t, c.Decision)
	if c.State != "approved" || c.Decision.DecidedBy != "system:auto-adjudication/MED-STP/v1" || !c.Decision.Automatic ||
		c.Decision.AmountFen != 16_000 || c.Decision.RulesVersion != 1 {
		t.Fatalf("got %s, %+v; want approved by system:auto-adjudication/MED-STP/v1, 16000 fen, version 1", c.State, c.Decision)
	}
	// The claimant is told through the decision event; nothing is paid
	// before the claimant's agreement (the product's agreement term).
	assert.Equal(t, int64(1), r.count(t, "SELECT count(*) FROM outbox WHERE event_type = ? AND convert_from(payload, 'UTF8') LIKE ?",
		events.ClaimDecided.Name, "%system:auto-adjudication/MED-STP/v1%"))
	assert.Equal(t, int64(0), r.count(t, "SELECT count(*) FROM outbox WHERE event_type = ?", events.AgreementReached.Name))

	// Every automatic decision is sampled here: a senior reviews it once.
	var q struct {
		Reviews []struct {
			ClaimID   string `json:"claim_id"`
			AmountFen int64  `json:"amount_fen"`
			Outcome   string `json:"outcome"`
		} `json:"reviews"`
	}
	want(t, r.as(t, "senior-1", auth.SeniorHandler).Do(t, http.MethodGet, "/v1/auto/reviews", ""), 200, &q)
	require.Len(t, q.Reviews, 1)
	assert.Equal(t, d.ClaimID, q.Reviews[0].ClaimID)
	path := "/v1/auto/reviews/" + d.ClaimID
	doc := r.Spec(t)
	op := "POST /v1/auto/reviews/{claimId}"
	senior := r.as(t, "senior-1", auth.SeniorHandler)
	doc.WantError(t, op, senior.Do(t, http.MethodPost, path, `{"outcome":"wrong"}`), 400, string(apperr.Invalid), "note")
	want(t, senior.Do(t, http.MethodPost, path, `{"outcome":"confirmed","note":"金额核对无误"}`), 200, nil)
	doc.WantError(t, op, r.as(t, "senior-2", auth.SeniorHandler).Do(t, http.MethodPost, path, `{"outcome":"confirmed"}`), 409, string(apperr.Conflict), "")
	want(t, senior.Do(t, http.MethodGet, "/v1/auto/reviews", ""), 200, &q)
	assert.Empty(t, q.Reviews, "no review is pending")
}

// TestEachDefectGoesToTheHandlersQueueWithItsReason is the attack on the
// path: each claim carries one defect and must wait for a person, with
// the reason on the case.
func TestEachDefectGoesToTheHandlersQueueWithItsReason(t *testing.T) {
	t.Parallel()
	r := start(t, withAuto)
	r.importRules(t)
	seen := cleanRequest("20000001")
	r.openCases(t, seen)
	require.True(t, r.assessed(t, seen.ClaimID).Automatic)

	tests := []struct {
		name   string
		change func(*events.ClaimRequestedData)
		want   string
	}{
		{"wrong name", func(d *events.ClaimRequestedData) { d.Documents[0].PatientName = "张四" }, "name_mismatch"},
		{"over the limit", func(d *events.ClaimRequestedData) {
			d.Documents[0].TotalAmountFen, d.Documents[0].Insurance = 900_000, &events.InsuranceSplit{FundPaidFen: 300_000, SelfPayFen: 600_000}
		}, "over_limit"},
		{"inside the waiting period", func(d *events.ClaimRequestedData) {
			d.Documents[0].EventDate = stpFrom().AddDate(0, 0, 10).Format("2006-01-02")
		}, "within_waiting_period"},
		{"invoice already claimed", func(d *events.ClaimRequestedData) { d.Documents[0].InvoiceNumber = "20000001" }, "invoice_seen"},
		{"invoice already claimed, its number altered", func(d *events.ClaimRequestedData) { d.Documents[0].InvoiceNumber = "20000007" }, "invoice_alike"},
		{"unreadable page", func(d *events.ClaimRequestedData) { d.Documents[0].Confidence = 0.31 }, "low_confidence"},
		{"payee not entitled", func(d *events.ClaimRequestedData) { d.Documents[2].HolderName = "王五" }, "payee_not_entitled"},
	}
	ds := make([]events.ClaimRequestedData, len(tests))
	for i, tc := range tests {
		ds[i] = cleanRequest("3000000" + strconv.Itoa(i))
		tc.change(&ds[i])
	}
	r.openCases(t, ds...)
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := r.assessed(t, ds[i].ClaimID)
			if a.Automatic || !slices.Contains(a.codes(), tc.want) {
				t.Fatalf("got automatic %v, reasons %v; want not automatic, with %s", a.Automatic, a.codes(), tc.want)
			}
			var c autoCase
			want(t, r.Do(t, http.MethodGet, "/v1/cases/"+ds[i].ClaimID, ""), 200, &c)
			if c.State != "received" || c.Decision != nil {
				t.Fatalf("got %s, %+v; want received, undecided", c.State, c.Decision)
			}
		})
	}
	assert.Equal(t, int64(1), r.count(t, "SELECT count(*) FROM decisions"), "only the clean claim is decided")
	assert.Equal(t, int64(0), r.count(t, "SELECT count(*) FROM decisions WHERE outcome = 'reject'"), "the system never rejects")

	// A handler may pay another amount than computed, saying why; the
	// difference is kept. The clean claim used the year's deductible: the
	// rules compute 300 × 80% = 240 yuan here.
	base := "/v1/cases/" + ds[0].ClaimID
	body := `{"outcome":"approve","lines":[{"benefit":"medical_expense","claimed_fen":20000,"approved_fen":20000}]`
	doc := r.Spec(t)
	handler := r.as(t, "handler-1", auth.Handler)
	doc.WantError(t, "POST /v1/cases/{claimId}/decision", handler.Do(t, http.MethodPost, base+"/decision", body+`}`), 422,
		string(apperr.Unprocessable), "amount_reason")
	var c autoCase
	want(t, handler.Do(t, http.MethodPost, base+"/decision", body+`,"amount_reason":"电话核实：患者姓名系发票打印错误"}`), 200, &c)
	require.NotNil(t, c.Decision.ComputedFen)
	assert.Equal(t, int64(24_000), *c.Decision.ComputedFen)
	assert.Equal(t, int64(1), r.count(t, "SELECT count(*) FROM case_audit WHERE details->>'difference_fen' = '-4000'"))
}

func TestTheSwitchTurnsThePathOffAudited(t *testing.T) {
	t.Parallel()
	r := start(t, withAuto)
	r.importRules(t)
	doc := r.Spec(t)
	op := "PUT /v1/auto/switch"
	want(t, r.as(t, "handler-1", auth.Handler).Do(t, http.MethodPut, "/v1/auto/switch", `{"enabled":false,"reason":"x"}`), 403, nil)
	senior := r.as(t, "senior-1", auth.SeniorHandler)
	doc.WantError(t, op, senior.Do(t, http.MethodPut, "/v1/auto/switch", `{"enabled":false}`), 400, string(apperr.Invalid), "reason")
	doc.WantError(t, op, senior.Do(t, http.MethodPut, "/v1/auto/switch", `{"reason":"x"}`), 400, string(apperr.Invalid), "enabled")
	var s struct {
		Enabled bool `json:"enabled"`
		Changes []struct {
			Enabled   bool   `json:"enabled"`
			Reason    string `json:"reason"`
			ChangedBy string `json:"changed_by"`
		} `json:"changes"`
	}
	want(t, senior.Do(t, http.MethodPut, "/v1/auto/switch", `{"enabled":false,"reason":"规则复核期间暂停自动理算"}`), 200, &s)
	if s.Enabled || len(s.Changes) != 1 || s.Changes[0].ChangedBy != "senior-1" || s.Changes[0].Reason != "规则复核期间暂停自动理算" {
		t.Fatalf("got %+v, want off, one change by senior-1 with its reason", s)
	}
	d := cleanRequest("40000001")
	r.openCases(t, d)
	a := r.assessed(t, d.ClaimID)
	if a.Automatic || !slices.Contains(a.codes(), "switched_off") {
		t.Fatalf("got automatic %v, reasons %v; want switched_off", a.Automatic, a.codes())
	}
	assert.Equal(t, int64(0), r.count(t, "SELECT count(*) FROM decisions"))
}

func TestRulesAreVersionedAndNeverRewritten(t *testing.T) {
	t.Parallel()
	r := start(t)
	r.importRules(t)
	admin := r.as(t, "admin-1", auth.Admin)
	var v struct {
		Version       int   `json:"version"`
		DeductibleFen int64 `json:"deductible_fen"`
	}
	changed := `{"benefit":"medical_expense","deductible_fen":20000,"deductible_clause":"《示例医疗保险条款》第六条第一款",
	"ratio_with_social_bp":8000,"ratio_without_social_bp":6000,"ratio_clause":"《示例医疗保险条款》第六条第二款",
	"self_funded_clause":"《示例医疗保险条款》第九条","annual_limit_fen":5000000,"limit_clause":"《示例医疗保险条款》第六条第三款","version":1}`
	// ATTACK: a handler, a senior or an auditor lowering the deductible to
	// get a claim through the straight-through path is refused.
	lowered := strings.Replace(changed, `"deductible_fen":20000`, `"deductible_fen":0`, 1)
	for _, role := range []auth.Role{auth.Handler, auth.SeniorHandler, auth.Auditor, auth.Finance, auth.CatastropheCoordinator} {
		want(t, r.as(t, "insider", role).Do(t, http.MethodPost, "/v1/products/MED-STP/rules", lowered), 403, nil)
	}
	var created struct {
		Version   int    `json:"version"`
		CreatedBy string `json:"created_by"`
	}
	forged := strings.Replace(changed, `"version":1}`, `"version":1,"created_by":"system:auto-adjudication/MED-STP/v1"}`, 1)
	want(t, admin.Do(t, http.MethodPost, "/v1/products/MED-STP/rules", forged), 201, &created)
	assert.Equal(t, "admin-1", created.CreatedBy, "the author is the caller, whatever the body says")
	want(t, admin.Do(t, http.MethodPost, "/v1/products/MED-STP/rules", changed), 201, &v)
	assert.Equal(t, 3, v.Version, "a new version, whatever the body says")
	var list struct {
		Rules []struct {
			Version       int   `json:"version"`
			DeductibleFen int64 `json:"deductible_fen"`
		} `json:"rules"`
	}
	want(t, r.Do(t, http.MethodGet, "/v1/products/MED-STP/rules", ""), 200, &list)
	require.Len(t, list.Rules, 3)
	assert.Equal(t, int64(10_000), list.Rules[0].DeductibleFen, "version 1 is kept as it was")
	r.Spec(t).WantError(t, "POST /v1/products/{code}/rules", admin.Do(t, http.MethodPost, "/v1/products/MED-STP/rules", `{"benefit":"death"}`),
		400, string(apperr.Invalid), "benefit")
}

// TestAnApprovalNothingSupportsGoesToASeniorsReview is issue 19's attack
// over HTTP: an amount typed on a claim with no document and no amount
// claimed is flagged and queued for a senior, who is not the decider.
func TestAnApprovalNothingSupportsGoesToASeniorsReview(t *testing.T) {
	t.Parallel()
	r := start(t)
	d := requestData()
	r.openCases(t, d)
	base := "/v1/cases/" + d.ClaimID
	want(t, r.as(t, "senior-1", auth.SeniorHandler).Do(t, http.MethodPost, base+"/decision", approveBody(123_456)), 200, nil)
	var q struct {
		Reviews []struct {
			ClaimID   string `json:"claim_id"`
			Reason    string `json:"reason"`
			AmountFen int64  `json:"amount_fen"`
			DecidedBy string `json:"decided_by"`
		} `json:"reviews"`
	}
	want(t, r.as(t, "auditor-1", auth.Auditor).Do(t, http.MethodGet, "/v1/auto/reviews", ""), 200, &q)
	require.Len(t, q.Reviews, 1)
	if got := q.Reviews[0]; got.ClaimID != d.ClaimID || got.Reason != "amount_unsupported" || got.AmountFen != 123_456 || got.DecidedBy != "senior-1" {
		t.Fatalf("got %+v, want claim %s, amount_unsupported, 123456 fen by senior-1", got, d.ClaimID)
	}
	assert.Equal(t, int64(1), r.count(t, "SELECT count(*) FROM case_audit WHERE claim_id = ? AND details->>'amount_unsupported' = 'true'", d.ClaimID))
	path := "/v1/auto/reviews/" + d.ClaimID
	r.Spec(t).WantError(t, "POST /v1/auto/reviews/{claimId}", r.as(t, "senior-1", auth.SeniorHandler).Do(t, http.MethodPost, path, `{"outcome":"confirmed"}`),
		403, string(apperr.Forbidden), "")
	want(t, r.as(t, "senior-2", auth.SeniorHandler).Do(t, http.MethodPost, path, `{"outcome":"wrong","note":"无发票支持，已通知追回"}`), 200, nil)
}

// TestAnAdvanceAgreementGivenBeforeTheRulesChangedWaitsForTheClaimant is
// the attack of rules changed between the claim request and the decision
// (issue 19): a claimant who agreed in advance under version 1 (whose term
// is the claimant's) did not agree to version 2, published afterwards with
// the in_advance term. The system decides the claim under version 2 but
// records no agreement and instructs no payment; the same agreement given
// after version 2 was published is recorded at the decision (adjudication
// runs the account signals: without them no advance agreement is
// recorded).
func TestAnAdvanceAgreementGivenBeforeTheRulesChangedWaitsForTheClaimant(t *testing.T) {
	t.Parallel()
	r := start(t, withAuto, func(cfg *service.Config) { cfg.SignalKey = []byte(strings.Repeat("\x8a\x01\xf3\x5c", 8)) })
	r.importRules(t)
	inAdvance := func(d events.ClaimRequestedData, agreedAt time.Time) events.ClaimRequestedData {
		const account = "6222020200112233445"
		p, err := events.Payee{Name: "张三", Role: "insured", BankName: "中国建设银行", AccountNumber: account}.SealFor(eventstest.PayeeSealer(t), eventstest.Fingerprints(), d.ClaimID)
		require.NoError(t, err)
		d.Documents[2].AccountFingerprint, d.Documents[2].AccountLast4 = p.AccountFingerprint, p.AccountLast4
		d.Payee = &p
		d.AdvanceAgreement = &events.AdvanceAgreement{Channel: "app", AgreedAt: agreedAt, AccountKey: "k-" + d.ClaimID,
			EnteredBy: "claimant-app", EnteredVia: events.EnteredViaClaimant}
		return d
	}
	before := inAdvance(cleanRequest("40000001"), time.Now().Add(-time.Minute))
	want(t, r.as(t, "admin-1", auth.Admin).Do(t, http.MethodPost, "/v1/products/MED-STP/rules",
		strings.Replace(rulesBody, `"limit_clause"`, `"agreement":"in_advance","limit_clause"`, 1)), 201, nil)
	after := cleanRequest("40000002")
	after.Documents[0].TotalAmountFen, after.Documents[0].Insurance = 110_000, &events.InsuranceSplit{FundPaidFen: 70_000, SelfPayFen: 30_000, SelfFundedFen: 10_000}
	after = inAdvance(after, time.Now())
	for _, d := range []events.ClaimRequestedData{before, after} {
		r.openCases(t, d)
		if a := r.assessed(t, d.ClaimID); !a.Automatic || a.RulesVersion != 2 {
			t.Fatalf("claim %s: got automatic %v under version %d, reasons %v; want automatic under version 2", d.ClaimID, a.Automatic, a.RulesVersion, a.codes())
		}
	}
	for _, tc := range []struct {
		d      events.ClaimRequestedData
		state  string
		agreed int64
	}{{before, "approved", 0}, {after, "agreed", 1}} {
		var c autoCase
		want(t, r.Do(t, http.MethodGet, "/v1/cases/"+tc.d.ClaimID, ""), 200, &c)
		n := r.count(t, "SELECT count(*) FROM outbox WHERE event_type = ? AND msg_key = ?", events.AgreementReached.Name, tc.d.ClaimID)
		if c.State != tc.state || c.Decision == nil || c.Decision.DecidedBy != "system:auto-adjudication/MED-STP/v2" || n != tc.agreed {
			t.Errorf("claim agreed at %v: got %s, %+v, %d agreement-reached; want %s, decided by the system under v2, %d",
				tc.d.AdvanceAgreement.AgreedAt, c.State, c.Decision, n, tc.state, tc.agreed)
		}
	}
}

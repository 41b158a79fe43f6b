package service_test

import (
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"claims.local/pkg/auth"
	"claims.local/pkg/events"
)

// Attacks on the controls of issue 14 made after they were built: a
// dishonest insider or a careless integrator through the public API.

// deathApproval approves 100000 yuan of death benefit, above a handler's
// authority (a senior approves it).
const deathApproval = `{"outcome":"approve","lines":[{"benefit":"death","claimed_fen":10000000,"approved_fen":10000000}],` + ackUnknown + `}`

// TestAttackConcurrentDecisionsCannotExceedTheSumInsuredTogether decides
// three claims of one policy at once, each within the per-claim limit, that
// together pay more than the sum insured: the policy's benefit usage is
// locked, so at most what is left is approved.
func TestAttackConcurrentDecisionsCannotExceedTheSumInsuredTogether(t *testing.T) {
	t.Parallel()
	r := start(t)
	r.importCover(t) // medical: 50000 yuan sum insured, at most 20000 yuan per claim
	ds := []events.ClaimRequestedData{requestData(), requestData(), requestData()}
	r.openCases(t, ds...)
	var wg sync.WaitGroup
	statuses := make([]int, len(ds))
	for i, d := range ds {
		handler := r.as(t, "handler-"+strconv.Itoa(i), auth.Handler)
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = handler.Do(t, http.MethodPost, "/v1/cases/"+d.ClaimID+"/decision", approveBody(2_000_000)).Status
		}()
	}
	wg.Wait()
	used := r.count(t, "SELECT coalesce(sum(approved_fen), 0) FROM decision_lines WHERE benefit = 'medical_expense'")
	if used > 5_000_000 {
		t.Fatalf("got %d fen approved on the policy (answers %v), want at most the 5000000 fen sum insured", used, statuses)
	}
	assert.Equal(t, int64(4_000_000), used, "two claims of 20000 yuan fit in 50000 yuan")
}

// TestAttackAnApprovalIsRefusedWhenACheckFailsMeanwhile proposes a decision
// above the handler's authority on a policy in force, then the policy is
// found to have lapsed before the incident: the senior's approval is
// refused while the check fails without an override.
func TestAttackAnApprovalIsRefusedWhenACheckFailsMeanwhile(t *testing.T) {
	t.Parallel()
	r := start(t)
	r.importCover(t)
	d := requestData()
	d.IncidentType = "death"
	r.openCases(t, d)
	base := "/v1/cases/" + d.ClaimID
	handler := r.as(t, "handler-1", auth.Handler)
	var pending caseAnswer
	want(t, handler.Do(t, http.MethodPost, base+"/decision", deathApproval), 200, &pending)
	assert.Equal(t, "pending_approval", pending.State)

	// The policy system says the policy ended the week before the incident.
	ended := time.Now().AddDate(0, 0, -7)
	admin := r.as(t, "admin-1", auth.Admin)
	a := admin.Do(t, http.MethodPut, "/v1/policies/P-1", `{"product_code":"LIFE-1","policyholder_name":"张三","insured_name":"张三",
		"beneficiaries":[],"effective_from":"`+ended.AddDate(-1, 0, 0).Format(time.DateOnly)+`","effective_to":"`+ended.Format(time.DateOnly)+`",
		"coverages":[{"benefit":"death","sum_insured_fen":20000000,"used_fen":0},{"benefit":"medical_expense","sum_insured_fen":5000000,"used_fen":0}]}`)
	if a.Status != http.StatusOK && a.Status != http.StatusCreated {
		t.Fatalf("got %d %s, want the policy re-imported", a.Status, a.Body)
	}
	senior := r.as(t, "senior-1", auth.SeniorHandler)
	a = senior.Do(t, http.MethodPost, base+"/decision/approval", `{"verdict":"approve","reason":"同意"}`)
	wantRefused(t, a.Status, a.Body, http.StatusConflict, "checks_failing")
	assert.Contains(t, string(a.Body), "policy_in_force", "the refusal lists the failing check")
	assert.Equal(t, int64(0), r.count(t, "SELECT count(*) FROM outbox WHERE event_type = ?", events.ClaimDecided.Name), "nothing was decided")

	// Another senior's override lets the approval through.
	want(t, r.as(t, "senior-2", auth.SeniorHandler).Do(t, http.MethodPost, base+"/checks/policy_in_force/override", `{"reason":"保单已复效，见保全批单"}`), 200, nil)
	want(t, senior.Do(t, http.MethodPost, base+"/decision/approval", `{"verdict":"approve","reason":"同意"}`), 200, nil)
}

// TestAttackTheDeciderCannotCountAnOverrideUnderAnotherSpelling overrides
// a failing check as "Senior-1" and decides as "senior-1 " (a second
// account differing only by case and space), and approves as "ＳＥＮＩＯＲ-1"
// a decision of "senior-1": adjudication compares subjects as payout does.
func TestAttackTheDeciderCannotCountAnOverrideUnderAnotherSpelling(t *testing.T) {
	t.Parallel()
	r := start(t)
	base := r.openWaitingCase(t)
	want(t, r.as(t, "Senior-1", auth.SeniorHandler).Do(t, http.MethodPost, base+"/checks/waiting_period/override", `{"reason":"已核实"}`), 200, nil)
	a := r.as(t, "senior-1 ", auth.SeniorHandler).Do(t, http.MethodPost, base+"/decision", approveBody(100_000))
	wantRefused(t, a.Status, a.Body, http.StatusConflict, "checks_failing")

	// A handler's decision above their limit, approved by the same person
	// under a full-width spelling.
	e := requestData()
	e.IncidentType = "death"
	r.importCover(t)
	r.openCases(t, e)
	want(t, r.as(t, "senior-9", auth.Handler).Do(t, http.MethodPost, "/v1/cases/"+e.ClaimID+"/decision", deathApproval), 200, nil)
	a = r.as(t, "ＳＥＮＩＯＲ-9", auth.SeniorHandler).Do(t, http.MethodPost, "/v1/cases/"+e.ClaimID+"/decision/approval", `{"verdict":"approve"}`)
	if a.Status != http.StatusForbidden {
		t.Fatalf("got %d %s, want 403 (four-eyes)", a.Status, a.Body)
	}
}

// TestAttackNoAdvanceBeyondTheContract approves an advance (R7) of 30000
// yuan, within the handler's authority, on a medical claim whose benefit
// pays at most 20000 yuan a claim: refused, as an approval beyond the
// contract is; 20000 yuan in two advances is the most.
func TestAttackNoAdvanceBeyondTheContract(t *testing.T) {
	t.Parallel()
	r := start(t)
	base := r.openCoveredCase(t)
	handler := r.as(t, "handler-1", auth.Handler)
	advance := func(fen int) string {
		return `{"amount_fen":` + strconv.Itoa(fen) + `,"reason":"已确定的住院费用","payee":{"name":"张三","role":"insured","bank_name":"中国工商银行","account_number":"6222020200112233445"}}`
	}
	a := handler.Do(t, http.MethodPost, base+"/advance", advance(3_000_000))
	wantRefused(t, a.Status, a.Body, http.StatusUnprocessableEntity, "beyond_contract")
	want(t, handler.Do(t, http.MethodPost, base+"/advance", advance(1_500_000)), 200, nil)
	a = handler.Do(t, http.MethodPost, base+"/advance", advance(600_000))
	wantRefused(t, a.Status, a.Body, http.StatusUnprocessableEntity, "beyond_contract")
	want(t, handler.Do(t, http.MethodPost, base+"/advance", advance(500_000)), 200, nil)
	assert.Equal(t, int64(2), r.count(t, "SELECT count(*) FROM outbox WHERE event_type = ?", events.AdvanceApproved.Name))
}

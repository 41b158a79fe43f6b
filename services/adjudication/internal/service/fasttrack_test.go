package service_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/auth"
	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/postgres/pgtest"
)

const declaration = `{"code":"TY-2026-09","name":"台风“海葵”","peril":"typhoon","regions":["4401","440306"],
	"window_start":"2000-01-01","window_end":"2000-12-31",
	"advance_policy":{"share_bps":3000,"cap_fen":5000000,"incident_types":["death","disability","medical"]},
	"internal_target_working_days":1}`

// importCover imports a product covering deaths (sum insured 200000
// yuan) and medical expenses, and policy P-1 on it in force this year.
func (r *running) importCover(t *testing.T) {
	t.Helper()
	admin := r.as(t, "admin-1", auth.Admin)
	want(t, admin.Do(t, http.MethodPut, "/v1/products/LIFE-1", `{"name":"示例综合保险","notice_kind":"benefit",
		"benefits":[{"code":"death","name":"身故保险金","incident_types":["death"],"clause":"《示例综合保险条款》第五条"},
			{"code":"medical_expense","name":"医疗费用保险金","incident_types":["medical"],"per_claim_limit_fen":2000000,"clause":"《示例综合保险条款》第六条"}]}`), 201, nil)
	year := strconv.Itoa(time.Now().Year())
	want(t, admin.Do(t, http.MethodPut, "/v1/policies/P-1", `{"product_code":"LIFE-1","policyholder_name":"张三","insured_name":"张三",
		"beneficiaries":[],"effective_from":"`+year+`-01-01","effective_to":"`+year+`-12-31",
		"coverages":[{"benefit":"death","sum_insured_fen":20000000,"used_fen":0},{"benefit":"medical_expense","sum_insured_fen":5000000,"used_fen":0}]}`), 201, nil)
}

type caseWithTrack struct {
	State       string `json:"state"`
	Assignee    string `json:"assignee"`
	AdvancedFen int64  `json:"advanced_fen"`
	Catastrophe *struct {
		Code          string `json:"code"`
		TargetDueDate string `json:"target_due_date"`
		TargetState   string `json:"target_state"`
	} `json:"catastrophe"`
	Advances []struct {
		ID                 string `json:"id"`
		Ground             string `json:"ground"`
		AmountFen          int64  `json:"amount_fen"`
		ExpectedBenefitFen int64  `json:"expected_benefit_fen"`
		State              string `json:"state"`
		Payee              *struct {
			AccountNumber string `json:"account_number"`
		} `json:"payee"`
	} `json:"advances"`
}

const payee = `{"name":"李四","role":"beneficiary","bank_name":"中国工商银行","account_number":"6222020200112233445"}`

func TestTheCatastropheTeamDeclaresAndSwitchesTheModeAudited(t *testing.T) {
	t.Parallel()
	r := start(t)
	doc := r.Spec(t)
	team := r.as(t, "coordinator-1", auth.CatastropheCoordinator)
	want(t, r.as(t, "handler-1", auth.Handler).Do(t, http.MethodPost, "/v1/catastrophes", declaration), 403, nil)
	doc.WantError(t, "POST /v1/catastrophes", team.Do(t, http.MethodPost, "/v1/catastrophes", strings.Replace(declaration, `"4401"`, `"4"`, 1)),
		400, "invalid_argument", "regions[0]")
	var declared struct {
		Code       string `json:"code"`
		Active     bool   `json:"active"`
		Version    int    `json:"version"`
		DeclaredBy string `json:"declared_by"`
	}
	want(t, team.Do(t, http.MethodPost, "/v1/catastrophes", declaration), 201, &declared)
	assert.Equal(t, "TY-2026-09", declared.Code)
	assert.False(t, declared.Active, "declared with the mode off")
	assert.Equal(t, "coordinator-1", declared.DeclaredBy, "who, from the token")
	doc.WantError(t, "POST /v1/catastrophes", team.Do(t, http.MethodPost, "/v1/catastrophes", declaration), 409, "conflict", "")

	path := "/v1/catastrophes/TY-2026-09/activation"
	doc.WantError(t, "POST /v1/catastrophes/{code}/activation", team.Do(t, http.MethodPost, path, `{"active":true}`), 400, "invalid_argument", "reason")
	doc.WantError(t, "POST /v1/catastrophes/{code}/activation", team.Do(t, http.MethodPost, path, `{"reason":"x"}`), 400, "invalid_argument", "active")
	doc.WantError(t, "POST /v1/catastrophes/{code}/activation", team.Do(t, http.MethodPost, "/v1/catastrophes/NOPE/activation",
		`{"active":true,"reason":"x"}`), 404, "not_found", "")
	want(t, team.Do(t, http.MethodPost, path, `{"active":true,"reason":"台风登陆"}`), 200, &declared)
	assert.True(t, declared.Active)
	doc.WantError(t, "POST /v1/catastrophes/{code}/activation", team.Do(t, http.MethodPost, path, `{"active":true,"reason":"again"}`), 409, "conflict", "")
	want(t, r.as(t, "coordinator-2", auth.CatastropheCoordinator).Do(t, http.MethodPost, path, `{"active":false,"reason":"灾情结束"}`), 200, &declared)
	assert.Equal(t, 3, declared.Version)

	var audit struct {
		Switches []struct {
			Version int    `json:"version"`
			Action  string `json:"action"`
			Actor   string `json:"actor"`
			Reason  string `json:"reason"`
		} `json:"switches"`
	}
	want(t, r.as(t, "auditor-1", auth.Auditor).Do(t, http.MethodGet, "/v1/catastrophes/TY-2026-09/switches", ""), 200, &audit)
	require.Len(t, audit.Switches, 3)
	assert.Equal(t, "declared by coordinator-1", audit.Switches[0].Action+" by "+audit.Switches[0].Actor)
	assert.Equal(t, "activated by coordinator-1: 台风登陆", audit.Switches[1].Action+" by "+audit.Switches[1].Actor+": "+audit.Switches[1].Reason)
	assert.Equal(t, "deactivated by coordinator-2: 灾情结束", audit.Switches[2].Action+" by "+audit.Switches[2].Actor+": "+audit.Switches[2].Reason)
	want(t, r.as(t, "handler-1", auth.Handler).Do(t, http.MethodGet, "/v1/catastrophes/TY-2026-09/switches", ""), 403, nil)
	var list struct {
		Catastrophes []struct {
			Code string `json:"code"`
		} `json:"catastrophes"`
	}
	want(t, r.as(t, "finance-1", auth.Finance).Do(t, http.MethodGet, "/v1/catastrophes", ""), 200, &list)
	require.Len(t, list.Catastrophes, 1)

	// Each change is announced on the compacted topic under the code's key.
	db := pgtest.Open(t, r.dsn, 2)
	var keys []string
	require.NoError(t, db.Raw("SELECT msg_key FROM outbox WHERE topic = ? ORDER BY id", r.prefix+"claims.catastrophes.v1").Scan(&keys).Error)
	assert.Equal(t, []string{"catastrophe/TY-2026-09", "catastrophe/TY-2026-09", "catastrophe/TY-2026-09"}, keys)
}

func TestATaggedCaseTakesTheFastTrack(t *testing.T) {
	t.Parallel()
	r := start(t)
	r.importCover(t)
	team := r.as(t, "coordinator-1", auth.CatastropheCoordinator)
	want(t, team.Do(t, http.MethodPost, "/v1/catastrophes", declaration), 201, nil)
	want(t, team.Do(t, http.MethodPost, "/v1/catastrophes/TY-2026-09/activation", `{"active":true,"reason":"台风登陆"}`), 200, nil)

	plain, death, medical, unknown := requestData(), requestData(), requestData(), requestData()
	plain.FirstReceivedAt = plain.FirstReceivedAt.Add(-72 * time.Hour) // older: first without the tags
	death.IncidentType, death.CatastropheCode, death.IncidentPlace = "death", "TY-2026-09", "440106"
	death.Beneficiary = &events.Person{Name: "李四", Relation: "spouse"}
	// The policy names no beneficiary: 李四 is paid as a legal heir, with
	// the proof of the relationship on the claim.
	death.Documents = []events.ClaimDocument{{DocumentID: "doc-marriage", Type: "relationship_proof", SHA256: "cd"}}
	medical.CatastropheCode, medical.ClaimedAmountFen = "TY-2026-09", 300_000
	unknown.CatastropheCode = "NO-SUCH"
	r.openCases(t, plain, death, medical, unknown)

	var c caseWithTrack
	want(t, r.Do(t, http.MethodGet, "/v1/cases/"+death.ClaimID, ""), 200, &c)
	require.NotNil(t, c.Catastrophe, "tagged")
	assert.Equal(t, "TY-2026-09", c.Catastrophe.Code)
	assert.NotEmpty(t, c.Catastrophe.TargetDueDate)
	require.Len(t, c.Advances, 1)
	assert.Equal(t, "offered", c.Advances[0].State, "held until the payee is known")
	assert.Equal(t, int64(20_000_000), c.Advances[0].ExpectedBenefitFen, "the sum insured of the death benefit")
	assert.Equal(t, int64(5_000_000), c.Advances[0].AmountFen, "30% of 200000 yuan, capped at 50000 yuan")
	want(t, r.Do(t, http.MethodGet, "/v1/cases/"+medical.ClaimID, ""), 200, &c)
	require.Len(t, c.Advances, 1)
	assert.Equal(t, int64(300_000), c.Advances[0].ExpectedBenefitFen, "the amount claimed, within the per-claim limit")
	assert.Equal(t, int64(90_000), c.Advances[0].AmountFen)
	want(t, r.Do(t, http.MethodGet, "/v1/cases/"+unknown.ClaimID, ""), 200, &c)
	assert.Nil(t, c.Catastrophe, "a catastrophe nobody declared: the normal path")

	// Tagged cases first in the queue, whatever their deadlines.
	var q struct {
		Items []struct {
			ClaimID     string `json:"claim_id"`
			Catastrophe *struct {
				Code string `json:"code"`
			} `json:"catastrophe"`
		} `json:"items"`
	}
	want(t, r.Do(t, http.MethodGet, "/v1/queue", ""), 200, &q)
	require.Len(t, q.Items, 4)
	for i, it := range q.Items {
		if (i < 2) != (it.Catastrophe != nil) {
			t.Fatalf("queue item %d: got %s tagged %v, want the two tagged cases first", i, it.ClaimID, it.Catastrophe != nil)
		}
	}

	// An on-site visit to arrange for the death.
	var visits struct {
		Visits []struct {
			ID          string `json:"id"`
			ClaimID     string `json:"claim_id"`
			ContactName string `json:"contact_name"`
			State       string `json:"state"`
			Version     int    `json:"version"`
		} `json:"visits"`
	}
	want(t, r.Do(t, http.MethodGet, "/v1/visits?state=to_arrange", ""), 200, &visits)
	require.Len(t, visits.Visits, 1)
	assert.Equal(t, death.ClaimID+" 李四", visits.Visits[0].ClaimID+" "+visits.Visits[0].ContactName)
	doc := r.Spec(t)
	visitPath := "/v1/visits/" + visits.Visits[0].ID
	doc.WantError(t, "PATCH /v1/visits/{id}", r.Do(t, http.MethodPatch, visitPath, `{"state":"arranged"}`), 400, "invalid_argument", "address")
	doc.WantError(t, "PATCH /v1/visits/{id}", r.Do(t, http.MethodPatch, visitPath, `{"state":"done"}`), 409, "conflict", "")
	var v struct {
		State   string `json:"state"`
		Version int    `json:"version"`
	}
	want(t, r.Do(t, http.MethodPatch, visitPath, `{"state":"arranged","address":"广州市天河区体育西路1号","scheduled_for":"2030-01-02T10:00:00+08:00","version":1}`), 200, &v)
	assert.Equal(t, "arranged 2", v.State+" "+strconv.Itoa(v.Version))
	var requested struct {
		ClaimID string `json:"claim_id"`
	}
	want(t, r.Do(t, http.MethodPost, "/v1/cases/"+medical.ClaimID+"/visits", `{"contact_name":"王五","reason":"行动不便，需上门收取材料"}`), 201, &requested)
	assert.Equal(t, medical.ClaimID, requested.ClaimID)

	// The handler records the payee: the advance is approved and announced,
	// with priority.
	handler := r.as(t, "handler-1", auth.Handler)
	base := "/v1/cases/" + death.ClaimID
	doc.WantError(t, "POST /v1/cases/{claimId}/advance", handler.Do(t, http.MethodPost, base+"/advance", `{"amount_fen":6000000,"payee":`+payee+`}`),
		400, "invalid_argument", "amount_fen")
	doc.WantError(t, "POST /v1/cases/{claimId}/advance", handler.Do(t, http.MethodPost, base+"/advance", `{"payee":{"name":"李四"}}`),
		400, "invalid_argument", "payee.role")
	want(t, handler.Do(t, http.MethodPost, base+"/advance", `{"payee":`+payee+`}`), 200, &c)
	assert.Equal(t, "approved", c.Advances[0].State)
	assert.Equal(t, "****3445", c.Advances[0].Payee.AccountNumber)
	assert.Equal(t, int64(5_000_000), c.AdvancedFen)
	db := pgtest.Open(t, r.dsn, 2)
	var payload []byte
	require.NoError(t, db.Raw("SELECT payload FROM outbox WHERE event_type = ?", events.AdvanceApproved.Name).Row().Scan(&payload))
	e, err := events.Decode(payload)
	require.NoError(t, err)
	var adv events.AdvanceApprovedData
	require.NoError(t, events.DecodeData(e, events.AdvanceApproved, &adv))
	if strings.Contains(string(e.Data), "6222020200112233445") {
		t.Errorf("got the account in clear in advance-approved: %s, want it sealed for payout (issue 17)", e.Data)
	}
	if adv.Payee, err = adv.Payee.Open(eventstest.PayeeOpener(t), eventstest.Fingerprints(), death.ClaimID); err != nil {
		t.Fatalf("got %v opening the payee with payout's key, want it sealed for payout", err)
	}
	if adv.ClaimID != death.ClaimID || adv.AmountFen != 5_000_000 || !adv.Priority || adv.Ground != events.AdvanceGroundCatastrophe ||
		adv.Payee.AccountNumber != "6222020200112233445" || adv.ApprovedBy != "handler-1" || adv.AdvanceID != c.Advances[0].ID {
		t.Fatalf("got advance-approved %+v, want 5000000 fen with priority to the full account, approved by handler-1", adv)
	}
	assert.Equal(t, "system:adjudication", adv.OfferedBy, "the catastrophe advance was offered by the system")
	// Approved, not paid: R7 is met only when payout completes the advance.
	assert.Equal(t, int64(1), r.count(t, "SELECT count(*) FROM deadline_obligations WHERE claim_id = ? AND rule = 'advance-payment' AND state = 'open'", death.ClaimID))

	// An R7 advance on a case without a catastrophe needs its amount and why.
	doc.WantError(t, "POST /v1/cases/{claimId}/advance", handler.Do(t, http.MethodPost, "/v1/cases/"+plain.ClaimID+"/advance", `{"payee":`+payee+`}`),
		400, "invalid_argument", "amount_fen")
	doc.WantError(t, "POST /v1/cases/{claimId}/advance", handler.Do(t, http.MethodPost, "/v1/cases/"+plain.ClaimID+"/advance",
		`{"amount_fen":100,"payee":`+payee+`}`), 400, "invalid_argument", "reason")
	insured := `{"name":"张三","role":"insured","bank_name":"中国工商银行","account_number":"6222020200112233445"}`
	doc.WantError(t, "POST /v1/cases/{claimId}/advance", handler.Do(t, http.MethodPost, "/v1/cases/"+plain.ClaimID+"/advance",
		`{"amount_fen":12000,"reason":"已确定的住院费用","payee":`+payee+`}`), 422, "payee_not_entitled", "payee.name")
	want(t, handler.Do(t, http.MethodPost, "/v1/cases/"+plain.ClaimID+"/advance", `{"amount_fen":12000,"reason":"已确定的住院费用","payee":`+insured+`}`), 200, &c)
	require.Len(t, c.Advances, 1)
	assert.Equal(t, "sixty-days", c.Advances[0].Ground)

	// The agreement names what was advanced.
	want(t, r.Do(t, http.MethodPost, base+"/decision", `{"outcome":"approve","lines":[{"benefit":"death","claimed_fen":20000000,"approved_fen":20000000}]}`), 200, nil)
	doc.WantError(t, "POST /v1/cases/{claimId}/advance", handler.Do(t, http.MethodPost, base+"/advance", `{"amount_fen":1,"reason":"x","payee":`+payee+`}`),
		409, "conflict", "")
	want(t, r.Do(t, http.MethodPost, base+"/agreement", `{"agreed_by":"李四","channel":"signed_form","payee":`+payee+`}`), 200, nil)
	require.NoError(t, db.Raw("SELECT payload FROM outbox WHERE event_type = ?", events.AgreementReached.Name).Row().Scan(&payload))
	e, err = events.Decode(payload)
	require.NoError(t, err)
	var agreed events.AgreementReachedData
	require.NoError(t, events.DecodeData(e, events.AgreementReached, &agreed))
	assert.Equal(t, int64(5_000_000), agreed.AdvancedFen)
}

func TestTaggedCasesAreDispatchedInBulk(t *testing.T) {
	t.Parallel()
	r := start(t)
	team := r.as(t, "coordinator-1", auth.CatastropheCoordinator)
	want(t, team.Do(t, http.MethodPost, "/v1/catastrophes", declaration), 201, nil)
	a, b, plain := requestData(), requestData(), requestData()
	a.CatastropheCode, b.CatastropheCode = "TY-2026-09", "TY-2026-09"
	r.openCases(t, a, b, plain)
	doc := r.Spec(t)
	doc.WantError(t, "POST /v1/cases/bulk", team.Do(t, http.MethodPost, "/v1/cases/bulk", `{"claim_ids":[],"action":"assign","assignee":"h"}`),
		400, "invalid_argument", "claim_ids")
	doc.WantError(t, "POST /v1/cases/bulk", team.Do(t, http.MethodPost, "/v1/cases/bulk", `{"claim_ids":["x"],"action":"decide"}`),
		400, "invalid_argument", "action")
	var res struct {
		Changed int `json:"changed"`
		Failed  int `json:"failed"`
		Results []struct {
			ClaimID string `json:"claim_id"`
			OK      bool   `json:"ok"`
			Case    *struct {
				State    string `json:"state"`
				Assignee string `json:"assignee"`
			} `json:"case"`
			Error *struct {
				Code string `json:"code"`
			} `json:"error"`
		} `json:"results"`
	}
	body := `{"claim_ids":["` + a.ClaimID + `","` + b.ClaimID + `","` + plain.ClaimID + `","no-such"],"action":"start_review","assignee":"handler-9"}`
	want(t, team.Do(t, http.MethodPost, "/v1/cases/bulk", body), 200, &res)
	assert.Equal(t, 2, res.Changed)
	assert.Equal(t, 2, res.Failed)
	require.Len(t, res.Results, 4)
	assert.Equal(t, "under_review handler-9", res.Results[0].Case.State+" "+res.Results[0].Case.Assignee)
	assert.Equal(t, "forbidden", res.Results[2].Error.Code, "the team dispatches tagged cases only")
	assert.Equal(t, "not_found", res.Results[3].Error.Code)
	senior := r.as(t, "senior-1", auth.SeniorHandler)
	want(t, senior.Do(t, http.MethodPost, "/v1/cases/bulk", `{"claim_ids":["`+plain.ClaimID+`"],"action":"assign","assignee":"handler-8"}`), 200, &res)
	assert.Equal(t, 1, res.Changed)
}

// TestCatastropheCountsAreTheServers checks the counts the catastrophe
// panel shows come from every case, before and after the switch: the open
// cases it covers, which switching it on tags, then the tagged ones.
func TestCatastropheCountsAreTheServers(t *testing.T) {
	t.Parallel()
	r := start(t)
	r.importCover(t)
	team := r.as(t, "coordinator-1", auth.CatastropheCoordinator)
	today := time.Now().In(time.FixedZone("CST", 8*3600))
	decl := strings.Replace(strings.Replace(declaration, "2000-01-01", today.AddDate(0, 0, -5).Format(time.DateOnly), 1),
		"2000-12-31", today.Format(time.DateOnly), 1)
	want(t, team.Do(t, http.MethodPost, "/v1/catastrophes", decl), 201, nil)
	covered1, covered2, elsewhere, other := requestData(), requestData(), requestData(), requestData()
	covered1.IncidentPlace, covered2.IncidentPlace, elsewhere.IncidentPlace, other.IncidentPlace = "440106", "440306", "310101", "440106"
	other.IncidentType = "theft"
	r.openCases(t, covered1, covered2, elsewhere, other)

	type counts struct {
		Tagged          int64 `json:"tagged"`
		TaggedUndecided int64 `json:"tagged_undecided"`
		UntaggedCovered int64 `json:"untagged_covered"`
	}
	var got counts
	want(t, team.Do(t, http.MethodGet, "/v1/catastrophes/TY-2026-09/counts", ""), 200, &got)
	if got != (counts{UntaggedCovered: 2}) {
		t.Fatalf("before the switch: got %+v, want 2 open cases covered and none tagged", got)
	}
	want(t, team.Do(t, http.MethodPost, "/v1/catastrophes/TY-2026-09/activation", `{"active":true,"reason":"台风登陆"}`), 200, nil)
	want(t, r.as(t, "senior-1", auth.SeniorHandler).Do(t, http.MethodGet, "/v1/catastrophes/TY-2026-09/counts", ""), 200, &got)
	if got != (counts{Tagged: 2, TaggedUndecided: 2}) {
		t.Fatalf("after the switch: got %+v, want the 2 covered cases tagged and open", got)
	}
	want(t, r.as(t, "handler-1", auth.Handler).Do(t, http.MethodGet, "/v1/catastrophes/TY-2026-09/counts", ""), 403, nil)
	r.Spec(t).WantError(t, "GET /v1/catastrophes/{code}/counts", team.Do(t, http.MethodGet, "/v1/catastrophes/NOPE/counts", ""), 404, "not_found", "")
}

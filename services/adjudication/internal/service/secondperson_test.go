package service_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/domain"
	"claims.local/adjudication/internal/service"
	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/postgres/pgtest"
)

// TestAttackWhoEnteredWhatAClaimRestsOnIsNeverItsSecondPerson: the
// straight-through path left a claim to a second person because members of
// staff entered what it rests on (the attack review of issue 19): a
// senior uploaded the bank card at the counter, another senior corrected
// the invoice. Neither may be the second person on any path a senior
// takes: approving (or returning) a colleague's decision above the
// handler's authority, overriding a failing check, reviewing a decision
// after the fact; nor approve an advance on it, as they do not decide it. Each is refused (403), names compared as auth.SameSubject
// does (a padded, full-width name is the same person); another senior may.
func TestAttackWhoEnteredWhatAClaimRestsOnIsNeverItsSecondPerson(t *testing.T) {
	t.Parallel()
	r := start(t, withAuto, func(cfg *service.Config) {
		cfg.AuthorityLimits = map[string]int64{"handler": 10_000, "senior_handler": domain.Unlimited}
	})
	r.importRules(t)
	const clerk, corrector = "senior-clerk", "senior-corrector"
	const cardAccount = "6222021234567890128"
	// byStaff is d with its bank card uploaded by the clerk and its first
	// document's total corrected by the corrector.
	byStaff := func(d events.ClaimRequestedData) events.ClaimRequestedData {
		card := len(d.Documents) - 1
		d.Documents[card].EnteredBy, d.Documents[card].EnteredVia = clerk, events.EnteredViaStaff
		d.Documents[card].AccountFingerprint = eventstest.Fingerprints().Account(d.ClaimID, cardAccount)
		d.Documents[card].AccountLast4 = "0128"
		d.Documents[0].Corrected, d.Documents[0].CorrectedBy = []string{"total_amount_fen"}, []string{corrector}
		return d
	}
	// The decision path: 240 yuan computed (the first claim used the
	// deductible), above the handler's 100 yuan.
	decided := byStaff(cleanRequest("30000001"))
	// The override path: the same invoice as a claim decided before.
	first, again := cleanRequest("30000002"), byStaff(cleanRequest("30000002"))
	// The review path: no invoice and no amount claimed, so a handler's
	// approval is flagged for a senior's review.
	flagged := byStaff(cleanRequest("30000003"))
	flagged.Documents, flagged.ClaimedAmountFen = flagged.Documents[1:], 0
	flagged.Documents[0].Corrected, flagged.Documents[0].CorrectedBy = []string{"holder_name"}, []string{corrector}
	r.openCases(t, first)
	r.assessed(t, first.ClaimID)
	r.openCases(t, decided, again, flagged)
	for _, d := range []events.ClaimRequestedData{decided, again, flagged} {
		if a := r.assessed(t, d.ClaimID); a.Automatic {
			t.Fatalf("claim %s: got automatic, want it left to a person (entered_by_staff)", d.ClaimID)
		}
	}
	handler := r.as(t, "handler-2", auth.Handler)
	approve := func(fen string) string {
		return `{"outcome":"approve","lines":[{"benefit":"medical_expense","claimed_fen":` + fen + `,"approved_fen":` + fen + `}],
			"acknowledge_unknown":"保单系统已人工核对"}`
	}
	want(t, handler.Do(t, http.MethodPost, "/v1/cases/"+decided.ClaimID+"/decision", approve("24000")), 200, nil)
	want(t, handler.Do(t, http.MethodPost, "/v1/cases/"+flagged.ClaimID+"/decision", approve("5000")), 200, nil)

	doc := r.Spec(t)
	tests := []struct {
		name, op, path, body string
	}{
		{"approving the decision above the handler's authority", "POST /v1/cases/{claimId}/decision/approval",
			"/v1/cases/" + decided.ClaimID + "/decision/approval", `{"verdict":"approve","reason":"同意"}`},
		{"returning the decision", "POST /v1/cases/{claimId}/decision/approval",
			"/v1/cases/" + decided.ClaimID + "/decision/approval", `{"verdict":"return","reason":"退回"}`},
		{"overriding the failing duplicate-invoice check", "POST /v1/cases/{claimId}/checks/{check}/override",
			"/v1/cases/" + again.ClaimID + "/checks/duplicate_invoice/override", `{"reason":"同一张发票，已核实"}`},
		{"reviewing the flagged approval after the fact", "POST /v1/auto/reviews/{claimId}",
			"/v1/auto/reviews/" + flagged.ClaimID, `{"outcome":"confirmed","note":"核对无误"}`},
		// An advance (R7) pays on what they entered before the decision.
		{"approving an advance on the held claim", "POST /v1/cases/{claimId}/advance", "/v1/cases/" + again.ClaimID + "/advance",
			`{"amount_fen":1000,"reason":"已确定的住院费用","payee":{"name":"张三","role":"insured","bank_name":"中国工商银行","account_number":"6222020200112233445"}}`},
	}
	for _, tt := range tests {
		for _, who := range []string{clerk, corrector, " ＳＥＮＩＯＲ-clerk "} {
			doc.WantError(t, tt.op, r.as(t, who, auth.SeniorHandler).Do(t, http.MethodPost, tt.path, tt.body), 403, string(apperr.Forbidden), "")
		}
	}
	// The returning verdict is left out: another senior approves.
	colleague := r.as(t, "senior-2", auth.SeniorHandler)
	for _, tt := range []int{0, 2, 3} {
		want(t, colleague.Do(t, http.MethodPost, tests[tt].path, tests[tt].body), 200, nil)
	}
	// Another senior's advance gets past who entered the documents to the
	// payee's checks (the account is not the bank card's).
	a := colleague.Do(t, http.MethodPost, tests[4].path, tests[4].body)
	wantRefused(t, a.Status, a.Body, http.StatusUnprocessableEntity, "payee_not_entitled")

	// Payout confirms the payee of a large payment: the instructions name
	// who entered and corrected what the claim rests on, so that payout
	// keeps them from being that second person too.
	payee := `{"name":"张三","role":"insured","bank_name":"中国工商银行","account_number":"` + cardAccount + `"}`
	want(t, colleague.Do(t, http.MethodPost, "/v1/cases/"+decided.ClaimID+"/agreement", agreementFor(payee)), 200, nil)
	want(t, handler.Do(t, http.MethodPost, "/v1/cases/"+again.ClaimID+"/advance", `{"amount_fen":8000,"reason":"已确定的住院费用","payee":`+payee+`}`), 200, nil)
	db := pgtest.Open(t, r.dsn, 2)
	for _, c := range []struct {
		claimID string
		typ     events.Type
	}{{decided.ClaimID, events.AgreementReached}, {again.ClaimID, events.AdvanceApproved}} {
		var payload []byte
		require.NoError(t, db.Raw("SELECT payload FROM outbox WHERE event_type = ? AND msg_key = ?", c.typ.Name, c.claimID).Row().Scan(&payload))
		e, err := events.Decode(payload)
		require.NoError(t, err)
		var data struct {
			EnteredBy []string `json:"entered_by"`
		}
		require.NoError(t, events.DecodeData(e, c.typ, &data))
		slices.Sort(data.EnteredBy)
		if !slices.Equal(data.EnteredBy, []string{clerk, corrector}) {
			t.Fatalf("%s: got entered_by %v, want [%s %s] for payout to keep from confirming the payee", c.typ.Name, data.EnteredBy, clerk, corrector)
		}
	}
}

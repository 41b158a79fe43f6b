package service_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"claims.local/pkg/auth"
	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
)

// TestAttackAHandlerCannotPayAnAccountOtherThanTheBankCard: the claimant
// provided a bank card; a handler records an agreement, then an advance on
// another claim, paying an account of his choosing to the insured's name.
// Both are refused, naming the rule, and nothing goes to payout; the card's
// account is accepted (issue 14).
func TestAttackAHandlerCannotPayAnAccountOtherThanTheBankCard(t *testing.T) {
	t.Parallel()
	r := start(t)
	r.importCover(t)
	const cardAccount, own = "6222021234567890128", "6222020200112233445"
	withCard := func() events.ClaimRequestedData {
		d := requestData()
		d.Documents = []events.ClaimDocument{{DocumentID: "doc-card", Type: "bank_card", SHA256: strings.Repeat("c", 64),
			AccountFingerprint: eventstest.Fingerprints().Account(d.ClaimID, cardAccount), AccountLast4: "0128", HolderName: "张三"}}
		return d
	}
	agreed, advanced := withCard(), withCard()
	r.openCases(t, agreed, advanced)
	handler := r.as(t, "handler-1", auth.Handler)
	payee := func(account string) string {
		return `{"name":"张三","role":"insured","bank_name":"中国工商银行","account_number":"` + account + `"}`
	}

	base := "/v1/cases/" + agreed.ClaimID
	want(t, handler.Do(t, http.MethodPost, base+"/decision", approveBody(1_000_000)), 200, nil)
	a := handler.Do(t, http.MethodPost, base+"/agreement", agreementFor(payee(own)))
	wantRefused(t, a.Status, a.Body, http.StatusUnprocessableEntity, "payee_not_entitled")
	assert.Contains(t, string(a.Body), "the account is not the one on the bank card provided", "the refusal names the rule")
	assert.NotContains(t, string(a.Body), cardAccount, "the card's account is not disclosed")

	a = handler.Do(t, http.MethodPost, "/v1/cases/"+advanced.ClaimID+"/advance", `{"amount_fen":12000,"reason":"已确定的住院费用","payee":`+payee(own)+`}`)
	wantRefused(t, a.Status, a.Body, http.StatusUnprocessableEntity, "payee_not_entitled")
	assert.Equal(t, int64(0), r.count(t, "SELECT count(*) FROM outbox WHERE event_type IN (?, ?)",
		events.AgreementReached.Name, events.AdvanceApproved.Name), "nothing goes to payout")

	// The card's account, as the claimant wrote it, is paid.
	want(t, handler.Do(t, http.MethodPost, base+"/agreement", agreementFor(payee("6222 0212 3456 7890 128"))), 200, nil)
	want(t, handler.Do(t, http.MethodPost, "/v1/cases/"+advanced.ClaimID+"/advance",
		`{"amount_fen":12000,"reason":"已确定的住院费用","payee":`+payee(cardAccount)+`}`), 200, nil)
	assert.Equal(t, int64(2), r.count(t, "SELECT count(*) FROM outbox WHERE event_type IN (?, ?)",
		events.AgreementReached.Name, events.AdvanceApproved.Name), "the agreement and the advance go to payout")
}

package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
)

// agreementInput pays an agent of the insured, with the authorisation
// document of withAuthorisation.
func agreementInput() domain.AgreementInput {
	return domain.AgreementInput{AgreedBy: "王五", Channel: "signed_form", Payee: domain.PayeeInput{Name: "王五", Role: "agent",
		BankName: "中国工商银行", AccountNumber: "6222 0202 0011 2233 445", OnBehalfOf: &domain.Person{Name: "张三", Relation: "self"},
		AuthorisationDocumentID: "doc-poa"}}
}

// withAuthorisation adds the agent's authorisation document to a claim request.
func withAuthorisation(d events.ClaimRequestedData) events.ClaimRequestedData {
	d.Documents = append(d.Documents, events.ClaimDocument{DocumentID: "doc-poa", Type: "other", SHA256: "ab"})
	return d
}

func TestTheAgreementGoesToPayoutWithItsPaymentPeriod(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.importPolicy(t, "P-1")
	f.clock.Set(at(9, 1, time.October))
	f.open(t, withAuthorisation(request("claim-ag", received)))

	_, err := f.app.RecordAgreement(ctx, handler, "claim-ag", agreementInput())
	assert.Equal(t, apperr.Conflict, apperr.CodeOf(err), "nothing decided to agree on")
	_, err = f.app.Decide(ctx, handler, "claim-ag", domain.DecisionInput{Outcome: "partly_approve",
		Lines:   []domain.BenefitLine{{Benefit: "medical_expense", ClaimedFen: 200_000, ApprovedFen: 123_456}},
		Reasons: []domain.RejectionReason{{Code: "NON_MEDICAL", Text: "自费药品不在保障范围内。", Clause: "《示例医疗保险条款》第八条"}}})
	require.NoError(t, err)

	f.clock.Set(at(10, 2, time.October))
	c, err := f.app.RecordAgreement(ctx, handler, "claim-ag", agreementInput())
	require.NoError(t, err)
	assert.Equal(t, domain.StateAgreed, c.State)
	a := c.Agreement
	assert.Equal(t, "****3445", a.Payee.AccountMasked)
	assert.Equal(t, 7, a.PaymentPeriodDays, "the product's payment period")

	var d events.AgreementReachedData
	e := outboxData(t, f, events.AgreementReached, &d)
	assert.Equal(t, topics.Adjudication(), topicOf(t, f, e.ID))
	// Issue 17: the name, the account and the principal are sealed for
	// payout; only its private key opens them.
	for _, clear := range []string{"6222020200112233445", "张三"} {
		if strings.Contains(string(e.Data), clear) {
			t.Errorf("got %q in clear in the event: %s, want it sealed for payout", clear, e.Data)
		}
	}
	if d.Payee.Name != "" || d.Payee.AccountNumber != "" || d.Payee.OnBehalfOf != nil {
		t.Errorf("got payee %+v on the topic, want its name, account and principal only sealed", d.Payee)
	}
	opened, err := d.Payee.Open(eventstest.PayeeOpener(t), eventstest.Fingerprints(), "claim-ag")
	require.NoError(t, err)
	d.Payee = opened
	want := events.AgreementReachedData{ClaimID: "claim-ag", CaseID: c.ID, PolicyNumber: "P-1", AmountFen: 123_456, Currency: "CNY",
		Payee: events.Payee{Name: "王五", Role: "agent", BankName: "中国工商银行", AccountNumber: "6222020200112233445",
			OnBehalfOf: &events.Person{Name: "张三", Relation: "self"}, AccountLast4: "3445",
			AccountFingerprint: eventstest.Fingerprints().Account("claim-ag", "6222020200112233445")},
		Channel: "signed_form", RecordedBy: "handler-1", AgreedAt: at(10, 2, time.October), PaymentPeriodDays: 7,
		DecidedBy: "handler-1"}
	assert.Equal(t, want, d)

	// The full number is sealed in the event for payout, nowhere else.
	timeline, err := f.app.Timeline(ctx, "claim-ag")
	require.NoError(t, err)
	for _, ch := range timeline {
		for k, v := range ch.Details {
			if s, ok := v.(string); ok && strings.Contains(s, "0202") {
				t.Fatalf("audit %s has %s=%q, want the account masked", ch.Action, k, s)
			}
		}
	}
	var stored []string
	require.NoError(t, f.db.Raw("SELECT account_masked FROM agreements").Scan(&stored).Error)
	assert.Equal(t, []string{"****3445"}, stored)

	_, err = f.app.RecordAgreement(ctx, handler, "claim-ag", agreementInput())
	assert.Equal(t, apperr.Conflict, apperr.CodeOf(err), "agreed once")
	assert.Equal(t, int64(1), countEvents(t, f, events.AgreementReached))
}

func topicOf(t *testing.T, f *fixture, eventID string) string {
	t.Helper()
	var topic string
	require.NoError(t, f.db.Raw("SELECT topic FROM outbox WHERE event_id = ?", eventID).Row().Scan(&topic))
	return topic
}

func TestARejectedCaseHasNoAgreement(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.open(t, request("claim-rj", time.Now().Add(-time.Hour)))
	_, err := f.app.Decide(ctx, handler, "claim-rj", reject())
	require.NoError(t, err)
	_, err = f.app.RecordAgreement(ctx, handler, "claim-rj", agreementInput())
	assert.Equal(t, apperr.Conflict, apperr.CodeOf(err))
	assert.Zero(t, countEvents(t, f, events.AgreementReached))
}

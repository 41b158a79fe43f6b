package service_test

import (
	"net/http"
	"strings"
	"testing"

	"claims.local/intake/internal/service"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/postgres/pgtest"
)

// TestTheAdvanceAgreementHandsOverThePayeeSealedForPayout: the claim
// request with an advance agreement (issue 19) hands over the payee sealed
// for payout and bound to the claim, which payout's key opens for that
// claim only; intake's outbox holds no account in clear. Without payout's
// public key intake refuses the agreement and stores nothing.
func TestTheAdvanceAgreementHandsOverThePayeeSealedForPayout(t *testing.T) {
	t.Parallel()
	const account = "6222021234567890128"
	body := `{"agree_in_advance": true, "channel": "app", "payee": {"name": "张三", "role": "insured", "bank_name": "中国工商银行", "account_number": "6222 0212 3456 7890 128"}}`

	off := start(t)
	rep, _ := off.createReport(t, "P-ADV-OFF")
	off.satisfyAll(t, rep.ID)
	if a := off.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/claim-request", body); a.Status != http.StatusConflict {
		t.Fatalf("without INTAKE_PAYEE_SEAL_KEY: got %d %s, want 409", a.Status, a.Body)
	}
	if n := len(claimRequested(t, pgtest.Open(t, off.dsn, 2), rep.ClaimID)); n != 0 {
		t.Fatalf("without INTAKE_PAYEE_SEAL_KEY: got %d claim-requested events, want none", n)
	}

	r := startWith(t, func(c *service.Config) {
		c.Payees = eventstest.PayeeSealer(t)
		c.SignalKey = []byte(strings.Repeat("\x8a\x01\xf3\x5c", 8))
	})
	rep, _ = r.createReport(t, "P-ADV-ON")
	r.satisfyAll(t, rep.ID)
	a := r.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/claim-request", body)
	if a.Status != http.StatusCreated || !strings.Contains(string(a.Body), `"account":"****0128"`) || strings.Contains(string(a.Body), account) {
		t.Fatalf("got %d %s, want 201 with the account masked", a.Status, a.Body)
	}
	db := pgtest.Open(t, r.dsn, 2)
	sent := claimRequested(t, db, rep.ClaimID)
	if len(sent) != 1 || sent[0].Payee == nil || sent[0].AdvanceAgreement == nil {
		t.Fatalf("got %+v, want one claim-requested with the payee and the advance agreement", sent)
	}
	p, adv := *sent[0].Payee, *sent[0].AdvanceAgreement
	if p.Name != "" || p.AccountNumber != "" || p.AccountFingerprint != bankaccount.Fingerprint(rep.ClaimID, account) ||
		p.NameFingerprint != bankaccount.HolderFingerprint(rep.ClaimID, "张三") || adv.Channel != "app" ||
		adv.AccountKey != bankaccount.Key([]byte(strings.Repeat("\x8a\x01\xf3\x5c", 8)), account) {
		t.Fatalf("got payee %+v, agreement %+v; want it sealed with the claim's fingerprints and the account's key", p, adv)
	}
	opened, err := p.Open(eventstest.PayeeOpener(t), rep.ClaimID)
	if err != nil || opened.Name != "张三" || opened.AccountNumber != account {
		t.Fatalf("got %+v, %v; want 张三's account for payout", opened, err)
	}
	if _, err := p.Open(eventstest.PayeeOpener(t), "another-claim"); err == nil {
		t.Fatal("got the payee opened for another claim, want an error")
	}
	wantNoAccountInClear(t, db, rep.ClaimID, account)
}

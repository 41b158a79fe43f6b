package service_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/intake/internal/service"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/httpapi"
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
	if p.Name != "" || p.AccountNumber != "" || p.AccountFingerprint != eventstest.Fingerprints().Account(rep.ClaimID, account) ||
		p.NameFingerprint != eventstest.Fingerprints().Holder(rep.ClaimID, "张三") || adv.Channel != "app" ||
		adv.AccountKey != bankaccount.Key([]byte(strings.Repeat("\x8a\x01\xf3\x5c", 8)), account) {
		t.Fatalf("got payee %+v, agreement %+v; want it sealed with the claim's fingerprints and the account's key", p, adv)
	}
	opened, err := p.Open(eventstest.PayeeOpener(t), eventstest.Fingerprints(), rep.ClaimID)
	if err != nil || opened.Name != "张三" || opened.AccountNumber != account {
		t.Fatalf("got %+v, %v; want 张三's account for payout", opened, err)
	}
	if _, err := p.Open(eventstest.PayeeOpener(t), eventstest.Fingerprints(), "another-claim"); err == nil {
		t.Fatal("got the payee opened for another claim, want an error")
	}
	wantNoAccountInClear(t, db, rep.ClaimID, account)
}

// TestAClaimRequestCannotChangeOrForgeThePayee is the attack on the payee
// of an advance agreement through intake's API: malformed agreements (the
// agreement as a string, a padded or over-long name, an account of
// full-width digits or too many digits, a payee that is not an object) get
// a 400 naming the field and store nothing; once the claim is requested
// with a payee, a second request naming another payee, or none, keeps the
// first and sends nothing new. Who entered the agreement is recorded.
func TestAClaimRequestCannotChangeOrForgeThePayee(t *testing.T) {
	t.Parallel()
	const account, other = "6222021234567890128", "6217000010001234567"
	r, rep := startRequestable(t, "P-ADV-FORGE")
	payee := func(name, acct string) string {
		return `{"agree_in_advance": true, "channel": "app", "payee": {"name": "` + name + `", "role": "insured", "bank_name": "中国工商银行", "account_number": "` + acct + `"}}`
	}
	for _, bad := range []struct{ name, body, field string }{
		{"the agreement as a string", `{"agree_in_advance": "true", "channel": "app", "payee": {"name": "张三", "role": "insured", "bank_name": "中国工商银行", "account_number": "` + account + `"}}`, "agree_in_advance"},
		{"a name of 101 characters", payee(strings.Repeat("张", 101), account), "payee.name"},
		{"a name with a control character", payee(`张\u0007三`, account), "payee.name"},
		{"an account of full-width digits", payee("张三", "６２２２０２１２３４５６７８９０１２８"), "payee.account_number"},
		{"an account of 33 digits", payee("张三", strings.Repeat("6", 33)), "payee.account_number"},
		{"a payee that is a string", `{"agree_in_advance": true, "channel": "app", "payee": "张三 ` + account + `"}`, "payee"},
		{"an unknown field", `{"agree_in_advance": true, "channel": "app", "payee": {"name": "张三", "role": "insured", "bank_name": "中国工商银行", "account_number": "` + account + `", "iban": "x"}}`, "iban"},
	} {
		a := r.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/claim-request", bad.body)
		var e httpapi.ErrorBody
		if a.Status != http.StatusBadRequest || json.Unmarshal(a.Body, &e) != nil || e.Error.Code == "" || e.Error.Field != bad.field {
			t.Errorf("%s: got %d %s, want 400 with a code on %s", bad.name, a.Status, a.Body, bad.field)
		}
	}
	if got := r.get(t, rep.ID); got.ClaimRequestedAt != nil {
		t.Fatalf("got the claim requested at %v by a refused request, want nothing stored", got.ClaimRequestedAt)
	}

	if a := r.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/claim-request", payee(" 张三 ", "6222 0212-3456 7890 128")); a.Status != http.StatusCreated {
		t.Fatalf("claim request: got %d %s, want 201", a.Status, a.Body)
	}
	for _, again := range []string{payee("钱多多", other), payee("张三", other), `{}`} {
		if a := r.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/claim-request", again); a.Status != http.StatusOK ||
			strings.Contains(string(a.Body), other[len(other)-4:]) {
			t.Errorf("asked again with %s: got %d %s, want 200 with the first payee", again, a.Status, a.Body)
		}
	}
	db := pgtest.Open(t, r.dsn, 2)
	sent := claimRequested(t, db, rep.ClaimID)
	if len(sent) != 1 || sent[0].Payee == nil || sent[0].Payee.AccountFingerprint != eventstest.Fingerprints().Account(rep.ClaimID, account) ||
		sent[0].Payee.NameFingerprint != eventstest.Fingerprints().Holder(rep.ClaimID, "张三") {
		t.Fatalf("got claim-requested %+v, want one, with the first payee", sent)
	}
	// Who entered the agreement is kept with it: an insider who names a
	// payee is on record.
	var stored struct{ Fingerprint, EnteredBy string }
	require.NoError(t, db.Raw("SELECT advance_agreement->>'account_fingerprint' AS fingerprint, advance_agreement->>'entered_by' AS entered_by FROM incident_reports WHERE id = ?",
		rep.ID).Scan(&stored).Error)
	if stored.Fingerprint != eventstest.Fingerprints().Account(rep.ClaimID, account) || stored.EnteredBy != "tester" {
		t.Fatalf("got the stored account fingerprint %q entered by %q, want the first payee's, by tester", stored.Fingerprint, stored.EnteredBy)
	}
	opened, err := sent[0].Payee.Open(eventstest.PayeeOpener(t), eventstest.Fingerprints(), rep.ClaimID)
	if err != nil || opened.Name != "张三" || opened.AccountNumber != account {
		t.Fatalf("got %+v, %v; want 张三 and the account as digits for payout", opened, err)
	}
}

// TestAnAdvanceAgreementOnPaperIsDatedWhenItWasReceived: an advance
// agreement signed on a claim form received earlier and entered later is
// dated at the form's receipt, not at its entry: adjudication counts it
// only under the rules published when it was given (issue 19), and a
// form signed before the rules changed must not read as agreed after.
func TestAnAdvanceAgreementOnPaperIsDatedWhenItWasReceived(t *testing.T) {
	t.Parallel()
	r, rep := startRequestable(t, "P-ADV-PAPER")
	received := time.Now().Add(-24 * time.Hour).UTC().Truncate(time.Microsecond)
	body := `{"received_at": "` + received.Format(time.RFC3339Nano) + `", "agree_in_advance": true, "channel": "signed_form",
		"payee": {"name": "张三", "role": "insured", "bank_name": "中国工商银行", "account_number": "6222021234567890128"}}`
	if a := r.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/claim-request", body); a.Status != http.StatusCreated {
		t.Fatalf("claim request: got %d %s, want 201", a.Status, a.Body)
	}
	sent := claimRequested(t, pgtest.Open(t, r.dsn, 2), rep.ClaimID)
	if len(sent) != 1 || sent[0].AdvanceAgreement == nil || !sent[0].AdvanceAgreement.AgreedAt.Equal(received) {
		t.Fatalf("got %+v, want one claim-requested with the agreement given at %v", sent, received)
	}
}

// TestConcurrentClaimRequestsNameOnePayee is the race on the payee: claim
// requests with different payees sent at once record one request, with one
// payee, and hand over one claim-requested event carrying that payee.
func TestConcurrentClaimRequestsNameOnePayee(t *testing.T) {
	t.Parallel()
	r, rep := startRequestable(t, "P-ADV-RACE")
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		body := fmt.Sprintf(`{"agree_in_advance": true, "channel": "app", "payee": {"name": "张三", "role": "insured", "bank_name": "中国工商银行", "account_number": "62220212345678%05d"}}`, i)
		wg.Go(func() { statuses[i] = r.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/claim-request", body).Status })
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		if s == http.StatusCreated {
			created++
		} else if s != http.StatusOK {
			t.Errorf("got status %d, want 201 once and 200 otherwise", s)
		}
	}
	db := pgtest.Open(t, r.dsn, 2)
	sent := claimRequested(t, db, rep.ClaimID)
	var stored string
	require.NoError(t, db.Raw("SELECT advance_agreement->>'account_fingerprint' FROM incident_reports WHERE id = ?", rep.ID).Scan(&stored).Error)
	if created != 1 || len(sent) != 1 || sent[0].Payee == nil || sent[0].Payee.AccountFingerprint != stored {
		t.Fatalf("got %d created, %d claim-requested, stored payee %s; want one of each, the same payee", created, len(sent), stored)
	}
}

// startRequestable starts intake holding payout's public key and returns
// a report on policy whose checklist is complete, for its claim request.
func startRequestable(t *testing.T, policy string) (*running, report) {
	t.Helper()
	r := startWith(t, func(c *service.Config) { c.Payees = eventstest.PayeeSealer(t) })
	rep, _ := r.createReport(t, policy)
	r.satisfyAll(t, rep.ID)
	return r, rep
}

package service_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/intake/internal/app"
	"claims.local/intake/internal/domain"
	"claims.local/intake/internal/service"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/httpapi"
	"claims.local/pkg/postgres/pgtest"
)

// payeeBody is a claim request with an advance agreement naming name as
// the insured payee of account; extra is added to the body's top level
// and payeeExtra to the payee (JSON members with a leading comma).
func payeeBody(name, account, extra, payeeExtra string) string {
	return `{"agree_in_advance": true, "channel": "app"` + extra + `, "payee": {"name": "` + name + `", "role": "insured", "bank_name": "中国工商银行", "account_number": "` +
		account + `"` + payeeExtra + `}}`
}

// requestWithPayee makes the claim request of a new, complete report on
// policy with body and returns the claim-requested intake signed.
func requestWithPayee(t *testing.T, r *running, policy, body string) (report, []byte) {
	t.Helper()
	rep, _ := r.createReport(t, policy)
	r.satisfyAll(t, rep.ID)
	if a := r.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/claim-request", body); a.Status != http.StatusCreated {
		t.Fatalf("claim request on %s: got %d %s, want 201", policy, a.Status, a.Body)
	}
	db := pgtest.Open(t, r.dsn, 2)
	sent := claimRequested(t, db, rep.ClaimID)
	if len(sent) != 1 || sent[0].Payee == nil {
		t.Fatalf("got claim-requested %+v, want one with the payee", sent)
	}
	raw, err := json.Marshal(sent[0].Payee)
	require.NoError(t, err)
	return rep, raw
}

// holderOf returns the verification stored with report id's advance
// agreement.
func holderOf(t *testing.T, r *running, id string) domain.HolderCheck {
	t.Helper()
	var raw string
	require.NoError(t, pgtest.Open(t, r.dsn, 2).Raw("SELECT advance_agreement->>'holder' FROM incident_reports WHERE id = ?", id).Scan(&raw).Error)
	var h domain.HolderCheck
	require.NoError(t, json.Unmarshal([]byte(raw), &h))
	return h
}

// TestTheBankVerifiesThePayeesAccountAtTheClaimRequest is the attack on
// the account-holder verification (issue 19) through intake's API and the
// simulator's register: only an account the bank holds under the payee's
// very name is verified; a look-alike's account named for the insured, an
// account no bank holds, and a claimant who sends holder_verified
// themself are not.
func TestTheBankVerifiesThePayeesAccountAtTheClaimRequest(t *testing.T) {
	t.Parallel()
	const own, lookAlike, unknown = "6222021234567890128", "6217000010001234567", "6217000099990004321"
	r := startWith(t, func(c *service.Config) {
		c.Payees, c.HolderCheck = eventstest.PayeeSealer(t), service.HolderCheckSimulator
	})
	db := pgtest.Open(t, r.dsn, 2)
	require.NoError(t, db.Exec("INSERT INTO holdersim.accounts (account_number, holder_name) VALUES (?, '张三'), (?, '张山')", own, lookAlike).Error)

	for _, tc := range []struct {
		name, policy, body string
		want               string
	}{
		{"the insured's own account", "P-HOLD-1", payeeBody("张三", own, "", ""), domain.HolderMatch},
		{"a look-alike's account named for the insured", "P-HOLD-2", payeeBody("张三", lookAlike, "", ""), domain.HolderNoMatch},
		{"an account no bank holds", "P-HOLD-3", payeeBody("张三", unknown, "", ""), domain.HolderNoMatch},
		{"the insured's account named for the look-alike", "P-HOLD-4", payeeBody("张山", own, "", ""), domain.HolderNoMatch},
	} {
		rep, payee := requestWithPayee(t, r, tc.policy, tc.body)
		verified := strings.Contains(string(payee), `"holder_verified":true`) && strings.Contains(string(payee), `"holder_verification_ref":"SIM-`)
		if got := holderOf(t, r, rep.ID); got.Result != tc.want || verified != (tc.want == domain.HolderMatch) {
			t.Errorf("%s: got the bank's answer %+v, payee %s; want %s, verified %v", tc.name, got, payee, tc.want, tc.want == domain.HolderMatch)
		}
	}

	// The claimant cannot say the bank verified: the field is no part of
	// the request, at the top or in the payee.
	rep, _ := r.createReport(t, "P-HOLD-5")
	r.satisfyAll(t, rep.ID)
	for _, body := range []string{
		payeeBody("张三", lookAlike, `, "holder_verified": true`, ""),
		payeeBody("张三", lookAlike, "", `, "holder_verified": true, "holder_verification_ref": "BANK-1"`),
	} {
		a := r.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/claim-request", body)
		var e httpapi.ErrorBody
		if a.Status != http.StatusBadRequest || json.Unmarshal(a.Body, &e) != nil || !strings.Contains(e.Error.Field, "holder_verified") {
			t.Errorf("%s: got %d %s, want 400 on holder_verified", body, a.Status, a.Body)
		}
	}
	if got := r.get(t, rep.ID); got.ClaimRequestedAt != nil {
		t.Fatalf("got the claim requested at %v by a refused request, want nothing stored", got.ClaimRequestedAt)
	}
}

// silentBank answers nothing until the question is given up.
type silentBank struct{}

func (silentBank) Verify(ctx context.Context, _ app.HolderQuery) (domain.HolderCheck, error) {
	<-ctx.Done()
	return domain.HolderCheck{}, ctx.Err()
}

// TestABankThatDoesNotAnswerVerifiesNothing: a bank that times out, fails,
// answers what the port does not define or a match without its reference,
// and intake with no verifier, leave the payee unverified; the claim
// request still goes on (a handler looks at a misread card).
func TestABankThatDoesNotAnswerVerifiesNothing(t *testing.T) {
	t.Parallel()
	const account = "6222021234567890128"
	bank := func(status int, answer string) string {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if req.Method != http.MethodPost || req.URL.Path != "/v1/account-holder-verifications" {
				http.NotFound(w, req)
				return
			}
			var q struct {
				AccountNumber string `json:"account_number"`
				Name          string `json:"name"`
			}
			if json.NewDecoder(req.Body).Decode(&q) != nil || q.AccountNumber != account || q.Name != "张三" {
				http.Error(w, "bad question", http.StatusBadRequest)
				return
			}
			w.WriteHeader(status)
			_, _ = w.Write([]byte(answer))
		}))
		t.Cleanup(s.Close)
		return s.URL
	}
	for _, tc := range []struct {
		name   string
		change func(*service.Config)
		want   string
	}{
		{"the bank's service answers match", func(c *service.Config) { c.HolderCheck = bank(http.StatusOK, `{"result":"match","reference":"BV-7"}`) }, domain.HolderMatch},
		{"the bank's service answers no match", func(c *service.Config) { c.HolderCheck = bank(http.StatusOK, `{"result":"no_match"}`) }, domain.HolderNoMatch},
		{"the bank times out", func(c *service.Config) { c.Holders, c.HolderTimeout = silentBank{}, 50*time.Millisecond }, domain.HolderUnavailable},
		{"the bank's service fails", func(c *service.Config) { c.HolderCheck = bank(http.StatusServiceUnavailable, `busy`) }, domain.HolderUnavailable},
		{"the bank's service is down", func(c *service.Config) { c.HolderCheck = "http://127.0.0.1:1" }, domain.HolderUnavailable},
		{"a match without the bank's reference", func(c *service.Config) { c.HolderCheck = bank(http.StatusOK, `{"result":"match"}`) }, domain.HolderUnavailable},
		{"an answer the port does not define", func(c *service.Config) { c.HolderCheck = bank(http.StatusOK, `{"result":"probably","reference":"X"}`) }, domain.HolderUnavailable},
		{"no verifier configured", func(*service.Config) {}, domain.HolderUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := startWith(t, func(c *service.Config) {
				c.Payees = eventstest.PayeeSealer(t)
				tc.change(c)
			})
			rep, payee := requestWithPayee(t, r, "P-BANK", payeeBody("张三", account, "", ""))
			verified := strings.Contains(string(payee), `"holder_verified":true`)
			if got := holderOf(t, r, rep.ID); got.Result != tc.want || verified != (tc.want == domain.HolderMatch) {
				t.Fatalf("got the bank's answer %+v, payee %s; want %s, verified %v", got, payee, tc.want, tc.want == domain.HolderMatch)
			}
		})
	}
}

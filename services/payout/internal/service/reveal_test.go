package service_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/auth"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/postgres/pgtest"
)

// TestRevealingThePayeeIsAllowedToSomeRolesAndRecorded: the payee is masked
// everywhere; finance may reveal it for a stated reason, a handler may not,
// and every reveal is recorded where an auditor reads it and no API can
// change it (R11).
func TestRevealingThePayeeIsAllowedToSomeRolesAndRecorded(t *testing.T) {
	t.Parallel()
	r := start(t)
	claim := uuid.NewString()
	apitest.Publish(t, r.brokers, agreement(t, r.topics, claim, 50000))
	list, _ := r.obligationsOf(t, claim, 1, "obligation for the agreement", func(obligation) bool { return true })
	path := "/v1/obligations/" + list[0].ID + "/payee/reveal"
	doc := r.Spec(t)
	op := "POST /v1/obligations/{id}/payee/reveal"

	as := func(subject string, roles ...auth.Role) *apitest.Client {
		return r.As(t, r.keys, auth.Principal{Subject: subject, Roles: roles})
	}
	doc.WantError(t, "", as("handler-9", auth.Handler).Do(t, http.MethodPost, path, `{"reason":"curious"}`), 403, "forbidden", "")
	doc.WantError(t, op, as("finance-9", auth.Finance).Do(t, http.MethodPost, path, `{"reason":"  "}`), 400, "invalid_argument", "reason")
	doc.WantError(t, op, as("finance-9", auth.Finance).Do(t, http.MethodPost, "/v1/obligations/nope/payee/reveal", `{"reason":"check"}`), 404, "not_found", "")

	a := as("finance-9", auth.Finance).Do(t, http.MethodPost, path, `{"reason":"the bank asks to confirm the account"}`)
	require.Equal(t, http.StatusOK, a.Status, "reveal: %s", a.Body)
	var payee struct {
		Name          string `json:"name"`
		AccountNumber string `json:"account_number"`
	}
	require.NoError(t, json.Unmarshal(a.Body, &payee))
	if payee.Name != "李四" || payee.AccountNumber != account {
		t.Fatalf("got payee %+v, want 李四 %s in clear", payee, account)
	}
	if a.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("got Cache-Control %q, want no-store on data revealed", a.Header.Get("Cache-Control"))
	}

	var reveals struct {
		Reveals []struct {
			ClaimID    string   `json:"claim_id"`
			Field      string   `json:"field"`
			RevealedBy string   `json:"revealed_by"`
			Roles      []string `json:"roles"`
			Reason     string   `json:"reason"`
		} `json:"reveals"`
	}
	doc.WantError(t, "", as("finance-9", auth.Finance).Do(t, http.MethodGet, "/v1/personal-data-reveals", ""), 403, "forbidden", "")
	got := as("auditor-9", auth.Auditor).Do(t, http.MethodGet, "/v1/personal-data-reveals?claim_id="+claim, "")
	require.Equal(t, http.StatusOK, got.Status)
	require.NoError(t, json.Unmarshal(got.Body, &reveals))
	if len(reveals.Reveals) != 1 || reveals.Reveals[0].RevealedBy != "finance-9" || reveals.Reveals[0].Field != "payee" ||
		reveals.Reveals[0].Reason != "the bank asks to confirm the account" || reveals.Reveals[0].Roles[0] != "finance" {
		t.Fatalf("got reveals %s, want the one by finance-9 with its reason", got.Body)
	}

	db := pgtest.Open(t, r.dsn, 1)
	require.Error(t, db.Exec(`UPDATE personal_data_reveals SET revealed_by = 'someone else'`).Error, "reveal records are append-only")
	require.Error(t, db.Exec(`DELETE FROM personal_data_reveals`).Error, "reveal records are append-only")
	if n := pgtest.Count(t, db, "SELECT count(*) FROM personal_data_reveals"); n != 1 {
		t.Fatalf("got %d reveal records, want 1: refused reveals are not recorded as reveals", n)
	}
}

package service_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"claims.local/pkg/postgres/pgtest"
)

func satisfyAllJSON(t *testing.T, reason string, items ...string) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"items": items, "reason": reason})
	require.NoError(t, err)
	return string(b)
}

// TestSeveralItemsSatisfiedInOneRequestAreStoredTogether: a handler who saw
// every original at the counter marks the items satisfied in one request
// (one transaction, one insert of the waivers, issue 21), each recorded
// with who and why, and the claim requested before goes to adjudication
// once, as it would after the last of the items one by one.
func TestSeveralItemsSatisfiedInOneRequestAreStoredTogether(t *testing.T) {
	t.Parallel()
	r := start(t)
	db := pgtest.Open(t, r.dsn, 2)
	rep := r.report(t, reportBody("P-2026-000901", "王五", map[string]string{"name": "王五", "role": "insured"}))
	missing := rep.Checklist.Missing
	if len(missing) < 2 {
		t.Fatalf("got missing %v, want at least two items", missing)
	}
	want(t, "claim request", r.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/claim-request", ""), http.StatusCreated)
	a := r.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/checklist/satisfy", satisfyAllJSON(t, "原件已在柜面核验", missing...))
	want(t, "satisfy all", a, http.StatusCreated)
	got := decode[fullReport](t, a)
	if len(got.Checklist.Missing) != 0 || got.HandedOverAt == nil {
		t.Fatalf("got missing %v, handed over at %v, want nothing missing and the claim handed over", got.Checklist.Missing, got.HandedOverAt)
	}
	for _, item := range missing {
		if w := got.Checklist.item(t, item).Waiver; w == nil || w.By != "tester" || w.Reason != "原件已在柜面核验" {
			t.Fatalf("got waiver %+v of %s, want by tester with the reason", w, item)
		}
	}
	if n := len(claimRequested(t, db, rep.ClaimID)); n != 1 {
		t.Fatalf("got %d claim-requested events, want 1", n)
	}
	if n := pgtest.Count(t, db, "SELECT count(*) FROM checklist_waivers WHERE report_id = ?", rep.ID); n != int64(len(missing)) {
		t.Fatalf("got %d waivers stored, want %d", n, len(missing))
	}
}

// TestAttackSatisfyingSeveralItemsStoresAllOrNone: a list naming an item
// the checklist does not have, an item twice, an item already satisfied,
// no item, or more items than any checklist holds is refused whole: none
// of the list's other items is marked satisfied.
func TestAttackSatisfyingSeveralItemsStoresAllOrNone(t *testing.T) {
	t.Parallel()
	r := start(t)
	db := pgtest.Open(t, r.dsn, 2)
	rep := r.report(t, reportBody("P-2026-000902", "王五", map[string]string{"name": "王五", "role": "insured"}))
	missing := rep.Checklist.Missing
	if len(missing) < 3 {
		t.Fatalf("got missing %v, want at least three items", missing)
	}
	path := "/v1/reports/" + rep.ID + "/checklist/satisfy"
	want(t, "satisfy one first", r.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/checklist/items/"+missing[0]+"/satisfy", `{"reason":"原件已核验"}`), http.StatusCreated)
	many := make([]string, 65)
	for i := range many {
		many[i] = missing[1]
	}
	for _, tt := range []struct {
		name   string
		items  []string
		status int
	}{
		{"an unknown item", []string{missing[1], "nope"}, http.StatusNotFound},
		{"an item twice", []string{missing[1], missing[2], missing[1]}, http.StatusBadRequest},
		{"an item already satisfied", []string{missing[1], missing[0]}, http.StatusConflict},
		{"no item", []string{}, http.StatusBadRequest},
		{"too many", many, http.StatusBadRequest},
	} {
		a := r.Do(t, http.MethodPost, path, satisfyAllJSON(t, "原件已核验", tt.items...))
		if a.Status != tt.status {
			t.Errorf("%s: got status %d (%s), want %d", tt.name, a.Status, a.Body, tt.status)
		}
	}
	if n := pgtest.Count(t, db, "SELECT count(*) FROM checklist_waivers WHERE report_id = ?", rep.ID); n != 1 {
		t.Fatalf("got %d waivers stored, want only the one satisfied first", n)
	}
	if got := r.get(t, rep.ID).Checklist.Missing; !slices.Equal(got, missing[1:]) {
		t.Fatalf("got missing %v, want %v", got, missing[1:])
	}
	if a := r.Do(t, http.MethodPost, path, `{"items":["`+missing[1]+`"]}`); a.Status != http.StatusBadRequest {
		t.Fatalf("no reason: got status %d (%s), want 400", a.Status, a.Body)
	}
}

// TestAttackTwoHandlersSatisfyingTheLastItemsAtOnceHandTheClaimOverOnce:
// a requested claim waits for its items; two handlers at two counters mark
// two halves of them satisfied in one request each, at the same moment.
// Each decides under the report's lock whether the claim is now complete,
// so exactly one of them hands it over: one claim-requested event, never
// none (each seeing the other's half missing) and never two.
func TestAttackTwoHandlersSatisfyingTheLastItemsAtOnceHandTheClaimOverOnce(t *testing.T) {
	t.Parallel()
	r := start(t)
	db := pgtest.Open(t, r.dsn, 2)
	for round := range 5 {
		rep := r.report(t, reportBody("P-2026-00091"+string(rune('0'+round)), "王五", map[string]string{"name": "王五", "role": "insured"}))
		missing := rep.Checklist.Missing
		want(t, "claim request", r.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/claim-request", ""), http.StatusCreated)
		half := len(missing) / 2
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i, items := range [][]string{missing[:half], missing[half:]} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = r.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/checklist/satisfy", satisfyAllJSON(t, "原件已在柜面核验", items...)).Status
			}()
		}
		wg.Wait()
		if statuses[0] != http.StatusCreated || statuses[1] != http.StatusCreated {
			t.Fatalf("round %d: got statuses %v, want 201 twice", round, statuses)
		}
		if n := len(claimRequested(t, db, rep.ClaimID)); n != 1 {
			t.Fatalf("round %d: got %d claim-requested events, want 1", round, n)
		}
		if got := r.get(t, rep.ID); got.HandedOverAt == nil {
			t.Fatalf("round %d: got the claim not handed over, want it handed over", round)
		}
	}
}

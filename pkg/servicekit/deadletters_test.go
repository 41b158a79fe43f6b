package servicekit_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"claims.local/pkg/auth"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/servicekit/servicekittest"
)

// A poison message is parked after the attempts allowed; once its cause is
// fixed, the operator's replay applies it through the same handler, and a
// second replay applies nothing more (the inbox).
func TestPoisonMessageParkedThenReplayedOnceItsCauseIsFixed(t *testing.T) {
	t.Parallel()
	r := servicekittest.Start(t)
	e, id := r.Park(t)
	if got := r.Effects(t); got != 0 {
		t.Fatalf("got %d effects of a parked event, want 0", got)
	}

	list := r.Admin.Do(t, http.MethodGet, "/v1/dead-letters", "")
	require.Equal(t, http.StatusOK, list.Status, string(list.Body))
	var listed struct {
		DeadLetters []map[string]any `json:"dead_letters"`
	}
	require.NoError(t, json.Unmarshal(list.Body, &listed))
	if len(listed.DeadLetters) != 1 || listed.DeadLetters[0]["consumer"] != servicekittest.Consumer || listed.DeadLetters[0]["replayed_at"] != nil {
		t.Fatalf("got list %s, want the one parked letter, not replayed", list.Body)
	}
	if _, ok := listed.DeadLetters[0]["payload"]; ok {
		t.Fatalf("got a payload in the list %s, want none", list.Body)
	}
	if !strings.Contains(listed.DeadLetters[0]["error"].(string), "rate table") {
		t.Fatalf("got error %v, want the handler's cause", listed.DeadLetters[0]["error"])
	}

	// Still broken: the replay fails with the cause and the letter stays parked.
	a := r.Admin.Do(t, http.MethodPost, path(id, "/replay"), "")
	if a.Status != http.StatusUnprocessableEntity || !strings.Contains(string(a.Body), "rate table") {
		t.Fatalf("replay while broken: got %d %s, want 422 with the cause", a.Status, a.Body)
	}
	if got := pgtest.Count(t, r.DB, "SELECT count(*) FROM dead_letters WHERE replayed_at IS NULL"); got != 1 {
		t.Fatalf("got %d letters still parked after a failed replay, want 1", got)
	}

	r.Broken.Store(false)
	a = r.Admin.Do(t, http.MethodPost, path(id, "/replay"), "")
	require.Equal(t, http.StatusOK, a.Status, string(a.Body))
	var replayed map[string]any
	require.NoError(t, json.Unmarshal(a.Body, &replayed))
	if replayed["replayed_by"] != "ops-1" || replayed["replayed_at"] == nil {
		t.Fatalf("got %s, want the letter marked replayed by ops-1", a.Body)
	}
	if got := r.Effects(t); got != 1 {
		t.Fatalf("got %d effects after the replay, want 1", got)
	}
	if got := pgtest.Count(t, r.DB, "SELECT count(*) FROM inbox WHERE consumer = ? AND event_id = ?", servicekittest.Consumer, e.ID); got != 1 {
		t.Fatalf("got %d inbox receipts of the replayed event, want 1", got)
	}

	// Attack: the same replay sent again changes nothing.
	a = r.Admin.Do(t, http.MethodPost, path(id, "/replay"), "")
	require.Equal(t, http.StatusOK, a.Status, string(a.Body))
	if got := r.Effects(t); got != 1 {
		t.Fatalf("got %d effects after replaying twice, want 1", got)
	}
	var again map[string]any
	require.NoError(t, json.Unmarshal(a.Body, &again))
	if again["replayed_at"] != replayed["replayed_at"] {
		t.Fatalf("got replayed_at %v after a second replay, want the first one kept (%v)", again["replayed_at"], replayed["replayed_at"])
	}
}

// Attack: the dead-letter routes are an admin's. Every other role gets 403
// on list, show and replay, and a refused replay applies nothing.
func TestAttackOnlyAnAdminListsShowsOrReplaysDeadLetters(t *testing.T) {
	t.Parallel()
	r := servicekittest.Start(t)
	_, id := r.Park(t)
	r.Broken.Store(false)
	for _, role := range auth.Roles() {
		if role == auth.Admin {
			continue
		}
		c := r.Client.As(t, r.Keys, auth.Principal{Subject: "x-" + string(role), Roles: []auth.Role{role}})
		for _, call := range [][2]string{{http.MethodGet, "/v1/dead-letters"}, {http.MethodGet, path(id, "")}, {http.MethodPost, path(id, "/replay")}} {
			if a := c.Do(t, call[0], call[1], ""); a.Status != http.StatusForbidden {
				t.Errorf("%s %s as %s: got %d, want 403", call[0], call[1], role, a.Status)
			}
		}
	}
	if a := r.Client.Do(t, http.MethodGet, "/v1/dead-letters", ""); a.Status != http.StatusUnauthorized {
		t.Errorf("list without a token: got %d, want 401", a.Status)
	}
	if got := r.Effects(t); got != 0 {
		t.Fatalf("got %d effects after refused replays, want 0", got)
	}
	if a := r.Admin.Do(t, http.MethodGet, "/v1/dead-letters/x", ""); a.Status != http.StatusBadRequest {
		t.Errorf("show of id x: got %d, want 400", a.Status)
	}
	if a := r.Admin.Do(t, http.MethodPost, "/v1/dead-letters/999999/replay", ""); a.Status != http.StatusNotFound {
		t.Errorf("replay of an unknown id: got %d, want 404", a.Status)
	}
}

// R11: show opens the sealed payload for the admin and prints it masked:
// never the full account or ID number, in the answer or stored.
func TestAttackShowNeverPrintsAFullAccountOrIDNumber(t *testing.T) {
	t.Parallel()
	r := servicekittest.Start(t)
	e, id := r.Park(t)
	var stored []byte
	require.NoError(t, r.DB.Raw("SELECT payload FROM dead_letters WHERE id = ?", id).Row().Scan(&stored))
	if bytes.Contains(stored, []byte(servicekittest.Account)) || bytes.Contains(stored, []byte(servicekittest.IDNumber)) {
		t.Fatalf("got the stored payload in clear, want it sealed")
	}
	a := r.Admin.Do(t, http.MethodGet, path(id, ""), "")
	require.Equal(t, http.StatusOK, a.Status, string(a.Body))
	for _, full := range []string{servicekittest.Account, servicekittest.IDNumber} {
		if strings.Contains(string(a.Body), full) {
			t.Fatalf("got %s, want no full number %s", a.Body, full)
		}
	}
	var shown struct {
		Payload struct {
			ID   string `json:"id"`
			Data struct {
				Payee map[string]string `json:"payee"`
			} `json:"data"`
		} `json:"payload"`
	}
	require.NoError(t, json.Unmarshal(a.Body, &shown))
	if shown.Payload.ID != e.ID || !strings.HasSuffix(shown.Payload.Data.Payee["account_number"], servicekittest.Account[len(servicekittest.Account)-4:]) {
		t.Fatalf("got payload %s, want the event opened with the account masked to its last 4 digits", a.Body)
	}
}

func path(id int64, suffix string) string {
	return "/v1/dead-letters/" + strconv.FormatInt(id, 10) + suffix
}

package main

import (
	"strconv"
	"strings"
	"testing"

	"claims.local/pkg/auth"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/servicekit/servicekittest"
)

// The operator's procedure against a real service on the kit: list shows
// the parked message, show prints it masked, replay fails while the cause
// is there, and applies it once the cause is fixed, once only.
func TestDeadLettersCommandsAgainstAService(t *testing.T) {
	t.Parallel()
	r := servicekittest.Start(t)
	_, id := r.Park(t)
	admin := apitest.Token(t, r.Keys, auth.Principal{Subject: "ops-1", Roles: []auth.Role{auth.Admin}})
	vars := map[string]string{"PAYOUT_URL": "http://" + r.Addr, "CLAIMS_TOKEN": admin}
	ids := strconv.FormatInt(id, 10)

	code, out, errOut := runWithEnv(t, vars, "dead-letters", "list", "--service", "payout")
	if code != exitOK || !strings.HasPrefix(out, ids+"  "+servicekittest.Consumer+"  ") || !strings.Contains(out, "replayed=-") {
		t.Fatalf("list: got %d %q (%s), want the parked letter %s not replayed", code, out, errOut, ids)
	}

	code, out, errOut = runWithEnv(t, vars, "dead-letters", "show", "--service", "payout", "--id", ids)
	if code != exitOK || !strings.Contains(out, `"payload"`) || !strings.Contains(out, servicekittest.Account[len(servicekittest.Account)-4:]) {
		t.Fatalf("show: got %d %q (%s), want the payload masked", code, out, errOut)
	}
	for _, full := range []string{servicekittest.Account, servicekittest.IDNumber} {
		if strings.Contains(out, full) {
			t.Fatalf("show: got %q, want no full number %s", out, full)
		}
	}

	code, _, errOut = runWithEnv(t, vars, "dead-letters", "replay", "--service", "payout", "--id", ids)
	if code != exitFailure || !strings.Contains(errOut, "422") || !strings.Contains(errOut, "rate table") {
		t.Fatalf("replay while broken: got %d %q, want exit 1 with the 422 and its cause", code, errOut)
	}
	r.Broken.Store(false)
	for range 2 {
		code, out, errOut = runWithEnv(t, vars, "dead-letters", "replay", "--service", "payout", "--id", ids)
		if code != exitOK || !strings.Contains(out, `"replayed_by":"ops-1"`) {
			t.Fatalf("replay: got %d %q (%s), want it replayed by ops-1", code, out, errOut)
		}
	}
	if got := r.Effects(t); got != 1 {
		t.Fatalf("got %d effects after two replays, want 1", got)
	}
	if code, out, _ := runWithEnv(t, vars, "dead-letters", "list", "--service", "payout"); code != exitOK || !strings.Contains(out, "by ops-1") {
		t.Fatalf("list after replay: got %d %q, want it replayed by ops-1", code, out)
	}

	// Attack: a finance token is refused by the service.
	vars["CLAIMS_TOKEN"] = apitest.Token(t, r.Keys, auth.Principal{Subject: "fin-1", Roles: []auth.Role{auth.Finance}})
	if code, _, errOut := runWithEnv(t, vars, "dead-letters", "list", "--service", "payout"); code != exitFailure || !strings.Contains(errOut, "403") {
		t.Fatalf("list as finance: got %d %q, want exit 1 with 403", code, errOut)
	}
}

func TestDeadLettersCommandRefusesBadFlags(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"CLAIMS_TOKEN": "tok"}
	for name, args := range map[string][]string{
		"no subcommand":   {"dead-letters"},
		"unknown service": {"dead-letters", "list", "--service", "billing"},
		"show without id": {"dead-letters", "show", "--service", "intake"},
		"bad url":         {"dead-letters", "list", "--service", "intake", "--url", "ftp://x"},
		"unknown sub":     {"dead-letters", "purge", "--service", "intake"},
	} {
		if code, _, _ := runWithEnv(t, vars, args...); code != exitUsage {
			t.Errorf("%s: got status %d, want %d", name, code, exitUsage)
		}
	}
	if code, _, _ := runWithEnv(t, nil, "dead-letters", "list", "--service", "intake"); code != exitUsage {
		t.Errorf("no token: got status %d, want %d", code, exitUsage)
	}
}

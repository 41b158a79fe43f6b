package signin

import (
	"net/http"
	"strings"
	"testing"
)

// TestAttackAPasswordTypedAsTheNameIsNotLogged: a user types their
// password into the name field (or a guesser sprays passwords as names);
// every failed, refused and delayed sign-in was logged with the name as
// typed, so the password sat in the console's logs, read by whoever reads
// them. A name is logged only when it names a user.
func TestAttackAPasswordTypedAsTheNameIsNotLogged(t *testing.T) {
	l := newLockout(t)
	const password = "Tr0ub4dor&3-horse"
	for i := range 8 {
		got := l.from("198.51.100.7", password, "x")
		if got != http.StatusUnauthorized && got != http.StatusTooManyRequests {
			t.Fatalf("sign-in %d: got %d, want 401 or 429", i+1, got)
		}
	}
	if got := l.from("198.51.100.8", "handler-1", "wrong-pass"); got != http.StatusUnauthorized {
		t.Fatalf("a known user's wrong password: got %d, want 401", got)
	}
	logs := l.logs.String()
	if strings.Contains(strings.ToLower(logs), strings.ToLower(password)) {
		t.Errorf("got the password typed as a name in the logs, want it nowhere:\n%s", logs)
	}
	if !strings.Contains(logs, `"username":"handler-1"`) {
		t.Errorf("got logs without the known user's failed sign-in, want username handler-1 there:\n%s", logs)
	}
}

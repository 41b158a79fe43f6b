package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/postgres/pgtest"
)

// signInStatus posts a sign-in to the console at base and answers the status.
func signInStatus(t *testing.T, base, user, password string) int {
	t.Helper()
	resp, err := http.Post(base+"/api/auth/sign-in", "application/json",
		strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, user, password)))
	if err != nil {
		t.Fatalf("sign in as %q: %v", user, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestAttackSignInThrottlingCannotBeWalkedAround attacks the sign-in of two
// console replicas sharing one database, as issue 15 found it walked
// around: after the failures the same user name padded with spaces, folded
// or in full-width letters, with the right password, on the other replica,
// is refused (429); twenty wrong guesses sent at once to both replicas get
// no more than the allowed failures checked (401), the rest are refused
// before the password is looked at (429).
func TestAttackSignInThrottlingCannotBeWalkedAround(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	shared := pgtest.NewDatabase(t)
	env := []string{"CONSOLE_DATABASE_DSN=" + shared.DSN, "CONSOLE_MIGRATION_DSN=" + shared.OwnerDSN, "CONSOLE_SIGNIN_MAX_FAILURES=3"}
	one, _ := sys.startConsole(t, env...)
	two, _ := sys.startConsole(t, env...)

	for i := range 3 {
		if got := signInStatus(t, one, "handler-1", "wrong-pass"); got != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: got %d, want 401", i+1, got)
		}
	}
	for _, name := range []string{" handler-1", "handler-1  ", "HANDLER-1", "ｈａｎｄｌｅｒ－１", "\u3000handler-1"} {
		for _, base := range []string{one, two} {
			if got := signInStatus(t, base, name, "handler-1-pw"); got != http.StatusTooManyRequests {
				t.Errorf("%q with the right password after 3 failures (replica %s): got %d, want 429", name, base, got)
			}
		}
	}

	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for i := range 20 {
		base := []string{one, two}[i%2]
		wg.Go(func() {
			got := signInStatus(t, base, "senior-1", "wrong-pass")
			mu.Lock()
			statuses[got]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if statuses[http.StatusUnauthorized] > 3 || statuses[http.StatusUnauthorized]+statuses[http.StatusTooManyRequests] != 20 {
		t.Fatalf("20 concurrent wrong guesses on two replicas: got statuses %v, want at most 3 checked (401) and the rest refused (429)", statuses)
	}
	if got := signInStatus(t, two, "senior-1", "senior-1-pw"); got != http.StatusTooManyRequests {
		t.Fatalf("the right password after the concurrent guesses: got %d, want 429", got)
	}
}

package service_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/google/uuid"

	"claims.local/adjudication/internal/app"
	"claims.local/pkg/auth"
)

// TestAttackOneCallerCannotHoldWaitsWithoutEnd is a handler's token (or a
// script holding one) sending read after read of cases that never open,
// each with ?wait=10s: every such request held a goroutine, a connection
// and a watch for ten seconds, however many the one caller held at once,
// so a single token could hold as many as the machine's descriptors allow
// and the service's other callers were answered by what was left. A caller
// holds at most app.MaxWaitsPerCaller waits at once; one more is refused
// at once (503 overloaded, with Retry-After), and another caller still
// waits.
func TestAttackOneCallerCannotHoldWaitsWithoutEnd(t *testing.T) {
	t.Parallel()
	r := start(t)
	attacker := r.as(t, "h-attacker", auth.Handler)
	sent := app.MaxWaitsPerCaller + 16
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for i := 0; i < sent; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := attacker.Do(t, http.MethodGet, "/v1/cases/"+uuid.NewString()+"?wait=10s", "")
			mu.Lock()
			statuses[a.Status]++
			mu.Unlock()
		}()
	}
	other := r.as(t, "h-colleague", auth.Handler).Do(t, http.MethodGet, "/v1/cases/"+uuid.NewString()+"?wait=100ms", "")
	wg.Wait()
	if other.Status != http.StatusNotFound {
		t.Errorf("another caller's wait beside them: got status %d (%s), want 404 after its wait", other.Status, other.Body)
	}
	// The waits are all sent at once and each lasts ten seconds: none has
	// ended when the last is received.
	if statuses[http.StatusServiceUnavailable] < 1 || statuses[http.StatusNotFound] > app.MaxWaitsPerCaller {
		t.Errorf("%d waits of one caller at once: got statuses %v, want at most %d answered 404 after their wait and the rest 503",
			sent, statuses, app.MaxWaitsPerCaller)
	}
	if statuses[http.StatusNotFound]+statuses[http.StatusServiceUnavailable] != sent {
		t.Errorf("%d waits of one caller at once: got statuses %v, want only 404 and 503", sent, statuses)
	}
}

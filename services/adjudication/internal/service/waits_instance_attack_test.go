package service_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"claims.local/adjudication/internal/service"
	"claims.local/pkg/auth"
	"claims.local/pkg/httpapi/apitest"
)

// TestAttackManyCallersCannotHoldEveryWait is someone holding many tokens
// (distinct subjects), or a script behind the claimant channel's one,
// sending reads of cases that never open with ?wait=10s: each caller stays
// under app.MaxWaitsPerCaller, so nothing bounded how many goroutines,
// connections and watches they held together but the ten seconds (red
// team, session 14, left open). An instance holds at most Config.MaxWaits
// waits at once over all callers: one more is refused at once, 503
// overloaded with Retry-After, a colleague's read and decision included
// (a clear answer, not a hang); once the held waits end, the colleague's
// wait is held again and answered when its case opens.
func TestAttackManyCallersCannotHoldEveryWait(t *testing.T) {
	t.Parallel()
	const limit, callers = 8, 12
	r := start(t, func(c *service.Config) { c.MaxWaits = limit })
	doc := r.Spec(t)
	answers := make(chan apitest.Answer, callers)
	for i := range callers {
		attacker := r.as(t, fmt.Sprintf("h-attacker-%d", i), auth.Handler)
		go func() {
			var a apitest.Answer // status 0 when the request itself failed
			defer func() { answers <- a }()
			a = attacker.Do(t, http.MethodGet, "/v1/cases/"+uuid.NewString()+"?wait=10s", "")
		}()
	}
	// The waits beyond the instance's bound are answered first, at once;
	// the held ones only when their ten seconds are over.
	for i := range callers - limit {
		a := <-answers
		if a.Status != http.StatusServiceUnavailable {
			t.Fatalf("answer %d of %d waits of %d callers on an instance holding %d: got status %d (%s), want 503 at once for each beyond %d",
				i+1, callers, callers, limit, a.Status, a.Body, limit)
		}
		doc.WantError(t, "GET /v1/cases/{claimId}", a, 503, "overloaded", "")
	}

	colleague := r.as(t, "h-colleague", auth.Handler)
	d := requestData()
	read := colleague.Do(t, http.MethodGet, "/v1/cases/"+d.ClaimID+"?wait=10s", "")
	doc.WantError(t, "GET /v1/cases/{claimId}", read, 503, "overloaded", "")
	decided := colleague.Do(t, http.MethodPost, "/v1/cases/"+d.ClaimID+"/decision?wait=10s", approveBody(100))
	doc.WantError(t, "POST /v1/cases/{claimId}/decision", decided, 503, "overloaded", "")
	for name, a := range map[string]apitest.Answer{"read": read, "decision": decided} {
		if got := a.Header.Get("Retry-After"); got == "" {
			t.Errorf("the colleague's %s refused while the instance is full: got no Retry-After, want seconds", name)
		}
	}

	for range limit {
		if a := <-answers; a.Status != http.StatusNotFound {
			t.Errorf("a held wait for a claim that never opens: got status %d (%s), want 404 after its wait", a.Status, a.Body)
		}
	}
	opened := make(chan apitest.Answer, 1)
	go func() {
		var a apitest.Answer
		defer func() { opened <- a }()
		a = colleague.Do(t, http.MethodGet, "/v1/cases/"+d.ClaimID+"?wait=10s", "")
	}()
	r.openCases(t, d)
	if a := <-opened; a.Status != http.StatusOK {
		t.Errorf("the colleague's wait once the held ones ended: got status %d (%s), want 200 when its case opened", a.Status, a.Body)
	}
}

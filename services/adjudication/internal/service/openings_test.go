package service_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/outbox"
)

// TestAttackAWaitForACaseIsBounded: a client asks the case (or the
// decision) to wait an hour, or a negative or unreadable time, for a
// claim that will never open, to hold the service's requests open. The
// wait is refused beyond app.MaxCaseWait (10 s).
func TestAttackAWaitForACaseIsBounded(t *testing.T) {
	t.Parallel()
	r := start(t)
	doc := r.Spec(t)
	claimID := uuid.NewString()
	for _, wait := range []string{"1h", "10s1ns", "-1s", "soon"} {
		doc.WantError(t, "GET /v1/cases/{claimId}", r.Do(t, http.MethodGet, "/v1/cases/"+claimID+"?wait="+wait, ""), 400, "invalid_argument", "wait")
		doc.WantError(t, "POST /v1/cases/{claimId}/decision", r.Do(t, http.MethodPost, "/v1/cases/"+claimID+"/decision?wait="+wait, approveBody(100)),
			400, "invalid_argument", "wait")
	}
	// Within the bound, a case that does not open is answered 404 when the
	// wait is over.
	doc.WantError(t, "GET /v1/cases/{claimId}", r.Do(t, http.MethodGet, "/v1/cases/"+claimID+"?wait=200ms", ""), 404, "not_found", "")
	doc.WantError(t, "POST /v1/cases/{claimId}/decision", r.Do(t, http.MethodPost, "/v1/cases/"+claimID+"/decision?wait=200ms", approveBody(100)),
		404, "not_found", "")
}

// TestADecisionSentBeforeItsCaseOpensTakesEffectWhenItOpens: the decision
// and a read of the case are sent with ?wait= before the claim request is
// published, as a client does right after filing it; both are answered
// once adjudication has opened the case, with no 404 to poll through.
func TestADecisionSentBeforeItsCaseOpensTakesEffectWhenItOpens(t *testing.T) {
	t.Parallel()
	r := start(t)
	d := requestData()
	decided, read := make(chan apitest.Answer, 1), make(chan apitest.Answer, 1)
	go func() {
		decided <- r.Do(t, http.MethodPost, "/v1/cases/"+d.ClaimID+"/decision?wait=10s", approveBody(4_321))
	}()
	go func() { read <- r.Do(t, http.MethodGet, "/v1/cases/"+d.ClaimID+"?wait=10s", "") }()

	topics := events.Topics{Prefix: r.prefix}
	e, err := events.New(events.ClaimRequested, "intake", d.ClaimID, d.FirstReceivedAt, d)
	if err != nil {
		t.Fatal(err)
	}
	e = eventstest.SignRequest(t, e)
	v, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	apitest.Publish(t, r.brokers, outbox.Message{Topic: topics.Intake(), Key: d.ClaimID, EventID: e.ID, Type: e.Type, Value: v})

	for name, ch := range map[string]chan apitest.Answer{"the decision": decided, "the read": read} {
		if a := <-ch; a.Status != http.StatusOK {
			t.Errorf("%s sent with ?wait=10s before the case opened: got status %d (%s), want 200", name, a.Status, a.Body)
		}
	}
	if n := r.count(t, "SELECT count(*) FROM decisions d JOIN cases c ON c.id = d.case_id WHERE c.claim_id = ?", d.ClaimID); n != 1 {
		t.Fatalf("got %d decisions on the claim, want 1", n)
	}
}

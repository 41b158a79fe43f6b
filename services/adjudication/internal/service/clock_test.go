package service_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"claims.local/pkg/auth"
	"claims.local/pkg/events"
)

// TestAttackDripFedDocumentRequestsCannotStretchTheDecisionClock is a
// handler behind on a case who buys days on R4 by asking for documents one
// at a time: each request for an item not asked for before was a new
// notice, and each pause from its delivery to the supplement is deducted.
// Only the one-time notice of everything missing, or a later one for items
// that new information made necessary with that information recorded,
// pauses the clock (Insurance Law art. 22; Judicial Interpretation II art.
// 15): a later notice without its reason is refused (400, field reason),
// and the clock keeps running. A notice after intake's one-time notice (R3)
// is a later one too.
func TestAttackDripFedDocumentRequestsCannotStretchTheDecisionClock(t *testing.T) {
	t.Parallel()
	r := start(t)
	fresh := requestData()
	afterIntake := requestData()
	noticed := afterIntake.FirstReceivedAt.Add(5 * time.Minute)
	arrived := noticed.Add(20 * time.Minute)
	afterIntake.Supplements = []events.Supplement{{NoticeSentAt: noticed, ReceivedAt: &arrived}}
	r.openCases(t, fresh, afterIntake)
	h := r.as(t, "handler-1", auth.Handler)
	base := "/v1/cases/" + fresh.ClaimID

	want(t, h.Do(t, http.MethodPost, base+"/document-request", `{"documents":["出院小结"],"channel":"post"}`), 200, nil)
	want(t, h.Do(t, http.MethodPost, base+"/document-request/delivery", `{"receipt":"挂号信回执 XA1"}`), 200, nil)
	want(t, h.Do(t, http.MethodPost, base+"/documents-received", `{}`), 200, nil)

	for _, tt := range []struct{ claim, body string }{
		{fresh.ClaimID, `{"documents":["费用清单"],"channel":"post"}`},
		{fresh.ClaimID, `{"documents":["费用清单"],"channel":"post","reason":"  "}`},
		{afterIntake.ClaimID, `{"documents":["诊断证明"],"channel":"post"}`},
	} {
		a := h.Do(t, http.MethodPost, "/v1/cases/"+tt.claim+"/document-request", tt.body)
		if a.Status != http.StatusBadRequest || !strings.Contains(string(a.Body), `"field":"reason"`) {
			t.Errorf("later notice %s on %s without its reason: got %d %s, want 400 on field reason", tt.body, tt.claim, a.Status, a.Body)
		}
	}
	assert.Equal(t, int64(1), r.count(t, `SELECT count(*) FROM case_audit WHERE action = 'documents_requested'`), "notices recorded")
	assert.Equal(t, int64(2), r.count(t, `SELECT count(*) FROM deadline_obligations WHERE rule = 'decision' AND state = 'open'`),
		"decision clocks running")

	// With the new information that made it necessary, it is a notice.
	want(t, h.Do(t, http.MethodPost, base+"/document-request",
		`{"documents":["费用清单"],"channel":"post","reason":"出院小结记载另有门诊费用，需补充费用清单"}`), 200, nil)
}

package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"claims.local/pkg/events"
	"claims.local/pkg/kafkabus/kafkatest"
)

// TestADocumentRequestIsOneSupplementaryNoticeThatPausesFromDelivery: a
// document request from adjudication is a supplementary notice (Insurance
// Law art. 22). It goes to the claimant through the notification channel
// with what it asks for; the decision clock (R4) stops only once the notice
// reached the claimant (Judicial Interpretation II art. 15), not when it was
// sent. Asking again for an item already asked for, without the new
// information that makes it necessary, is refused with 409 and pauses
// nothing.
func TestADocumentRequestIsOneSupplementaryNoticeThatPausesFromDelivery(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.startAll()

	r, caseURL := sys.openedCase(t, "P-E2E-NOTICE")
	ask := map[string]any{"documents": []string{"出院小结"}, "channel": "post"}
	if status := sys.call(t, http.MethodPost, caseURL+"/document-request", ask, nil); status != http.StatusOK {
		t.Fatalf("first document request: got status %d, want 200", status)
	}
	if d := sys.decisionDeadline(t, r.ClaimID); d.State != "open" {
		t.Fatalf("got decision deadline %s before the notice was delivered, want open (the clock runs until delivery)", d.State)
	}
	got := readTopic(t, sys.brokers, sys.topics.Notifications(), 60*time.Second, func(es []events.Envelope) bool {
		return countOf(es, r.ClaimID, events.SupplementaryNoticeRequested) >= 1
	})
	var notice events.SupplementaryNoticeData
	for _, e := range got {
		if e.ClaimID == r.ClaimID && e.Type == events.SupplementaryNoticeRequested.Name {
			if err := json.Unmarshal(e.Data, &notice); err != nil {
				t.Fatalf("decode notice: %v", err)
			}
		}
	}
	if !strings.Contains(notice.Text, "出院小结") || notice.Channel != "post" {
		t.Fatalf("got notice %+v, want a posted notice naming 出院小结", notice)
	}

	// The signed postal receipt is entered by a handler: the clock stops
	// from then.
	delivered := time.Now().Truncate(time.Microsecond)
	if status := sys.call(t, http.MethodPost, caseURL+"/document-request/delivery",
		map[string]any{"delivered_at": delivered.Format(time.RFC3339Nano), "receipt": "挂号信回执 XA123456789CN"}, nil); status != http.StatusOK {
		t.Fatalf("delivery receipt: got status %d, want 200", status)
	}
	var paused struct {
		State    string     `json:"state"`
		PausedAt *time.Time `json:"paused_at"`
	}
	d := sys.decisionDeadline(t, r.ClaimID)
	sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/deadlines/"+d.ID), nil, &paused)
	if paused.State != "paused" || paused.PausedAt == nil || !paused.PausedAt.Equal(delivered) {
		t.Fatalf("got decision deadline %+v after delivery, want paused at the delivery %s", paused, delivered)
	}
	if status := sys.call(t, http.MethodPost, caseURL+"/documents-received", map[string]any{}, nil); status != http.StatusOK {
		t.Fatalf("documents received: got status %d, want 200", status)
	}

	// The same item again, with no new information: refused, no pause.
	if status := sys.call(t, http.MethodPost, caseURL+"/document-request", ask, nil); status != http.StatusConflict {
		t.Fatalf("repeated document request: got status %d, want 409", status)
	}
	if d := sys.decisionDeadline(t, r.ClaimID); d.State != "open" {
		t.Fatalf("got decision deadline %s after the refused repeat, want open", d.State)
	}
	// With the new information that made it necessary, it is a notice.
	ask["reason"] = "出院记录显示术后另有转院治疗，需补充转院后的出院小结"
	if status := sys.call(t, http.MethodPost, caseURL+"/document-request", ask, nil); status != http.StatusOK {
		t.Fatalf("document request with its reason: got status %d, want 200", status)
	}
}

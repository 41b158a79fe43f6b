package e2e

import (
	"net/http"
	"testing"

	"claims.local/pkg/kafkabus/kafkatest"
)

// TestAPartlyApprovedClaimOwesTheWrittenNoticeOfItsRefusedPart: the part
// of a claim that is not paid is refused like a whole claim (R5): the
// partial approval opens the 3-day notice deadline and has the written
// notice with its reasons and clauses. An SMS alone is not a written notice
// and meets nothing; the notice sent by post meets the deadline.
func TestAPartlyApprovedClaimOwesTheWrittenNoticeOfItsRefusedPart(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.startAll()

	r, caseURL := sys.openedCase(t, "P-E2E-PARTLY")
	decision := map[string]any{"outcome": "partly_approve", "acknowledge_unknown": acknowledgement,
		"lines":   []map[string]any{{"benefit": "medical_expense", "claimed_fen": 500000, "approved_fen": 300000}},
		"reasons": []map[string]string{{"code": "NOT_COVERED", "text": "自费药品费用不属于保险责任范围。", "clause": "《医疗保险条款》第五条"}}}
	if status := sys.call(t, http.MethodPost, caseURL+"/decision", decision, nil); status != http.StatusOK {
		t.Fatalf("partly approve: got status %d, want 200", status)
	}
	notice := func() *deadlineJSON {
		for _, d := range sys.deadlinesOf(t, "adjudication", r.ClaimID) {
			if d.Rule == "rejection-notice" {
				return &d
			}
		}
		return nil
	}
	if d := notice(); d == nil || d.State != "open" {
		t.Fatalf("got notice deadline %+v after the partial approval, want an open R5 deadline", d)
	}
	status, contentType, _ := sys.download(t, caseURL+"/rejection-letter")
	if status != http.StatusOK || contentType != "application/pdf" {
		t.Fatalf("download the notice of the refused part: got %d %s, want 200 application/pdf", status, contentType)
	}
	if status := sys.call(t, http.MethodPost, caseURL+"/rejection-letter", map[string]string{"channel": "sms"}, nil); status != http.StatusBadRequest {
		t.Fatalf("record the notice sent by SMS: got status %d, want 400 (not a written notice)", status)
	}
	if d := notice(); d.State != "open" {
		t.Fatalf("got notice deadline %s after an SMS, want open", d.State)
	}
	if status := sys.call(t, http.MethodPost, caseURL+"/rejection-letter", map[string]string{"channel": "post"}, nil); status != http.StatusOK {
		t.Fatalf("record the notice sent by post: got status %d, want 200", status)
	}
	if d := notice(); d.State != "met" {
		t.Fatalf("got notice deadline %s after the posted notice, want met", d.State)
	}
}

package service_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/intake/internal/adapters"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking/trackingtest"
)

// TestTheOneTimeNoticeAndTheHandOverMeetR3WithTheirEvidence runs intake's
// two honest ways of meeting the one-time notice's deadline (R3) under a
// monitor whose witness checks every step (red team, session 16): one
// claim's notice sent, another claim completed at the counter and handed
// to adjudication, both after their claim requests. Each step names what
// met it (domain.NoticeEvidence, domain.HandOverEvidence) and the witness
// finds it in the report: no tampered alarm.
func TestTheOneTimeNoticeAndTheHandOverMeetR3WithTheirEvidence(t *testing.T) {
	t.Parallel()
	r := start(t)
	db := pgtest.Open(t, r.dsn, 2)
	ctx := context.Background()
	noticed := r.report(t, reportBody("P-2026-000890", "王五", map[string]string{"name": "王五", "role": "insured"}))
	handed := r.report(t, reportBody("P-2026-000891", "赵六", map[string]string{"name": "赵六", "role": "insured"}))
	for _, id := range []string{noticed.ID, handed.ID} {
		want(t, "claim request", r.Do(t, http.MethodPost, "/v1/reports/"+id+"/claim-request", ""), http.StatusCreated)
	}
	m := trackingtest.Monitor("intake", trackingtest.Store(db, adapters.DeadlineWitness{}), time.Now)
	_, err := m.Sweep(ctx)
	require.NoError(t, err)

	want(t, "one-time notice", r.Do(t, http.MethodPost, "/v1/reports/"+noticed.ID+"/missing-documents-notices", `{"channel":"sms"}`), http.StatusCreated)
	if got := r.satisfyAll(t, handed.ID); got.HandedOverAt == nil {
		t.Fatalf("got report %s not handed over once complete, want it handed over", handed.ID)
	}
	res, err := m.Sweep(ctx)
	require.NoError(t, err)
	if res.Tampered != 0 {
		t.Fatalf("got %d tampered alarms of intake's own steps, want 0", res.Tampered)
	}
	for claim, evidence := range map[string]string{noticed.ClaimID: "notice:" + noticed.ID + "/1", handed.ClaimID: "handover:" + handed.ID} {
		if got := pgtest.Count(t, db, `SELECT count(*) FROM deadline_obligations WHERE claim_id = ? AND rule = 'missing-documents-notice'
			AND state = 'met' AND done_evidence = ?`, claim, evidence); got != 1 {
			t.Errorf("got %d R3 deadlines of claim %s met with evidence %s, want 1", got, claim, evidence)
		}
	}
}

package service_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/intake/internal/service"
	"claims.local/pkg/events"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres/pgtest"
)

// handOverUnconfirmed is the type of intake's alarm of a hand-over
// adjudication never confirmed (events.HandOverUnconfirmed), written out.
const handOverUnconfirmed = "claims.intake.handover-unconfirmed"

// receive publishes adjudication's signed receipt of the claim request of
// report rep on adjudication's topic, as adjudication does when it opens
// the case (events.ClaimRequestReceived).
func (r *running) receive(t *testing.T, adjudication *signing.Signer, rep report) {
	t.Helper()
	e, err := events.New(events.ClaimRequestReceived, "adjudication", rep.ClaimID, time.Now(), events.ClaimRequestReceivedData{
		ClaimID: rep.ClaimID, ReportID: rep.ID, RequestEventID: "request-of-" + rep.ID, CaseID: "case-" + rep.ID, ReceivedAt: time.Now().UTC()})
	require.NoError(t, err)
	e, err = adjudication.Sign(e)
	require.NoError(t, err)
	v, err := json.Marshal(e)
	require.NoError(t, err)
	apitest.Publish(t, r.brokers, outbox.Message{Topic: r.topics.Adjudication(), Key: rep.ClaimID, EventID: e.ID, Type: e.Type, Value: v})
}

// alarms counts intake's alarms of unconfirmed hand-overs of claimID in
// its outbox.
func alarms(t *testing.T, db *gorm.DB, claimID string) int64 {
	t.Helper()
	return pgtest.Count(t, db, `SELECT count(*) FROM outbox WHERE event_type = ? AND msg_key = ?`, handOverUnconfirmed, claimID)
}

// TestAttackAClaimHandedOverThatNeverReachesAdjudicationIsAlarmedAndHandedOverAgain
// is an insider holding intake's database role (red team, session 17, the
// open item of session 16). One complete claim was handed over by intake
// and its claim request marked sent in the outbox before the relay sent
// it: adjudication never sees it, opens no case, and the decision deadline
// (R4) never starts; another claim, requested but not complete, is marked
// handed over and its one-time notice's deadline (R3) met naming the
// hand-over, so that neither the notice nor the claim ever goes out. On
// main nothing noticed: intake's witness proves R3 from handed_over_at.
// Now every hand-over the database records is held to adjudication's
// signed receipt within INTAKE_HANDOVER_CONFIRM_WITHIN: each of the two
// raises the alarm once; the complete claim is handed over again (a new
// claim request, signed by intake), the other's R3 step is taken back (owed
// again, so its breach comes on time). An honest hand-over confirmed at
// once, and one confirmed late but within the bound, raise nothing; nor
// does an instance started afterwards on the same database.
func TestAttackAClaimHandedOverThatNeverReachesAdjudicationIsAlarmedAndHandedOverAgain(t *testing.T) {
	t.Parallel()
	adjudication, err := signing.Generate("test-adjudication-receipts")
	require.NoError(t, err)
	trusted, err := signing.ParseTrusted("adjudication", adjudication.Public())
	require.NoError(t, err)
	const within = 6 * time.Second
	configure := func(c *service.Config) {
		c.TrustedCalendar = trusted
		c.HandOverConfirmWithin = within
	}
	r := startWith(t, configure)
	db := pgtest.Open(t, r.dsn, 2)

	var reps []report
	for i, policy := range []string{"P-2026-001701", "P-2026-001702", "P-2026-001703", "P-2026-001704"} {
		rep := r.report(t, reportBody(policy, "张三", map[string]string{"name": "张三", "role": "insured"}))
		want(t, "claim request", r.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/claim-request", ""), http.StatusCreated)
		if i < 3 {
			if got := r.satisfyAll(t, rep.ID); got.HandedOverAt == nil {
				t.Fatalf("got report %s not handed over once complete, want it handed over", rep.ID)
			}
		}
		reps = append(reps, rep.report)
	}
	honest, slow, buried, forged := reps[0], reps[1], reps[2], reps[3]
	handedOver := time.Now()

	// The insider: the buried claim's request marked sent (the relay may
	// have sent it already: adjudication, played here, opens no case of
	// it either way); the forged one marked handed over, its R3 met.
	for _, stmt := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE outbox SET sent_at = now() WHERE event_type = ? AND msg_key = ? AND sent_at IS NULL`, []any{events.ClaimRequested.Name, buried.ClaimID}},
		{`UPDATE incident_reports SET handed_over_at = now() WHERE id = ?`, []any{forged.ID}},
		{`UPDATE deadline_obligations SET state = 'met', done_at = now(), done_evidence = ? WHERE claim_id = ? AND rule = 'missing-documents-notice'`,
			[]any{"handover:" + forged.ID, forged.ClaimID}},
	} {
		require.NoError(t, db.Exec(stmt.sql, stmt.args...).Error, stmt.sql)
	}

	r.receive(t, adjudication, honest)
	time.Sleep(time.Until(handedOver.Add(within / 2)))
	r.receive(t, adjudication, slow)

	require.Eventually(t, func() bool { return alarms(t, db, buried.ClaimID)+alarms(t, db, forged.ClaimID) >= 2 },
		30*time.Second, 100*time.Millisecond, "the alarms of the buried and the forged hand-overs")
	for _, c := range []struct {
		what     string
		rep      report
		alarms   int64
		requests int
	}{{"honest", honest, 0, 1}, {"slow within the bound", slow, 0, 1}, {"buried", buried, 1, 2}, {"forged", forged, 1, 0}} {
		if got := alarms(t, db, c.rep.ClaimID); got != c.alarms {
			t.Errorf("%s hand-over: got %d alarms, want %d", c.what, got, c.alarms)
		}
		if got := len(claimRequested(t, db, c.rep.ClaimID)); got != c.requests {
			t.Errorf("%s hand-over: got %d signed claim requests, want %d", c.what, got, c.requests)
		}
	}
	var r3 string
	require.NoError(t, db.Raw(`SELECT state FROM deadline_obligations WHERE claim_id = ? AND rule = 'missing-documents-notice'`, forged.ClaimID).Scan(&r3).Error)
	if r3 != "open" {
		t.Errorf("forged hand-over: got its R3 deadline %s, want open (the step taken back)", r3)
	}

	// An instance started on the same database reads the day's hand-overs
	// again and, once it has run the bound, holds them to their receipts:
	// no alarm twice.
	startWith(t, func(c *service.Config) {
		configure(c)
		c.DatabaseDSN = r.dsn
	})
	time.Sleep(2 * within)
	for _, rep := range reps {
		if got, want := alarms(t, db, rep.ClaimID), map[string]int64{buried.ClaimID: 1, forged.ClaimID: 1}[rep.ClaimID]; got != want {
			t.Errorf("claim %s after a second instance started: got %d alarms, want %d", rep.ClaimID, got, want)
		}
	}
}

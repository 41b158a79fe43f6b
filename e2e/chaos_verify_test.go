package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"claims.local/pkg/events"
	"claims.local/pkg/kafkabus"
)

// chaosTally is what the chaos run left behind, as the summary reports it.
type chaosTally struct {
	payouts, transfersAskedAgain         int
	payoutSumFen                         int64
	financeEvents, financeDeliveries     int
	redeliveries                         map[string]int
	inboxReceipts                        int
	deadLetters, failedPayoutEvents      int
	reconciledFen, completedEventsSumFen int64
}

// chaosErrors reports the failures of the checks through t: the first 40
// in full, the others as a count, so that a run of thousands of claims that
// went wrong stays readable.
type chaosErrors struct {
	t *testing.T
	n int
}

// Errorf reports a failure.
func (e *chaosErrors) Errorf(format string, args ...any) {
	e.t.Helper()
	e.n++
	if e.n <= 40 {
		e.t.Errorf(format, args...)
	} else {
		e.t.Fail()
	}
}

// done reports how many failures were not shown.
func (e *chaosErrors) done() {
	e.t.Helper()
	if e.n > 40 {
		e.t.Errorf("... and %d more failures of the checks", e.n-40)
	}
}

// queryRows runs query on db and calls scan for each row.
func queryRows(t *testing.T, db *sql.DB, query string, scan func(*sql.Rows) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			t.Fatalf("%s: scan: %v", query, err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// settle waits until nothing is left to do: every outbox sent and no
// payment scheduled or at the bank. Errors of a database still recovering
// count as not settled.
func (c *chaosCluster) settle(dbs map[string]*sql.DB, within time.Duration) error {
	pending := func(db *sql.DB, query string) int {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var n int
		if err := db.QueryRowContext(ctx, query).Scan(&n); err != nil {
			return -1
		}
		return n
	}
	deadline := time.Now().Add(within)
	var left string
	for {
		var parts []string
		for _, name := range chaosServices {
			if n := pending(dbs[name], `SELECT count(*) FROM outbox WHERE sent_at IS NULL`); n != 0 {
				parts = append(parts, fmt.Sprintf("%s outbox %d", name, n))
			}
		}
		if n := pending(dbs["payout"], `SELECT count(*) FROM obligations WHERE state IN ('scheduled', 'sent')`); n != 0 {
			parts = append(parts, fmt.Sprintf("payments under way %d", n))
		}
		if len(parts) == 0 {
			return nil
		}
		left = strings.Join(parts, ", ")
		if time.Now().After(deadline) {
			return fmt.Errorf("got %s left after %v of calm (-1: the database did not answer), want nothing left", left, within)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// verifyDatabases checks from each service's database that every claim
// reached its end exactly once: one report handed over, one case with one
// decision in effect and one agreement, both of the claim's amount, one
// completed payment of that amount executed once by the bank; nothing
// else, nothing parked.
func verifyDatabases(t *testing.T, errs *chaosErrors, dbs map[string]*sql.DB, claims []*chaosClaim, tally *chaosTally) {
	t.Helper()
	byPolicy := map[string]*chaosClaim{}
	for _, cl := range claims {
		byPolicy[cl.policy] = cl
	}

	// Intake: one report per claim, handed over to adjudication.
	reports := map[string]int{}
	known := map[string]*chaosClaim{}
	queryRows(t, dbs["intake"], `SELECT policy_number, id, claim_id, handed_over_at IS NOT NULL FROM incident_reports`, func(r *sql.Rows) error {
		var policy, id, claimID string
		var handed bool
		if err := r.Scan(&policy, &id, &claimID, &handed); err != nil {
			return err
		}
		cl, ok := byPolicy[policy]
		switch {
		case !ok:
			errs.Errorf("intake holds report %s of policy %s, which the test never reported", id, policy)
			return nil
		case cl.claimID == "":
			// The flow failed before the report's answer came: the report is
			// there nevertheless.
			cl.reportID, cl.claimID = id, claimID
		case cl.reportID != id || cl.claimID != claimID:
			errs.Errorf("policy %s: got report %s of claim %s, want report %s of claim %s (the API's answer)", policy, id, claimID, cl.reportID, cl.claimID)
		}
		if !handed {
			errs.Errorf("report %s (claim %s): got it not handed over to adjudication, want it handed over", id, claimID)
		}
		reports[policy]++
		known[claimID] = cl
		return nil
	})
	for _, cl := range claims {
		if n := reports[cl.policy]; n != 1 {
			errs.Errorf("policy %s: got %d incident reports, want exactly 1", cl.policy, n)
		}
	}

	// Adjudication: one case per claim with one decision in effect and one
	// agreement, of the claim's amount.
	cases := map[string]int{}
	queryRows(t, dbs["adjudication"], `SELECT c.claim_id, c.report_id, c.state, d.outcome, d.amount_fen,
		d.approved_at IS NOT NULL OR NOT d.needs_approval,
		(SELECT count(*) FROM decision_lines l WHERE l.case_id = c.id),
		(SELECT coalesce(sum(l.approved_fen), 0) FROM decision_lines l WHERE l.case_id = c.id),
		a.amount_fen
		FROM cases c LEFT JOIN decisions d ON d.case_id = c.id LEFT JOIN agreements a ON a.case_id = c.id`, func(r *sql.Rows) error {
		var claimID, reportID, state string
		var outcome sql.NullString
		var decided, agreed sql.NullInt64
		var effective sql.NullBool
		var lines, linesFen int64
		if err := r.Scan(&claimID, &reportID, &state, &outcome, &decided, &effective, &lines, &linesFen, &agreed); err != nil {
			return err
		}
		cl, ok := known[claimID]
		if !ok {
			errs.Errorf("adjudication holds a case of claim %s, which intake does not know: a case without its claim", claimID)
			return nil
		}
		cases[claimID]++
		want := cl.amountFen
		switch {
		case reportID != cl.reportID:
			errs.Errorf("case of claim %s: got report %s, want %s", claimID, reportID, cl.reportID)
		case state != "agreed":
			errs.Errorf("case of claim %s: got state %s, want agreed", claimID, state)
		case outcome.String != "approve" || decided.Int64 != want || !effective.Bool:
			errs.Errorf("case of claim %s: got decision %q of %d fen (in effect %v), want the approval of %d fen in effect", claimID, outcome.String, decided.Int64, effective.Bool, want)
		case lines != 1 || linesFen != want:
			errs.Errorf("case of claim %s: got %d decision lines of %d fen, want 1 of %d", claimID, lines, linesFen, want)
		case agreed.Int64 != want:
			errs.Errorf("case of claim %s: got agreement to %d fen (recorded %v), want %d", claimID, agreed.Int64, agreed.Valid, want)
		}
		return nil
	})
	for _, cl := range claims {
		if n := cases[cl.claimID]; n != 1 {
			errs.Errorf("claim %s (%s): got %d cases, want exactly 1", cl.claimID, cl.policy, n)
		}
	}

	// Payout: one completed final payment per claim of the agreed amount,
	// executed once by the bank under the obligation's id.
	payments := map[string]int{}
	queryRows(t, dbs["payout"], `SELECT o.claim_id, o.id, o.payout_type, o.state, o.amount_fen,
		t.executions, t.submissions, t.state, t.amount_fen
		FROM obligations o LEFT JOIN banksim.transfers t ON t.idempotency_key = o.id`, func(r *sql.Rows) error {
		var claimID, id, typ, state string
		var amount int64
		var executions, submissions, transferFen sql.NullInt64
		var transferState sql.NullString
		if err := r.Scan(&claimID, &id, &typ, &state, &amount, &executions, &submissions, &transferState, &transferFen); err != nil {
			return err
		}
		cl, ok := known[claimID]
		if !ok {
			errs.Errorf("payout holds obligation %s of claim %s, which intake does not know", id, claimID)
			return nil
		}
		payments[claimID]++
		if submissions.Int64 > 1 {
			tally.transfersAskedAgain++
		}
		switch {
		case typ != "final" || state != "completed" || amount != cl.amountFen:
			errs.Errorf("obligation %s of claim %s: got %s %s of %d fen, want final completed of %d", id, claimID, typ, state, amount, cl.amountFen)
		case executions.Int64 != 1 || transferState.String != "succeeded" || transferFen.Int64 != amount:
			errs.Errorf("obligation %s of claim %s: got bank transfer executed %d times, %s, of %d fen (in the ledger %v), want executed once, succeeded, of %d",
				id, claimID, executions.Int64, transferState.String, transferFen.Int64, executions.Valid, amount)
		}
		return nil
	})
	for _, cl := range claims {
		if n := payments[cl.claimID]; n != 1 {
			errs.Errorf("claim %s (%s): got %d payment obligations, want exactly 1", cl.claimID, cl.policy, n)
		}
	}
	if n := count(t, dbs["payout"], `SELECT count(*) FROM banksim.transfers WHERE idempotency_key NOT IN (SELECT id FROM obligations)`); n != 0 {
		errs.Errorf("got %d bank transfers of no obligation, want 0", n)
	}
	tally.payouts = count(t, dbs["payout"], `SELECT count(*) FROM obligations WHERE state = 'completed'`)
	queryRows(t, dbs["payout"], `SELECT coalesce(sum(amount_fen), 0) FROM obligations WHERE state = 'completed'`, func(r *sql.Rows) error {
		return r.Scan(&tally.payoutSumFen)
	})

	// Each event consumed once: the inboxes hold one receipt per claim
	// request and per agreement; nothing is parked.
	if n := count(t, dbs["adjudication"], `SELECT count(*) FROM inbox WHERE event_type = $1`, events.ClaimRequested.Name); n != len(claims) {
		errs.Errorf("adjudication's inbox: got %d claim requests received, want %d", n, len(claims))
	}
	if n := count(t, dbs["payout"], `SELECT count(*) FROM inbox WHERE event_type = $1`, events.AgreementReached.Name); n != len(claims) {
		errs.Errorf("payout's inbox: got %d agreements received, want %d", n, len(claims))
	}
	for _, name := range chaosServices {
		tally.inboxReceipts += count(t, dbs[name], `SELECT count(*) FROM inbox`)
		queryRows(t, dbs[name], `SELECT consumer, topic, kafka_partition, kafka_offset, error FROM dead_letters`, func(r *sql.Rows) error {
			var consumer, topic, cause string
			var partition, offset int64
			if err := r.Scan(&consumer, &topic, &partition, &offset, &cause); err != nil {
				return err
			}
			tally.deadLetters++
			errs.Errorf("%s parked %s %d/%d for consumer %s: %s; want no dead letters", name, topic, partition, offset, consumer, cause)
			return nil
		})
	}
}

// verifyTopics reads the topics of the three services whole and checks
// that each claim's events were published once each (a redelivery of the
// same event, by id, is allowed and counted), and that the finance events
// reconcile with the payout table to the fen: one payout-completed per
// obligation, of its amount.
func verifyTopics(t *testing.T, errs *chaosErrors, c *chaosCluster, dbs map[string]*sql.DB, claims []*chaosClaim, tally *chaosTally) {
	t.Helper()
	tally.redeliveries = map[string]int{}
	perClaim := map[events.Type]string{
		events.IncidentReported: c.sys.topics.Intake(), events.ClaimRequested: c.sys.topics.Intake(),
		events.ClaimDecided: c.sys.topics.Adjudication(), events.AgreementReached: c.sys.topics.Adjudication(),
		events.PayoutScheduled: c.sys.topics.Payout(), events.PayoutCompleted: c.sys.topics.Payout(),
	}
	read := map[string][]events.Envelope{}
	for _, topic := range []string{c.sys.topics.Intake(), c.sys.topics.Adjudication(), c.sys.topics.Payout()} {
		read[topic] = readWholeTopic(t, c.sys.brokers, topic)
	}
	for typ, topic := range perClaim {
		ids := map[string]map[string]bool{}
		for _, e := range read[topic] {
			if e.Type != typ.Name {
				continue
			}
			if ids[e.ClaimID] == nil {
				ids[e.ClaimID] = map[string]bool{}
			}
			if ids[e.ClaimID][e.ID] {
				tally.redeliveries[typ.Name]++
			}
			ids[e.ClaimID][e.ID] = true
		}
		for _, cl := range claims {
			if n := len(ids[cl.claimID]); n != 1 {
				errs.Errorf("claim %s (%s): got %d distinct %s events on %s, want exactly 1", cl.claimID, cl.policy, n, typ.Name, topic)
			}
		}
	}

	// The finance contract: one completion per obligation, of its amount.
	amounts := map[string]int64{}
	queryRows(t, dbs["payout"], `SELECT id, amount_fen FROM obligations WHERE state = 'completed'`, func(r *sql.Rows) error {
		var id string
		var fen int64
		if err := r.Scan(&id, &fen); err != nil {
			return err
		}
		amounts[id] = fen
		return nil
	})
	finance := map[string]bool{}
	completed := map[string]map[string]int64{}
	for _, e := range read[c.sys.topics.Payout()] {
		tally.financeDeliveries++
		finance[e.ID] = true
		switch e.Type {
		case events.PayoutFailed.Name:
			tally.failedPayoutEvents++
			errs.Errorf("got payout-failed %s for claim %s: %s, want none", e.ID, e.ClaimID, e.Data)
		case events.PayoutCompleted.Name:
			var d events.PayoutData
			if err := events.DecodeData(e, events.PayoutCompleted, &d); err != nil {
				errs.Errorf("payout-completed %s: %v", e.ID, err)
				continue
			}
			if completed[d.ObligationID] == nil {
				completed[d.ObligationID] = map[string]int64{}
			}
			completed[d.ObligationID][e.ID] = d.AmountFen
		}
	}
	tally.financeEvents = len(finance)
	for id, want := range amounts {
		got := completed[id]
		if len(got) != 1 {
			errs.Errorf("obligation %s: got %d distinct payout-completed events %v, want exactly 1", id, len(got), got)
			continue
		}
		for _, fen := range got {
			tally.completedEventsSumFen += fen
			if fen != want {
				errs.Errorf("obligation %s: got payout-completed of %d fen, want %d (the payout table)", id, fen, want)
			}
		}
	}
	for id := range completed {
		if _, ok := amounts[id]; !ok {
			errs.Errorf("got payout-completed for obligation %s, which is not completed in the payout table", id)
		}
	}
	if tally.completedEventsSumFen != tally.payoutSumFen {
		errs.Errorf("got %d fen in payout-completed events, want %d fen, the completed payments of the payout table", tally.completedEventsSumFen, tally.payoutSumFen)
	}
}

// verifyReconciliation checks that payout's reconciliation report (what
// finance compares its books with) sums to the payout table.
func verifyReconciliation(t *testing.T, errs *chaosErrors, client *chaosClient, dbs map[string]*sql.DB, tally *chaosTally) {
	t.Helper()
	var from, to string
	queryRows(t, dbs["payout"], `SELECT coalesce(min(value_date)::text, ''), coalesce(max(value_date)::text, '')
		FROM obligations WHERE state = 'completed'`, func(r *sql.Rows) error { return r.Scan(&from, &to) })
	if from == "" {
		errs.Errorf("got no completed payment, want %d", tally.payouts)
		return
	}
	var report struct {
		Days []struct {
			CompletedCount     int64 `json:"completed_count"`
			CompletedAmountFen int64 `json:"completed_amount_fen"`
		} `json:"days"`
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, _, err := client.do(ctx, chaosRequest{method: http.MethodGet, url: client.sys.url("payout", "/v1/reconciliation?from="+from+"&to="+to),
		want: []int{http.StatusOK}, out: &report}); err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, d := range report.Days {
		n += d.CompletedCount
		tally.reconciledFen += d.CompletedAmountFen
	}
	if n != int64(tally.payouts) || tally.reconciledFen != tally.payoutSumFen {
		errs.Errorf("reconciliation %s to %s: got %d payments of %d fen, want %d of %d fen (the payout table)", from, to, n, tally.reconciledFen, tally.payouts, tally.payoutSumFen)
	}
}

// readWholeTopic reads every event of topic up to the end of each
// partition as it is when called.
func readWholeTopic(t *testing.T, brokers kafkabus.Cluster, topic string) []events.Envelope {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := brokers.Client(30 * time.Second)
	md, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err == nil && (len(md.Topics) != 1 || md.Topics[0].Error != nil) {
		err = fmt.Errorf("got topics %+v, want %s", md.Topics, topic)
	}
	if err != nil {
		t.Fatalf("partitions of %s: %v", topic, err)
	}
	var ends []kafka.OffsetRequest
	for _, p := range md.Topics[0].Partitions {
		ends = append(ends, kafka.LastOffsetOf(p.ID))
	}
	offsets, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: ends}})
	if err != nil {
		t.Fatalf("ends of %s: %v", topic, err)
	}
	var total int64
	for _, p := range offsets.Topics[topic] {
		if p.Error != nil {
			t.Fatalf("end of %s/%d: %v", topic, p.Partition, p.Error)
		}
		total += p.LastOffset
	}
	if total == 0 {
		return nil
	}
	return readTopic(t, brokers, topic, 2*time.Minute, func(es []events.Envelope) bool { return int64(len(es)) >= total })
}

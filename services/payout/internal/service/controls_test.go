package service_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"claims.local/payout/internal/service"
	"claims.local/pkg/auth"
	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/postgres/pgtest"
)

// fortyThousandYuan is above the default segregation-of-duties threshold
// (RMB 5,000).
const fortyThousandYuan = 4_000_000

func senior(subject string) auth.Principal {
	return auth.Principal{Subject: subject, Roles: []auth.Role{auth.Handler, auth.SeniorHandler}}
}

const awaiting = "awaiting_payee_confirmation"

// confirm asks as who to confirm the payee of obligation id and returns the
// status.
func (r *running) confirm(t *testing.T, who auth.Principal, id string) apitest.Answer {
	t.Helper()
	return r.As(t, r.keys, who).Do(t, http.MethodPost, "/v1/obligations/"+id+"/payee/confirmation", `{"decision":"confirm"}`)
}

// correct corrects as who the payee of obligation id with body, wants it
// taken, and returns the obligation.
func (r *running) correct(t *testing.T, who auth.Principal, id, body string) obligation {
	t.Helper()
	a := r.As(t, r.keys, who).Do(t, http.MethodPut, "/v1/obligations/"+id+"/payee", body)
	require.Equal(t, http.StatusOK, a.Status, string(a.Body))
	var o obligation
	require.NoError(t, json.Unmarshal(a.Body, &o))
	return o
}

// Attack (issue 14): an agreement of 40,000 yuan recorded by the people who
// decided and approved it is not sent to the bank until a second senior
// confirms the payee; none of the people named in the event may confirm,
// not even with a padded or differently written name; two confirmers at
// once make one confirmation, and the payment is made once. The R6 clock
// keeps running while it waits.
func TestAttackAnAgreementAboveTheThresholdWaitsForASecondSenior(t *testing.T) {
	t.Parallel()
	r := start(t)
	db := pgtest.Open(t, r.dsn, 2)
	claim := uuid.NewString()
	apitest.Publish(t, r.brokers, agreement(t, r.topics, claim, fortyThousandYuan, func(d *events.AgreementReachedData) {
		d.RecordedBy, d.DecidedBy, d.DecisionApprovedBy = "handler-1", " Handler-1 ", "senior-1"
	}))
	list, _ := r.obligationsOf(t, claim, 1, "the obligation waiting for confirmation", func(o obligation) bool { return o.State == awaiting })
	id := list[0].ID
	time.Sleep(500 * time.Millisecond) // ten executor rounds
	if n := pgtest.Count(t, db, "SELECT count(*) FROM banksim.transfers"); n != 0 {
		t.Fatalf("got %d transfers at the bank while the payee waits for confirmation, want 0", n)
	}
	var shown struct {
		PayeeConfirmation struct {
			Required bool     `json:"required"`
			Excluded []string `json:"excluded"`
		} `json:"payee_confirmation"`
	}
	require.NoError(t, json.Unmarshal(r.Do(t, http.MethodGet, "/v1/obligations/"+id, "").Body, &shown))
	if !shown.PayeeConfirmation.Required || len(shown.PayeeConfirmation.Excluded) != 2 {
		t.Fatalf("got payee confirmation %+v, want required, excluding handler-1 and senior-1", shown.PayeeConfirmation)
	}
	waiting := r.Do(t, http.MethodGet, "/v1/obligations?state="+awaiting, "")
	require.Equal(t, http.StatusOK, waiting.Status, string(waiting.Body))
	require.Contains(t, string(waiting.Body), id, "the waiting obligation is listed by state")
	// R6 keeps running: the payment deadline is open, not paused.
	if got := r.deadlines(t, "claim_id="+claim+"&rule=payment"); len(got) != 1 || got[0].State != "open" {
		t.Fatalf("got deadlines %+v, want the R6 payment deadline open (a delay here is a delay)", got)
	}
	for _, who := range []auth.Principal{senior("senior-1"), senior(" SENIOR-1"), senior("handler-1"),
		{Subject: "handler-9", Roles: []auth.Role{auth.Handler}}, {Subject: "finance-1", Roles: []auth.Role{auth.Finance}}} {
		if a := r.confirm(t, who, id); a.Status != http.StatusForbidden {
			t.Fatalf("%q confirming: got %d (%s), want 403", who.Subject, a.Status, a.Body)
		}
	}
	// Two seniors at once: one confirmation.
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, who := range []string{"senior-3", "senior-4"} {
		wg.Go(func() { statuses[i] = r.confirm(t, senior(who), id).Status })
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		if s == http.StatusOK {
			ok++
		} else if s != http.StatusConflict {
			t.Fatalf("got statuses %v, want one 200 and one 409", statuses)
		}
	}
	if ok != 1 {
		t.Fatalf("got statuses %v, want exactly one confirmation", statuses)
	}
	r.obligationsOf(t, claim, 1, "the payment completed after the confirmation", completed)
	if n := pgtest.Count(t, db, "SELECT coalesce(sum(executions), 0) FROM banksim.transfers"); n != 1 {
		t.Fatalf("got %d executions, want 1", n)
	}
	if n := pgtest.Count(t, db, "SELECT count(*) FROM payee_changes WHERE obligation_id = ? AND action = 'confirmed'", id); n != 1 {
		t.Fatalf("got %d confirmations in the audit trail, want 1", n)
	}
}

// Attack (issue 14): a handler corrects the payee of a failed payment of
// 40,000 yuan; it is not sent until a second senior confirms, and the
// corrector confirming their own correction is refused.
func TestAttackACorrectedPayeeOfALargePaymentWaitsForASecondSenior(t *testing.T) {
	t.Parallel()
	r := start(t)
	db := pgtest.Open(t, r.dsn, 2)
	claim := uuid.NewString()
	apitest.Publish(t, r.brokers, agreement(t, r.topics, claim, fortyThousandYuan, func(d *events.AgreementReachedData) {
		d.Payee.AccountNumber = "6222000011110000" // the simulator refuses it
		d.RecordedBy, d.DecidedBy = "handler-1", "handler-1"
	}))
	list, _ := r.obligationsOf(t, claim, 1, "the obligation waiting for confirmation", func(o obligation) bool { return o.State == awaiting })
	id := list[0].ID
	require.Equal(t, http.StatusOK, r.confirm(t, senior("senior-2"), id).Status)
	r.obligationsOf(t, claim, 1, "the payment refused by the bank", func(o obligation) bool { return o.State == "failed" })

	corrector := auth.Principal{Subject: "senior-7", Roles: []auth.Role{auth.Handler, auth.SeniorHandler}}
	corrected := r.correct(t, corrector, id,
		`{"name":"王五","role":"beneficiary","bank_name":"中国银行","account_number":"6216600000008866","reason":"客户来电更正账号"}`)
	if corrected.State != awaiting {
		t.Fatalf("got the corrected payment %s, want it %s", corrected.State, awaiting)
	}
	time.Sleep(500 * time.Millisecond)
	if n := pgtest.Count(t, db, "SELECT coalesce(sum(attempt), 0) FROM banksim.transfers"); n != 1 {
		t.Fatalf("got %d attempts at the bank, want 1 (nothing sent after the correction)", n)
	}
	for _, who := range []auth.Principal{corrector, senior("handler-1")} {
		if a := r.confirm(t, who, id); a.Status != http.StatusForbidden {
			t.Fatalf("%s confirming the correction: got %d (%s), want 403", who.Subject, a.Status, a.Body)
		}
	}
	require.Equal(t, http.StatusOK, r.confirm(t, senior("senior-8"), id).Status)
	r.obligationsOf(t, claim, 1, "the corrected payment completed", completed)
	if n := pgtest.Count(t, db, "SELECT coalesce(sum(executions), 0) FROM banksim.transfers"); n != 1 {
		t.Fatalf("got %d executions, want 1", n)
	}
	if n := pgtest.Count(t, db, "SELECT count(*) FROM payee_changes WHERE obligation_id = ? AND action = 'corrected' AND by = 'senior-7'", id); n != 1 {
		t.Fatalf("got %d corrections by senior-7 in the audit trail, want 1", n)
	}
	for _, stmt := range []string{"UPDATE payee_changes SET by = 'nobody'", "DELETE FROM payee_changes"} {
		if err := db.Exec(stmt).Error; err == nil {
			t.Fatalf("%s: got it done, want the append-only trail to refuse it", stmt)
		}
	}
}

// Attack (issue 14): a payment event forged on Kafka for an invented claim
// has no authorisation in adjudication: the three-way reconciliation
// reports it unmatched and raises an alarm; above the threshold it is not
// paid at all until a second person confirms.
func TestAttackAForgedAgreementIsUnmatchedInTheThreeWayReconciliation(t *testing.T) {
	t.Parallel()
	genuine, forged, forgedLarge := uuid.NewString(), uuid.NewString(), uuid.NewString()
	adjudication := authorising(t, genuine, 120000)
	dsn := pgtest.NewDatabase(t)
	brokers, prefix := kafkatest.Cluster(t), kafkatest.Prefix(t)
	keys := apitest.Keys(t)
	cfg := config(t, keys, dsn, prefix, brokers)
	cfg.AdjudicationURL, cfg.AdjudicationToken = adjudication.URL, keys.TokenSource(t, "payout", "adjudication")
	_, c := apitest.Start(t, "payout", service.Start, cfg)
	r := &running{Client: c.As(t, keys, apitest.Everyone()), keys: keys, dsn: dsn.DSN, prefix: prefix, brokers: brokers, topics: events.Topics{Prefix: prefix}}
	db := pgtest.Open(t, dsn.DSN, 2)
	apitest.Publish(t, r.brokers, agreement(t, r.topics, genuine, 120000), agreement(t, r.topics, forged, 90000),
		agreement(t, r.topics, forgedLarge, fortyThousandYuan))
	r.obligationsOf(t, genuine, 1, "the genuine payment completed", completed)
	r.obligationsOf(t, forged, 1, "the forged small payment completed", completed)
	r.obligationsOf(t, forgedLarge, 1, "the forged large payment held", func(o obligation) bool { return o.State == awaiting })

	loc, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	a := r.Do(t, http.MethodGet, "/v1/reconciliation/three-way?date="+time.Now().In(loc).Format(time.DateOnly), "")
	require.Equal(t, http.StatusOK, a.Status, string(a.Body))
	var report struct {
		Lines []struct {
			ClaimID string   `json:"claim_id"`
			Status  string   `json:"status"`
			Issues  []string `json:"issues"`
		} `json:"lines"`
	}
	require.NoError(t, json.Unmarshal(a.Body, &report))
	got := map[string]string{}
	for _, l := range report.Lines {
		got[l.ClaimID] = l.Status
	}
	want := map[string]string{genuine: "matched", forged: "unmatched", forgedLarge: "unmatched"}
	require.Equal(t, want, got, "three-way lines by claim")
	apitest.Eventually(t, 10*time.Second, "alarms raised for the forged payments", func() bool {
		return pgtest.Count(t, db, "SELECT count(*) FROM outbox WHERE event_type = ?", events.ReconciliationUnmatched.Name) == 2
	})
	if n := pgtest.Count(t, db, "SELECT count(*) FROM banksim.transfers WHERE idempotency_key IN (SELECT id FROM obligations WHERE claim_id = ?)", forgedLarge); n != 0 {
		t.Fatalf("got %d transfers for the forged payment above the threshold, want 0", n)
	}
	c2 := r.Do(t, http.MethodGet, "/v1/reconciliation/three-way?date="+time.Now().In(loc).Format(time.DateOnly)+"&format=csv", "")
	require.Equal(t, http.StatusOK, c2.Status, string(c2.Body))
	require.Contains(t, string(c2.Body), forged)
	// Asked again (the CSV above, once more here): each alarm stays raised once.
	require.Equal(t, http.StatusOK, r.Do(t, http.MethodGet, "/v1/reconciliation/three-way?date="+time.Now().In(loc).Format(time.DateOnly), "").Status)
	if n := pgtest.Count(t, db, "SELECT count(*) FROM outbox WHERE event_type = ?", events.ReconciliationUnmatched.Name); n != 2 {
		t.Fatalf("got %d alarms after three runs, want 2", n)
	}
	if m := r.Do(t, http.MethodGet, "/metrics", ""); !strings.Contains(string(m.Body), "payout_reconciliation_unmatched_total 2") {
		t.Fatalf("got metrics without payout_reconciliation_unmatched_total 2, want the alarms counted")
	}
}

// When adjudication cannot answer, the three-way reconciliation still
// compares payout with the bank, says the authorisations were not checked,
// and raises no alarm for what it could not check.
func TestTheThreeWayReconciliationWithoutAdjudicationIsUnverified(t *testing.T) {
	t.Parallel()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) }))
	t.Cleanup(down.Close)
	dsn := pgtest.NewDatabase(t)
	brokers, prefix := kafkatest.Cluster(t), kafkatest.Prefix(t)
	keys := apitest.Keys(t)
	cfg := config(t, keys, dsn, prefix, brokers)
	cfg.AdjudicationURL, cfg.AdjudicationToken = down.URL, keys.TokenSource(t, "payout", "adjudication")
	_, c := apitest.Start(t, "payout", service.Start, cfg)
	r := &running{Client: c.As(t, keys, apitest.Everyone()), keys: keys, dsn: dsn.DSN, prefix: prefix, brokers: brokers, topics: events.Topics{Prefix: prefix}}
	db := pgtest.Open(t, dsn.DSN, 2)
	claim := uuid.NewString()
	apitest.Publish(t, r.brokers, agreement(t, r.topics, claim, 90000))
	r.obligationsOf(t, claim, 1, "the payment completed", completed)
	loc, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	a := r.Do(t, http.MethodGet, "/v1/reconciliation/three-way?date="+time.Now().In(loc).Format(time.DateOnly), "")
	require.Equal(t, http.StatusOK, a.Status, string(a.Body))
	var report struct {
		Checked bool `json:"authorisations_checked"`
		Lines   []struct {
			Status string `json:"status"`
		} `json:"lines"`
	}
	require.NoError(t, json.Unmarshal(a.Body, &report))
	if report.Checked || len(report.Lines) != 1 || report.Lines[0].Status != "unverified" {
		t.Fatalf("got %s, want one unverified line and the authorisations not checked", a.Body)
	}
	if n := pgtest.Count(t, db, "SELECT count(*) FROM outbox WHERE event_type = ?", events.ReconciliationUnmatched.Name); n != 0 {
		t.Fatalf("got %d alarms, want none for what could not be checked", n)
	}
}

// Attack (issue 14): an advance above the threshold waits for a second
// senior; who offered it and who approved it (and set its payee) may not
// confirm its payee.
func TestAttackAnAdvanceAboveTheThresholdWaitsForASecondSenior(t *testing.T) {
	t.Parallel()
	r := start(t)
	db := pgtest.Open(t, r.dsn, 2)
	claim := uuid.NewString()
	at := time.Now().UTC()
	e, err := events.New(events.AdvanceApproved, "adjudication", claim, at, events.AdvanceApprovedData{AdvanceID: uuid.NewString(),
		ClaimID: claim, CaseID: "case-" + claim, PolicyNumber: "P-2026-000123", Ground: events.AdvanceGroundSixtyDays,
		AmountFen: fortyThousandYuan, Currency: "CNY", ExpectedBenefitFen: 10_000_000, ApprovedAt: at,
		Payee:      events.Payee{Name: "李四", Role: "beneficiary", BankName: "中国工商银行", AccountNumber: account},
		ApprovedBy: "handler-3", OfferedBy: "senior-5"})
	require.NoError(t, err)
	apitest.Publish(t, r.brokers, message(t, r.topics, e))
	list, _ := r.obligationsOf(t, claim, 1, "the advance waiting for confirmation", func(o obligation) bool { return o.State == awaiting })
	time.Sleep(300 * time.Millisecond)
	if n := pgtest.Count(t, db, "SELECT count(*) FROM banksim.transfers"); n != 0 {
		t.Fatalf("got %d transfers while the advance's payee waits, want 0", n)
	}
	for _, who := range []string{"handler-3", "senior-5"} {
		if a := r.confirm(t, senior(who), list[0].ID); a.Status != http.StatusForbidden {
			t.Fatalf("%s confirming the advance: got %d (%s), want 403", who, a.Status, a.Body)
		}
	}
	require.Equal(t, http.StatusOK, r.confirm(t, senior("senior-6"), list[0].ID).Status)
	r.obligationsOf(t, claim, 1, "the advance paid", completed)
	a := r.Do(t, http.MethodGet, "/v1/obligations/"+list[0].ID+"/payee/changes", "")
	require.Equal(t, http.StatusOK, a.Status, string(a.Body))
	var trail struct {
		Changes []struct {
			Action string `json:"action"`
			By     string `json:"by"`
			After  *payee `json:"after"`
		} `json:"changes"`
	}
	require.NoError(t, json.Unmarshal(a.Body, &trail))
	if len(trail.Changes) != 2 || trail.Changes[0].Action != "set" || trail.Changes[0].By != "handler-3" ||
		trail.Changes[1].Action != "confirmed" || trail.Changes[1].By != "senior-6" || trail.Changes[0].After.AccountNumber != "****3445" {
		t.Fatalf("got the payee trail %s, want set by handler-3 then confirmed by senior-6, masked", a.Body)
	}
}

// Attack (found after issue 14): one payment split into advances each below
// the threshold. Two advances of 3,000 yuan on one claim, approved with a
// payee by one handler: the first is paid, the second, which takes what was
// paid on the claim without a second person above RMB 5,000, waits for a
// second senior.
func TestAttackAPaymentSplitBelowTheThresholdWaitsForASecondSenior(t *testing.T) {
	t.Parallel()
	r := start(t)
	claim := uuid.NewString()
	advance := func(at time.Time) events.Envelope {
		t.Helper()
		e, err := events.New(events.AdvanceApproved, "adjudication", claim, at, events.AdvanceApprovedData{AdvanceID: uuid.NewString(),
			ClaimID: claim, CaseID: "case-" + claim, PolicyNumber: "P-2026-000123", Ground: events.AdvanceGroundSixtyDays,
			AmountFen: 300_000, Currency: "CNY", ExpectedBenefitFen: 10_000_000, ApprovedAt: at,
			Payee:      events.Payee{Name: "张三", Role: "insured", BankName: "中国工商银行", AccountNumber: account},
			ApprovedBy: "handler-3", OfferedBy: "handler-3"})
		require.NoError(t, err)
		return e
	}
	at := time.Now().UTC()
	apitest.Publish(t, r.brokers, message(t, r.topics, advance(at)))
	r.obligationsOf(t, claim, 1, "the first advance paid", completed)
	apitest.Publish(t, r.brokers, message(t, r.topics, advance(at.Add(time.Second))))
	list, _ := r.obligationsOf(t, claim, 2, "the second advance waiting", func(o obligation) bool { return o.State == "completed" || o.State == awaiting })
	waiting := ""
	for _, o := range list {
		if o.State == awaiting {
			waiting = o.ID
		}
	}
	if waiting == "" {
		t.Fatalf("got both advances of 3000 yuan paid without a second person, want the second waiting for confirmation")
	}
	if a := r.confirm(t, senior("Ｈandler-3"), waiting); a.Status != http.StatusForbidden {
		t.Fatalf("the approver under a full-width spelling confirming: got %d (%s), want 403", a.Status, a.Body)
	}
	// Refused, then corrected to another account of the same payee: the
	// correction of a part of a split payment waits again.
	a := r.As(t, r.keys, senior("senior-6")).Do(t, http.MethodPost, "/v1/obligations/"+waiting+"/payee/confirmation", `{"decision":"reject","reason":"账户需核实"}`)
	require.Equal(t, http.StatusOK, a.Status, string(a.Body))
	corrected := r.correct(t, auth.Principal{Subject: "handler-3", Roles: []auth.Role{auth.Handler}}, waiting,
		`{"name":"张三","role":"insured","bank_name":"中国银行","account_number":"6216600000008866","reason":"客户来电更正账号"}`)
	if corrected.State != awaiting {
		t.Fatalf("got %s after the payee of the second part was corrected, want %s", corrected.State, awaiting)
	}
	require.Equal(t, http.StatusOK, r.confirm(t, senior("senior-6"), waiting).Status)
	r.obligationsOf(t, claim, 2, "both advances paid", completed)
}

// Attack: the approver confirms under a spelling the comparison of payout
// must fold as adjudication's does (NFKC): "ſ" (long s) is "s", and a
// soft hyphen or a word joiner is nothing.
func TestAttackTheApproverCannotConfirmUnderACompatibleSpelling(t *testing.T) {
	t.Parallel()
	r := start(t)
	claim := uuid.NewString()
	apitest.Publish(t, r.brokers, agreement(t, r.topics, claim, fortyThousandYuan, func(d *events.AgreementReachedData) {
		d.RecordedBy, d.DecidedBy, d.DecisionApprovedBy = "handler-1", "handler-1", "senior-1"
	}))
	list, _ := r.obligationsOf(t, claim, 1, "the obligation waiting for confirmation", func(o obligation) bool { return o.State == awaiting })
	for _, who := range []string{"ſenior-1", "sen\u00adior-1", "senior\u2060-1", "ＳＥＮＩＯＲ－１"} {
		if a := r.confirm(t, senior(who), list[0].ID); a.Status != http.StatusForbidden {
			t.Fatalf("%q confirming senior-1's approval: got %d (%s), want 403", who, a.Status, a.Body)
		}
	}
}

// Attack (the attack review of this round): a senior who uploaded the bank
// card the claim is paid to (or corrected its number), and whom adjudication
// therefore kept from deciding the claim, confirms the payee of the 40,000
// yuan it pays, or of an advance on it. adjudication names them in the
// event (entered_by); payout refuses them, under any spelling, as it refuses
// the decider.
func TestAttackWhoEnteredTheDocumentsCannotConfirmThePayee(t *testing.T) {
	t.Parallel()
	r := start(t)
	claim, advanceClaim := uuid.NewString(), uuid.NewString()
	apitest.Publish(t, r.brokers, agreement(t, r.topics, claim, fortyThousandYuan, func(d *events.AgreementReachedData) {
		d.RecordedBy, d.DecidedBy, d.DecisionApprovedBy = "handler-1", "handler-1", "senior-1"
		d.EnteredBy = []string{"senior-8", "clerk-2"}
	}))
	at := time.Now().UTC()
	e, err := events.New(events.AdvanceApproved, "adjudication", advanceClaim, at, events.AdvanceApprovedData{AdvanceID: uuid.NewString(),
		ClaimID: advanceClaim, CaseID: "case-" + advanceClaim, PolicyNumber: "P-2026-000123", Ground: events.AdvanceGroundSixtyDays,
		AmountFen: fortyThousandYuan, Currency: "CNY", ExpectedBenefitFen: 10_000_000, ApprovedAt: at,
		Payee:      events.Payee{Name: "李四", Role: "beneficiary", BankName: "中国工商银行", AccountNumber: account},
		ApprovedBy: "handler-3", OfferedBy: "senior-5", EnteredBy: []string{"senior-8"}})
	require.NoError(t, err)
	apitest.Publish(t, r.brokers, message(t, r.topics, e))
	for _, c := range []string{claim, advanceClaim} {
		list, _ := r.obligationsOf(t, c, 1, "the payment waiting for confirmation", func(o obligation) bool { return o.State == awaiting })
		for _, who := range []string{"senior-8", " SENIOR-8", "ｓｅｎｉｏｒ－８"} {
			if a := r.confirm(t, senior(who), list[0].ID); a.Status != http.StatusForbidden {
				t.Fatalf("%q, who entered the claim's documents, confirming its payee: got %d (%s), want 403", who, a.Status, a.Body)
			}
		}
		require.Equal(t, http.StatusOK, r.confirm(t, senior("senior-6"), list[0].ID).Status, "a senior who had no hand in it confirms")
	}
}

// Attack (the attack review of this round): a clerk uploads a forged bank
// card at the counter and approves an advance of 3,000 yuan to it, within
// the authority and below the threshold, alone. Adjudication refuses
// that; should such an instruction reach payout all the same, payout holds
// the advance for a second senior whatever its amount. An advance approved
// by a colleague of the person who entered the documents is paid at once.
func TestAttackAnAdvanceApprovedByWhoEnteredItsDocumentsWaitsWhateverTheAmount(t *testing.T) {
	t.Parallel()
	r := start(t)
	alone, colleague := uuid.NewString(), uuid.NewString()
	for _, c := range []struct{ claim, approver string }{{alone, "Clerk-2 "}, {colleague, "handler-4"}} {
		at := time.Now().UTC()
		e, err := events.New(events.AdvanceApproved, "adjudication", c.claim, at, events.AdvanceApprovedData{AdvanceID: uuid.NewString(),
			ClaimID: c.claim, CaseID: "case-" + c.claim, PolicyNumber: "P-2026-000123", Ground: events.AdvanceGroundSixtyDays,
			AmountFen: 300_000, Currency: "CNY", ExpectedBenefitFen: 10_000_000, ApprovedAt: at,
			Payee:      events.Payee{Name: "李四", Role: "beneficiary", BankName: "中国工商银行", AccountNumber: account},
			ApprovedBy: c.approver, EnteredBy: []string{"clerk-2"}})
		require.NoError(t, err)
		apitest.Publish(t, r.brokers, message(t, r.topics, e))
	}
	list, _ := r.obligationsOf(t, alone, 1, "the advance waiting for confirmation", func(o obligation) bool { return o.State == awaiting })
	if a := r.confirm(t, senior("clerk-2"), list[0].ID); a.Status != http.StatusForbidden {
		t.Fatalf("the clerk confirming his own advance: got %d (%s), want 403", a.Status, a.Body)
	}
	r.obligationsOf(t, colleague, 1, "the advance a colleague approved, paid", completed)
	require.Equal(t, http.StatusOK, r.confirm(t, senior("senior-6"), list[0].ID).Status)
	r.obligationsOf(t, alone, 1, "the advance paid once confirmed", completed)
}

// Attack: below the threshold a handler corrects the failed payment's payee
// to another person. Adjudication checked who may be paid only for the
// payee it named: a correction that pays someone else waits for a second
// senior whatever the amount; one that fixes the account of the same payee
// is paid at once below the threshold.
func TestAttackACorrectionToAnotherPersonWaitsWhateverTheAmount(t *testing.T) {
	t.Parallel()
	r := start(t)
	stranger, same := uuid.NewString(), uuid.NewString()
	invalid := func(d *events.AgreementReachedData) { d.Payee.AccountNumber = "6222000011110000" }
	apitest.Publish(t, r.brokers, agreement(t, r.topics, stranger, 300_000, invalid), agreement(t, r.topics, same, 300_000, invalid))
	failed, _ := r.obligationsOf(t, stranger, 1, "the payment refused", func(o obligation) bool { return o.State == "failed" })
	handler := auth.Principal{Subject: "handler-7", Roles: []auth.Role{auth.Handler}}
	corrected := r.correct(t, handler, failed[0].ID,
		`{"name":"王五","role":"beneficiary","bank_name":"中国银行","account_number":"6216600000008866","reason":"客户来电"}`)
	if corrected.State != awaiting {
		t.Fatalf("got %s after the payee of 3000 yuan was changed to another person, want %s", corrected.State, awaiting)
	}
	failed, _ = r.obligationsOf(t, same, 1, "the other payment refused", func(o obligation) bool { return o.State == "failed" })
	r.correct(t, handler, failed[0].ID,
		`{"name":" 李四 ","role":"beneficiary","bank_name":"中国银行","account_number":"6216600000008866","reason":"客户来电更正账号"}`)
	r.obligationsOf(t, same, 1, "the corrected account paid", completed)
}

// Attack: a senior other than the decider records an agreement of 1,000
// yuan to an account a blocking fraud signal flags (an employee's): the
// payment waits for another senior whatever its amount, and the recorder
// may not confirm it.
func TestAttackAPaymentWithABlockingSignalWaitsWhateverTheAmount(t *testing.T) {
	t.Parallel()
	r := start(t)
	claim := uuid.NewString()
	apitest.Publish(t, r.brokers, agreement(t, r.topics, claim, 100_000, func(d *events.AgreementReachedData) {
		d.RecordedBy, d.DecidedBy, d.BlockingSignals = "senior-2", "handler-1", []string{"employee_account"}
	}))
	list, _ := r.obligationsOf(t, claim, 1, "the flagged payment waiting", func(o obligation) bool { return o.State == awaiting })
	if a := r.confirm(t, senior("senior-2"), list[0].ID); a.Status != http.StatusForbidden {
		t.Fatalf("the recorder confirming: got %d (%s), want 403", a.Status, a.Body)
	}
	require.Equal(t, http.StatusOK, r.confirm(t, senior("senior-3"), list[0].ID).Status)
	r.obligationsOf(t, claim, 1, "the flagged payment paid once confirmed", completed)
}

// Attack: a payment of 40,000 yuan waits for a second senior, and its
// sealed payee is damaged meanwhile (a damaged disk, or a data key dropped
// too early): nobody can pay or confirm it as it is. Finance, an auditor
// and an admin may not supply its payee (403), nor anyone with a token
// payout's issuer did not sign (401); a handler may not direct it to an
// account adjudication did not authorise (422 payee_not_entitled). A
// handler supplies the authorised account's payee; the senior who supplied
// it may not confirm it (403), another does, and it is paid once, the
// trail recording both.
func TestAttackAPayeeThatCannotBeOpenedIsSuppliedOnlyByAHandlerAndConfirmedByAnother(t *testing.T) {
	t.Parallel()
	claimID := uuid.NewString()
	adjudication := authorising(t, claimID, fortyThousandYuan)
	dsn := pgtest.NewDatabase(t)
	brokers, prefix := kafkatest.Cluster(t), kafkatest.Prefix(t)
	keys := apitest.Keys(t)
	cfg := config(t, keys, dsn, prefix, brokers)
	cfg.AdjudicationURL, cfg.AdjudicationToken = adjudication.URL, keys.TokenSource(t, "payout", "adjudication")
	_, c := apitest.Start(t, "payout", service.Start, cfg)
	r := &running{Client: c.As(t, keys, apitest.Everyone()), keys: keys, dsn: dsn.DSN, prefix: prefix, brokers: brokers, topics: events.Topics{Prefix: prefix}}
	db := pgtest.Open(t, dsn.DSN, 2)
	apitest.Publish(t, r.brokers, agreement(t, r.topics, claimID, fortyThousandYuan))
	held, _ := r.obligationsOf(t, claimID, 1, "the payment waiting for a second senior", func(o obligation) bool { return o.State == awaiting })
	id := held[0].ID
	require.NoError(t, db.Exec(`UPDATE obligations SET payee_sealed = set_byte(payee_sealed, length(payee_sealed) - 1,
		(get_byte(payee_sealed, length(payee_sealed) - 1) + 1) % 256) WHERE id = ?`, id).Error)
	// The held payment is listed, its payee unreadable shown as none, so
	// that a handler finds it by its claim.
	r.obligationsOf(t, claimID, 1, "the held payment listed without its payee", func(o obligation) bool { return o.State == awaiting && o.Payee == nil })
	path := "/v1/obligations/" + id + "/payee"
	supply := func(accountNumber string) string {
		return `{"name":"李四","role":"beneficiary","bank_name":"中国工商银行","account_number":"` + accountNumber + `","reason":"已电话核实受益人账户"}`
	}
	for name, who := range map[string]auth.Principal{
		"finance": {Subject: "finance-1", Roles: []auth.Role{auth.Finance}},
		"auditor": {Subject: "auditor-1", Roles: []auth.Role{auth.Auditor}},
		"admin":   {Subject: "admin-1", Roles: []auth.Role{auth.Admin}},
	} {
		if a := r.As(t, r.keys, who).Do(t, http.MethodPut, path, supply(account)); a.Status != http.StatusForbidden {
			t.Errorf("%s supplies the payee: got %d %s, want 403", name, a.Status, a.Body)
		}
	}
	if a := r.As(t, apitest.Keys(t), senior("senior-5")).Do(t, http.MethodPut, path, supply(account)); a.Status != http.StatusUnauthorized {
		t.Errorf("a token of another issuer's key: got %d %s, want 401", a.Status, a.Body)
	}
	a := r.As(t, r.keys, senior("senior-5")).Do(t, http.MethodPut, path, supply("6217000099990001"))
	if a.Status != http.StatusUnprocessableEntity || !strings.Contains(string(a.Body), `"code":"payee_not_entitled"`) {
		t.Errorf("an account adjudication did not authorise: got %d %s, want 422 payee_not_entitled", a.Status, a.Body)
	}
	if o := r.obligation(t, id); o.State != awaiting || o.Payee != nil {
		t.Fatalf("after the refused attempts: got %s, payee %+v; want it still waiting, its payee unreadable (none shown)", o.State, o.Payee)
	}
	if o := r.correct(t, senior("senior-5"), id, supply(account)); o.State != awaiting || o.PayeeCorrectedBy != "senior-5" {
		t.Fatalf("supplied by senior-5: got %s, corrected by %q; want waiting for a second senior", o.State, o.PayeeCorrectedBy)
	}
	if a := r.confirm(t, senior("senior-5"), id); a.Status != http.StatusForbidden {
		t.Fatalf("the supplier confirms: got %d %s, want 403", a.Status, a.Body)
	}
	if a := r.confirm(t, senior("senior-6"), id); a.Status != http.StatusOK {
		t.Fatalf("another senior confirms: got %d %s, want 200", a.Status, a.Body)
	}
	r.obligationsOf(t, claimID, 1, "the payment completed once confirmed", completed)
	if n := pgtest.Count(t, db, "SELECT count(*) FROM banksim.transfers WHERE idempotency_key = ?", id); n != 1 {
		t.Fatalf("got %d transfers, want 1", n)
	}
	if n := pgtest.Count(t, db, "SELECT count(*) FROM payee_changes WHERE obligation_id = ? AND action = 'replaced_unreadable' AND by = 'senior-5'", id); n != 1 {
		t.Fatalf("got %d supplies by senior-5 in the payee trail, want 1", n)
	}
}

// obligation returns obligation id as GET /v1/obligations/{id} answers it.
func (r *running) obligation(t *testing.T, id string) obligation {
	t.Helper()
	a := r.Do(t, http.MethodGet, "/v1/obligations/"+id, "")
	require.Equal(t, http.StatusOK, a.Status, string(a.Body))
	var o obligation
	require.NoError(t, json.Unmarshal(a.Body, &o))
	return o
}

// authorising stands in for adjudication's GET /v1/payment-authorisations
// (asked with a token): it authorised the agreement of claimID for
// amountFen, to account.
func authorising(t *testing.T, claimID string, amountFen int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/v1/payment-authorisations" || req.Header.Get("Authorization") == "" {
			http.NotFound(w, req)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"items": []map[string]any{{
			"kind": "agreement", "claim_id": claimID, "reference_id": "case-" + claimID, "amount_fen": amountFen, "advanced_fen": 0,
			"account_fingerprint": eventstest.Fingerprints().Account(claimID, account), "authorised_at": time.Now().UTC().Format(time.RFC3339)}}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Attack: with PAYOUT_HOLDER_CHECK=simulator (payout's own register, its
// schema made at the start), a payment the bank refused is corrected by a
// handler into an account the bank holds in 王五's name, for the
// beneficiary 李四: the correction is refused (422 payee_not_entitled) and
// nothing more goes to the bank; into the account it holds in 李四's name,
// it is taken and paid once.
func TestAttackACorrectionIntoAnAccountHeldBySomeoneElseIsRefusedThroughTheAPI(t *testing.T) {
	t.Parallel()
	r := startWith(t, func(c *service.Config) { c.HolderCheck = service.HolderCheckSimulator })
	db := pgtest.Open(t, r.dsn, 2)
	require.NoError(t, db.Exec("INSERT INTO holdersim.accounts (account_number, holder_name) VALUES ('6216600000008866', '王五'), ('6216600000008877', '李四')").Error)
	claim := uuid.NewString()
	apitest.Publish(t, r.brokers, agreement(t, r.topics, claim, 5000, func(d *events.AgreementReachedData) {
		d.Payee.AccountNumber = "6222000011110000" // the simulator refuses it
	}))
	list, _ := r.obligationsOf(t, claim, 1, "the payment refused by the bank", func(o obligation) bool { return o.State == "failed" })
	id := list[0].ID

	a := r.As(t, r.keys, senior("handler-7")).Do(t, http.MethodPut, "/v1/obligations/"+id+"/payee",
		`{"name":"李四","role":"beneficiary","bank_name":"中国银行","account_number":"6216600000008866","reason":"客户来电更正账号"}`)
	if a.Status != http.StatusUnprocessableEntity || !strings.Contains(string(a.Body), "payee_not_entitled") {
		t.Fatalf("got %d (%s) correcting the payee into 王五's account, want 422 payee_not_entitled", a.Status, a.Body)
	}
	if o := r.obligation(t, id); o.State != "failed" {
		t.Fatalf("got the payment %s after the refused correction, want it still failed", o.State)
	}
	r.correct(t, senior("handler-7"), id,
		`{"name":"李四","role":"beneficiary","bank_name":"中国银行","account_number":"6216600000008877","reason":"客户来电更正账号"}`)
	r.obligationsOf(t, claim, 1, "the corrected payment completed", completed)
	if n := pgtest.Count(t, db, "SELECT count(*) FROM banksim.transfers WHERE account_masked LIKE '%8866'"); n != 0 {
		t.Fatalf("got %d transfers into 王五's account, want none", n)
	}
}

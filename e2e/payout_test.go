package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox"
)

// agreed publishes adjudication's agreement-reached for claimID on its topic,
// signed with adjudication's key, as adjudication does when a handler
// records the claimant's agreement; change, when given, alters the event
// first.
func (s *system) agreed(t testing.TB, claimID string, amountFen int64, payee events.Payee, change ...func(*events.AgreementReachedData)) {
	t.Helper()
	e, err := s.instructions.Sign(agreementEvent(t, claimID, amountFen, payee, change...))
	if err != nil {
		t.Fatal(err)
	}
	s.publishInstruction(t, e)
}

// agreementEvent is an unsigned agreement-reached of adjudication for
// claimID, its payee sealed for payout as adjudication seals it.
func agreementEvent(t testing.TB, claimID string, amountFen int64, payee events.Payee, change ...func(*events.AgreementReachedData)) events.Envelope {
	t.Helper()
	at := time.Now().UTC()
	d := events.AgreementReachedData{ClaimID: claimID,
		CaseID: "case-" + claimID, PolicyNumber: "P-E2E-PAY", AmountFen: amountFen, Currency: "CNY", Payee: payee,
		Channel: "signed_form", RecordedBy: "handler-e2e", AgreedAt: at}
	for _, c := range change {
		c(&d)
	}
	e, err := events.New(events.AgreementReached, "adjudication", claimID, at, d)
	if err != nil {
		t.Fatal(err)
	}
	return eventstest.SealPayee(t, eventstest.PayeeSealer(t), e)
}

// publishInstruction writes e to adjudication's topic as it is, keyed by
// its claim.
func (s *system) publishInstruction(t testing.TB, e events.Envelope) {
	t.Helper()
	v, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	apitest.Publish(t, s.brokers, outbox.Message{Topic: s.topics.Adjudication(), Key: e.ClaimID, EventID: e.ID, Type: e.Type, Value: v})
}

func beneficiary(account string) events.Payee {
	return events.Payee{Name: "李四", Role: "beneficiary", BankName: "中国工商银行", AccountNumber: account}
}

// TestAgreementToPaymentToFinanceAndPayee runs payout alone against Kafka:
// agreements in; payments completed once each; the finance events on
// claims.payout.v1 match the schema's promises and the daily
// reconciliation; claimsctl payouts tail prints them; the payees (and the
// person an agent collected for) are notified on claims.notifications.v1.
func TestAgreementToPaymentToFinanceAndPayee(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.start("payout")
	sys.waitReady("payout")

	claims := []string{uuid.NewString(), uuid.NewString(), uuid.NewString()}
	sys.agreed(t, claims[0], 123456, beneficiary("6222020200112233445"))
	sys.agreed(t, claims[1], 250000, events.Payee{Name: "王五", Role: "agent", BankName: "中国建设银行", AccountNumber: "6217000011118812",
		OnBehalfOf: &events.Person{Name: "赵六", Relation: "parent"}})
	sys.agreed(t, claims[2], 700, beneficiary("6222020200112233445"))
	sys.agreed(t, claims[0], 123456, beneficiary("6222020200112233445")) // adjudication sends it again

	isPayout := func(e events.Envelope) bool { return strings.HasPrefix(e.Type, "claims.payout.payout-") }
	got := readTopic(t, sys.brokers, sys.topics.Payout(), 90*time.Second, func(es []events.Envelope) bool {
		n := 0
		for _, c := range claims {
			n += countOf(es, c, events.PayoutCompleted)
		}
		return n == len(claims)
	})
	sums := map[string][2]int64{}
	var finance int
	for _, e := range got {
		if !isPayout(e) {
			continue
		}
		finance++
		if e.Type != events.PayoutCompleted.Name {
			continue
		}
		var d events.PayoutData
		if err := events.DecodeData(e, events.PayoutCompleted, &d); err != nil {
			t.Fatal(err)
		}
		if d.Payee == nil || !strings.HasPrefix(d.Payee.AccountNumber, "****") || strings.Contains(string(e.Data), "6222020200112233445") {
			t.Fatalf("got payout-completed %s, want the payee masked", e.Data)
		}
		k := d.ValueDate + "," + d.PayoutType
		sums[k] = [2]int64{sums[k][0] + 1, sums[k][1] + d.AmountFen}
	}
	for _, c := range claims {
		if n := countOf(got, c, events.PayoutCompleted); n != 1 {
			t.Fatalf("claim %s: got %d payout-completed events, want exactly 1", c, n)
		}
		if n := countOf(got, c, events.PayoutScheduled); n != 1 {
			t.Fatalf("claim %s: got %d payout-scheduled events, want exactly 1", c, n)
		}
	}

	// The reconciliation report equals the completed events of the topic.
	var dates []string
	for k := range sums {
		dates = append(dates, strings.Split(k, ",")[0])
	}
	from, to := dates[0], dates[0]
	for _, d := range dates {
		from, to = min(from, d), max(to, d)
	}
	var report struct {
		Days []struct {
			Date               string `json:"date"`
			PayoutType         string `json:"payout_type"`
			CompletedCount     int64  `json:"completed_count"`
			CompletedAmountFen int64  `json:"completed_amount_fen"`
		} `json:"days"`
	}
	if status := sys.call(t, http.MethodGet, sys.url("payout", "/v1/reconciliation?from="+from+"&to="+to), nil, &report); status != http.StatusOK {
		t.Fatalf("GET /v1/reconciliation: got %d, want 200", status)
	}
	reported := map[string][2]int64{}
	for _, d := range report.Days {
		reported[d.Date+","+d.PayoutType] = [2]int64{d.CompletedCount, d.CompletedAmountFen}
	}
	if fmt.Sprint(reported) != fmt.Sprint(sums) {
		t.Fatalf("got reconciliation %v, want the completed events' %v", reported, sums)
	}
	if want := [2]int64{3, 123456 + 250000 + 700}; len(sums) == 1 && sums[from+",final"] != want {
		t.Fatalf("got %v, want 3 payments of %d fen in all", sums, want[1])
	}

	// Notices: R9 to each payee, R10 to the person the agent collected RMB
	// 2,500 for.
	notices := readTopic(t, sys.brokers, sys.topics.Notifications(), 60*time.Second, func(es []events.Envelope) bool { return len(es) >= 4 })
	rules := map[string][]string{}
	for _, e := range notices {
		var d events.NotificationData
		if err := events.DecodeData(e, events.NotificationRequested, &d); err != nil {
			t.Fatal(err)
		}
		rules[d.ClaimID] = append(rules[d.ClaimID], d.Rule)
		if !strings.Contains(d.Text, "人民币"+events.Yuan(d.AmountFen)+"元") || strings.Contains(d.Text, "6217000011118812") {
			t.Fatalf("got notice text %q, want the amount and no account number", d.Text)
		}
	}
	if len(notices) != 4 || len(rules[claims[0]]) != 1 || len(rules[claims[1]]) != 2 || len(rules[claims[2]]) != 1 {
		t.Fatalf("got notices %v, want R9 for each payment and R10 for the agent's", rules)
	}
	var r9 struct {
		Deadlines []struct{ State string } `json:"deadlines"`
	}
	apitest.Eventually(t, 30*time.Second, "R9 met for every payment", func() bool {
		sys.call(t, http.MethodGet, sys.url("payout", "/v1/deadlines?rule=result-notification&state=met"), nil, &r9)
		return len(r9.Deadlines) == 3
	})

	// What a finance team runs first.
	out, err := sys.tail(t, "payouts", "tail", "--brokers", sys.brokers.Brokers[0],
		"--topic", sys.topics.Payout(), "--from-offset", "0", "--max", fmt.Sprint(finance), "--idle-exit", "30s").Output()
	if err != nil {
		t.Fatalf("claimsctl payouts tail: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	completedLines := 0
	for _, l := range lines {
		if strings.Contains(l, "  completed  ") {
			completedLines++
		}
		if strings.Contains(l, "6222020200112233445") {
			t.Fatalf("claimsctl payouts tail printed %q, want the account masked", l)
		}
	}
	if len(lines) != finance || completedLines != 3 || !strings.Contains(string(out), "1234.56 CNY") {
		t.Fatalf("claimsctl payouts tail printed %d lines (%d completed):\n%s\nwant %d lines, 3 completed, 1234.56 CNY among them",
			len(lines), completedLines, out, finance)
	}
}

// TestPayoutKilledAtABatchBoundaryPaysEachClaimOnce kills payout (SIGKILL)
// at the two boundaries of a batch of payments handed to the bank in one
// call: after it marked the batch sent and before the bank call, and after
// the bank took the batch and before payout recorded its answers. Three
// agreements wait on the topic under one key before payout starts, so that
// its consumer applies them in one batch and its executor marks their
// payments sent in one. After the crash the three are sent and all at the
// bank (or none is), nothing is completed; the restarted payout asks the
// bank about each and completes each claim once, with one execution and one
// submission.
func TestPayoutKilledAtABatchBoundaryPaysEachClaimOnce(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		fault      string
		tookAtBank bool
	}{{"crash-before-bank-call", false}, {"crash-after-bank-call", true}} {
		t.Run(tt.fault, func(t *testing.T) {
			t.Parallel()
			sys := newSystem(t, kafkatest.Cluster(t))
			claims := []string{uuid.NewString(), uuid.NewString(), uuid.NewString()}
			for i, claim := range claims {
				e, err := sys.instructions.Sign(agreementEvent(t, claim, int64(424200+i), beneficiary("6222020200112233445")))
				if err != nil {
					t.Fatal(err)
				}
				// One key: one partition and one worker of payout's
				// consumer, which applies the three in one batch and wakes
				// the executor once.
				v, err := json.Marshal(e)
				if err != nil {
					t.Fatal(err)
				}
				apitest.Publish(t, sys.brokers, outbox.Message{Topic: sys.topics.Adjudication(), Key: "one-batch", EventID: e.ID, Type: e.Type, Value: v})
			}
			crashing := sys.startWithFault("payout", tt.fault)
			crashing.waitExit(t, 60*time.Second)

			db := openDB(t, sys.dsn["payout"])
			if got := count(t, db, `SELECT count(*) FROM obligations WHERE state = 'sent' AND attempts = 1`); got != len(claims) {
				t.Fatalf("after the crash: got %d obligations sent, want the batch of %d marked before the bank call", got, len(claims))
			}
			wantAtBank := 0
			if tt.tookAtBank {
				wantAtBank = len(claims)
			}
			if got := count(t, db, `SELECT count(*) FROM banksim.transfers`); got != wantAtBank {
				t.Fatalf("after the crash: got %d transfers at the bank, want %d", got, wantAtBank)
			}
			if got := count(t, db, `SELECT count(*) FROM outbox WHERE event_type = $1`, events.PayoutCompleted.Name); got != 0 {
				t.Fatalf("after the crash: got %d completion events, want 0", got)
			}

			sys.start("payout")
			sys.waitReady("payout")
			got := readTopic(t, sys.brokers, sys.topics.Payout(), 90*time.Second, func(es []events.Envelope) bool {
				for _, claim := range claims {
					if countOf(es, claim, events.PayoutCompleted) < 1 {
						return false
					}
				}
				return true
			})
			for _, claim := range claims {
				if n := countOf(got, claim, events.PayoutCompleted); n != 1 {
					t.Fatalf("claim %s: got %d payout-completed events, want 1", claim, n)
				}
			}
			if got := count(t, db, `SELECT count(*) FROM banksim.transfers WHERE executions = 1 AND submissions = 1`); got != len(claims) {
				t.Fatalf("got %d transfers executed once from one submission, want %d", got, len(claims))
			}
			if got := count(t, db, `SELECT count(*) FROM obligations WHERE state = 'completed' AND attempts = 1`); got != len(claims) {
				t.Fatalf("got %d obligations completed in one attempt, want %d", got, len(claims))
			}
		})
	}
}

// TestPayoutKilledBetweenBankCallAndCommitPaysOnce kills payout (SIGKILL)
// after the bank took a transfer and before payout recorded the answer.
// The restarted payout finds the obligation sent, asks the bank what became
// of it, and completes it: one transfer, one completion event.
func TestPayoutKilledBetweenBankCallAndCommitPaysOnce(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	crashing := sys.startWithFault("payout", "crash-after-bank-call")
	sys.waitReady("payout")
	claim := uuid.NewString()
	sys.agreed(t, claim, 424242, beneficiary("6222020200112233445"))
	crashing.waitExit(t, 60*time.Second)

	db := openDB(t, sys.dsn["payout"])
	if got := count(t, db, `SELECT count(*) FROM obligations WHERE claim_id = $1 AND state = 'sent' AND attempts = 1`, claim); got != 1 {
		t.Fatalf("after the crash: got %d obligations sent, want 1 (marked before the bank call)", got)
	}
	if got := count(t, db, `SELECT count(*) FROM banksim.transfers`); got != 1 {
		t.Fatalf("after the crash: got %d transfers at the bank, want 1 (the bank took it)", got)
	}
	if got := count(t, db, `SELECT count(*) FROM outbox WHERE event_type = $1`, events.PayoutCompleted.Name); got != 0 {
		t.Fatalf("after the crash: got %d completion events, want 0", got)
	}

	sys.start("payout")
	sys.waitReady("payout")
	got := readTopic(t, sys.brokers, sys.topics.Payout(), 90*time.Second, func(es []events.Envelope) bool {
		return countOf(es, claim, events.PayoutCompleted) >= 1
	})
	if n := countOf(got, claim, events.PayoutCompleted); n != 1 {
		t.Fatalf("got %d payout-completed events, want 1", n)
	}
	if got := count(t, db, `SELECT executions FROM banksim.transfers`); got != 1 {
		t.Fatalf("got %d executions at the bank, want 1", got)
	}
	if got := count(t, db, `SELECT submissions FROM banksim.transfers`); got != 1 {
		t.Fatalf("got %d submissions at the bank, want 1: recovery asked the bank instead of sending again", got)
	}
	if got := count(t, db, `SELECT count(*) FROM obligations WHERE claim_id = $1 AND state = 'completed' AND attempts = 1`, claim); got != 1 {
		t.Fatalf("got %d obligations completed in one attempt, want 1", got)
	}
}

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"claims.local/pkg/bankaccount"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox"
)

// The straight-through path (issue 19) across the services: intake's
// claim request, adjudication's automatic decision, the claimant's
// agreement as the product's terms require, payout's payment.
//
// The claim requests are published as intake publishes them, with the
// medical-invoice fields of issue 18 filled in: until intake reads them
// (issue 18, part A), a request made through intake's OCR carries no
// confidence and no patient name and always goes to a handler.

// stpAccount is claimant i's account: each their own, or the
// shared-account fraud signal holds the payments; ending in 5678, an
// account the simulated bank pays (0000, 0001 and 0002 are its failures).
func stpAccount(i int) string { return fmt.Sprintf("6217%011d5678", i) }

// agreeSTP records the agreement of claimID's claimant (the insured) in
// the app, to be paid to account.
func (s *system) agreeSTP(t testing.TB, claimID, insured, account string) {
	t.Helper()
	body := map[string]any{"agreed_by": insured, "channel": "app", "payee": map[string]any{
		"name": insured, "role": "insured", "bank_name": "中国建设银行", "account_number": account}}
	if status := s.call(t, http.MethodPost, s.url("adjudication", "/v1/cases/"+claimID+"/agreement"), body, nil); status != http.StatusOK {
		t.Fatalf("agreement on %s: got status %d, want 200", claimID, status)
	}
}

// importSTP imports product MED-STP (medical expenses, a 30-day waiting
// period) and its rules: 100 yuan deductible a year, 80% with social
// insurance, 60% without, self-funded items not paid, 20,000 yuan a claim;
// the claimant may agree in advance with the claim request.
func (s *system) importSTP(t testing.TB) {
	t.Helper()
	product := map[string]any{"name": "示例医疗保险", "notice_kind": "indemnity",
		"benefits": []map[string]any{{"code": "medical_expense", "name": "医疗费用保险金", "incident_types": []string{"medical"},
			"per_claim_limit_fen": 2_000_000, "clause": "《示例医疗保险条款》第六条"}},
		"waiting_periods": []map[string]any{{"incident_type": "medical", "days": 30, "clause": "《示例医疗保险条款》第四条"}}}
	if status := s.call(t, http.MethodPut, s.url("adjudication", "/v1/products/MED-STP"), product, nil); status != http.StatusCreated {
		t.Fatalf("PUT product MED-STP: got %d, want 201", status)
	}
	rules := map[string]any{"benefit": "medical_expense", "deductible_fen": 10_000, "deductible_clause": "《示例医疗保险条款》第六条第一款",
		"ratio_with_social_bp": 8000, "ratio_without_social_bp": 6000, "ratio_clause": "《示例医疗保险条款》第六条第二款",
		"pays_self_funded": false, "self_funded_clause": "《示例医疗保险条款》第九条", "per_claim_limit_fen": 2_000_000,
		"annual_limit_fen": 5_000_000, "limit_clause": "《示例医疗保险条款》第六条第三款", "agreement": "in_advance"}
	if status := s.call(t, http.MethodPost, s.url("adjudication", "/v1/products/MED-STP/rules"), rules, nil); status != http.StatusCreated {
		t.Fatalf("POST rules of MED-STP: got %d, want 201", status)
	}
}

// stpFrom is the first day of every MED-STP policy: 200 days ago.
func stpFrom() time.Time { return time.Now().AddDate(0, 0, -200) }

// stpPolicy imports policy number of insured on MED-STP.
func (s *system) stpPolicy(t testing.TB, number, insured string) {
	t.Helper()
	policy := map[string]any{"product_code": "MED-STP", "policyholder_name": insured, "insured_name": insured, "beneficiaries": []any{},
		"effective_from": stpFrom().Format("2006-01-02"), "effective_to": stpFrom().AddDate(1, 0, -1).Format("2006-01-02"),
		"coverages": []map[string]any{{"benefit": "medical_expense", "sum_insured_fen": 5_000_000, "used_fen": 0}}}
	if status := s.call(t, http.MethodPut, s.url("adjudication", "/v1/policies/"+number), policy, nil); status != http.StatusCreated {
		t.Fatalf("PUT policy %s: got %d, want 201", number, status)
	}
}

// The defects of the issue, one per claim.
const (
	defectNone        = ""
	defectName        = "wrong name"
	defectOverLimit   = "over the limit"
	defectWaiting     = "inside the waiting period"
	defectInvoiceSeen = "invoice already claimed"
	defectUnreadable  = "unreadable page"
	defectPayee       = "payee not entitled"
)

// stpDefects lists the defects with the reason the assessment gives.
var stpDefects = []struct{ defect, reason string }{
	{defectName, "name_mismatch"}, {defectOverLimit, "over_limit"}, {defectWaiting, "within_waiting_period"},
	{defectInvoiceSeen, "invoice_seen"}, {defectUnreadable, "low_confidence"}, {defectPayee, "payee_not_entitled"},
}

// stpRequest is the claim request of insured on policy, as intake
// publishes it once the claim is complete: an invoice of 1,000 yuan (600
// paid by the fund, 300 self-pay, 100 self-funded), an ID card whose
// checksum verifies and the insured's bank card, read with confidence;
// defect spoils one thing. The rules compute (300 − 100) × 80% = 160 yuan.
func stpRequest(policy, insured, invoice, account, defect string) events.ClaimRequestedData {
	id := uuid.NewString()
	at := time.Now().UTC().Truncate(time.Microsecond)
	incident := at.Add(-48 * time.Hour)
	day := incident.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	src := events.FieldSource{Page: 1, Box: [4]int{120, 340, 260, 36}, Confidence: 0.97}
	inv := events.ClaimDocument{DocumentID: "inv-" + id, Type: "medical_invoice", SHA256: "aa", InvoiceCode: "031001900104", InvoiceNumber: invoice,
		TotalAmountFen: 100_000, EventDate: day, PatientName: insured, Institution: "上海市第六人民医院", Confidence: 0.96,
		Insurance: &events.InsuranceSplit{FundPaidFen: 60_000, SelfPayFen: 30_000, SelfFundedFen: 10_000},
		Sources:   map[string]events.FieldSource{"total_amount_fen": src, "insurance.self_pay_fen": src, "insurance.fund_paid_fen": src}}
	card := events.ClaimDocument{DocumentID: "card-" + id, Type: "bank_card", SHA256: "cc", HolderName: insured,
		AccountFingerprint: bankaccount.Fingerprint(id, account), AccountLast4: account[len(account)-4:], Confidence: 0.99}
	switch defect {
	case defectName:
		inv.PatientName = "钱多多"
	case defectOverLimit:
		inv.TotalAmountFen, inv.Insurance = 900_000, &events.InsuranceSplit{FundPaidFen: 300_000, SelfPayFen: 600_000}
	case defectWaiting:
		inv.EventDate = stpFrom().AddDate(0, 0, 10).Format("2006-01-02")
	case defectUnreadable:
		inv.Confidence = 0.31
	case defectPayee:
		card.HolderName = "钱多多"
	}
	return events.ClaimRequestedData{ClaimID: id, ReportID: "report-" + id, PolicyNumber: policy, InsuredName: insured,
		IncidentType: "medical", IncidentTime: incident, FirstReceivedAt: at, ClaimedAmountFen: inv.TotalAmountFen,
		Documents: []events.ClaimDocument{inv, {DocumentID: "id-" + id, Type: "id_card", SHA256: "bb", IDNumberValid: true, Confidence: 0.99}, card}}
}

// publishRequests publishes the claim requests as intake would.
func (s *system) publishRequests(t testing.TB, ds ...events.ClaimRequestedData) {
	t.Helper()
	msgs := make([]outbox.Message, len(ds))
	for i, d := range ds {
		e, err := events.New(events.ClaimRequested, "intake", d.ClaimID, d.FirstReceivedAt, d)
		if err != nil {
			t.Fatal(err)
		}
		v, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		msgs[i] = outbox.Message{Topic: s.topics.Intake(), Key: d.ClaimID, EventID: e.ID, Type: e.Type, Value: v}
	}
	apitest.Publish(t, s.brokers, msgs...)
}

// stpAssessment is what the test reads of a claim's assessment.
type stpAssessment struct {
	Automatic bool `json:"automatic"`
	Reasons   []struct {
		Code string `json:"code"`
	} `json:"reasons"`
}

func (a stpAssessment) has(code string) bool {
	return slices.ContainsFunc(a.Reasons, func(r struct {
		Code string `json:"code"`
	}) bool {
		return r.Code == code
	})
}

// assessment returns the assessment of claimID, false while there is none.
func (s *system) assessment(t testing.TB, claimID string) (stpAssessment, bool) {
	t.Helper()
	var a stpAssessment
	ok := s.call(t, http.MethodGet, s.url("adjudication", "/v1/cases/"+claimID+"/assessment"), nil, &a) == http.StatusOK
	return a, ok
}

func TestACleanSmallClaimIsPaidWithoutAPersonDecidingAndEachDefectGoesToAHandler(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.startAll()
	sys.importSTP(t)
	clean := sys.inAdvance(t, stpRequest("P-STP-E0", "孙自动", "E2E-0001", stpAccount(0), defectNone), "孙自动", stpAccount(0))
	sys.stpPolicy(t, "P-STP-E0", "孙自动")
	sys.publishRequests(t, clean)
	a, c := sys.assessed(t, clean.ClaimID)
	if !a.Automatic {
		t.Fatalf("got reasons %+v, want the clean claim decided automatically", a.Reasons)
	}
	if c.State != "agreed" && c.State != "closed" || c.Decision.DecidedBy != "system:auto-adjudication/MED-STP/v1" || c.Decision.AmountFen != 16_000 {
		t.Fatalf("got %s, %+v; want agreed (or closed once paid), approved by system:auto-adjudication/MED-STP/v1 for 16000 fen", c.State, c.Decision)
	}
	// The product's agreement term: the claimant agreed in advance with
	// the request; the system records it and payout pays.
	got := sys.payouts(t, func(es []events.Envelope) bool { return countOf(es, clean.ClaimID, events.PayoutCompleted) >= 1 })
	if paid := payoutsOf(t, got, clean.ClaimID, events.PayoutCompleted); len(paid) != 1 || paid[0].AmountFen != 16_000 {
		t.Fatalf("got payouts %+v, want one of 16000 fen", paid)
	}

	var defective []events.ClaimRequestedData
	for i, d := range stpDefects {
		policy, insured := fmt.Sprintf("P-STP-E%d", i+1), fmt.Sprintf("孙自动%d", i+1)
		sys.stpPolicy(t, policy, insured)
		invoice := fmt.Sprintf("E2E-10%02d", i)
		if d.defect == defectInvoiceSeen {
			invoice = "E2E-0001"
		}
		defective = append(defective, stpRequest(policy, insured, invoice, stpAccount(i+1), d.defect))
	}
	sys.publishRequests(t, defective...)
	for i, d := range stpDefects {
		id := defective[i].ClaimID
		apitest.Eventually(t, 60*time.Second, d.defect+" assessed", func() bool {
			var ok bool
			a, ok = sys.assessment(t, id)
			return ok
		})
		if a.Automatic || !a.has(d.reason) {
			t.Errorf("%s: got automatic %v, reasons %+v; want a handler's, with %s", d.defect, a.Automatic, a.Reasons, d.reason)
		}
		sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/cases/"+id), nil, &c)
		if c.State != "received" {
			t.Errorf("%s: got %s, want received: in the handlers' queue", d.defect, c.State)
		}
	}
}

// BenchmarkStraightThrough drives a generated mix of small claims through
// the straight-through path: 70% clean, 30% with one defect each (the
// issue's six in turn). Each claim request is published as intake
// publishes a complete claim (the fields given, not read by OCR: reading
// a thousand scans takes longer than the rest of the run on 2 cores), by 8
// claimants at once, each with the claimant's advance agreement (the
// product's term). A clean claim decided automatically is agreed by the
// system at its decision and followed to payout-completed;
// the simulated bank answers at once (PAYOUT_BANK_SIM_LATENCY=0s), so the
// times exclude the bank. It reports the share decided automatically, the
// share of clean claims decided automatically (goal: all), the automatic
// approvals of defective claims (goal: 0), and the p50 and p99 time from
// the complete claim request to payout-completed.
func BenchmarkStraightThrough(b *testing.B) {
	sys := newSystem(b, kafkatest.Cluster(b))
	sys.env = []string{"DEADLINE_SWEEP_INTERVAL=30s", "PAYOUT_BANK_SIM_LATENCY=0s"}
	sys.startAll()
	sys.importSTP(b)
	// CLAIMS_BENCH_STP_CLAIMS changes the number of claims.
	n := benchCount(b, "CLAIMS_BENCH_STP_CLAIMS", 1000)
	completed := watchCompleted(b, sys)
	for round := range b.N {
		b.StopTimer()
		// Claim 0 is clean and goes first: the invoice-already-claimed
		// defect reuses its invoice.
		requests := make([]events.ClaimRequestedData, n)
		defects := make([]string, n)
		policies := make(chan int)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for i := range policies {
					policy, insured := fmt.Sprintf("P-STP-B%d-%05d", round, i), fmt.Sprintf("孙自动%d-%05d", round, i)
					sys.stpPolicy(b, policy, insured)
					if i%10 >= 7 {
						defects[i] = stpDefects[(i/10)%len(stpDefects)].defect
					}
					invoice := fmt.Sprintf("B%d-%05d", round, i)
					if defects[i] == defectInvoiceSeen {
						invoice = fmt.Sprintf("B%d-%05d", round, 0)
					}
					requests[i] = sys.inAdvance(b, stpRequest(policy, insured, invoice, stpAccount(round*1_000_000+i), defects[i]), insured,
						stpAccount(round*1_000_000+i))
				}
			})
		}
		for i := range n {
			policies <- i
		}
		close(policies)
		wg.Wait()

		var automatic, cleanAutomatic, clean, wrong atomic.Int64
		latencies := make([]time.Duration, 0, n)
		var mu sync.Mutex
		drive := func(i int) {
			d := requests[i]
			began := time.Now()
			sys.publishRequests(b, d)
			var a stpAssessment
			for limit := time.Now().Add(2 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
				var ok bool
				if a, ok = sys.assessment(b, d.ClaimID); ok {
					break
				}
				if time.Now().After(limit) {
					b.Errorf("claim %d not assessed within 2 minutes", i)
					return
				}
			}
			if defects[i] == defectNone {
				clean.Add(1)
			}
			if !a.Automatic {
				return
			}
			automatic.Add(1)
			if defects[i] != defectNone {
				wrong.Add(1)
				b.Errorf("claim %d (%s) was approved automatically", i, defects[i])
				return
			}
			cleanAutomatic.Add(1)
			took := completed.wait(b, d.ClaimID).Sub(began)
			mu.Lock()
			latencies = append(latencies, took)
			mu.Unlock()
		}
		b.StartTimer()
		start := time.Now()
		drive(0)
		jobs := make(chan int)
		for range 8 {
			wg.Go(func() {
				for i := range jobs {
					drive(i)
				}
			})
		}
		for i := 1; i < n; i++ {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		elapsed := time.Since(start)
		b.StopTimer()
		slices.Sort(latencies)
		if len(latencies) == 0 {
			b.Fatal("no claim was paid")
		}
		b.ReportMetric(float64(n)/elapsed.Seconds(), "claims/s")
		b.ReportMetric(100*float64(automatic.Load())/float64(n), "auto-%")
		b.ReportMetric(100*float64(cleanAutomatic.Load())/float64(clean.Load()), "clean-auto-%")
		b.ReportMetric(float64(wrong.Load()), "wrong-auto")
		b.ReportMetric(latencies[len(latencies)/2].Seconds()*1000, "p50-ms")
		b.ReportMetric(latencies[len(latencies)*99/100].Seconds()*1000, "p99-ms")
	}
}

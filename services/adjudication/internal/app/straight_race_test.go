package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/adjudication/internal/adapters"
	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/calendar"
	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
)

// sharedAccount is the account number both attack claims are paid into,
// and sharedKey its keyed hash as intake sends it.
const (
	sharedAccount = "6222020200188776655"
	sharedKey     = "k-shared-account"
)

// newStraightFixture is newFixture with the straight-through path on (every
// decision sampled), the account signals keyed, product MED-STP whose
// rules let the claimant agree in advance, and each of policies insured
// as named, all of them on MED-STP. wrap, when set, wraps the cases'
// repository.
func newStraightFixture(t *testing.T, policies map[string]string, wrap func(app.Repository) app.Repository) *fixture {
	t.Helper()
	return newStraightFixtureWith(t, policies, func(d *app.Deps) {
		if wrap != nil {
			d.Cases = wrap(d.Cases)
		}
	})
}

// newStraightFixtureWith is newStraightFixture whose dependencies change
// leaves as it wants them after the path is wired.
func newStraightFixtureWith(t *testing.T, policies map[string]string, change func(*app.Deps)) *fixture {
	t.Helper()
	f := newFixtureOn(t, func(d *app.Deps, db *gorm.DB) {
		d.SignalKey = []byte("test-signal-key")
		d.Straight = adapters.NewStraight(db)
		d.Auto, d.AutoEnabled = domain.DefaultAutoPolicy(), true
		d.Auto.SampleBP = 10_000
		change(d)
	})
	ctx := context.Background()
	admin := domain.Actor{Subject: "admin-1", Roles: []string{"admin"}}
	f.clock.Set(time.Date(2026, 11, 20, 10, 0, 0, 0, calendar.Location()))
	p := product()
	p.Code = "MED-STP"
	_, _, err := f.app.PutProduct(ctx, admin, p)
	require.NoError(t, err)
	for number, insured := range policies {
		pol := policy(number)
		pol.ProductCode, pol.InsuredName, pol.PolicyholderName = "MED-STP", insured, insured
		_, _, err = f.app.PutPolicy(ctx, admin, pol)
		require.NoError(t, err)
	}
	_, err = f.app.PutRules(ctx, admin, "MED-STP", domain.ProductRules{Benefit: "medical_expense", DeductibleFen: 10_000,
		DeductibleClause: "《示例医疗保险条款》第六条第一款", RatioWithSocialBP: 8000, RatioWithoutSocialBP: 6000, RatioClause: "《示例医疗保险条款》第六条第二款",
		SelfFundedClause: "《示例医疗保险条款》第九条", PerClaimLimitFen: 2_000_000, AnnualLimitFen: 5_000_000, LimitClause: "《示例医疗保险条款》第六条第三款",
		Agreement: domain.AgreementInAdvance})
	require.NoError(t, err)
	return f
}

// cleanInAdvance is a clean medical claim of insured on policy, first
// received now: an invoice of 1,000 yuan read with confidence, the
// insured's ID card and bank card, and the claimant's agreement in advance
// to be paid into account (its keyed hash key), all sent by the claimant's
// own channel. The rules compute (300 − 100) × 80% = 160 yuan.
func cleanInAdvance(t *testing.T, claimID, policyNumber, insured, invoice, account, key string, now time.Time) events.ClaimRequestedData {
	t.Helper()
	d := request(claimID, now)
	d.PolicyNumber, d.InsuredName, d.ClaimedAmountFen = policyNumber, insured, 100_000
	day := d.IncidentTime.In(calendar.Location()).Format("2006-01-02")
	src := func(page int) events.FieldSource {
		return events.FieldSource{Page: page, Box: [4]int{120, 340, 260, 36}, Confidence: 0.97}
	}
	p, err := events.Payee{Name: insured, Role: "insured", BankName: "中国建设银行", AccountNumber: account}.SealFor(eventstest.PayeeSealer(t), eventstest.Fingerprints(), claimID)
	require.NoError(t, err)
	d.Documents = []events.ClaimDocument{
		{DocumentID: "inv-" + claimID, Type: "medical_invoice", SHA256: "aa", InvoiceCode: "031001900104", InvoiceNumber: invoice,
			TotalAmountFen: 100_000, EventDate: day, PatientName: insured, Institution: "上海市第六人民医院", Confidence: 0.96,
			Insurance: &events.InsuranceSplit{FundPaidFen: 60_000, SelfPayFen: 30_000, SelfFundedFen: 10_000},
			Sources:   map[string]events.FieldSource{"total_amount_fen": src(1), "insurance.self_pay_fen": src(1), "insurance.fund_paid_fen": src(1)}},
		{DocumentID: "id-" + claimID, Type: "id_card", SHA256: "bb", IDNumberValid: true, HolderName: insured, Confidence: 0.99},
		{DocumentID: "card-" + claimID, Type: "bank_card", SHA256: "cc", HolderName: insured, AccountFingerprint: p.AccountFingerprint,
			AccountLast4: p.AccountLast4, Confidence: 0.99},
	}
	for i := range d.Documents {
		d.Documents[i].EnteredBy, d.Documents[i].EnteredVia = "claimant-app", events.EnteredViaClaimant
	}
	d.Payee = &p
	d.AdvanceAgreement = &events.AdvanceAgreement{Channel: "app", AgreedAt: now, AccountKey: key, EnteredBy: "claimant-app", EnteredVia: events.EnteredViaClaimant}
	return d
}

// paidInAdvance tells whether the system recorded the claim's advance
// agreement (the case agreed, so payout is told to pay), and the codes of
// the reasons its assessment found.
func (f *fixture) paidInAdvance(t *testing.T, claimID string) (bool, []string) {
	t.Helper()
	ctx := context.Background()
	c, err := f.app.Case(ctx, claimID)
	require.NoError(t, err)
	a, err := f.app.Assessment(ctx, claimID)
	require.NoError(t, err)
	var codes []string
	for _, r := range a.Reasons {
		codes = append(codes, r.Code+":"+r.Params["signal"])
	}
	return c.Agreement != nil, codes
}

// TestAttackTwoStraightThroughClaimsOnOneAccountAtOnceSeeEachOther: the
// claims of two unrelated insureds, each clean and each with an agreement
// in advance to be paid into one account, arrive at the same moment and go
// straight through side by side (two consumers, or one retrying the
// events of a batch one by one). Each reads the account's uses and goes
// on only once the other has read them too. At most one may be paid without a
// person: the other must see the first's use of the account (a
// fraud_signal reason, shared_account) and go to a handler.
func TestAttackTwoStraightThroughClaimsOnOneAccountAtOnceSeeEachOther(t *testing.T) {
	t.Parallel()
	meeting := &meetingFacts{met: make(chan struct{}), readFirst: true}
	insureds := map[string]string{"P-STP-A": "张三", "P-STP-B": "李四"}
	f := newStraightFixture(t, insureds, func(r app.Repository) app.Repository {
		meeting.Repository = r
		return meeting
	})
	ctx := context.Background()
	now := f.clock.Now()
	claims := map[string]events.ClaimRequestedData{
		"stp-race-a": cleanInAdvance(t, "stp-race-a", "P-STP-A", "张三", "50000001", sharedAccount, sharedKey, now),
		"stp-race-b": cleanInAdvance(t, "stp-race-b", "P-STP-B", "李四", "50000002", sharedAccount, sharedKey, now),
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	errs := map[string]error{}
	for id, d := range claims {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := f.app.OpenCase(ctx, claimRequested(t, d))
			mu.Lock()
			errs[id] = err
			mu.Unlock()
		}()
	}
	wg.Wait()
	paid := 0
	for id := range claims {
		require.NoError(t, errs[id], id)
		ok, codes := f.paidInAdvance(t, id)
		t.Logf("claim %s: paid in advance %v, reasons %v", id, ok, codes)
		if ok {
			paid++
		}
	}
	if paid != 1 {
		t.Fatalf("claims paid into the one account without a person: got %d, want 1 (the later must see the earlier's use: shared_account)", paid)
	}
}

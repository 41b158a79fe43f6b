package adapters_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/adapters"
	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/apperr/apperrtest"
	"claims.local/pkg/calendar"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/inbox"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking"
)

var senior = domain.Actor{Subject: "s1", Roles: []string{domain.RoleSenior}}

// change applies do to the stored case and checks that what Update answers
// is what is read back.
func (f *fixture) change(t *testing.T, claimID string, do func(c *domain.Case) error) domain.Case {
	t.Helper()
	ctx := context.Background()
	updated, err := f.repo.Update(ctx, claimID, func(c *domain.Case) (tracking.Effects, error) { return tracking.Effects{}, do(c) })
	require.NoError(t, err)
	got, err := f.repo.Get(ctx, claimID)
	require.NoError(t, err)
	require.Equal(t, updated, got, "Update's result equals what is read back")
	return got
}

func TestEveryPartOfACaseRoundTrips(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	back := t0.Add(72 * time.Hour)
	c := newCase("claim-1", t0)
	c.IncidentPlace, c.ClaimedAmountFen = "110102", 7_000_000
	c.Beneficiary = &domain.Person{Name: "李四", Relation: "spouse"}
	c.Documents = []domain.Document{{DocumentID: "d1", Type: "medical_invoice", SHA256: "ab", InvoiceNumber: "0441-2345", TotalAmountFen: 7_000_000, EventDate: "2026-09-28"},
		{DocumentID: "d2", Type: "other", SHA256: "cd"}}
	c.Supplements = []domain.Supplement{{NoticeSentAt: t0.Add(time.Hour), ReceivedAt: &back, RequestedBy: "intake"}}
	c = domain.Open(c, domain.System("intake"), t0.Add(time.Second))
	_, err := f.repo.Open(ctx, receipt("e1", "claim-1"), c)
	require.NoError(t, err)
	got, err := f.repo.Get(ctx, "claim-1")
	require.NoError(t, err)
	c.Changes = nil
	require.Equal(t, c, got, "the opened case read back")

	now := t0.Add(96 * time.Hour)
	f.change(t, "claim-1", func(c *domain.Case) error { return c.MarkComplex(senior, "需要调查", now) })
	f.change(t, "claim-1", func(c *domain.Case) error { return c.Assign(senior, "h2", "专人处理", now) })
	overridden := f.change(t, "claim-1", func(c *domain.Case) error {
		return c.OverrideCheck(senior, domain.CheckResult{Check: domain.CheckSumInsured, Result: domain.ResultWarn}, "已核实", now)
	})
	assert.True(t, overridden.Overrides[0].Senior, "the override keeps that a senior made it")
	h2 := domain.Actor{Subject: "h2", Roles: []string{domain.RoleHandler}}
	pending := f.change(t, "claim-1", func(c *domain.Case) error { return c.Decide(h2, authority, approve(7_000_000), now) })
	require.Equal(t, domain.StatePendingApproval, pending.State)
	approved := f.change(t, "claim-1", func(c *domain.Case) error {
		return c.ReviewDecision(senior, authority, "approve", "", 0, now.Add(time.Hour))
	})
	require.NotNil(t, approved.Decision.ApprovedAt)
	agreed := f.change(t, "claim-1", func(c *domain.Case) error {
		_, err := c.RecordAgreement(h2, domain.AgreementInput{AgreedBy: "李四", Channel: "app", Payee: domain.PayeeInput{
			Name: "李四", Role: "agent", BankName: "中国银行", AccountNumber: "6216610100001234567",
			OnBehalfOf: &domain.Person{Name: "张三", Relation: "self"}, AuthorisationDocumentID: "d2"},
			Facts: domain.SignalFacts{Employee: "E-7"}, Fingerprints: eventstest.Fingerprints()}, 7, now)
		return err
	})
	assert.Equal(t, "****4567", agreed.Agreement.Payee.AccountMasked)
	require.Len(t, agreed.Signals, 1, "the employee's account raised a signal")
	assert.Equal(t, map[string]string{"account": "****4567", "employee": "E-7"}, agreed.Signals[0].Params, "the signal keeps its values (issue 20)")
	assert.Equal(t, eventstest.Fingerprints().Account("claim-1", "6216610100001234567"), agreed.Agreement.AccountFingerprint)
	auths, err := f.repo.PaymentAuthorisations(ctx, now, now.Add(time.Second))
	require.NoError(t, err)
	require.Len(t, auths, 1, "the agreement is a payment authorised in the window")
	assert.Equal(t, app.PaymentAuthorisation{Kind: "agreement", ClaimID: "claim-1", ReferenceID: agreed.ID, AmountFen: 7_000_000,
		AccountFingerprint: agreed.Agreement.AccountFingerprint, AuthorisedAt: now.UTC()}, auths[0])
	auths, err = f.repo.PaymentAuthorisations(ctx, now.Add(time.Second), now.Add(time.Hour))
	require.NoError(t, err)
	assert.Empty(t, auths, "the window is [from, to)")
	closed := f.change(t, "claim-1", func(c *domain.Case) error { _, err := c.Close(h2, "结案", now); return err })
	assert.Equal(t, domain.StateClosed, closed.State)
	assert.Equal(t, 8, closed.Version, "one version per change")
	assert.Equal(t, int64(9), pgtest.Count(t, f.db, "SELECT count(*) FROM case_audit"), "every change audited, and the signal raised")
}

func TestAReturnedDecisionIsDiscarded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, err := f.repo.Open(context.Background(), inbox.Receipt{}, newCase("claim-1", t0))
	require.NoError(t, err)
	f.change(t, "claim-1", func(c *domain.Case) error { return c.Decide(handler, authority, approve(6_000_000), t0) })
	require.Equal(t, int64(1), pgtest.Count(t, f.db, "SELECT count(*) FROM decision_lines"))
	returned := f.change(t, "claim-1", func(c *domain.Case) error { return c.ReviewDecision(senior, authority, "return", "重算", 0, t0) })
	assert.Nil(t, returned.Decision)
	assert.Equal(t, int64(0), pgtest.Count(t, f.db, "SELECT count(*) FROM decisions")+pgtest.Count(t, f.db, "SELECT count(*) FROM decision_lines"))
	decided := f.change(t, "claim-1", func(c *domain.Case) error { return c.Decide(handler, authority, approve(4_000_000), t0) })
	assert.Equal(t, domain.StateApproved, decided.State)
}

func TestTheLettersPDFIsReadOnlyOnPurpose(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.repo.Open(ctx, inbox.Receipt{}, newCase("claim-1", t0))
	require.NoError(t, err)
	pdf := []byte("%PDF-1.4 letter")
	n := domain.RejectionNotice{LetterNumber: "理赔拒字〔2026〕第000001号", IssueDate: calendar.DateOf(t0), Kind: domain.BenefitRefusal}
	got := f.change(t, "claim-1", func(c *domain.Case) error {
		if err := c.Decide(handler, authority, reject(), t0); err != nil {
			return err
		}
		return c.AttachRejectionLetter(handler, n, pdf, t0)
	})
	l := got.RejectionLetter
	require.NotNil(t, l)
	assert.Nil(t, l.PDF, "the case carries the letter's metadata only")
	assert.Equal(t, n.LetterNumber, l.Number)
	assert.Equal(t, n.IssueDate, l.IssueDate)
	stored, err := f.repo.LetterPDF(ctx, "claim-1")
	require.NoError(t, err)
	assert.Equal(t, pdf, stored)
	sent := f.change(t, "claim-1", func(c *domain.Case) error { return c.RecordRejectionLetterSent(handler, "post", t0.Add(time.Hour)) })
	assert.Equal(t, &domain.LetterSent{Channel: "post", SentBy: "h1", SentAt: t0.Add(time.Hour)}, sent.RejectionLetter.Sent)

	_, err = f.repo.LetterPDF(ctx, "nope")
	apperrtest.WantCode(t, err, apperr.NotFound)
	n2, err := f.repo.NextLetterNumber(ctx)
	require.NoError(t, err)
	n3, err := f.repo.NextLetterNumber(ctx)
	require.NoError(t, err)
	assert.Equal(t, n2+1, n3, "numbers are drawn in order")
}

func TestEvidenceLooksAtTheOtherCasesOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	invoice := domain.Document{DocumentID: "d", Type: "medical_invoice", SHA256: "x", InvoiceNumber: "A-1", TotalAmountFen: 500}
	for _, id := range []string{"c1", "c2", "c3"} {
		c := newCase(id, t0)
		c.Documents = []domain.Document{invoice}
		if id == "c3" {
			c.PolicyNumber = "P-other"
			c.Documents[0].InvoiceNumber = "B-2"
		}
		_, err := f.repo.Open(ctx, inbox.Receipt{}, c)
		require.NoError(t, err)
	}
	f.change(t, "c1", func(c *domain.Case) error { return c.Decide(handler, authority, approve(300), t0) })
	f.change(t, "c3", func(c *domain.Case) error { return c.Decide(handler, authority, approve(900), t0) })

	c2, err := f.repo.Get(ctx, "c2")
	require.NoError(t, err)
	used, invoices, err := f.repo.Evidence(ctx, c2)
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"medical_expense": 300}, used, "c1 on the same policy; not c3")
	assert.Equal(t, []domain.InvoiceMatch{{ClaimID: "c1", InvoiceNumber: "A-1", AmountFen: 500}}, invoices)

	c1, err := f.repo.Get(ctx, "c1")
	require.NoError(t, err)
	used, _, err = f.repo.Evidence(ctx, c1)
	require.NoError(t, err)
	assert.Empty(t, used, "a case's own decision is not an earlier claim")
}

// TestInvoicesAlikeAreFoundWhateverTheirNumbers: the search by content
// (issue 19) finds the medical invoices of the same total and date on the
// other claims of the policy or of an insured of the same name (however
// its spaces and letter widths are written), whatever their numbers; not
// another day's, another total's, another person's on
// another policy, nor the case's own.
func TestInvoicesAlikeAreFoundWhateverTheirNumbers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	invoice := func(number string, fen int64, day string) domain.Document {
		return domain.Document{DocumentID: "d-" + number, Type: "medical_invoice", SHA256: "x", InvoiceNumber: number, TotalAmountFen: fen, EventDate: day}
	}
	for _, c := range []struct {
		id, policy, insured string
		doc                 domain.Document
	}{
		{"mine", "P-1", "张三", invoice("A-1", 100_000, "2026-10-01")},
		{"same-policy", "P-1", "张三", invoice("A-7", 100_000, "2026-10-01")},
		{"same-insured", "P-2", "张三", invoice("", 100_000, "2026-10-01")},
		{"other-day", "P-1", "张三", invoice("A-8", 100_000, "2026-10-02")},
		{"other-total", "P-1", "张三", invoice("A-9", 100_001, "2026-10-01")},
		{"other-person", "P-3", "李四", invoice("A-1", 100_000, "2026-10-01")},
		// The attack: the same insured on other policies, the name
		// written with a space, an ideographic space or full-width
		// letters, as sameName compares names.
		{"same-insured-spaced", "P-4", "张 三", invoice("B-1", 100_000, "2026-10-01")},
		{"same-insured-wide", "P-5", "张\u3000三", invoice("B-2", 100_000, "2026-10-01")},
		{"same-insured-nel", "P-6", "张\u0085三", invoice("B-3", 100_000, "2026-10-01")},
		{"other-person-invisible", "P-7", "张\u200b三", invoice("B-4", 100_000, "2026-10-01")},
	} {
		k := newCase(c.id, t0)
		k.PolicyNumber, k.InsuredName, k.Documents = c.policy, c.insured, []domain.Document{c.doc}
		_, err := f.repo.Open(ctx, inbox.Receipt{}, k)
		require.NoError(t, err)
	}
	mine, err := f.repo.Get(ctx, "mine")
	require.NoError(t, err)
	got, err := f.repo.InvoicesAlike(ctx, mine)
	require.NoError(t, err)
	assert.Equal(t, []domain.InvoiceMatch{
		{ClaimID: "same-insured", AmountFen: 100_000, EventDate: "2026-10-01"},
		{ClaimID: "same-insured-nel", InvoiceNumber: "B-3", AmountFen: 100_000, EventDate: "2026-10-01"},
		{ClaimID: "same-insured-spaced", InvoiceNumber: "B-1", AmountFen: 100_000, EventDate: "2026-10-01"},
		{ClaimID: "same-insured-wide", InvoiceNumber: "B-2", AmountFen: 100_000, EventDate: "2026-10-01"},
		{ClaimID: "same-policy", InvoiceNumber: "A-7", AmountFen: 100_000, EventDate: "2026-10-01"},
	}, got)
}

func TestPoliciesAreStoredAsImportedAndReplaced(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	repo := adapters.NewPolicies(f.db)
	p := domain.Product{Code: "MED-1", Name: "示例医疗保险", NoticeKind: domain.IndemnityRefusal,
		Benefits:          []domain.Benefit{{Code: "medical_expense", Name: "医疗费用", IncidentTypes: []string{"medical"}, PerClaimLimitFen: 100, Clause: "《条款》第五条"}},
		WaitingPeriods:    []domain.WaitingPeriod{{IncidentType: "medical", Days: 30, Clause: "《条款》第四条"}},
		Exclusions:        []domain.Exclusion{{Code: "X", IncidentTypes: []string{"death"}, WithinDays: 730, Text: "自杀", Clause: "《条款》第九条"}},
		DeadlineOverrides: []deadline.Override{{Rule: deadline.Payment, Length: 7, Unit: deadline.Days}},
	}
	created, err := repo.PutProduct(ctx, p, "admin-1", t0)
	require.NoError(t, err)
	assert.True(t, created)
	got, err := repo.Product(ctx, "MED-1")
	require.NoError(t, err)
	assert.Equal(t, p, got)
	p.Name = "示例医疗保险（2027版）"
	created, err = repo.PutProduct(ctx, p, "admin-1", t0)
	require.NoError(t, err)
	assert.False(t, created, "replaced")
	got, err = repo.Product(ctx, "MED-1")
	require.NoError(t, err)
	assert.Equal(t, p.Name, got.Name)

	end := calendar.Date{Year: 2026, Month: 6, Day: 30}
	pol := domain.Policy{Number: "P-1", ProductCode: "MED-1", PolicyholderName: "张三", InsuredName: "张三",
		Beneficiaries: []domain.Person{{Name: "李四", Relation: "spouse"}}, EffectiveFrom: calendar.Date{Year: 2026, Month: 1, Day: 1},
		EffectiveTo: calendar.Date{Year: 2026, Month: 12, Day: 31}, TerminatedOn: &end,
		Coverages: []domain.Coverage{{Benefit: "medical_expense", SumInsuredFen: 1000, UsedFen: 10}}}
	created, err = repo.PutPolicy(ctx, pol, "admin-1", t0)
	require.NoError(t, err)
	assert.True(t, created)
	gotPol, err := repo.Policy(ctx, "P-1")
	require.NoError(t, err)
	assert.Equal(t, pol, gotPol)

	_, err = repo.Policy(ctx, "P-2")
	apperrtest.WantCode(t, err, apperr.NotFound)
	_, err = repo.Product(ctx, "LIFE-1")
	apperrtest.WantCode(t, err, apperr.NotFound)
}

package adapters_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/calendar"
	"claims.local/pkg/inbox"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking"
)

// fullCase returns a case with every part a case load reads non-empty:
// documents, advances (one with its payee on someone's behalf, approved),
// the advance agreement, a partial rejection with its lines, reasons and
// stored letter (sent), the agreement, check overrides and fraud signals.
func fullCase(claimID string) (opened, complete domain.Case) {
	c := newCase(claimID, t0)
	c.Branch = "310000"
	c.Beneficiary = &domain.Person{Name: "李四", Relation: "spouse"}
	c.Documents = []domain.Document{
		{DocumentID: "d1", Type: domain.DocMedicalInvoice, SHA256: "aa", InvoiceNumber: "No 0001", TotalAmountFen: 12_345, EventDate: "2026-09-28"},
		{DocumentID: "d2", Type: "bank_card", SHA256: "bb", AccountFingerprint: "fp-card", AccountLast4: "4321", HolderName: "张三"},
		{DocumentID: "d3", Type: "id_card", SHA256: "cc", IDNumberMasked: "1101**********123X"},
	}
	approved := t0.Add(3 * time.Hour)
	c.Advances = []domain.Advance{
		{ID: "adv-1", Ground: "catastrophe", CatastropheCode: "CAT-1", AmountFen: 5_000, ExpectedBenefitFen: 10_000, State: "approved",
			Reason: "flood", OfferedAt: t0.Add(time.Hour), OfferedBy: "h1", ApprovedBy: "s1", ApprovedAt: &approved,
			AccountFingerprint: "fp-adv", AccountKey: "ak-adv",
			Payee: &domain.Payee{Name: "李四", Role: "beneficiary", BankName: "中国银行", AccountMasked: "****1234",
				OnBehalfOf: &domain.Person{Name: "张小三", Relation: "child"}}},
		{ID: "adv-2", Ground: "sixty-days", AmountFen: 1_000, ExpectedBenefitFen: 2_000, State: "offered", OfferedAt: t0.Add(2 * time.Hour), OfferedBy: "h2"},
	}
	c.Advance = &domain.AdvanceAgreement{Channel: "in_advance_app", AgreedAt: t0.Add(-time.Minute), PayeeRole: "insured", BankName: "中国建设银行",
		AccountLast4: "5678", AccountFingerprint: "fp", NameFingerprint: "nf", AccountKey: "ak", Sealed: "test-payout:sealed",
		EnteredBy: "clerk-1", EnteredVia: "counter"}
	opened = c

	computed, deductible := int64(11_000), int64(7_500)
	approvedDecision := t0.Add(5 * time.Hour)
	c.Decision = &domain.Decision{Outcome: domain.Outcome("partly_approve"), AmountFen: 10_000, Note: "part of it",
		Lines:     []domain.BenefitLine{{Benefit: "medical_expense", ClaimedFen: 12_345, ApprovedFen: 10_000}, {Benefit: "hospital_allowance", ClaimedFen: 3_000}},
		Reasons:   []domain.RejectionReason{{Code: "WAITING_PERIOD", Text: "等待期内", Clause: "《条款》第四条"}},
		DecidedBy: "h1", DecidedAt: t0.Add(4 * time.Hour), NeedsApproval: true, ApprovedBy: "s1", ApprovedAt: &approvedDecision,
		ExGratia: true, RulesVersion: 3, ComputedFen: &computed, DeductibleFen: &deductible, AmountReason: "capped", ForReview: "sampled"}
	c.RejectionLetter = &domain.RejectionLetter{Number: "RJ-2026-000001", IssueDate: calendar.DateOf(time.Date(2026, 10, 1, 9, 0, 0, 0, calendar.Location())), SHA256: "dd",
		GeneratedAt: t0.Add(6 * time.Hour), GeneratedBy: "h1", PDF: []byte("%PDF-1.7 letter"),
		Sent: &domain.LetterSent{Channel: "post", SentBy: "h1", SentAt: t0.Add(7 * time.Hour)}}
	c.Agreement = &domain.Agreement{AmountFen: 10_000, AgreedBy: "张三", Channel: "signed_form", RecordedBy: "h1", AgreedAt: t0.Add(8 * time.Hour),
		PaymentPeriodDays: 10, AccountFingerprint: "fp-agr", AccountKey: "ak-agr",
		Payee: domain.Payee{Name: "李四", Role: "beneficiary", BankName: "中国银行", AccountMasked: "****9999",
			OnBehalfOf: &domain.Person{Name: "张小三", Relation: "child"}}}
	c.Overrides = []domain.CheckOverride{
		{Check: domain.CheckName("policy_in_force"), Reason: "renewed", By: "h1", At: t0.Add(4 * time.Hour)},
		{Check: domain.CheckName("duplicate_invoice"), Reason: "another copy", By: "s1", At: t0.Add(4 * time.Hour), Senior: true},
	}
	c.Signals = []domain.Signal{
		{Kind: domain.SignalKind("burst"), Explanation: "3 claims in 30 days", Params: map[string]string{"claims": "3", "days": "30"},
			Blocking: true, RaisedBy: "system", At: t0.Add(4 * time.Hour)},
		{Kind: domain.SignalKind("account_reuse"), Explanation: "paid before", Params: map[string]string{}, RaisedBy: "h1", At: t0.Add(8 * time.Hour)},
	}
	return opened, c
}

// openFull opens the case of fullCase("claim-full") in a fixture of its
// own, and returns it as opened and as completed.
func openFull(t *testing.T) (f *fixture, opened, complete domain.Case) {
	t.Helper()
	f = newFixture(t)
	opened, complete = fullCase("claim-full")
	_, err := f.repo.Open(context.Background(), inbox.Receipt{}, opened)
	require.NoError(t, err)
	return f, opened, complete
}

// becomes returns a change that makes a case full, its version kept.
func becomes(full domain.Case) func(*domain.Case) (tracking.Effects, error) {
	return func(c *domain.Case) (tracking.Effects, error) {
		version := c.Version
		*c = full
		c.Version = version
		return tracking.Effects{}, nil
	}
}

// TestTheLoadReadsEveryPartOfTheCase: a case with every part stored reads
// back exactly as stored through Get, through Update's locked load and
// through List, its letter without its PDF (issue 21: the case is loaded
// in one statement).
func TestTheLoadReadsEveryPartOfTheCase(t *testing.T) {
	t.Parallel()
	f, opened, want := openFull(t)
	ctx := context.Background()
	got, err := f.repo.Get(ctx, "claim-full")
	require.NoError(t, err)
	require.Equal(t, opened, got, "case read back after opening")

	_, err = f.repo.Update(ctx, "claim-full", func(c *domain.Case) (tracking.Effects, error) {
		require.Equal(t, opened, *c, "case the locked load gives the change")
		return becomes(want)(c)
	})
	require.NoError(t, err)
	want.Version = opened.Version + 1
	want.RejectionLetter.PDF = nil
	got, err = f.repo.Get(ctx, "claim-full")
	require.NoError(t, err)
	require.Equal(t, want, got, "case read back with every part")

	_, err = f.repo.Update(ctx, "claim-full", func(c *domain.Case) (tracking.Effects, error) {
		require.Equal(t, want, *c, "case the locked load gives the change")
		return tracking.Effects{}, nil
	})
	require.NoError(t, err)
	want.Version++
	listed, err := f.repo.List(ctx, app.ListFilter{})
	require.NoError(t, err)
	require.Equal(t, []domain.Case{want}, listed, "case listed")
	got, err = f.repo.Get(ctx, "claim-full")
	require.NoError(t, err)
	require.Equal(t, want, got, "case read back")
}

// TestALockedLoadThatWaitedSeesWhatTheHolderStored: an Update that waits
// for the case's row lock gives its change the case as the holder of the
// lock committed it, its parts included (the decision the holder stored),
// not as they were when its load began.
func TestALockedLoadThatWaitedSeesWhatTheHolderStored(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.repo.Open(ctx, inbox.Receipt{}, newCase("claim-race", t0))
	require.NoError(t, err)

	locked, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		_, err := f.repo.Update(ctx, "claim-race", func(c *domain.Case) (tracking.Effects, error) {
			close(locked)
			<-release
			return tracking.Effects{}, c.Decide(handler, authority, approve(100), t0)
		})
		first <- err
	}()
	<-locked
	type seen struct {
		decision *domain.Decision
		version  int
		err      error
	}
	second := make(chan seen, 1)
	go func() {
		var s seen
		_, s.err = f.repo.Update(ctx, "claim-race", func(c *domain.Case) (tracking.Effects, error) {
			s.decision, s.version = c.Decision, c.Version
			return tracking.Effects{}, nil
		})
		second <- s
	}()
	// The second load has begun, and waits for the lock.
	deadline := time.Now().Add(10 * time.Second)
	for pgtest.Count(t, f.db, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("got no load waiting for the case's lock within 10 s, want one")
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(release)
	require.NoError(t, <-first)
	s := <-second
	require.NoError(t, s.err)
	if s.decision == nil || s.decision.AmountFen != 100 {
		t.Fatalf("got decision %+v in the waiting change, want the one the holder stored (100 fen)", s.decision)
	}
	if s.version != 2 {
		t.Fatalf("got version %d in the waiting change, want 2", s.version)
	}
}

// TestSignalFactsReadsTheUsesAndTheEmployeeOfAnAccount: an account's uses
// on other claims (an agreement, an approved advance) and the first
// employee it belongs to, read in one statement.
func TestSignalFactsReadsTheUsesAndTheEmployeeOfAnAccount(t *testing.T) {
	t.Parallel()
	f, _, full := openFull(t)
	ctx := context.Background()
	_, err := f.repo.Update(ctx, "claim-full", becomes(full))
	require.NoError(t, err)
	require.NoError(t, f.repo.PutEmployees(ctx, map[string]string{"E2": "ak-agr", "E1": "ak-agr"}, "admin", t0))
	use := []domain.AccountUse{{ClaimID: "claim-full", InsuredName: "张三"}}
	tests := []struct {
		name, key, caseID string
		want              domain.SignalFacts
	}{
		{"agreed on another claim, an employee's", "ak-agr", "other", domain.SignalFacts{AccountKey: "ak-agr", Uses: use, Employee: "E1"}},
		{"advanced on another claim", "ak-adv", "other", domain.SignalFacts{AccountKey: "ak-adv", Uses: use}},
		{"used on this claim alone", "ak-agr", full.ID, domain.SignalFacts{AccountKey: "ak-agr", Employee: "E1"}},
		{"unknown", "ak-none", "other", domain.SignalFacts{AccountKey: "ak-none"}},
		{"no account", "", "other", domain.SignalFacts{}},
	}
	for _, tt := range tests {
		got, err := f.repo.SignalFacts(ctx, tt.key, tt.caseID)
		require.NoError(t, err, tt.name)
		require.Equal(t, tt.want, got, tt.name)
	}
}

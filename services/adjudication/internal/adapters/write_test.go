package adapters_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/adapters"
	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/apperr/apperrtest"
	"claims.local/pkg/inbox"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking"
)

// decidedCopy opens claimID's case and returns it as stored and as a
// handler's approval of amount (with an agreement when agreed) makes it,
// not yet stored.
func decidedCopy(t testing.TB, f *fixture, claimID string, amount int64, agreed bool) (before, after domain.Case) {
	t.Helper()
	ctx := context.Background()
	_, err := f.repo.Open(ctx, inbox.Receipt{}, newCase(claimID, t0))
	require.NoError(t, err)
	before, err = f.repo.Get(ctx, claimID)
	require.NoError(t, err)
	after, err = f.repo.Get(ctx, claimID)
	require.NoError(t, err)
	in := approve(amount)
	in.Burst = nil
	decidedAt := time.Date(2026, 10, 9, 1, 0, 0, 654321000, time.UTC)
	require.NoError(t, after.Decide(handler, authority, in, decidedAt))
	if agreed {
		after.Agreement = &domain.Agreement{AmountFen: amount, AgreedBy: "张三", Channel: "phone", RecordedBy: "h1", AgreedAt: decidedAt,
			Payee: domain.Payee{Name: "张三", Role: "insured", BankName: "ICBC", AccountMasked: "****1234"}}
	}
	after.Version = before.Version + 1
	return before, after
}

// rowsOf counts what a decision and an agreement leave in the tables
// caseWrite writes, and the case's version.
func rowsOf(t *testing.T, f *fixture, c domain.Case) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for name, q := range map[string]string{
		"decisions":      "SELECT count(*) FROM decisions WHERE case_id = '" + c.ID + "'",
		"decision_lines": "SELECT count(*) FROM decision_lines WHERE case_id = '" + c.ID + "'",
		"agreements":     "SELECT count(*) FROM agreements WHERE case_id = '" + c.ID + "'",
		"case_audit":     "SELECT count(*) FROM case_audit WHERE case_id = '" + c.ID + "'",
		"version":        "SELECT version FROM cases WHERE id = '" + c.ID + "'",
	} {
		out[name] = pgtest.Count(t, f.db, q)
	}
	return out
}

// TestAttackAStaleWriteOfACaseLeavesNoDecisionEvenOutsideATransaction
// holds the statement that stores a case's change with its decision,
// lines, agreement and audit to its version check on its own: run on a
// version another writer has moved past, outside the unit of work's
// transaction (nothing rolls it back), it is refused as a conflict and
// appends none of its rows. A decision or an audit entry appended to a case
// whose update was refused would be a decision nobody took.
func TestAttackAStaleWriteOfACaseLeavesNoDecisionEvenOutsideATransaction(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	before, after := decidedCopy(t, f, "claim-stale", 120_000, true)
	want := rowsOf(t, f, before)

	err := adapters.StoreAt(f.db, before.Version+1, before, after)
	apperrtest.WantCode(t, err, apperr.Conflict)
	got := rowsOf(t, f, before)
	for name, n := range want {
		if got[name] != n {
			t.Errorf("got %s %d after a write on a stale version, want %d", name, got[name], n)
		}
	}
}

// TestAWriteOfACaseWhosePartFailsStoresNoneOfIt makes one part of the
// statement fail (the new decision's row already there, so its insert
// violates the key) after the case's update and the audit entries are in
// the same statement: none of them is stored, outside a transaction too.
func TestAWriteOfACaseWhosePartFailsStoresNoneOfIt(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	before, after := decidedCopy(t, f, "claim-half", 90_000, false)
	require.NoError(t, f.db.Exec(`INSERT INTO decisions (case_id, outcome, amount_fen, reason, reasons, decided_by, decided_at)
		VALUES (?, 'approve', 1, '', '[]', 'someone', now())`, before.ID).Error)
	want := rowsOf(t, f, before)

	err := adapters.StoreAt(f.db, before.Version, before, after)
	if err == nil {
		t.Fatal("got no error storing a decision over one already there, want the key's violation")
	}
	got := rowsOf(t, f, before)
	for name, n := range want {
		if got[name] != n {
			t.Errorf("got %s %d after a write whose decision failed, want %d", name, got[name], n)
		}
	}
}

// TestAWriteOfACaseStoresEveryPartInOneStatement stores a decision with
// its line and an agreement, and reads each back.
func TestAWriteOfACaseStoresEveryPartInOneStatement(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	before, after := decidedCopy(t, f, "claim-one", 150_000, true)
	require.NoError(t, adapters.StoreAt(f.db, before.Version, before, after))
	got, err := f.repo.Get(context.Background(), "claim-one")
	require.NoError(t, err)
	require.Equal(t, after.Decision, got.Decision, "decision read back")
	require.Equal(t, after.Agreement, got.Agreement, "agreement read back")
	require.Equal(t, after.State, got.State, "state read back")
	if got.Version != before.Version+1 {
		t.Fatalf("got version %d, want %d", got.Version, before.Version+1)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM case_audit WHERE case_id = '"+before.ID+"'"); n != int64(len(after.Changes)) {
		t.Fatalf("got %d audit entries, want %d", n, len(after.Changes))
	}
}

// TestAnAssessmentThatDecidesNothingKeepsItselfAndLeavesTheCase: a read of
// UpdateAssessing that finds the claim not to be decided automatically
// (app.NotDecided) ends the transaction without its change: the case keeps
// its version and audit, and the assessment it carries is stored, in the
// same commit (issue 21: no rollback, no second transaction).
func TestAnAssessmentThatDecidesNothingKeepsItselfAndLeavesTheCase(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.repo.Open(ctx, inbox.Receipt{}, newCase("claim-held", t0))
	require.NoError(t, err)
	before, err := f.repo.Get(ctx, "claim-held")
	require.NoError(t, err)
	want := rowsOf(t, f, before)
	kept := app.StoredAssessment{Assessment: domain.Assessment{ClaimID: "claim-held", AssessedAt: t0,
		Reasons: []domain.Reason{{Code: "invoice_unread", Params: map[string]string{}}}}, PolicyNumber: before.PolicyNumber, ProductCode: "MED"}
	changed := false
	got, err := f.repo.UpdateAssessing(ctx, "claim-held", func(context.Context, domain.Case) error {
		return app.NotDecided{Assessment: kept}
	}, func(*domain.Case, map[string]int64) (tracking.Effects, *app.StoredAssessment, error) {
		changed = true
		return tracking.Effects{}, nil, nil
	})
	require.NoError(t, err)
	if changed || got.ID != "" {
		t.Fatalf("got the change run (%v) and case %q returned, want neither", changed, got.ID)
	}
	for name, n := range rowsOf(t, f, before) {
		if n != want[name] {
			t.Errorf("got %s %d after an assessment that decided nothing, want %d", name, n, want[name])
		}
	}
	stored, err := adapters.NewStraight(f.db).Assessment(ctx, "claim-held")
	require.NoError(t, err)
	require.Equal(t, kept, stored, "the assessment kept")
}

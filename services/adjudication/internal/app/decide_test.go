package app_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/events"
	"claims.local/pkg/postgres/pgtest"
)

// countEvents counts the events of type in the outbox.
func countEvents(t *testing.T, f *fixture, typ events.Type) int64 {
	t.Helper()
	return pgtest.Count(t, f.db, "SELECT count(*) FROM outbox WHERE event_type = ?", typ.Name)
}

// outboxData decodes the data of the one event of typ in the outbox.
func outboxData(t *testing.T, f *fixture, typ events.Type, v any) events.Envelope {
	t.Helper()
	var payload []byte
	require.NoError(t, f.db.Raw("SELECT payload FROM outbox WHERE event_type = ?", typ.Name).Row().Scan(&payload))
	e, err := events.Decode(payload)
	require.NoError(t, err)
	require.NoError(t, events.DecodeData(e, typ, v))
	return e
}

func TestConcurrentDecisionsOnOneCaseExactlyOneWins(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.open(t, request("claim-1", time.Now().Add(-time.Hour)))

	const n = 10
	type result struct {
		c   domain.Case
		err error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			who := domain.Actor{Subject: fmt.Sprintf("handler-%d", i), Roles: []string{domain.RoleHandler}}
			in := approve(int64(1000 + i))
			if i%2 == 1 {
				in = reject()
			}
			c, err := f.app.Decide(ctx, who, "claim-1", in)
			results[i] = result{c, err}
		})
	}
	close(start)
	wg.Wait()

	var winners []domain.Case
	for i, r := range results {
		switch {
		case r.err == nil:
			winners = append(winners, r.c)
		case apperr.CodeOf(r.err) != apperr.Conflict:
			t.Errorf("Decide #%d: got %v, want success or a conflict", i, r.err)
		}
	}
	if len(winners) != 1 {
		t.Fatalf("got %d successful decisions of %d concurrent ones, want exactly 1", len(winners), n)
	}
	if got := pgtest.Count(t, f.db, "SELECT count(*) FROM decisions"); got != 1 {
		t.Fatalf("got %d rows in decisions, want 1", got)
	}
	if got := countEvents(t, f, events.ClaimDecided); got != 1 {
		t.Fatalf("got %d claim-decided events in the outbox, want 1", got)
	}
	if got := pgtest.Count(t, f.db, "SELECT count(*) FROM case_audit WHERE action = ?", domain.ActionDecided); got != 1 {
		t.Fatalf("got %d decisions in the audit, want 1", got)
	}

	// What the winner was told is what is stored and what was announced.
	stored, err := f.app.Case(ctx, "claim-1")
	require.NoError(t, err)
	require.Equal(t, winners[0], stored, "the winner's case equals the stored one")
	var d events.ClaimDecidedData
	outboxData(t, f, events.ClaimDecided, &d)
	outcome := events.OutcomeApproved
	if stored.Decision.Outcome == domain.Reject {
		outcome = events.OutcomeRejected
	}
	want := events.ClaimDecidedData{ClaimID: "claim-1", CaseID: stored.ID, Outcome: outcome, AmountFen: stored.Decision.AmountFen,
		Currency: "CNY", Reason: stored.Decision.Summary(), DecidedBy: stored.Decision.DecidedBy, DecidedAt: stored.Decision.DecidedAt}
	require.Equal(t, want, d, "claim-decided data")
}

func TestAStaleVersionIsRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.open(t, request("claim-v", time.Now().Add(-time.Hour)))
	c, err := f.app.Case(ctx, "claim-v")
	require.NoError(t, err)
	seen := c.Version
	_, err = f.app.StartReview(ctx, handler, "claim-v")
	require.NoError(t, err)
	in := approve(100)
	in.Version = seen
	_, err = f.app.Decide(ctx, handler, "claim-v", in)
	assert.Equal(t, apperr.Conflict, apperr.CodeOf(err), "the case changed since it was read: %v", err)
	in.Version = seen + 1
	_, err = f.app.Decide(ctx, handler, "claim-v", in)
	require.NoError(t, err)
}

func TestTheDecisionKeepsTheChecksTheHandlerSawAndKnowsTheProductsBenefits(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.importPolicy(t, "P-1")
	f.open(t, request("claim-ck", time.Now().Add(-time.Hour)))

	bad := approve(100)
	bad.Lines[0].Benefit = "dental"
	_, err := f.app.Decide(ctx, handler, "claim-ck", bad)
	var e *apperr.Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, "lines[0].benefit", e.Field, "a benefit the product does not have")

	_, err = f.app.Decide(ctx, handler, "claim-ck", approve(100))
	require.NoError(t, err)
	timeline, err := f.app.Timeline(ctx, "claim-ck")
	require.NoError(t, err)
	last := timeline[len(timeline)-1]
	require.Equal(t, domain.ActionDecided, last.Action)
	checks, ok := last.Details["checks"].([]any)
	require.True(t, ok, "got details %v, want the checks", last.Details)
	assert.Len(t, checks, len(domain.CheckNames()))
}

func TestChecksReadThePolicyAndTheOtherClaims(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.importPolicy(t, "P-1")
	f.clock.Set(at(21, 1, time.October))
	invoice := events.ClaimDocument{DocumentID: "d1", Type: "medical_invoice", SHA256: "ab", InvoiceNumber: "0441 2345", TotalAmountFen: 150_000}
	first := request("claim-a", at(20, 1, time.October))
	first.Documents = []events.ClaimDocument{invoice}
	f.open(t, first)
	_, err := f.app.Decide(ctx, senior, "claim-a", approve(9_900_000))
	require.NoError(t, err)

	second := request("claim-b", at(20, 1, time.October))
	invoice.InvoiceNumber = "04412345"
	second.Documents = []events.ClaimDocument{invoice}
	second.ClaimedAmountFen = 150_000
	second.Beneficiary = &events.Person{Name: "王五", Relation: "child"}
	f.open(t, second)

	results, err := f.app.Checks(ctx, "claim-b")
	require.NoError(t, err)
	got := map[domain.CheckName]domain.Result{}
	for _, r := range results {
		got[r.Check] = r.Result
	}
	assert.Equal(t, map[domain.CheckName]domain.Result{
		domain.CheckPolicyInForce: domain.ResultPass, domain.CheckWaitingPeriod: domain.ResultPass,
		domain.CheckExclusions: domain.ResultPass, domain.CheckSumInsured: domain.ResultWarn,
		domain.CheckDuplicateInvoice: domain.ResultFail, domain.CheckBeneficiary: domain.ResultWarn,
	}, got, "%+v", results)

	_, err = f.app.OverrideCheck(ctx, handler, "claim-b", domain.CheckDuplicateInvoice, "接受")
	assert.Equal(t, apperr.Forbidden, apperr.CodeOf(err), "only a senior overrides a failing check")
	_, err = f.app.Decide(ctx, handler, "claim-b", approve(50_000))
	assert.Equal(t, apperr.ChecksFailing, apperr.CodeOf(err), "a duplicate invoice blocks the approval")
	c, err := f.app.OverrideCheck(ctx, senior, "claim-b", domain.CheckDuplicateInvoice, "同一发票分割单，已核实")
	require.NoError(t, err)
	require.Len(t, c.Overrides, 1)
	results, err = f.app.Checks(ctx, "claim-b")
	require.NoError(t, err)
	for _, r := range results {
		if r.Check == domain.CheckDuplicateInvoice && (r.Override == nil || r.Override.By != "senior-1") {
			t.Fatalf("got %+v, want senior-1's override", r)
		}
	}
	_, err = f.app.Decide(ctx, handler, "claim-b", approve(50_000))
	require.NoError(t, err, "the senior's override lets another person approve")
	_, err = f.app.OverrideCheck(ctx, senior, "claim-b", domain.CheckPolicyInForce, "no reason to")
	assert.Equal(t, apperr.Conflict, apperr.CodeOf(err), "a passed check is not overridden")
}

func TestTheContractLimitHoldsAtTheApprovalToo(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.importPolicy(t, "P-1")
	f.clock.Set(at(21, 1, time.October))
	f.open(t, request("claim-limit", at(20, 1, time.October)))
	c, err := f.app.Decide(ctx, handler, "claim-limit", approve(6_000_000))
	require.NoError(t, err)
	require.Equal(t, domain.StatePendingApproval, c.State)

	// The policy system reports 5,000,000 fen paid before the approval.
	p := policy("P-1")
	p.Coverages[0].UsedFen = 5_000_000
	_, _, err = f.app.PutPolicy(ctx, domain.Actor{Subject: "admin-1", Roles: []string{"admin"}}, p)
	require.NoError(t, err)
	_, err = f.app.ReviewDecision(ctx, senior, "claim-limit", "approve", "", 0)
	assert.Equal(t, apperr.BeyondContract, apperr.CodeOf(err), "%v", err)
	_, err = f.app.ReviewDecision(ctx, senior, "claim-limit", "return", "超出剩余保额", 0)
	require.NoError(t, err)
}

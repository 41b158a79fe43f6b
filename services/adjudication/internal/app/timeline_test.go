package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/tracking"
)

func TestEveryChangeIsInTheTimeline(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	senior2 := domain.Actor{Subject: "senior-2", Roles: []string{domain.RoleSenior}}
	handler2 := domain.Actor{Subject: "handler-2", Roles: []string{domain.RoleHandler}}
	f.open(t, withAuthorisation(request("claim-tl", time.Now().Add(-time.Hour))))
	steps := []func() (domain.Case, error){
		func() (domain.Case, error) { return f.app.StartReview(ctx, handler, "claim-tl") },
		func() (domain.Case, error) {
			return f.app.RequestDocuments(ctx, handler, "claim-tl", []string{"diagnosis_certificate"}, "")
		},
		func() (domain.Case, error) {
			return f.app.RecordDocumentsReceived(ctx, handler, "claim-tl", time.Time{})
		},
		func() (domain.Case, error) { return f.app.MarkComplex(ctx, senior, "claim-tl", "需要调查") },
		func() (domain.Case, error) { return f.app.Assign(ctx, senior, "claim-tl", "handler-2", "专案处理") },
		func() (domain.Case, error) {
			_, err := f.app.Decide(ctx, handler, "claim-tl", approve(6_000_000))
			if apperr.CodeOf(err) != apperr.Forbidden {
				return domain.Case{}, fmt.Errorf("handler-1 deciding handler-2's case: got %v, want forbidden", err)
			}
			return f.app.Decide(ctx, handler2, "claim-tl", approve(6_000_000))
		},
		func() (domain.Case, error) {
			return f.app.ReviewDecision(ctx, senior2, "claim-tl", "return", "金额有误", 0)
		},
		func() (domain.Case, error) { return f.app.Decide(ctx, senior, "claim-tl", approve(5_500_000)) },
		func() (domain.Case, error) { return f.app.RecordAgreement(ctx, handler2, "claim-tl", agreementInput()) },
		func() (domain.Case, error) {
			return f.app.Close(ctx, handler2, "claim-tl", "已达成协议，转支付")
		},
	}
	for i, step := range steps {
		_, err := step()
		require.NoError(t, err, "step %d", i)
	}
	timeline, err := f.app.Timeline(ctx, "claim-tl")
	require.NoError(t, err)
	type entry struct {
		action, actor string
		from, to      domain.State
	}
	var got []entry
	for _, ch := range timeline {
		got = append(got, entry{ch.Action, ch.Actor, ch.From, ch.To})
		assert.False(t, ch.At.IsZero(), "every entry has its time")
	}
	want := []entry{
		{domain.ActionOpened, "system:intake", "", domain.StateReceived},
		{domain.ActionReviewStarted, "handler-1", domain.StateReceived, domain.StateUnderReview},
		{domain.ActionAssigned, "handler-1", domain.StateUnderReview, domain.StateUnderReview},
		{domain.ActionDocumentsRequested, "handler-1", domain.StateUnderReview, domain.StateAwaitingDocuments},
		{domain.ActionDocumentsReceived, "handler-1", domain.StateAwaitingDocuments, domain.StateUnderReview},
		{domain.ActionMarkedComplex, "senior-1", domain.StateUnderReview, domain.StateComplex},
		{domain.ActionAssigned, "senior-1", domain.StateComplex, domain.StateComplex},
		{domain.ActionDecisionProposed, "handler-2", domain.StateComplex, domain.StatePendingApproval},
		{domain.ActionDecisionReturned, "senior-2", domain.StatePendingApproval, domain.StateComplex},
		{domain.ActionDecided, "senior-1", domain.StateComplex, domain.StateApproved},
		{domain.ActionAgreementRecorded, "handler-2", domain.StateApproved, domain.StateAgreed},
		{domain.ActionClosed, "handler-2", domain.StateAgreed, domain.StateClosed},
	}
	assert.Equal(t, want, got)
	assert.Equal(t, "金额有误", timeline[8].Reason, "why the decision was returned")
	assert.Equal(t, "handler-2", timeline[6].Details["assignee"])

	require.Error(t, f.db.Exec("UPDATE case_audit SET actor = 'someone else'").Error, "the audit is append-only")
	require.Error(t, f.db.Exec("DELETE FROM case_audit").Error, "the audit is append-only")
}

func TestTheQueueShowsTheSoonestDeadlineFirst(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.clock.Set(at(12, 1, time.October))
	f.open(t, request("late", at(29, 1, time.September)))    // due 10-12: at risk, nearly breached
	f.open(t, request("soon", at(30, 1, time.September)))    // due 10-13
	f.open(t, request("waiting", at(30, 0, time.September))) // paused below
	f.open(t, request("decided", at(28, 1, time.September)))
	f.open(t, request("mine", at(9, 1, time.October)))
	_, err := f.app.RequestDocuments(ctx, handler, "waiting", []string{"medical_invoice"}, "")
	require.NoError(t, err)
	_, err = f.app.Decide(ctx, handler, "decided", approve(100))
	require.NoError(t, err)
	_, err = f.app.StartReview(ctx, handler, "mine")
	require.NoError(t, err)

	claims := func(filter app.QueueFilter) []string {
		t.Helper()
		if filter.Limit == 0 {
			filter.Limit = 10
		}
		items, err := f.app.Queue(ctx, filter)
		require.NoError(t, err)
		out := []string{}
		for _, it := range items {
			out = append(out, it.Case.ClaimID)
		}
		return out
	}
	assert.Equal(t, []string{"late", "soon", "mine", "waiting", "decided"}, claims(app.QueueFilter{}),
		"open deadlines soonest first, then paused, then none owed")
	// The first action on a case assigned it to its actor.
	assert.Equal(t, []string{"mine", "waiting", "decided"}, claims(app.QueueFilter{Assignee: "handler-1"}))
	assert.Equal(t, []string{"late", "soon"}, claims(app.QueueFilter{Unassigned: true}))
	assert.Equal(t, []string{"late", "soon"}, claims(app.QueueFilter{Risk: tracking.RiskAtRisk}))
	assert.Equal(t, []string{"waiting"}, claims(app.QueueFilter{Risk: tracking.RiskPaused}))
	assert.Equal(t, []string{"decided"}, claims(app.QueueFilter{States: []domain.State{domain.StateApproved}}))
	assert.Equal(t, []string{"soon", "mine"}, claims(app.QueueFilter{Limit: 2, Offset: 1}))

	items, err := f.app.Queue(ctx, app.QueueFilter{Limit: 1})
	require.NoError(t, err)
	d := items[0].Deadline
	require.NotNil(t, d)
	assert.Equal(t, "2026-10-12", d.DueDate.String())
	assert.Equal(t, tracking.RiskAtRisk, d.Risk)

	f.clock.Set(at(13, 1, time.October))
	assert.Equal(t, []string{"late"}, claims(app.QueueFilter{Risk: tracking.RiskBreached}))
}

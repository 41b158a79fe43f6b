package app_test

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
	"claims.local/pkg/deadline"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
)

// obligations returns a claim's tracked obligations by rule.
func obligations(t *testing.T, store *trackingpg.Store, claimID string) map[deadline.RuleID]tracking.Obligation {
	t.Helper()
	page, err := store.List(context.Background(), tracking.ListFilter{ClaimID: claimID, Limit: 10}, time.Now())
	require.NoError(t, err)
	out := map[deadline.RuleID]tracking.Obligation{}
	for _, o := range page.Obligations {
		out[o.Rule] = o
	}
	return out
}

// newTrackedService returns the use cases over a fresh database and the
// store of its deadlines.
func newTrackedService(t *testing.T) (*app.Service, *trackingpg.Store) {
	t.Helper()
	db := openDB(t)
	tr := tracker()
	return app.NewService(adapters.NewCases(db, nil, tr), tr, topics, time.Now), trackingpg.NewStore(db, nil)
}

func TestACaseOwesItsDecisionWithinFiveWorkingDaysOfTheFirstReceipt(t *testing.T) {
	t.Parallel()
	a, store := newTrackedService(t)
	ctx := context.Background()
	received := time.Date(2026, 9, 30, 8, 20, 0, 0, time.UTC) // 16:20 in Shanghai
	e := claimRequested(t, "claim-r4", received)
	require.NoError(t, a.OpenCase(ctx, e))
	require.NoError(t, a.OpenCase(ctx, e), "a redelivered request")

	got := obligations(t, store, "claim-r4")
	require.Len(t, got, 1)
	decide := got[deadline.Decision]
	assert.Equal(t, "2026-10-13", decide.DueDate.String(), "across National Day and the make-up Saturday 10-10")
	assert.Equal(t, tracking.StateOpen, decide.State)
	assert.Equal(t, "claim/claim-r4", decide.Subject)

	// Decided now, long after 2026-10-13: the obligation is missed.
	_, err := a.Decide(ctx, "claim-r4", domain.DecisionInput{Outcome: "approve", AmountFen: 100, DecidedBy: "h1"})
	require.NoError(t, err)
	assert.Equal(t, tracking.StateMissed, obligations(t, store, "claim-r4")[deadline.Decision].State)
}

func TestARejectionOwesItsLetterWithinThreeDays(t *testing.T) {
	t.Parallel()
	a, store := newTrackedService(t)
	ctx := context.Background()
	require.NoError(t, a.OpenCase(ctx, claimRequested(t, "claim-r5", time.Now().Add(-time.Hour))))

	_, err := a.RecordRejectionLetterSent(ctx, "claim-r5", "post", "h1")
	assert.Equal(t, apperr.Conflict, apperr.CodeOf(err), "no letter before a rejection")

	c, err := a.Decide(ctx, "claim-r5", domain.DecisionInput{Outcome: "reject", Reason: "excluded", DecidedBy: "h1"})
	require.NoError(t, err)
	got := obligations(t, store, "claim-r5")
	assert.Equal(t, tracking.StateMet, got[deadline.Decision].State, "decided on time")
	letter := got[deadline.RejectionNotice]
	require.Equal(t, tracking.StateOpen, letter.State)
	assert.True(t, letter.ClockStart.Equal(c.Decision.DecidedAt), "the R5 clock starts at the decision")

	_, err = a.RecordRejectionLetterSent(ctx, "claim-r5", "pigeon", "h1")
	assert.Equal(t, apperr.Invalid, apperr.CodeOf(err))
	c, err = a.RecordRejectionLetterSent(ctx, "claim-r5", "post", "h2")
	require.NoError(t, err)
	require.NotNil(t, c.RejectionLetter)
	assert.Equal(t, "post", c.RejectionLetter.Channel)
	assert.Equal(t, tracking.StateMet, obligations(t, store, "claim-r5")[deadline.RejectionNotice].State)
	read, err := a.Case(ctx, "claim-r5")
	require.NoError(t, err)
	assert.Equal(t, c, read, "the letter is read back")

	_, err = a.RecordRejectionLetterSent(ctx, "claim-r5", "email", "h2")
	assert.Equal(t, apperr.Conflict, apperr.CodeOf(err), "a letter is sent once")
}

package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/tracking"
)

// received is 16:20 on 2026-09-30 in Shanghai, the eve of National Day.
var received = time.Date(2026, 9, 30, 8, 20, 0, 0, time.UTC)

func at(day, hour int, month time.Month) time.Time {
	return time.Date(2026, month, day, hour, 0, 0, 0, time.UTC)
}

func TestACaseOwesItsDecisionWithinFiveWorkingDaysOfTheFirstReceipt(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.open(t, request("claim-r4", received))
	f.open(t, request("claim-r4", received))

	got := f.obligations(t, "claim-r4")
	require.Len(t, got, 2, "the decision (R4) and the advance (R7)")
	decide := got[deadline.Decision]
	assert.Equal(t, "2026-10-13", decide.DueDate.String(), "across National Day and the make-up Saturday 10-10")
	assert.Equal(t, tracking.StateOpen, decide.State)
	assert.Equal(t, "claim/claim-r4", decide.Subject)
	advance := got[deadline.AdvancePayment]
	assert.Equal(t, "2026-11-30", advance.DueDate.String(), "60 days end on Sunday 11-29, extended to Monday (Civil Code art. 203)")
	assert.Equal(t, tracking.StateOpen, advance.State)

	// Decided now, long after 2026-10-13: the obligation is missed; the
	// amount is determined, so R7 is owed no more.
	_, err := f.app.Decide(ctx, handler, "claim-r4", approve(100))
	require.NoError(t, err)
	got = f.obligations(t, "claim-r4")
	assert.Equal(t, tracking.StateMissed, got[deadline.Decision].State)
	assert.False(t, got[deadline.AdvancePayment].Owed(), "R7 done by the decision")
	assert.True(t, got[deadline.AdvancePayment].DoneAt.Equal(*got[deadline.Decision].DoneAt), "at the decision")
}

func TestTheRequestsSupplementsStopTheDecisionClock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.clock.Set(at(20, 1, time.October))
	back := at(12, 2, time.October)
	// Intake's notices went by SMS and reached the claimant as sent.
	sent := at(8, 2, time.October)
	d := request("claim-sup", received)
	d.Supplements = []events.Supplement{{NoticeSentAt: sent, DeliveredAt: &sent, ReceivedAt: &back}}
	f.open(t, d)
	assert.Equal(t, "2026-10-16", f.obligations(t, "claim-sup")[deadline.Decision].DueDate.String(), "four days awaited, deducted")

	waiting := request("claim-waiting", received)
	waiting.Supplements = []events.Supplement{{NoticeSentAt: sent, DeliveredAt: &sent}}
	f.open(t, waiting)
	o := f.obligations(t, "claim-waiting")[deadline.Decision]
	assert.Equal(t, tracking.StatePaused, o.State, "the supplement is still awaited")
	c, err := f.app.Case(context.Background(), "claim-waiting")
	require.NoError(t, err)
	assert.Equal(t, domain.StateAwaitingDocuments, c.State)

	_, err = f.app.RecordDocumentsReceived(context.Background(), handler, "claim-waiting", back)
	require.NoError(t, err)
	o = f.obligations(t, "claim-waiting")[deadline.Decision]
	assert.Equal(t, tracking.StateOpen, o.State)
	assert.Equal(t, "2026-10-16", o.DueDate.String())
}

func TestADocumentRequestStopsTheClockUntilTheDocumentsArrive(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.clock.Set(at(8, 2, time.October))
	f.open(t, request("claim-docs", received))
	c, err := f.app.RequestDocuments(ctx, handler, "claim-docs", domain.DocumentRequest{Documents: []string{"medical_invoice", "discharge_summary"}, Note: "请补充住院发票原件"})
	require.NoError(t, err)
	require.Equal(t, domain.StateAwaitingDocuments, c.State)
	assert.Equal(t, tracking.StateOpen, f.obligations(t, "claim-docs")[deadline.Decision].State, "the clock runs until the notice is delivered")
	_, err = f.app.RecordNoticeDelivered(ctx, handler, "claim-docs", time.Time{}, "挂号信回执 XA1")
	require.NoError(t, err)
	assert.Equal(t, tracking.StatePaused, f.obligations(t, "claim-docs")[deadline.Decision].State)

	_, err = f.app.Decide(ctx, handler, "claim-docs", approve(100))
	assert.Equal(t, apperr.Conflict, apperr.CodeOf(err), "no decision while documents are awaited")

	f.clock.Set(at(12, 2, time.October))
	c, err = f.app.RecordDocumentsReceived(ctx, handler, "claim-docs", time.Time{})
	require.NoError(t, err)
	assert.Equal(t, domain.StateUnderReview, c.State)
	o := f.obligations(t, "claim-docs")[deadline.Decision]
	assert.Equal(t, tracking.StateOpen, o.State)
	assert.Equal(t, "2026-10-16", o.DueDate.String())
	require.Len(t, c.Supplements, 1)
	assert.Equal(t, []string{"medical_invoice", "discharge_summary"}, c.Supplements[0].Documents)
}

func TestMarkingACaseComplexMovesItsDeadlineToThirtyDaysWithTheSameStops(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		imports bool
		wantDue string
	}{
		{"the statutory 30 days", false, "2026-11-03"},
		{"the contract's 20 days", true, "2026-10-26"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := context.Background()
			if tt.imports {
				f.importPolicy(t, "P-1")
			}
			f.clock.Set(at(8, 2, time.October))
			f.open(t, request("claim-cx", received))
			_, err := f.app.RequestDocuments(ctx, handler, "claim-cx", domain.DocumentRequest{Documents: []string{"diagnosis_certificate"}})
			require.NoError(t, err)
			_, err = f.app.RecordNoticeDelivered(ctx, handler, "claim-cx", time.Time{}, "SMS-R-1")
			require.NoError(t, err)
			f.clock.Set(at(12, 2, time.October))
			_, err = f.app.RecordDocumentsReceived(ctx, handler, "claim-cx", time.Time{})
			require.NoError(t, err)

			_, err = f.app.MarkComplex(ctx, handler, "claim-cx", "多家医院就诊，需调查既往病史")
			assert.Equal(t, apperr.Forbidden, apperr.CodeOf(err), "a handler may not")
			c, err := f.app.MarkComplex(ctx, senior, "claim-cx", "多家医院就诊，需调查既往病史")
			require.NoError(t, err)
			assert.Equal(t, domain.StateComplex, c.State)

			got := f.obligations(t, "claim-cx")
			assert.Equal(t, tracking.StateCancelled, got[deadline.Decision].State)
			assert.Contains(t, got[deadline.Decision].CancelReason, "多家医院就诊")
			cx := got[deadline.ComplexDecision]
			assert.Equal(t, tracking.StateOpen, cx.State)
			assert.True(t, cx.ClockStart.Equal(received), "the same clock start")
			assert.Len(t, cx.Pauses, 1, "the same clock stops")
			assert.Equal(t, tt.wantDue, cx.DueDate.String())

			// The complex deadline is the one a decision meets.
			f.clock.Set(at(20, 2, time.October))
			_, err = f.app.Decide(ctx, handler, "claim-cx", approve(100))
			require.NoError(t, err)
			assert.Equal(t, tracking.StateMet, f.obligations(t, "claim-cx")[deadline.ComplexDecision].State)
		})
	}
}

func TestWithdrawingAClaimCancelsItsDecisionDeadline(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.clock.Set(at(8, 2, time.October))
	f.open(t, request("claim-w", received))
	c, err := f.app.Close(context.Background(), handler, "claim-w", "申请人书面撤回索赔申请")
	require.NoError(t, err)
	assert.Equal(t, domain.StateClosed, c.State)
	o := f.obligations(t, "claim-w")[deadline.Decision]
	assert.Equal(t, tracking.StateCancelled, o.State)
	assert.Equal(t, "claim withdrawn: 申请人书面撤回索赔申请", o.CancelReason)

	// Withdrawn after its due date (10-12): the breach stays.
	f.open(t, request("claim-late", received))
	f.clock.Set(at(20, 2, time.October))
	_, err = f.app.Close(context.Background(), handler, "claim-late", "申请人书面撤回索赔申请")
	require.NoError(t, err)
	if got := f.obligations(t, "claim-late")[deadline.Decision].State; got != tracking.StateMissed {
		t.Fatalf("got decision deadline %s after a late withdrawal, want missed", got)
	}
}

func TestARejectionOwesItsLetterWithinThreeDays(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.clock.Set(at(9, 1, time.October))
	f.open(t, request("claim-r5", received))

	_, err := f.app.RecordRejectionLetterSent(ctx, handler, "claim-r5", "post")
	assert.Equal(t, apperr.Conflict, apperr.CodeOf(err), "no letter before a rejection")

	c, err := f.app.Decide(ctx, handler, "claim-r5", reject())
	require.NoError(t, err)
	got := f.obligations(t, "claim-r5")
	assert.Equal(t, tracking.StateMet, got[deadline.Decision].State, "decided on time")
	letter := got[deadline.RejectionNotice]
	require.Equal(t, tracking.StateOpen, letter.State)
	assert.True(t, letter.ClockStart.Equal(c.Decision.DecidedAt), "the R5 clock starts at the decision")
	assert.Equal(t, "2026-10-12", letter.DueDate.String())
	require.NotNil(t, c.RejectionLetter, "the notice is generated at the rejection")
	assert.Regexp(t, `^理赔拒字〔2026〕第\d{6}号$`, c.RejectionLetter.Number)
	assert.Nil(t, c.RejectionLetter.Sent)

	_, err = f.app.RecordRejectionLetterSent(ctx, handler, "claim-r5", "pigeon")
	assert.Equal(t, apperr.Invalid, apperr.CodeOf(err))
	f.clock.Set(at(11, 3, time.October))
	c, err = f.app.RecordRejectionLetterSent(ctx, handler, "claim-r5", "post")
	require.NoError(t, err)
	require.NotNil(t, c.RejectionLetter.Sent)
	assert.Equal(t, domain.LetterSent{Channel: "post", SentBy: "handler-1", SentAt: at(11, 3, time.October)}, *c.RejectionLetter.Sent)
	assert.Equal(t, tracking.StateMet, f.obligations(t, "claim-r5")[deadline.RejectionNotice].State)
	read, err := f.app.Case(ctx, "claim-r5")
	require.NoError(t, err)
	assert.Equal(t, c, read, "the letter is read back")

	_, err = f.app.RecordRejectionLetterSent(ctx, handler, "claim-r5", "email")
	assert.Equal(t, apperr.Conflict, apperr.CodeOf(err), "a letter is sent once")
}

func TestADecisionAboveTheHandlersLimitMeetsTheDeadlineWhenApproved(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.clock.Set(at(9, 1, time.October))
	f.open(t, request("claim-4e", received))
	c, err := f.app.Decide(ctx, handler, "claim-4e", approve(5_000_001))
	require.NoError(t, err)
	assert.Equal(t, domain.StatePendingApproval, c.State)
	assert.Equal(t, tracking.StateOpen, f.obligations(t, "claim-4e")[deadline.Decision].State, "not decided yet")
	assert.Zero(t, countEvents(t, f, events.ClaimDecided), "nothing announced yet")

	_, err = f.app.ReviewDecision(ctx, handler, "claim-4e", "approve", "", 0)
	assert.Equal(t, apperr.Forbidden, apperr.CodeOf(err), "a handler cannot approve")
	f.clock.Set(at(14, 1, time.October))
	c, err = f.app.ReviewDecision(ctx, senior, "claim-4e", "approve", "金额核对无误", c.Version)
	require.NoError(t, err)
	assert.Equal(t, domain.StateApproved, c.State)
	assert.Equal(t, "senior-1", c.Decision.ApprovedBy)
	assert.Equal(t, tracking.StateMissed, f.obligations(t, "claim-4e")[deadline.Decision].State, "approved after 2026-10-13")
	assert.Equal(t, int64(1), countEvents(t, f, events.ClaimDecided))
}

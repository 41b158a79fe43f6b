package app_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
	"claims.local/pkg/deadline"
	"claims.local/pkg/tracking"
)

// shanghai is a wall-clock time in Asia/Shanghai.
func shanghai(month time.Month, day, hour int) time.Time {
	return time.Date(2026, month, day, hour, 0, 0, 0, calendar.Location())
}

func complaintAbout(claimID string) domain.ComplaintInput {
	return domain.ComplaintInput{ClaimID: claimID, Channel: "phone", Complainant: "李四", Category: "claim_decision",
		Content: "对拒赔决定不服。"}
}

// monitor is the deadline monitor over f's database, on f's clock.
func (f *fixture) monitor() *tracking.Monitor {
	return &tracking.Monitor{Service: "adjudication", Store: f.store, Tracker: tracking.NewTracker(tracking.NewCalendars(nil), 1),
		Topics: topics, Batch: 10, Now: f.clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func TestAComplaintOwesAReplyWithinTenWorkingDaysWithAlarmsAndALateReplyStaysMissed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.clock.Set(shanghai(time.October, 20, 9))
	f.open(t, request("claim-cp", received))

	// Accepted on Monday 2026-11-02: 10 working days end on Monday 11-16.
	f.clock.Set(shanghai(time.November, 2, 10))
	v, err := f.app.RegisterComplaint(ctx, handler, complaintAbout("claim-cp"))
	require.NoError(t, err)
	require.NotNil(t, v.Deadline)
	assert.Equal(t, "2026-11-16", v.Deadline.DueDate.String())
	assert.Equal(t, tracking.RiskOnTrack, v.Deadline.Risk)
	id := v.Complaint.ID

	res, err := f.monitor().Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, tracking.SweepResult{Breached: 1}, res, "the case's decision (R4) is long breached; the complaint is on track")

	// From the start of the working day before the due date it is at risk.
	f.clock.Set(shanghai(time.November, 13, 9))
	res, err = f.monitor().Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, tracking.SweepResult{AtRisk: 1}, res)
	v, err = f.app.SendProgressNotice(ctx, handler, id, "需调取医院病历，预计11月20日前书面答复。", "phone")
	require.NoError(t, err)
	require.Len(t, v.Complaint.Notices, 1)
	assert.True(t, v.Complaint.Notices[0].BeforeDue, "told before the deadline (Reg. art. 29)")

	f.clock.Set(shanghai(time.November, 17, 9))
	res, err = f.monitor().Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, tracking.SweepResult{Breached: 1}, res)
	res, err = f.monitor().Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, tracking.SweepResult{}, res, "each alarm once")

	// The reply after the deadline is stored, and the deadline is missed.
	f.clock.Set(shanghai(time.November, 18, 15))
	v, err = f.app.AnswerComplaint(ctx, senior, id, "经复核，维持原核定，理由如下……", "letter")
	require.NoError(t, err)
	require.NotNil(t, v.Complaint.Reply)
	assert.Equal(t, senior.Subject, v.Complaint.Reply.RepliedBy)
	assert.Equal(t, tracking.StateMissed, v.Deadline.State)

	// A second reply, later, changes neither the reply nor the miss.
	f.clock.Set(shanghai(time.November, 19, 9))
	_, err = f.app.AnswerComplaint(ctx, senior, id, "改为全额赔付。", "letter")
	assert.Equal(t, apperr.Conflict, apperr.CodeOf(err), "got %v, want conflict", err)
	v, err = f.app.Complaint(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "经复核，维持原核定，理由如下……", v.Complaint.Reply.Text)
	assert.Equal(t, tracking.StateMissed, v.Deadline.State)
	var stored int64
	require.NoError(t, f.db.Table("complaint_replies").Where("complaint_id = ?", id).Count(&stored).Error)
	assert.Equal(t, int64(1), stored)

	// R12 in the compliance report: one missed.
	lines, err := f.store.Compliance(ctx, calendar.Date{Year: 2026, Month: 11, Day: 1}, calendar.Date{Year: 2026, Month: 11, Day: 30}, f.clock.Now())
	require.NoError(t, err)
	var r12 *tracking.RuleCompliance
	for i := range lines {
		if lines[i].Rule == deadline.ComplaintReply {
			r12 = &lines[i]
		}
	}
	require.NotNil(t, r12, "R12 has a line")
	assert.Equal(t, 1, r12.Missed)
	assert.Equal(t, 0, r12.Met)
}

func TestAComplaintAnsweredInTimeIsMetAndOnlySeniorsAnswer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.clock.Set(shanghai(time.November, 2, 10))
	in := complaintAbout("")
	in.Channel, in.Category = "letter", "service"
	in.ReceivedAt = shanghai(time.October, 30, 16)
	v, err := f.app.RegisterComplaint(ctx, handler, in)
	require.NoError(t, err)
	assert.Equal(t, "2026-11-13", v.Deadline.DueDate.String(), "counted from the letter's receipt on Friday 10-30")

	_, err = f.app.AnswerComplaint(ctx, handler, v.Complaint.ID, "答复", "letter")
	assert.Equal(t, apperr.Forbidden, apperr.CodeOf(err), "got %v, want forbidden for a handler", err)
	_, err = f.app.AnswerComplaint(ctx, senior, v.Complaint.ID, "答复", "sms")
	assert.Equal(t, apperr.Invalid, apperr.CodeOf(err), "got %v, want invalid: an SMS is not a written reply", err)
	_, err = f.app.AnswerComplaint(ctx, senior, "no-such-complaint", "答复", "letter")
	assert.Equal(t, apperr.NotFound, apperr.CodeOf(err), "got %v, want not found", err)

	f.clock.Set(shanghai(time.November, 5, 10))
	v, err = f.app.AnswerComplaint(ctx, senior, v.Complaint.ID, "您反映的问题已核实并改进。", "letter")
	require.NoError(t, err)
	assert.Equal(t, tracking.StateMet, v.Deadline.State)

	_, err = f.app.RegisterComplaint(ctx, handler, complaintAbout("no-such-claim"))
	assert.Equal(t, apperr.Invalid, apperr.CodeOf(err), "got %v, want invalid for a claim without a case", err)

	no := false
	open, err := f.app.ListComplaints(ctx, app.ComplaintFilter{Answered: &no})
	require.NoError(t, err)
	assert.Empty(t, open, "the only complaint is answered")
}

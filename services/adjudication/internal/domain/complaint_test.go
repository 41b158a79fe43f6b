package domain_test

import (
	"testing"
	"time"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
)

func complaintInput() domain.ComplaintInput {
	return domain.ComplaintInput{ClaimID: "claim-1", Channel: "phone", Complainant: "李四", Category: "claim_decision",
		Content: "对拒赔决定不服，认为等待期条款未明确说明。"}
}

func TestNewComplaintValidatesTheRegisterEntry(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*domain.ComplaintInput)
		code  apperr.Code
		field string
	}{
		{"valid", func(*domain.ComplaintInput) {}, "", ""},
		{"no claim is allowed", func(in *domain.ComplaintInput) { in.ClaimID = "" }, "", ""},
		{"unknown channel", func(in *domain.ComplaintInput) { in.Channel = "pigeon" }, apperr.Invalid, "channel"},
		{"unknown category", func(in *domain.ComplaintInput) { in.Category = "weather" }, apperr.Invalid, "category"},
		{"padded complainant only spaces", func(in *domain.ComplaintInput) { in.Complainant = "　 " }, apperr.Invalid, "complainant"},
		{"no content", func(in *domain.ComplaintInput) { in.Content = " " }, apperr.Invalid, "content"},
		{"received in the future", func(in *domain.ComplaintInput) { in.ReceivedAt = now.Add(time.Hour) }, apperr.Invalid, "received_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := complaintInput()
			tt.edit(&in)
			_, err := domain.NewComplaint(handler, in, "cp-1", now)
			wantCode(t, err, tt.code, tt.field)
		})
	}
}

func TestAComplaintWithoutAClaimIsTrackedUnderItsOwnId(t *testing.T) {
	in := complaintInput()
	in.ClaimID = ""
	c, err := domain.NewComplaint(handler, in, "cp-2", now)
	wantCode(t, err, "", "")
	if got, want := c.TrackingClaimID(), "complaint:cp-2"; got != want {
		t.Errorf("TrackingClaimID: got %q, want %q", got, want)
	}
	in.ReceivedAt = t0
	c, _ = domain.NewComplaint(handler, in, "cp-3", now)
	if !c.ReceivedAt.Equal(t0) {
		t.Errorf("ReceivedAt: got %s, want %s (the clock starts at the receipt)", c.ReceivedAt, t0)
	}
}

func TestAComplaintIsAnsweredOnceBySeniorsInWriting(t *testing.T) {
	c, err := domain.NewComplaint(handler, complaintInput(), "cp-1", t0)
	wantCode(t, err, "", "")
	wantCode(t, c.Answer(handler, "答复", "letter", now), apperr.Forbidden, "")
	wantCode(t, c.Answer(senior, "答复", "sms", now), apperr.Invalid, "channel")
	wantCode(t, c.Answer(senior, "  ", "letter", now), apperr.Invalid, "text")
	wantCode(t, c.Answer(senior, "经复核，维持原核定。", "letter", now), "", "")
	wantCode(t, c.Answer(senior2, "改为赔付。", "letter", now.Add(time.Hour)), apperr.Conflict, "")
	if c.Reply.Text != "经复核，维持原核定。" || c.Reply.RepliedBy != senior.Subject {
		t.Errorf("reply: got %+v, want the first one by %s", c.Reply, senior.Subject)
	}
	_, err = c.AddProgressNotice(handler, "仍在调查", "phone", now, now)
	wantCode(t, err, apperr.Conflict, "")
}

func TestAProgressNoticeRecordsWhetherItCameBeforeTheDueTime(t *testing.T) {
	c, _ := domain.NewComplaint(handler, complaintInput(), "cp-1", t0)
	due := now
	n, err := c.AddProgressNotice(handler, "需调取医院病历，预计下周答复。", "phone", due, due.Add(-time.Minute))
	wantCode(t, err, "", "")
	if !n.BeforeDue {
		t.Errorf("BeforeDue: got false, want true for a notice a minute before the due time")
	}
	n, err = c.AddProgressNotice(handler, "仍在处理。", "letter", due, due.Add(time.Minute))
	wantCode(t, err, "", "")
	if n.BeforeDue {
		t.Errorf("BeforeDue: got true, want false for a notice after the due time")
	}
	if got := len(c.Notices); got != 2 {
		t.Errorf("notices: got %d, want 2", got)
	}
}

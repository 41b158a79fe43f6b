package app

import (
	"context"
	"fmt"
	"strings"
	"text/template"
	"time"

	"claims.local/payout/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/outbox"
	"claims.local/pkg/tracking"
)

// noticeTemplate returns the text of the notice template name. The texts
// say the amount and the method of payment (notice §6.2), name no one in
// full and quote only the last four digits of the account (R11).
func noticeTemplate(name string) (string, bool) {
	switch name {
	case domain.TemplatePayoutResult:
		return "尊敬的客户：保单{{.PolicyNumber}}的理赔款人民币{{yuan .AmountFen}}元已于{{date .ValueDate}}" +
			"以银行转账方式支付至{{.BankName}}尾号{{.AccountTail}}的账户，请查收。如有疑问，请联系您的理赔服务人员。", true
	case domain.TemplateAgentCollection:
		return "尊敬的客户：保单{{.PolicyNumber}}的理赔款人民币{{yuan .AmountFen}}元已于{{date .ValueDate}}" +
			"由代领人{{.AgentName}}代您领取，以银行转账方式支付至{{.BankName}}尾号{{.AccountTail}}的账户。如非您本人授权，请及时与我公司联系。", true
	}
	return "", false
}

// renderNotice writes the text of template name for facts.
func renderNotice(name string, facts domain.NoticeFacts) (string, error) {
	src, ok := noticeTemplate(name)
	if !ok {
		return "", fmt.Errorf("no notice template %q", name)
	}
	t, err := template.New(name).Option("missingkey=error").Funcs(template.FuncMap{
		"yuan": events.Yuan,
		"date": func(t time.Time) string { return t.Format("2006年1月2日") },
	}).Parse(src)
	if err != nil {
		return "", fmt.Errorf("notice template %s: %w", name, err)
	}
	var b strings.Builder
	if err := t.Execute(&b, facts); err != nil {
		return "", fmt.Errorf("notice template %s: %w", name, err)
	}
	return b.String(), nil
}

// notice writes the text of n about o and the event that carries it.
func (s *Service) notice(n domain.Notice, o domain.Obligation) (Notice, error) {
	var err error
	if n.Text, err = renderNotice(n.Template, o.Facts(s.shanghai)); err != nil {
		return Notice{}, err
	}
	n.ValueDate = o.ValueDate(s.shanghai)
	e, err := events.New(events.NotificationRequested, Producer, n.ClaimID, n.CreatedAt, events.NotificationData{
		NotificationID: n.ID, ClaimID: n.ClaimID, ObligationID: n.ObligationID, PolicyNumber: n.PolicyNumber,
		Rule: n.Rule, Template: n.Template, Channel: domain.ChannelSMS, Language: "zh-CN", Text: n.Text,
		Recipient: events.Recipient{Role: n.RecipientRole, Name: n.RecipientName, Relation: n.RecipientRelation},
		AmountFen: n.AmountFen, Currency: domain.Currency, Method: domain.MethodBankTransfer, ValueDate: n.ValueDate,
		CreatedAt: n.CreatedAt,
	})
	if err != nil {
		return Notice{}, err
	}
	return Notice{Notice: n, Event: events.Outgoing{Topic: s.topics.Notifications(), Envelope: e}}, nil
}

// noticeBatch bounds the notices one transaction hands to the gateway.
const noticeBatch = 100

// SendNotices hands the notices waiting to the gateway's topic, and meets
// the R9 deadline of each result notice when it is handed over. It returns
// how many it sent. A batch short of noticeBatch was the last: no
// transaction is spent finding none.
func (s *Service) SendNotices(ctx context.Context) (int, error) {
	total := 0
	for ctx.Err() == nil {
		now := s.now()
		n, err := s.repo.SendNotices(ctx, now, noticeBatch, func(msgs []outbox.Message) error {
			return s.gateway.Publish(ctx, msgs)
		}, func(n domain.Notice) []tracking.Step {
			if n.Rule != domain.NoticeResult {
				return nil
			}
			return []tracking.Step{tracking.Complete(tracking.PaymentSubject(n.ObligationID), deadline.ResultNotification, now).
				Proven(domain.ResultNoticeEvidence(n.ID))}
		})
		total += n
		if err != nil || n < noticeBatch {
			return total, err
		}
	}
	return total, nil
}

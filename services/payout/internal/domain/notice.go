package domain

import (
	"time"
)

// AgentNoticeThresholdFen is RMB 1,000 in fen. When an agent collects MORE
// than this for the policyholder, the insured or a beneficiary, the person
// collected for is told of the result (R10, Reg. art. 17).
const AgentNoticeThresholdFen = 100_000

// The notice rules and their templates.
const (
	// NoticeResult is R9 (notice §6.2): the day after a claim is paid, the
	// payee is told the amount and the method by text message.
	NoticeResult = "R9"
	// NoticeAgentCollection is R10 (Reg. art. 17).
	NoticeAgentCollection = "R10"

	TemplatePayoutResult    = "payout-result"
	TemplateAgentCollection = "agent-collection"

	RecipientPayee       = "payee"
	RecipientRepresented = "represented"

	// MethodBankTransfer is how payout pays.
	MethodBankTransfer = "bank_transfer"
	// ChannelSMS is how notices are sent (notice §6.2: 以短信方式).
	ChannelSMS = "sms"
)

// Notice is a text message payout asks the gateway to send about a
// completed payment. It names people only masked and quotes only the last
// four digits of the account, so it may be stored and shown as it is.
// SentAt is set once the gateway's topic took it.
type Notice struct {
	ID                string
	ClaimID           string
	ObligationID      string
	PolicyNumber      string
	Rule              string
	Template          string
	RecipientRole     string
	RecipientName     string
	RecipientRelation string
	AmountFen         int64
	ValueDate         string
	Text              string
	CreatedAt         time.Time
	SentAt            *time.Time
}

// NoticeFacts are what a notice text says: amount, date and method of the
// payment, where it went, and who collected it.
type NoticeFacts struct {
	PolicyNumber string
	AmountFen    int64
	ValueDate    time.Time
	BankName     string
	AccountTail  string
	AgentName    string
}

// NoticesOnCompletion returns the notices owed when o completes: the result
// notice to the payee (R9), and when an agent collected more than RMB 1,000,
// one to the person collected for (R10). ids gives each notice its id.
func NoticesOnCompletion(o Obligation, ids func() string, now time.Time) []Notice {
	if o.State != StateCompleted || o.CompletedAt == nil {
		return nil
	}
	base := Notice{ClaimID: o.ClaimID, ObligationID: o.ID, PolicyNumber: o.PolicyNumber, AmountFen: o.AmountFen,
		CreatedAt: now.UTC()}
	payee := base
	payee.ID, payee.Rule, payee.Template = ids(), NoticeResult, TemplatePayoutResult
	payee.RecipientRole, payee.RecipientName = RecipientPayee, MaskName(o.Payee.Name)
	out := []Notice{payee}
	if o.Payee.Role == RoleAgent && o.Payee.OnBehalfOf != nil && o.AmountFen > AgentNoticeThresholdFen {
		who := base
		who.ID, who.Rule, who.Template = ids(), NoticeAgentCollection, TemplateAgentCollection
		who.RecipientRole, who.RecipientName = RecipientRepresented, MaskName(o.Payee.OnBehalfOf.Name)
		who.RecipientRelation = o.Payee.OnBehalfOf.Relation
		out = append(out, who)
	}
	return out
}

// Facts returns what the notices of o say.
func (o *Obligation) Facts(shanghai *time.Location) NoticeFacts {
	f := NoticeFacts{PolicyNumber: o.PolicyNumber, AmountFen: o.AmountFen, BankName: o.Payee.BankName,
		AccountTail: AccountTail(o.Payee.AccountNumber), AgentName: MaskName(o.Payee.Name)}
	if o.CompletedAt != nil {
		f.ValueDate = o.CompletedAt.In(shanghai)
	}
	return f
}

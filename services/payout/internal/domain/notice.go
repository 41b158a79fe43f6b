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

// ResultNoticeEvidence is the evidence of the step that meets a payment's
// R9 deadline (tracking.Step.Proven): the result notice of id, handed to
// the gateway. Payout's deadline witness finds it in the notice's row.
func ResultNoticeEvidence(noticeID string) string { return "notice:" + noticeID }

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
// notice to the payee (R9), and when an agent collected more than RMB 1,000
// on the claim, one to the person collected for (R10). What one agent
// collects on one claim adds up: the advances and the final payment paid to
// the same agent (AgentCollectedFen over the claim's other obligations,
// earlier) count together, so that splitting a payment does not avoid the
// notice. ids gives each notice its id.
func NoticesOnCompletion(o Obligation, earlier []Obligation, ids func() string, now time.Time) []Notice {
	if o.State != StateCompleted || o.CompletedAt == nil {
		return nil
	}
	base := Notice{ClaimID: o.ClaimID, ObligationID: o.ID, PolicyNumber: o.PolicyNumber, AmountFen: o.AmountFen,
		CreatedAt: now.UTC()}
	payee := base
	payee.ID, payee.Rule, payee.Template = ids(), NoticeResult, TemplatePayoutResult
	payee.RecipientRole, payee.RecipientName = RecipientPayee, MaskName(o.Payee.Name)
	out := []Notice{payee}
	if o.CollectsForAnother() && AgentCollectedFen(o, earlier) > AgentNoticeThresholdFen {
		who := base
		who.ID, who.Rule, who.Template = ids(), NoticeAgentCollection, TemplateAgentCollection
		who.RecipientRole, who.RecipientName = RecipientRepresented, MaskName(o.Payee.OnBehalfOf.Name)
		who.RecipientRelation = o.Payee.OnBehalfOf.Relation
		out = append(out, who)
	}
	return out
}

// CollectsForAnother tells whether o's payee is an agent collecting for
// another person: only then does its completion count the claim's other
// payments (R10), so only then need they be read.
func (o Obligation) CollectsForAnother() bool {
	return o.Payee.Role == RoleAgent && o.Payee.OnBehalfOf != nil
}

// AgentCollectedFen is what the agent paid by o collected on o's claim,
// o included: o's amount plus the completed payments of others on the
// same claim to an agent of the same name (white space ignored) for the
// same person (R10 per claim and per collector). Payments returned by the
// bank or not yet made do not count. A completed payment whose stored payee
// can no longer be opened (PayeeUnreadable) counts: nobody can tell it was
// another collector's, and R10 errs on telling the person collected for.
func AgentCollectedFen(o Obligation, others []Obligation) int64 {
	sum := o.AmountFen
	for _, x := range others {
		if x.ID == o.ID || x.ClaimID != o.ClaimID || x.State != StateCompleted || x.PayeeUnreadable == "" && !sameCollector(o.Payee, x.Payee) {
			continue
		}
		sum += x.AmountFen
	}
	return sum
}

func sameCollector(a, b Payee) bool {
	return a.Role == RoleAgent && b.Role == RoleAgent && a.OnBehalfOf != nil && b.OnBehalfOf != nil &&
		SamePerson(a.Name, b.Name) && SamePerson(a.OnBehalfOf.Name, b.OnBehalfOf.Name)
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

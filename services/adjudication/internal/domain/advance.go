package domain

import (
	"slices"
	"time"

	"claims.local/pkg/apperr"
)

// AdvanceAgreement is the claimant's agreement, given with the claim
// request, to be paid the amount decided under the product's published
// rules (issue 19), with the payee they named. Adjudication cannot open
// the payee: it is sealed for payout and bound to the claim (R11). It sees
// the payee's role, bank, last four digits, and the fingerprints of its
// account and name for the claim, by which it checks that the payee is the
// insured and the holder of the bank card on the claim, and the account's
// keyed hash (AccountKey), on which the fraud signals run.
type AdvanceAgreement struct {
	Channel            string
	AgreedAt           time.Time
	PayeeRole          string
	BankName           string
	AccountLast4       string
	AccountFingerprint string
	NameFingerprint    string
	AccountKey         string
	// Sealed is the payee's envelope as received, passed on to payout in
	// the agreement-reached event.
	Sealed string
	// EnteredBy is who made the claim request naming the payee, and
	// EnteredVia how (EnteredViaClaimant: the claimant's own channel).
	EnteredBy  string
	EnteredVia string
	// HolderVerified is intake's record, in the claim request it signed,
	// that the payee's bank confirmed the payee's account is held by the
	// payee's name (account-holder verification, 银行卡要素验证), and
	// HolderVerificationRef the bank's reference of that answer. False when
	// the bank answered no match, did not answer, or was not asked: only
	// intake asks, with the number and name it sealed, and nothing a
	// claimant types sets it.
	HolderVerified        bool
	HolderVerificationRef string
}

// AdvanceChannelPrefix begins the channel of an agreement the system
// records from an advance agreement: "in_advance_app".
const AdvanceChannelPrefix = "in_advance_"

// AdvanceFacts is what the assessment reads of an advance agreement's
// account: whether adjudication hashes accounts for the signals (KeyHeld),
// and the facts of the account's key.
type AdvanceFacts struct {
	KeyHeld bool
	Facts   SignalFacts
}

// advanceReasons finds what keeps the system from recording the advance
// agreement of c's claimant (issue 19): the payee must be the insured
// (payee_not_entitled), paid to the account of a bank card read on the
// claim whose holder is that payee (payee_not_verified,
// payee_not_entitled; a holder read one Han character off counts when the
// bank verified the account: cardByBankVerification), and no fraud signal may be raised on the account
// (fraud_signal; account_signals_unavailable when intake sent no keyed
// hash of the account or adjudication does not run the account signals,
// having no ADJUDICATION_SIGNAL_KEY: the system never pays an account it
// could not check). It reads only an advance agreement the rules govern
// (AgreedInAdvanceUnder): otherwise the case waits for the claimant's
// agreement as before, and nothing here applies.
func advanceReasons(in AutoInput, insured string) []Reason {
	c, a := in.Case, in.Case.Advance
	if in.Rules == nil || !c.AgreedInAdvanceUnder(*in.Rules) {
		return nil
	}
	var out []Reason
	masked, f := "****"+a.AccountLast4, in.Fingerprints
	if a.Sealed == "" || a.AccountFingerprint == "" {
		out = append(out, reason("payee_not_verified", "payee", "requested", "missing", "sealed_payee"))
	}
	// The fingerprints are keyed (R11): only a key adjudication holds
	// makes one match, and an unkeyed one matches nothing.
	if a.NameFingerprint == "" || !f.MatchHolder(a.NameFingerprint, c.ClaimID, insured) {
		out = append(out, reason("payee_not_entitled", "payee", "requested", "role", a.PayeeRole, "insured", insured))
	}
	i := slices.IndexFunc(in.Docs, func(d DocumentFields) bool {
		return d.Type == DocBankCard && f.Held(d.AccountFingerprint) && d.AccountFingerprint == a.AccountFingerprint
	})
	switch {
	case i < 0:
		out = append(out, reason("payee_not_verified", "payee", "requested", "account", masked, "field", "account_number"))
	case a.NameFingerprint != "" && !f.MatchHolder(a.NameFingerprint, c.ClaimID, in.Docs[i].HolderName):
		// The card's holder read one character off, the payee the insured
		// and the bank's confirmation that the account is theirs: the
		// card is the payee's (cardByBankVerification).
		if _, ok := cardByBankVerification(in, i, insured); !ok {
			out = append(out, reason("payee_not_entitled", "payee", "requested", "document_id", in.Docs[i].DocumentID, "holder", in.Docs[i].HolderName))
		}
	}
	switch {
	case in.Advance == nil:
	case !in.Advance.KeyHeld || a.AccountKey == "":
		out = append(out, reason("account_signals_unavailable", "account", masked))
	default:
		for _, s := range c.paymentSignals(Payee{Name: insured, Role: a.PayeeRole, AccountMasked: masked}, in.Advance.Facts, insured) {
			out = append(out, reason("fraud_signal", "signal", string(s.Kind), "payee", "requested"))
		}
	}
	return out
}

// AgreeInAdvance records, as the system, the agreement the claimant gave
// with the claim request (issue 19): on a case the system has just
// approved under rules whose term is AgreementInAdvance. The agreement is
// to the amount decided, at the decision (now: R6's clock starts there),
// by the insured (the assessment found the claimant and the payee to be
// the insured), through the channel they used prefixed with
// AdvanceChannelPrefix, and recorded by the system's decider.
func (c *Case) AgreeInAdvance(r ProductRules, insured string, paymentPeriodDays int, now time.Time) error {
	a, actor := c.Advance, AutoActor(r)
	switch {
	case !c.AgreedInAdvanceUnder(r):
		return apperr.New(apperr.Conflict, "case of claim %s has no advance agreement under product rules %s, published when it was given, that allow one",
			c.ClaimID, r.RulesVersionLabel())
	case c.Decision == nil || c.Decision.DecidedBy != actor.Subject || c.Decision.Outcome != Approve:
		return apperr.New(apperr.Conflict, "case of claim %s was not approved by the system: the claimant's agreement is recorded by a handler", c.ClaimID)
	case c.Agreement != nil:
		return apperr.New(apperr.Conflict, "case of claim %s already has the agreement recorded by %s", c.ClaimID, c.Agreement.RecordedBy)
	}
	payee := Payee{Name: insured, Role: a.PayeeRole, BankName: a.BankName, AccountMasked: "****" + a.AccountLast4}
	ag := Agreement{AmountFen: c.Decision.AmountFen, AgreedBy: insured, Channel: AdvanceChannelPrefix + a.Channel, RecordedBy: actor.Subject,
		AgreedAt: now.UTC(), Payee: payee, PaymentPeriodDays: paymentPeriodDays, AccountFingerprint: a.AccountFingerprint, AccountKey: a.AccountKey}
	if err := c.moveTo(StateAgreed, "record an agreement", Change{Action: ActionAgreementRecorded, Actor: actor.Subject, At: now,
		Reason: "agreed in advance with the claim request under the rules " + r.RulesVersionLabel(),
		Details: map[string]any{"amount_fen": ag.AmountFen, "agreed_by": insured, "channel": ag.Channel, "payee_name": payee.Name,
			"payee_role": payee.Role, "bank_name": payee.BankName, "account": payee.AccountMasked, "in_advance": true,
			"agreed_in_advance_at": a.AgreedAt.UTC(), "rules_version": r.RulesVersionLabel()}}); err != nil {
		return err
	}
	c.Agreement = &ag
	return nil
}

// AgreedInAdvanceUnder reports whether c's claimant gave an advance
// agreement that r governs: r's term is AgreementInAdvance and r was
// published when the claimant agreed. The claimant agreed to the amount
// under the rules then published (issue 19); rules published after the
// agreement (a higher deductible, a lower ratio, the term itself) were not
// agreed to, so the case waits for the claimant's agreement as under the
// claimant term.
func (c *Case) AgreedInAdvanceUnder(r ProductRules) bool {
	return r.Agreement == AgreementInAdvance && c.Advance != nil && !r.CreatedAt.After(c.Advance.AgreedAt)
}

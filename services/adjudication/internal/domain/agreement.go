package domain

import (
	"slices"
	"strings"
	"time"

	"claims.local/pkg/apperr"
	"claims.local/pkg/bankaccount"
)

// AgreementChannels lists how a claimant's agreement to the amount can be
// given: a signed form, a recorded phone call, in the app, or in person.
func AgreementChannels() []string {
	return []string{"signed_form", "phone_recorded", "app", "in_person"}
}

// PayeeRoles lists who may be paid: the beneficiary, the insured, the
// policyholder, or an agent collecting for one of them (R10).
func PayeeRoles() []string { return []string{"beneficiary", "insured", "policyholder", "agent"} }

// PayeeInput is who is paid and where, as the handler enters it.
// AccountNumber is the full account number: it goes to payout in the
// agreement event and is kept nowhere in adjudication but masked.
// AccountHolder, when given, is the name on the account, which must be the
// payee's; AuthorisationDocumentID names the authorisation document on the
// claim an agent collects with.
type PayeeInput struct {
	Name                    string
	Role                    string
	BankName                string
	AccountNumber           string
	OnBehalfOf              *Person
	AccountHolder           string
	AuthorisationDocumentID string
}

// Payee is who is paid, with the account number masked to its last four
// digits (R11: personal data are not disclosed).
type Payee struct {
	Name          string
	Role          string
	BankName      string
	AccountMasked string
	OnBehalfOf    *Person
}

// AgreementInput is the claimant's agreement as the handler records it.
// Policy is the policy data the payee rules read (nil when not imported).
type AgreementInput struct {
	AgreedBy string
	Channel  string
	Payee    PayeeInput
	Policy   *Policy
	// Facts are what the fraud signals read of the account; Signals how
	// they are raised.
	Facts   SignalFacts
	Signals SignalPolicy
	// Fingerprints make the account's keyed fingerprint kept with the
	// agreement and compare it with the bank cards' (checkBankCard).
	Fingerprints *bankaccount.Fingerprints
	// EnteredBy are the members of staff who entered what the
	// straight-through path left to a second person (EnteredByStaff):
	// none of them records the payee the claim is paid to.
	EnteredBy []string
}

// Agreement is the claimant's agreement to the amount decided (达成赔偿或者
// 给付保险金的协议): who agreed, how, when, and who recorded it. AgreedAt
// starts the payment clock (R6: 10 days, or the contract's
// PaymentPeriodDays), which payout tracks.
type Agreement struct {
	AmountFen         int64
	AgreedBy          string
	Channel           string
	RecordedBy        string
	AgreedAt          time.Time
	Payee             Payee
	PaymentPeriodDays int
	// AccountFingerprint identifies the account paid (AccountFingerprint)
	// for payout's three-way reconciliation; "" for agreements recorded
	// before it was kept. AccountKey is its keyed hash (AccountKey) for
	// the fraud signals.
	AccountFingerprint string
	AccountKey         string
}

// RecordAgreement records the claimant's agreement to the decided amount of
// an approved or partly approved case. It returns the full account number,
// normalized, for the agreement event; the case keeps it masked.
//
// Only the straight-through path records an agreement as the automatic
// decider (AgreeInAdvance): an actor named like it is refused here, whatever
// its roles, or its agreement would read as the claimant's advance
// agreement recorded by the system (issue 19).
func (c *Case) RecordAgreement(actor Actor, in AgreementInput, paymentPeriodDays int, now time.Time) (string, error) {
	if strings.HasPrefix(actor.Subject, AutoActorPrefix) {
		return "", apperr.New(apperr.Forbidden, "%s is the automatic decider's name: only the straight-through path records an agreement as it", actor.Subject)
	}
	if err := refuseEnteredBy(actor, in.EnteredBy, c.ClaimID, RoleHandler, "records the agreement"); err != nil {
		return "", err
	}
	agreedBy, err := shortText("agreed_by", in.AgreedBy, maxShortText, true)
	if err != nil {
		return "", err
	}
	channel := strings.TrimSpace(in.Channel)
	if !slices.Contains(AgreementChannels(), channel) {
		return "", apperr.InvalidField("channel", "must be one of %s", strings.Join(AgreementChannels(), ", "))
	}
	payee, account, err := checkPayee(in.Payee)
	if err != nil {
		return "", err
	}
	if c.Decision == nil || !c.Decision.Final() || c.Decision.Outcome == Reject {
		return "", c.refuse("record an agreement: only an approved or partly approved case has an amount to agree")
	}
	if err := c.mayAct(actor, "record its agreement", now); err != nil {
		return "", err
	}
	if err := c.checkEntitled(&payee, strings.TrimSpace(in.Payee.AccountHolder), strings.TrimSpace(in.Payee.AuthorisationDocumentID), in.Policy); err != nil {
		return "", err
	}
	if err := c.checkBankCard(in.Fingerprints, payee, account); err != nil {
		return "", err
	}
	insured := c.InsuredName
	if in.Policy != nil {
		insured = in.Policy.InsuredName
	}
	if _, err := c.raiseSignals(actor, c.paymentSignals(payee, in.Facts, insured), in.Signals, "record the agreement", now); err != nil {
		return "", err
	}
	a := Agreement{AmountFen: c.Decision.AmountFen, AgreedBy: agreedBy, Channel: channel, RecordedBy: actor.Subject,
		AgreedAt: now.UTC(), Payee: payee, PaymentPeriodDays: paymentPeriodDays, AccountFingerprint: in.Fingerprints.Account(c.ClaimID, account),
		AccountKey: in.Facts.AccountKey}
	if err := c.moveTo(StateAgreed, "record an agreement", Change{Action: ActionAgreementRecorded, Actor: actor.Subject, At: now,
		Details: map[string]any{"amount_fen": a.AmountFen, "agreed_by": agreedBy, "channel": channel, "payee_name": payee.Name,
			"payee_role": payee.Role, "bank_name": payee.BankName, "account": payee.AccountMasked}}); err != nil {
		return "", err
	}
	c.Agreement = &a
	return account, nil
}

func checkPayee(in PayeeInput) (Payee, string, error) {
	var p Payee
	var err error
	if p.Name, err = shortText("payee.name", in.Name, maxShortText, true); err != nil {
		return Payee{}, "", err
	}
	p.Role = strings.TrimSpace(in.Role)
	if !slices.Contains(PayeeRoles(), p.Role) {
		return Payee{}, "", apperr.InvalidField("payee.role", "must be one of %s", strings.Join(PayeeRoles(), ", "))
	}
	if p.BankName, err = shortText("payee.bank_name", in.BankName, maxShortText, true); err != nil {
		return Payee{}, "", err
	}
	account, err := bankaccount.Normalize("payee.account_number", in.AccountNumber)
	if err != nil {
		return Payee{}, "", err
	}
	p.AccountMasked = bankaccount.Mask(account)
	switch {
	case p.Role == "agent" && in.OnBehalfOf == nil:
		return Payee{}, "", apperr.InvalidField("payee.on_behalf_of", "is required for an agent: name the person the agent collects for (R10)")
	case p.Role != "agent" && in.OnBehalfOf != nil:
		return Payee{}, "", apperr.InvalidField("payee.on_behalf_of", "is only for an agent")
	case in.OnBehalfOf != nil:
		var who Person
		if who.Name, err = shortText("payee.on_behalf_of.name", in.OnBehalfOf.Name, maxShortText, true); err != nil {
			return Payee{}, "", err
		}
		if who.Relation, err = shortText("payee.on_behalf_of.relation", in.OnBehalfOf.Relation, maxShortText, true); err != nil {
			return Payee{}, "", err
		}
		p.OnBehalfOf = &who
	}
	return p, account, nil
}

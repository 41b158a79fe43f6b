package domain

import (
	"slices"
	"strings"
	"time"

	"claims.local/pkg/apperr"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/events"
)

// The advance agreement (issue 19): a claimant whose product's terms allow
// it agrees, with the claim request, to be paid the amount decided under
// the product's published rules, to the payee they name. Adjudication
// counts it only when the system decides the claim and the payee is the
// insured, paid to the account of the bank card on the claim; the claimant
// may still object afterwards.

// AdvanceChannels lists how a claimant gives an advance agreement with the
// claim request: in the app, on the web, or on the signed claim form.
func AdvanceChannels() []string { return []string{"app", "web", "signed_form"} }

// AdvancePayeeRoles lists who may be named as payee in an advance
// agreement (R10's roles but the agent: an agent's payee, who needs an
// authorisation and a notice of the result, is agreed with a handler).
func AdvancePayeeRoles() []string { return []string{"insured", "beneficiary", "policyholder"} }

// AdvanceInput is the payee and the advance agreement as the claimant gives
// them. AccountNumber is the full number: it is sealed for payout at once
// and kept nowhere in intake in clear. EnteredBy is who entered them (the
// subject of the claim request's token), so that the person who named a
// payee for the system to pay is on record.
type AdvanceInput struct {
	Channel       string
	Name          string
	Role          string
	BankName      string
	AccountNumber string
	EnteredBy     string
	// EnteredVia is how: ViaClaimant when the claimant's own channel made
	// the request, ViaStaff otherwise, whatever Channel says (issue 19).
	EnteredVia string
}

// How a document or an advance agreement reached intake (issue 19): the
// claimant's own channel, or a member of staff, as the claim-requested
// event carries it. Straight-through adjudication pays on nothing staff
// entered without a second person.
const (
	ViaClaimant = events.EnteredViaClaimant
	ViaStaff    = events.EnteredViaStaff
)

// CheckAdvance checks an advance agreement and its payee and returns them
// trimmed, the account as its digits, or an *apperr.Error naming the first
// wrong field (never quoting the account).
func CheckAdvance(in AdvanceInput) (AdvanceInput, error) {
	var err error
	in.Channel = strings.TrimSpace(in.Channel)
	if !slices.Contains(AdvanceChannels(), in.Channel) {
		return AdvanceInput{}, apperr.InvalidField("channel", "must be one of %s: how the claimant agreed in advance", strings.Join(AdvanceChannels(), ", "))
	}
	if in.Name, err = personName("payee.name", in.Name); err != nil {
		return AdvanceInput{}, err
	}
	in.Role = strings.TrimSpace(in.Role)
	if !slices.Contains(AdvancePayeeRoles(), in.Role) {
		return AdvanceInput{}, apperr.InvalidField("payee.role", "must be one of %s (an agent's payee is agreed with a handler, R10)",
			strings.Join(AdvancePayeeRoles(), ", "))
	}
	if in.BankName, err = personName("payee.bank_name", in.BankName); err != nil {
		return AdvanceInput{}, err
	}
	if in.AccountNumber, err = bankaccount.Normalize("payee.account_number", in.AccountNumber); err != nil {
		return AdvanceInput{}, err
	}
	return in, nil
}

// AdvanceAgreement is an advance agreement as intake keeps and hands it
// over: the payee sealed for payout and bound to the claim (only payout's
// private key opens it; R11), with its role, bank, last four digits and
// the fingerprints of its account and name for the claim in clear, and the
// keyed hash of the account for the fraud signals ("" without the key),
// and who entered it (AdvanceInput.EnteredBy).
type AdvanceAgreement struct {
	Channel            string
	AgreedAt           time.Time
	PayeeRole          string
	BankName           string
	AccountLast4       string
	AccountFingerprint string
	NameFingerprint    string
	AccountKey         string
	Sealed             string
	EnteredBy          string
	EnteredVia         string
	// Holder is the payee's bank's answer to whether the account is held
	// by the payee's name, asked at the claim request (HolderCheck).
	Holder HolderCheck
}

// The answers of the payee's bank to an account-holder verification.
const (
	// HolderMatch: the bank holds the account under the name asked about.
	HolderMatch = "match"
	// HolderNoMatch: the bank holds no such account, or holds it under
	// another name.
	HolderNoMatch = "no_match"
	// HolderUnavailable: no answer (the bank down, a timeout, no verifier
	// configured): it proves nothing either way.
	HolderUnavailable = "unavailable"
)

// HolderCheck is the payee's bank's answer to the account-holder
// verification (issue 19): Result (HolderMatch, HolderNoMatch,
// HolderUnavailable; "" when an agreement was kept before it was asked),
// the bank's Reference of a match, and when intake asked.
type HolderCheck struct {
	Result    string
	Reference string
	At        time.Time
}

// Verified reports whether the bank confirmed the account is held by the
// payee's name, with its reference.
func (h HolderCheck) Verified() bool { return h.Result == HolderMatch && h.Reference != "" }

// AgreeInAdvance records the advance agreement given with the claim
// request. Only the first request counts: asked again, the claim keeps the
// agreement it has (or has none).
func (r *IncidentReport) AgreeInAdvance(a AdvanceAgreement) {
	if r.Advance == nil {
		r.Advance = &a
	}
}

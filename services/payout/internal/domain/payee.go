package domain

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"claims.local/pkg/apperr"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/events"
)

// Role says in what capacity a payee is paid.
type Role string

// The payee roles. An agent collects for one of the others, named in
// Payee.OnBehalfOf (R10).
const (
	RoleBeneficiary  Role = "beneficiary"
	RoleInsured      Role = "insured"
	RolePolicyholder Role = "policyholder"
	RoleAgent        Role = "agent"
)

// Roles lists the payee roles.
func Roles() []Role { return []Role{RoleBeneficiary, RoleInsured, RolePolicyholder, RoleAgent} }

// maxText bounds names and bank names.
const maxText = 200

// Person is a party of a claim and their relation to the insured (self,
// spouse, child, parent, other).
type Person struct {
	Name     string
	Relation string
}

// Payee is who receives a payment and where. Name, BankName and
// AccountNumber are personal data (R11): the repository keeps them
// encrypted and every answer, event and log shows them masked (Masked).
type Payee struct {
	Name          string
	Role          Role
	BankName      string
	AccountNumber string
	OnBehalfOf    *Person
}

// MaskedPayee is a payee as it may be shown: the names keep their first
// character, the account number its last four digits.
type MaskedPayee struct {
	Name          string
	Role          Role
	BankName      string
	AccountNumber string
	OnBehalfOf    *Person
}

// CheckPayee normalizes a payee and checks it can be paid: a name, a known
// role, a bank, an account number of 6 to 32 digits (spaces and dashes are
// dropped), and a person named for an agent only. Errors name the field at
// fault under prefix ("payee." for an event, "" for a request) and never
// quote the account number.
func CheckPayee(p Payee, prefix string) (Payee, error) {
	var err error
	out := Payee{Role: Role(strings.TrimSpace(string(p.Role)))}
	if out.Name, err = text(prefix+"name", p.Name); err != nil {
		return Payee{}, err
	}
	if !slices.Contains(Roles(), out.Role) {
		return Payee{}, apperr.InvalidField(prefix+"role", "must be one of beneficiary, insured, policyholder, agent")
	}
	if out.BankName, err = text(prefix+"bank_name", p.BankName); err != nil {
		return Payee{}, err
	}
	if out.AccountNumber, err = bankaccount.Normalize(prefix+"account_number", p.AccountNumber); err != nil {
		return Payee{}, err
	}
	switch {
	case out.Role == RoleAgent && p.OnBehalfOf == nil:
		return Payee{}, apperr.InvalidField(prefix+"on_behalf_of", "is required for an agent: name the person the agent collects for (R10)")
	case out.Role != RoleAgent && p.OnBehalfOf != nil:
		return Payee{}, apperr.InvalidField(prefix+"on_behalf_of", "is only for an agent")
	case p.OnBehalfOf != nil:
		var who Person
		if who.Name, err = text(prefix+"on_behalf_of.name", p.OnBehalfOf.Name); err != nil {
			return Payee{}, err
		}
		if who.Relation, err = text(prefix+"on_behalf_of.relation", p.OnBehalfOf.Relation); err != nil {
			return Payee{}, err
		}
		out.OnBehalfOf = &who
	}
	return out, nil
}

func text(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", apperr.InvalidField(field, "is required")
	case utf8.RuneCountInString(s) > maxText:
		return "", apperr.InvalidField(field, "must be at most %d characters", maxText)
	case !utf8.ValidString(s):
		return "", apperr.InvalidField(field, "must be UTF-8 text")
	}
	return s, nil
}

// Masked returns p as it may be shown (R11).
func (p Payee) Masked() MaskedPayee {
	m := MaskedPayee{Name: MaskName(p.Name), Role: p.Role, BankName: p.BankName, AccountNumber: MaskAccount(p.AccountNumber)}
	if p.OnBehalfOf != nil {
		m.OnBehalfOf = &Person{Name: MaskName(p.OnBehalfOf.Name), Relation: p.OnBehalfOf.Relation}
	}
	return m
}

// MaskName keeps the first character of a name and masks the others: 李四
// becomes 李*, 欧阳娜娜 欧***; a name of one character is masked whole.
func MaskName(name string) string { return events.MaskName(name) }

// MaskAccount shows the last four digits of an account number behind four
// asterisks, whatever its length: ****3445 (package bankaccount).
func MaskAccount(account string) string { return bankaccount.Mask(account) }

// AccountTail is the last four digits of an account number, as notices
// quote it ("尾号3445"); none for a number of four digits or fewer.
func AccountTail(account string) string { return strings.TrimPrefix(bankaccount.Mask(account), "****") }

// samePayee reports whether a and b pay the same person: the same role and
// name and, for an agent, the same person collected for. Names are
// compared as adjudication compares them when it checks who may be paid:
// NFKC with every space removed, nothing else folded.
func samePayee(a, b Payee) bool {
	switch {
	case a.Role != b.Role || payeeName(a.Name) != payeeName(b.Name):
		return false
	case a.OnBehalfOf == nil || b.OnBehalfOf == nil:
		return a.OnBehalfOf == nil && b.OnBehalfOf == nil
	}
	return payeeName(a.OnBehalfOf.Name) == payeeName(b.OnBehalfOf.Name)
}

func payeeName(name string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, norm.NFKC.String(name))
}

// The answers of the payee's bank to an account-holder verification
// (银行卡二要素验证: is this account held by this name?).
const (
	HolderMatch   = "match"
	HolderNoMatch = "no_match"
)

// HolderCheck is the bank's answer to an account-holder verification and
// its reference; a Result other than HolderMatch or HolderNoMatch (or a
// match without its reference) is no answer.
type HolderCheck struct {
	Result    string
	Reference string
}

// BankHoldsAccount refuses a payee supplied in payout (a correction after
// the bank refused or returned a payment, or a payee supplied for one that
// no longer opens) whose account the payee's bank does not say is held by
// the payee's name. Intake asked the bank about the payee of the claim
// request only, and adjudication checked who may be paid only for the
// payee it named: a payee typed later by a handler was paid on their word
// alone, into whatever account they typed. A no match is the bank's
// answer that the account is someone else's (422 payee_not_entitled); no
// answer (the bank down, late, or an answer the port does not define) is
// 503: nothing changes, and the correction may be sent again.
func BankHoldsAccount(p Payee, h HolderCheck) error {
	switch {
	case h.Result == HolderMatch && h.Reference != "":
		return nil
	case h.Result == HolderNoMatch:
		return &apperr.Error{Code: apperr.PayeeNotEntitled, Field: "account_number", Message: fmt.Sprintf(
			"the payee's bank answers that account %s is not held by the payee's name: nothing is paid into it; confirm the account with the payee",
			bankaccount.Mask(p.AccountNumber))}
	}
	return apperr.New(apperr.Unavailable, "the payee's bank did not answer whether account %s is held by the payee's name: nothing changed; send the payee again",
		bankaccount.Mask(p.AccountNumber))
}

package domain

import (
	"strings"

	"claims.local/pkg/bankaccount"
)

// checkBankCard refuses a payee whose account is not the one on the bank
// card provided with the claim (issue 14: "the account holder's name must
// equal the payee's name; compare with the bank-card document when one is
// on the claim"). When a bank-card document whose account intake read is on
// the claim, the account paid must have the fingerprint of one of them
// (keyed under f; an unkeyed one only when stored before the key,
// bankaccount.Fingerprints.MatchStoredAccount);
// when that card names its holder, the payee (normalised as NormalizeName
// does) must be that holder. A card whose account was not read proves
// nothing about an account; without one the other payee rules
// (checkEntitled) alone decide. account is the account's digits.
func (c *Case) checkBankCard(f *bankaccount.Fingerprints, p Payee, account string) error {
	cards := 0
	for _, d := range c.Documents {
		if d.Type != DocBankCard || d.AccountFingerprint == "" {
			continue
		}
		cards++
		if !f.MatchStoredAccount(d.AccountFingerprint, c.ClaimID, account) {
			continue
		}
		if d.HolderName != "" && !sameName(d.HolderName, p.Name) {
			return notEntitled("payee.name", "the bank card provided (document %s) belongs to %s, not to the payee %s: money is paid only to the payee's own account",
				d.DocumentID, NormalizeName(d.HolderName), p.Name)
		}
		return nil
	}
	if cards > 0 {
		return notEntitled("payee.account_number", "the account is not the one on the bank card provided: pay the account of a bank card on the claim (%s), or have the claimant provide the card of this account",
			c.cardAccounts())
	}
	return nil
}

// cardAccounts lists the accounts of the bank cards on the claim by their
// last four digits, masked (R11).
func (c *Case) cardAccounts() string {
	var out []string
	for _, d := range c.Documents {
		if d.Type == DocBankCard && d.AccountFingerprint != "" {
			out = append(out, "****"+d.AccountLast4)
		}
	}
	return strings.Join(out, ", ")
}

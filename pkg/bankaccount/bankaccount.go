// Package bankaccount holds the platform's rules for bank account numbers,
// which are personal data (R11): how an entered number is read, and how it is
// shown everywhere but where a payment needs it, masked to its last four
// digits. No error of this package quotes the number.
package bankaccount

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"claims.local/pkg/apperr"
)

// The lengths of an account number, in digits: bank cards have 16 to 19,
// other accounts fewer or more.
const (
	MinDigits = 6
	MaxDigits = 32
)

// Normalize removes the spaces and dashes people write in account numbers and
// returns the digits, or an invalid_argument error on field.
func Normalize(field, s string) (string, error) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || r == '-':
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			return "", apperr.InvalidField(field, "may hold only digits, spaces and dashes")
		}
	}
	if n := b.Len(); n < MinDigits || n > MaxDigits {
		return "", apperr.InvalidField(field, "must hold %d to %d digits; it has %d", MinDigits, MaxDigits, n)
	}
	return b.String(), nil
}

// Mask shows an account number as asterisks and its last four digits:
// ****3445. A number of four digits or fewer shows none.
func Mask(account string) string {
	if len(account) <= 4 {
		return "****"
	}
	return "****" + account[len(account)-4:]
}

// Fingerprint identifies an account paid on a claim without keeping it: the
// lowercase hex SHA-256 of the claim id, ":" and the account's digits. It
// is what intake sends of a bank card on the claim and what adjudication
// keeps of the accounts it pays, so the two compare without the number;
// payout computes the same for its three-way reconciliation. Anything in
// account but the ASCII digits (spaces, dashes) is left out.
func Fingerprint(claimID, account string) string {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, account)
	sum := sha256.Sum256([]byte(claimID + ":" + digits))
	return hex.EncodeToString(sum[:])
}

// Last4 returns the last four digits of an account number, all of it when
// shorter.
func Last4(account string) string {
	if len(account) <= 4 {
		return account
	}
	return account[len(account)-4:]
}

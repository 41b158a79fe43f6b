// Package bankaccount holds the platform's rules for bank account numbers,
// which are personal data (R11): how an entered number is read, and how it is
// shown everywhere but where a payment needs it, masked to its last four
// digits. No error of this package quotes the number.
package bankaccount

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

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

// LegacyFingerprint is the unkeyed account fingerprint of before the
// fingerprint key: the lowercase hex SHA-256 of the claim id, ":" and the
// account's digits. Anyone who knows a claim id, the last four digits and
// the bank's card prefix can find the account from it (the attack review
// of issue 19), so it is never made again: Fingerprints.MatchStoredAccount
// compares it only with fingerprints a service stored before it held the
// key.
func LegacyFingerprint(claimID, account string) string {
	sum := sha256.Sum256([]byte(claimID + ":" + digitsOf(account)))
	return hex.EncodeToString(sum[:])
}

func digitsOf(account string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, account)
}

// Key is the keyed hash (HMAC-SHA-256, lowercase hex) of an account
// number's digits, by which the fraud signals compare accounts across
// claims and with the employee registry without keeping them (issue 14).
// Intake computes it for the payee a claimant gives with an advance
// agreement (issue 19) with the key adjudication holds, so that the signals
// run on an account adjudication never sees. "" without a key or digits.
func Key(key []byte, account string) string {
	digits := digitsOf(account)
	if len(key) == 0 || digits == "" {
		return ""
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(digits))
	return hex.EncodeToString(m.Sum(nil))
}

// NormalizeName is the form in which two names of a person are compared:
// Unicode NFKC (full-width letters become half-width), with every space
// removed, the ideographic space included. Nothing else is folded: a name
// with an invisible character or a variant character is another name.
func NormalizeName(name string) string {
	var b strings.Builder
	for _, r := range norm.NFKC.String(name) {
		if unicode.IsSpace(r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// OneHanApart reports whether a and b, compared as NormalizeName gives
// them, have the same number of characters and differ in exactly one,
// which is a Han ideograph (not a number such as 〇) in both: the way OCR
// misreads a printed Chinese name (磊 as 舌, 鹏 as 胸), and the way a
// look-alike person's name differs from it. It proves nothing of whose
// name it is (issue 19: a look-alike person's name is read as the insured's
// as often as the insured's is misread); it only bounds what another proof
// (an identity card's number) may stand for. A letter, a digit, a mark, an
// invisible or a variant character (a variation selector) in place of a
// character, or beside one, is never one Han character apart.
func OneHanApart(a, b string) bool {
	ra, rb := []rune(NormalizeName(a)), []rune(NormalizeName(b))
	if len(ra) != len(rb) {
		return false
	}
	apart := 0
	for i := range ra {
		if ra[i] == rb[i] {
			continue
		}
		if apart++; apart > 1 || !ideograph(ra[i]) || !ideograph(rb[i]) {
			return false
		}
	}
	return apart == 1
}

// ideograph reports whether r is a Han ideograph that is not a number
// (〇 and the Suzhou numerals are ideographic numbers).
func ideograph(r rune) bool {
	return unicode.Is(unicode.Han, r) && unicode.Is(unicode.Ideographic, r) && !unicode.IsNumber(r)
}

// LegacyHolderFingerprint is the unkeyed name fingerprint of before the
// fingerprint key: the lowercase hex SHA-256 of "name:", the claim id, ":"
// and the name as NormalizeName gives it; "" for an empty name. A
// dictionary of common names finds the name from it, so it is never made
// again (see LegacyFingerprint).
func LegacyHolderFingerprint(claimID, name string) string {
	n := NormalizeName(name)
	if n == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("name:" + claimID + ":" + n))
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

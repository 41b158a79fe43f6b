package document

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// The lengths of a bank card's number (ISO/IEC 7812; China UnionPay cards
// have 16 to 19 digits).
const (
	minCardDigits = 16
	maxCardDigits = 19
)

// cardNumberLabels introduce a card number, whose Luhn digit must verify;
// accountNumberLabels an account number (an account certificate's 账号),
// which need not have one. Longer labels first. Read-only.
var (
	cardNumberLabels    = []string{"银行卡号", "卡号", "card number", "card no"}
	accountNumberLabels = []string{"账户号码", "银行账号", "账号", "帐号", "account number", "account no"}
	numberLabels        = slices.Concat(cardNumberLabels, accountNumberLabels)
)

// holderLabels introduce the holder's name on a bank-card document; a label
// that another contains comes after it. Read-only.
var holderLabels = []string{"持卡人姓名", "持卡人", "账户名称", "帐户名称", "账户名", "帐户名", "开户人", "开户名", "户名"}

// digitGroups matches a number printed as digits with single spaces or
// dashes between groups, or a dot where OCR read a speck between two
// groups (6222 1854 3829.5828 498). Read-only.
var digitGroups = regexp.MustCompile(`[0-9]+(?:[ \-.][0-9]+)*`)

// groupedCard matches an unlabelled number embossed in groups (6222 0212
// 3456 7890 128). Read-only.
var groupedCard = regexp.MustCompile(`(?:^|[^0-9])([0-9]{4}(?:[ \-][0-9]{3,6}){2,4})`)

// findAccountNumber returns the digits of a bank-card document's number: the
// first labelled card number whose Luhn digit verifies or labelled account
// number, else the first unlabelled number printed in groups whose Luhn
// digit verifies. Only 16 to 19 digits count; groups that follow on the same
// line (an expiry date) are left off.
func findAccountNumber(norm string) string {
	lower := strings.ToLower(norm)
	for _, line := range strings.Split(lower, "\n") {
		for i := 0; i < len(line); {
			label, at := firstLabel(line[i:], numberLabels)
			if at < 0 {
				break
			}
			i += at + len(label)
			rest := line[i:]
			loc := digitGroups.FindStringIndex(rest)
			if loc == nil || utf8.RuneCountInString(rest[:loc[0]]) > 6 {
				continue
			}
			card := !slices.Contains(accountNumberLabels, label)
			if n := accountDigits(rest[loc[0]:loc[1]], card); n != "" {
				return n
			}
		}
	}
	for _, m := range groupedCard.FindAllStringSubmatch(norm, -1) {
		if n := accountDigits(m[1], true); n != "" {
			return n
		}
	}
	return ""
}

// accountDigits returns the longest run of whole leading groups of printed
// that holds 16 to 19 digits (and verifies by Luhn when card), or "".
func accountDigits(printed string, card bool) string {
	groups := strings.FieldsFunc(printed, func(r rune) bool { return r == ' ' || r == '-' || r == '.' })
	digits, best := "", ""
	for _, g := range groups {
		digits += g
		if len(digits) > maxCardDigits {
			break
		}
		if len(digits) >= minCardDigits && (!card || luhnValid(digits)) {
			best = digits
		}
	}
	return best
}

// luhnValid reports whether the last digit of digits is the Luhn (ISO/IEC
// 7812-1) check digit of the others.
func luhnValid(digits string) bool {
	sum := 0
	for i := 0; i < len(digits); i++ {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// findAccountHolder returns the name after the first holder label and its
// colon, if any: 2 to 4 Han characters, or up to 10 with the middle dot of
// a minority name. A holder label OCR read with one character wrong
// (持证人姓名) is looked for when no label is found as printed.
func findAccountHolder(norm string) string {
	if name := holderAfter(norm, func(s string) (int, int) {
		label, at := firstLabel(s, holderLabels)
		return at, len(label)
	}); name != "" {
		return name
	}
	// A label OCR read with one character wrong (持证人姓名), before a colon.
	for _, label := range holderLabels {
		if name := holderAfter(norm, func(s string) (int, int) { return fuzzyLabelBeforeColon(s, label) }); name != "" {
			return name
		}
	}
	return ""
}

// holderAfter returns the first name after a label that find locates (its
// offset in a line and its length; -1 for none).
func holderAfter(norm string, find func(string) (int, int)) string {
	for _, line := range strings.Split(norm, "\n") {
		for i := 0; i < len(line); {
			at, size := find(line[i:])
			if at < 0 {
				break
			}
			i += at + size
			// OCR reads the colon after a label as ";" or "." at times.
			m := namePattern.FindStringSubmatch(strings.TrimLeft(line[i:], ":;. "))
			if m == nil || startsWithAny(m[2], nameStops) {
				continue
			}
			name := repairName(cutAtStop(m[2]))
			if n := utf8.RuneCountInString(name); n >= 2 && (n <= 4 || strings.Contains(name, "·")) {
				return name
			}
		}
	}
	return ""
}

package document

import (
	"strings"
	"time"

	"claims.local/pkg/calendar"
)

// idCheckChars maps the GB 11643-1999 weighted sum modulo 11 of the first 17
// digits of a resident ID number to its check character.
const idCheckChars = "10X98765432"

// ValidIDNumber reports whether s is an 18-character PRC resident ID number
// (公民身份号码): 17 digits and a check character (a digit or upper-case X)
// that matches the GB 11643 checksum, with a real date of birth between
// 1900 and 2099 in characters 7 to 14.
func ValidIDNumber(s string) bool {
	if len(s) != 18 {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		// The weight of the digit at position i (0-based) is 2^(17-i) mod 11.
		sum += int(c-'0') * ((1 << (17 - i)) % 11)
	}
	if s[17] != idCheckChars[sum%11] {
		return false
	}
	year := atoiDigits(s[6:10])
	birth := calendar.Date{Year: year, Month: time.Month(atoiDigits(s[10:12])), Day: atoiDigits(s[12:14])}
	return year >= 1900 && year <= 2099 && birth.IsValid()
}

// idCandidateChar reports whether c may be part of an ID number as OCR
// reads it: a digit, X, or a letter OCR confuses with a digit.
func idCandidateChar(c byte) bool {
	return c >= '0' && c <= '9' || strings.IndexByte("xXOoIl|", c) >= 0
}

// repairIDNumber maps the OCR confusions O/o→0 and I/l/|→1 to digits and
// x→X. The result is only used when it passes ValidIDNumber, so a repair
// never invents a number: the checksum must vouch for it.
func repairIDNumber(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case 'O', 'o':
			return '0'
		case 'I', 'l', '|':
			return '1'
		case 'x':
			return 'X'
		}
		return r
	}, s)
}

// findIDNumber returns the first valid resident ID number in normalised
// text. It first looks at lines that carry an ID label, with every space
// removed (OCR may split the number into groups), then at every run of 18
// candidate characters in the whole text. Runs longer than 18 characters
// are bank card or other numbers and are skipped, not searched for an
// 18-character window that would verify by chance one time in eleven.
func findIDNumber(norm string) (string, bool) {
	norm = xLike.Replace(norm)
	for _, line := range strings.Split(norm, "\n") {
		if containsAny(line, idLabels) {
			if id, ok := scanIDRuns(squeeze(line)); ok {
				return id, true
			}
		}
	}
	return scanIDRuns(norm)
}

// xLike maps the characters OCR reads for the check character X of an ID
// number (a Han character such as 义 when the page is read as Chinese, or
// the multiplication sign) to X; the checksum vouches for the result, as
// for repairIDNumber. Read-only.
var xLike = strings.NewReplacer("义", "X", "乂", "X", "×", "X", "メ", "X")

// idLabels are the labels that introduce a resident ID number. Read-only.
var idLabels = []string{"公民身份号码", "身份证号", "身份证件号", "证件号码", "身份号码", "ID No", "ID number"}

// scanIDRuns returns the first maximal run of candidate characters of s
// that is a valid ID number once repaired. A run longer than 18 characters
// is also tried without its leading letters, which may belong to a word
// glued to the number ("Il10105...").
func scanIDRuns(s string) (string, bool) {
	for i := 0; i < len(s); {
		if !idCandidateChar(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && idCandidateChar(s[j]) {
			j++
		}
		run := s[i:j]
		i = j
		if len(run) > 18 {
			run = strings.TrimLeft(run, "xXOoIl|")
		}
		if len(run) != 18 {
			continue
		}
		if id := repairIDNumber(run); ValidIDNumber(id) {
			return id, true
		}
	}
	return "", false
}

// atoiDigits converts a string of ASCII digits (checked by the caller).
func atoiDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// containsAny reports whether s contains any of subs.
func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

package auth

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// SameSubject reports whether two subjects name the same person for the
// segregation of duties (issue 14): who decided may not approve, override
// or confirm the payee of the same money. Subjects are compared in the
// form NormalizeSubject gives, so that a second account differing only by
// case, width, spacing or an invisible character is the same person in
// every service. An empty subject is nobody.
func SameSubject(a, b string) bool {
	na := NormalizeSubject(a)
	return na != "" && na == NormalizeSubject(b)
}

// NormalizeSubject is the form in which subjects are compared: Unicode
// NFKC (full-width letters and compatibility forms such as "ſ" become
// their plain letters), lower case, without white space or invisible
// format characters (zero-width space and joiners, soft hyphen, word
// joiner, byte order mark).
func NormalizeSubject(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(norm.NFKC.String(s)) {
		if unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		b.WriteRune(r)
	}
	return norm.NFKC.String(b.String())
}

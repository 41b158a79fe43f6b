package document

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Normalize prepares OCR text for matching. It folds full-width forms to
// their ASCII counterparts (１２：￥ becomes 12:¥), turns form feeds and
// carriage returns into line breaks, and removes the spaces Tesseract puts
// between Chinese characters ("姓 名 : 张 三" becomes "姓名:张三"): a run of
// spaces is dropped when a non-ASCII character stands on either side of it,
// and shrunk to one space between two ASCII characters. Lines are kept, so
// "2026 03" on one line and "05" on the next never merge.
func Normalize(text string) string {
	text = width.Fold.String(text)
	text = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\f", "\n").Replace(text)
	var b strings.Builder
	b.Grow(len(text))
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		normalizeLine(&b, line)
	}
	return b.String()
}

// normalizeLine writes line to b with its spaces handled as Normalize says.
func normalizeLine(b *strings.Builder, line string) {
	var prev rune // last rune written; 0 at the start of the line
	pendingSpace := false
	for _, r := range line {
		if r == utf8.RuneError || unicode.IsControl(r) && r != '\t' {
			continue
		}
		if unicode.IsSpace(r) {
			pendingSpace = true
			continue
		}
		if pendingSpace && prev != 0 && prev < utf8.RuneSelf && r < utf8.RuneSelf {
			b.WriteByte(' ')
		}
		pendingSpace = false
		b.WriteRune(r)
		prev = r
	}
}

// squeeze returns s without any white space; it is used where OCR may split
// a number into groups ("1101 0519 4912 3100 2X").
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// squeezeIndex returns s without white space, as squeeze does, and for each
// byte of the result the offset of that byte in s.
func squeezeIndex(s string) (string, []int) {
	b := make([]byte, 0, len(s))
	orig := make([]int, 0, len(s)+1)
	for i, r := range s {
		if unicode.IsSpace(r) {
			continue
		}
		n := len(b)
		b = utf8.AppendRune(b, r)
		for j := n; j < len(b); j++ {
			orig = append(orig, i+j-n)
		}
	}
	orig = append(orig, len(s))
	return string(b), orig
}

// asciiLower lower-cases the ASCII letters of s only, so that offsets in
// the result are offsets in s (strings.ToLower may change the length of
// other letters).
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

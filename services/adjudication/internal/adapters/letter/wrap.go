package letter

import (
	"strings"
	"unicode"
)

// wrap breaks text into lines no wider than the available widths: first for
// the first line, rest for every other line (a hanging indent makes them
// differ). Each '\n' starts a new paragraph. width gives the advance of one
// character in the same unit as first and rest.
//
// fpdf's own MultiCell and SplitText are not used: in v0.9.0 they treat a
// Chinese character at a line break like a space and drop it, which in a
// legal letter silently changes the text. This wrapper never drops a
// character except spaces at the edges of a wrapped line. It breaks between
// any two Chinese characters and at spaces, keeps Latin words and numbers
// (CLM-2026-000123) whole unless one alone is wider than a line, and follows
// the basic Chinese line-breaking rules (避头尾): closing punctuation such as
// ，。）》 never starts a line and opening punctuation such as （《 never ends
// one.
func wrap(text string, first, rest float64, width func(rune) float64) []string {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		avail := rest
		if len(lines) == 0 {
			avail = first
		}
		lines = append(lines, wrapParagraph(para, avail, rest, width)...)
	}
	return lines
}

// unit is a piece of text that is not broken across lines unless it is
// wider than a whole line: a Chinese character with the punctuation glued
// to it, a Latin word or number, or a space.
type unit struct {
	text  []rune
	space bool
}

func wrapParagraph(para string, first, rest float64, width func(rune) float64) []string {
	var (
		lines   []string
		cur     []rune
		curW    float64
		avail   = first
		wrapped bool // cur continues a paragraph broken by wrapping
	)
	emit := func() {
		lines = append(lines, strings.TrimRightFunc(string(cur), isSpace))
		cur, curW, avail, wrapped = nil, 0, rest, true
	}
	for _, u := range units(para) {
		w := 0.0
		for _, r := range u.text {
			w += width(r)
		}
		switch {
		case u.space && len(cur) == 0 && wrapped:
			// A space at the start of a wrapped line is dropped.
		case curW+w <= avail:
			cur, curW = append(cur, u.text...), curW+w
		case u.space:
			// A space that does not fit ends the line and is dropped.
			emit()
		default:
			if len(cur) > 0 {
				emit()
			}
			// The unit starts a line; break it by character only if it is
			// wider than a whole line.
			for _, r := range u.text {
				rw := width(r)
				if curW+rw > avail && len(cur) > 0 {
					emit()
				}
				cur, curW = append(cur, r), curW+rw
			}
		}
	}
	if len(cur) > 0 || len(lines) == 0 {
		lines = append(lines, strings.TrimRightFunc(string(cur), isSpace))
	}
	return lines
}

// units splits a paragraph into the pieces wrap may break between.
func units(para string) []unit {
	var raw []unit
	for _, r := range para {
		switch {
		case isSpace(r):
			raw = append(raw, unit{text: []rune{r}, space: true})
		case breaksAround(r):
			raw = append(raw, unit{text: []rune{r}})
		default:
			// Letters, digits and Western punctuation stick together.
			if n := len(raw); n > 0 && !raw[n-1].space && !breaksAround(raw[n-1].text[len(raw[n-1].text)-1]) {
				raw[n-1].text = append(raw[n-1].text, r)
				continue
			}
			raw = append(raw, unit{text: []rune{r}})
		}
	}
	var out []unit
	var opening []rune // opening punctuation waiting for what it opens
	for _, u := range raw {
		if !u.space && sticksToPrevious(u.text[0], out) && opening == nil {
			last := &out[len(out)-1]
			last.text = append(last.text, u.text...)
			continue
		}
		if opening != nil {
			u = unit{text: append(opening, u.text...)}
			opening = nil
		}
		if strings.ContainsRune(noLineEnd, u.text[len(u.text)-1]) {
			opening = u.text
			continue
		}
		out = append(out, u)
	}
	if opening != nil {
		out = append(out, unit{text: opening})
	}
	return out
}

// sticksToPrevious reports whether a unit starting with c must stay on the
// line of the unit before it: closing punctuation, and the date and number
// units that follow a number (2026年, 10月, 9日, 第123号).
func sticksToPrevious(c rune, before []unit) bool {
	if len(before) == 0 || before[len(before)-1].space {
		return false
	}
	if strings.ContainsRune(noLineStart, c) {
		return true
	}
	prev := before[len(before)-1].text
	last := prev[len(prev)-1]
	return strings.ContainsRune(afterNumber, c) && last >= '0' && last <= '9'
}

// afterNumber holds the units of dates and numbers kept with their number.
const afterNumber = "年月日号"

// noLineStart holds the punctuation that may not begin a line, and
// noLineEnd the punctuation that may not end one.
const (
	noLineStart = "，。、；：？！）》」』〕】〉”’…%,.;:?!)]}"
	noLineEnd   = "（《「『〔【〈“‘([{"
)

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\u3000' }

// breaksAround reports whether a line may break before and after r (apart
// from the punctuation rules): Chinese, Japanese and Korean characters and
// the full-width forms and punctuation set with them.
func breaksAround(r rune) bool {
	switch {
	case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul):
		return true
	case r >= 0x3000 && r <= 0x303F, // CJK symbols and punctuation
		r >= 0xFF00 && r <= 0xFFEF, // full-width forms
		r >= 0x2010 && r <= 0x2027: // dashes, quotation marks, ellipsis
		return true
	}
	return false
}

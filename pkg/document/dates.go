package document

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"claims.local/pkg/calendar"
)

// cnDatePattern matches a date in Chinese numerals, as notarial
// certificates, appraisals and seals print them: 二〇二六年三月十五日 (〇, 零
// and the circle ○ are all zero). Read-only.
var cnDatePattern = regexp.MustCompile(`([〇零○一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日`)

// dateAt is a date found in a text and the byte offset where it starts.
type dateAt struct {
	date  calendar.Date
	start int
	end   int
}

// firstDate returns the first date in s, written in figures or in Chinese
// numerals, when it is valid and from 1900 on.
func firstDate(s string) (dateAt, bool) {
	num := datePattern.FindStringSubmatchIndex(s)
	cn := cnDatePattern.FindStringSubmatchIndex(s)
	var d dateAt
	switch {
	case num != nil && (cn == nil || num[0] <= cn[0]):
		m := func(g int) int { return atoiDigits(s[num[2*g]:num[2*g+1]]) }
		d = dateAt{calendar.Date{Year: m(1), Month: time.Month(m(2)), Day: m(3)}, num[0], num[1]}
	case cn != nil:
		g := func(i int) string { return s[cn[2*i]:cn[2*i+1]] }
		d = dateAt{calendar.Date{Year: cnYear(g(1)), Month: time.Month(cnSmall(g(2))), Day: cnSmall(g(3))}, cn[0], cn[1]}
	default:
		return dateAt{}, false
	}
	return d, d.date.IsValid() && d.date.Year >= 1900
}

// cnYear reads a year written digit by digit in Chinese numerals (二〇二六).
func cnYear(s string) int {
	y := 0
	for _, r := range s {
		y = y*10 + cnDigit(r)
	}
	return y
}

// cnDigit returns the value of a Chinese numeral digit; 0 for the zeros.
func cnDigit(r rune) int {
	if i := strings.IndexRune("一二三四五六七八九", r); i >= 0 {
		return i/utf8.RuneLen(r) + 1
	}
	return 0
}

// cnSmall reads a number below 100 in Chinese numerals (五, 十, 十五, 二十,
// 三十一); it returns 0, an invalid month or day, for anything else.
func cnSmall(s string) int {
	tens, ones, seenTen := 0, 0, false
	for _, r := range s {
		switch {
		case r == '十' && !seenTen:
			seenTen = true
			tens, ones = max(ones, 1), 0
		case r != '十' && ones == 0:
			ones = cnDigit(r)
		default:
			return 0
		}
	}
	return tens*10 + ones
}

// dateWindow is how far after its label a date is looked for: 60 bytes,
// of which at most 20 characters may stand before the date.
const dateWindow = 60

// findLabelledDate returns the first valid date that follows one of labels
// (most specific first; English ones lower-case) within 20 characters, and
// where it stands in norm.
func findLabelledDate(norm string, labels []string) (calendar.Date, span) {
	if d, ok := findLabelledDateAt(norm, labels); ok {
		return d.date, span{d.start, d.end}
	}
	return calendar.Date{}, span{}
}

// findLabelledDateAt is findLabelledDate returning where the date ends too.
// Letters OCR reads for digits next to digits count as those digits
// (repairDateDigits), and a date's second separator read as a colon as
// that separator (repairDateSeparator). When no label is found as printed, a label of four
// Han characters read with one of them wrong (等故时间 for 事故时间) is
// looked for, unless it reads as another date label (fuzzyDateLabel).
func findLabelledDateAt(norm string, labels []string) (dateAt, bool) {
	lower := asciiLower(norm)
	dateAfter := func(from int) (dateAt, bool) {
		window := repairDateSeparator(repairDateDigits(lower[from:min(len(lower), from+dateWindow)]))
		d, ok := firstDate(window)
		if !ok || utf8.RuneCountInString(window[:d.start]) > 20 {
			return dateAt{}, false
		}
		d.start += from
		d.end += from
		return d, true
	}
	for _, label := range labels {
		for from := 0; ; {
			i := strings.Index(lower[from:], label)
			if i < 0 {
				break
			}
			from += i + len(label)
			if d, ok := dateAfter(from); ok {
				return d, true
			}
		}
	}
	for from := 0; ; {
		i, n := fuzzyDateLabel(lower, labels, from)
		if i < 0 {
			return dateAt{}, false
		}
		from = i + n
		if d, ok := dateAfter(from); ok {
			return d, true
		}
	}
}

// rangeSeparator matches what stands between the two dates of a stay
// (2026-01-10 至 2026-01-20). Read-only.
var rangeSeparator = regexp.MustCompile(`^\s*(?:至|到|-|—|~|～|－|起至)\s*`)

// findDateRange returns the two dates of a range after one of labels
// (住院日期: 2026-01-10 至 2026-01-20), with their offsets.
func findDateRange(norm string, labels []string) (from, to dateAt, ok bool) {
	from, ok = findLabelledDateAt(norm, labels)
	if !ok {
		return dateAt{}, dateAt{}, false
	}
	rest := norm[from.end:]
	rest = strings.TrimPrefix(rest, "日")
	sep := rangeSeparator.FindString(rest)
	if sep == "" {
		return dateAt{}, dateAt{}, false
	}
	skip := len(norm) - len(rest) + len(sep)
	to, ok = firstDate(norm[skip:min(len(norm), skip+dateWindow)])
	if !ok || to.start != 0 {
		return dateAt{}, dateAt{}, false
	}
	to.start += skip
	to.end += skip
	return from, to, true
}

// lastDateLine returns the last date that stands alone on its line (the
// date under a seal or a signature), and where it stands.
func lastDateLine(norm string) (calendar.Date, span) {
	var found dateAt
	off := 0
	for _, line := range strings.Split(norm, "\n") {
		t := strings.TrimSpace(line)
		if d, ok := firstDate(t); ok && d.start == 0 && strings.TrimPrefix(t[d.end:], "日") == "" {
			found = d
			found.start += off + strings.Index(line, t)
			found.end += off + strings.Index(line, t)
		}
		off += len(line) + 1
	}
	return found.date, span{found.start, found.end}
}

package document

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// OCR misreads one character of a label now and then (交款人 as 区款人,
// 被鉴定人 as 被瞧定人, 事故时间 as 等故时间, 票据号码 as 莫据号码), and the
// value after it is then lost although it was read right. A label of three
// or more Han characters read with one of them wrong is still a label
// (fuzzyIndex), unless what was read is another real label: 收款人 (the
// cashier) is one character away from 交款人 and 出院日期 from 入院日期, so
// the real labels a misread must not be taken for are listed (notNameLabels,
// knownDateLabels, notInvoiceNumberLabels). Exact labels are always looked
// for first.

// minFuzzyLabel is the least number of characters a label needs to be
// recognised with one of them misread: a two-character label with one
// wrong is any word.
const minFuzzyLabel = 3

// fuzzyIndex returns the byte offset in s of the first run of Han
// characters that is label with one character misread (substituted) or
// one character inserted inside it (鉴定有日期), and is none of notLabels,
// and the run's length in bytes; -1 when there is none or label is
// shorter than minFuzzyLabel.
func fuzzyIndex(s, label string, notLabels []string) (int, int) {
	want := []rune(label)
	if len(want) < minFuzzyLabel {
		return -1, 0
	}
	var runes []rune
	var offs []int
	for i, r := range s {
		runes, offs = append(runes, r), append(offs, i)
	}
	offs = append(offs, len(s))
	for k := 0; k+len(want) <= len(runes); k++ {
		if runes[k] != want[0] && runes[k+1] != want[1] {
			continue // two misread: not this label
		}
		diff := 0
		for j, r := range want {
			if runes[k+j] != r {
				if diff++; diff > 1 || !unicode.Is(unicode.Han, runes[k+j]) {
					diff = 2
					break
				}
			}
		}
		size := len(want)
		if diff != 1 {
			if !insertedOne(runes[k:], want) {
				continue
			}
			size++
		}
		window := s[offs[k]:offs[k+size]]
		if slices.Contains(notLabels, window) {
			continue
		}
		return offs[k], len(window)
	}
	return -1, 0
}

// insertedOne reports whether runes starts with want with one Han
// character inserted inside it (鉴定有日期 for 鉴定日期).
func insertedOne(runes, want []rune) bool {
	if len(runes) < len(want)+1 || runes[0] != want[0] {
		return false
	}
	for j := 1; j < len(want); j++ {
		if runes[j] != want[j] {
			return unicode.Is(unicode.Han, runes[j]) && slices.Equal(runes[j+1:len(want)+1], want[j:])
		}
	}
	return false
}

// notNameLabels are real labels one character away from a name label,
// whose value is not the person the document is about: the cashier
// (收款人), the policyholder (投保人), a proxy (代理人). Read-only.
var notNameLabels = []string{"收款人", "付款人", "开票人", "复核人", "审核人", "经办人", "联系人", "投保人", "代理人",
	"委托人", "负责人", "监护人", "受益人", "见证人", "鉴定人", "送检人", "开户行", "发卡行"}

// firstNameLabel returns the name label that occurs first in s, and where
// and how long it is there: an exact label (nameLabels), else one of
// minFuzzyLabel characters or more read with one character wrong.
func firstNameLabel(s string) (label string, at, size int) {
	label, at = firstLabel(s, nameLabels)
	if at >= 0 {
		size = len(label)
	}
	for _, l := range nameLabels {
		if i, n := fuzzyIndex(s, l, notNameLabels); i >= 0 && (at < 0 || i < at) {
			label, at, size = l, i, n
		}
	}
	return label, at, size
}

// fuzzyLabelBeforeColon returns where label, read with one character
// wrong (fuzzyIndex, none of notNameLabels), stands in s followed by a
// colon (or the semicolon or dot OCR reads for one), and its length; -1 if
// nowhere.
func fuzzyLabelBeforeColon(s, label string) (int, int) {
	for from := 0; from < len(s); {
		i, n := fuzzyIndex(s[from:], label, notNameLabels)
		if i < 0 {
			break
		}
		from += i
		if rest := strings.TrimLeft(s[from+n:], " "); rest != "" && strings.ContainsRune(":;.", rune(rest[0])) {
			return from, n
		}
		_, size := utf8.DecodeRuneInString(s[from:])
		from += size
	}
	return -1, 0
}

// knownDateLabels are the date labels a misread date label must not be
// taken for: every label the extractors know, and others printed near
// them (出生日期, 填发日期). Read-only.
var knownDateLabels = func() []string {
	all := []string{"出生日期", "填发日期", "填报日期", "报告日期", "打印日期", "签发日期", "发证日期", "有效期限", "登记日期",
		"开票日期", "收费日期", "入院日期", "出院日期", "住院日期", "门诊日期", "就诊日期", "诊断日期", "死亡日期", "鉴定日期",
		"委托日期", "受理日期", "事故日期", "事故时间", "发生时间", "入院时间", "出院时间", "住院时间", "死亡时间", "鉴定时间",
		"委托时间", "受理时间", "就诊时间", "诊断时间", "评定日期", "公证日期", "出具日期", "开具日期", "证明日期"}
	for _, labels := range eventDateLabels {
		all = append(all, labels...)
	}
	return all
}()

// fuzzyDateLabel returns where the first of labels (most specific first)
// read with one character wrong stands in s, and its length; -1 if none.
func fuzzyDateLabel(s string, labels []string, from int) (int, int) {
	for _, l := range labels {
		if utf8.RuneCountInString(l) < 4 || !isHan(l) {
			continue // three-character date labels are too close to words
		}
		if i, n := fuzzyIndex(s[from:], l, knownDateLabels); i >= 0 {
			return from + i, n
		}
	}
	return -1, 0
}

// isHan reports whether s is made of Han characters only.
func isHan(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return !unicode.Is(unicode.Han, r) }) < 0
}

// colonInDate matches a date whose second separator OCR read as a colon
// (2026-12:04, the hyphen under grain). Read-only.
var colonInDate = regexp.MustCompile(`\d{4}([\-./])\d{1,2}(:)\d{1,2}`)

// repairDateSeparator writes the colon of colonInDate as the date's first
// separator (2026-12:04 reads 2026-12-04): a separator is no digit, so the
// date read is the one printed, as sure as its digits. A year read with a
// colon, or a month followed by a time (2026-12 12:04), is left alone.
// Lengths are kept, so offsets in the result are offsets in s.
func repairDateSeparator(s string) string {
	ms := colonInDate.FindAllStringSubmatchIndex(s, -1)
	if ms == nil {
		return s
	}
	b := []byte(s)
	for _, m := range ms {
		b[m[4]] = s[m[2]]
	}
	return string(b)
}

// repairDateDigits maps the letters OCR reads for digits next to a digit
// to that digit (2026年4月I1日 reads 2026年4月11日): I, l, i and | to 1, O and o
// to 0. Lengths are kept, so offsets in the result are offsets in s.
func repairDateDigits(s string) string {
	b := []byte(s)
	digit := func(i int) bool { return i >= 0 && i < len(b) && b[i] >= '0' && b[i] <= '9' }
	for i, c := range b {
		if !digit(i-1) && !digit(i+1) {
			continue
		}
		switch c {
		case 'I', 'l', 'i', '|':
			b[i] = '1'
		case 'O', 'o':
			b[i] = '0'
		}
	}
	return string(b)
}

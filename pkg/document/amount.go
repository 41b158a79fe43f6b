package document

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// maxAmountFen bounds amounts read from documents: 10^15 fen (ten trillion
// yuan) is far above any claim and far below the int64 limit, so sums of a
// few amounts never overflow.
const maxAmountFen int64 = 1_000_000_000_000_000

// ErrBadAmount is returned (wrapped) by the amount parsers for text that is
// not an amount.
var ErrBadAmount = errors.New("not an amount")

// ParseFigureAmount parses an amount written in figures, such as "1,234.50",
// "¥1234.5", "1234" or "RMB 0.05", into fen. Commas group thousands; at most
// two decimals are allowed. No floating point is involved.
func ParseFigureAmount(s string) (int64, error) {
	t := strings.TrimSpace(Normalize(s))
	t = strings.TrimPrefix(t, "RMB")
	t = strings.TrimSpace(strings.TrimPrefix(t, "¥"))
	m := figureAmountPattern.FindStringSubmatch(t)
	if m == nil || m[0] != t {
		return 0, fmt.Errorf("figures %q: %w", s, ErrBadAmount)
	}
	return figuresToFen(m[1], m[2])
}

// figureAmountPattern matches figures with optional thousands separators
// and one or two decimals. Group 1 is the whole-yuan part, group 2 the
// decimals. Read-only.
var figureAmountPattern = regexp.MustCompile(`(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?`)

// figuresToFen converts the yuan and decimal parts matched by
// figureAmountPattern into fen.
func figuresToFen(yuan, decimals string) (int64, error) {
	yuan = strings.ReplaceAll(yuan, ",", "")
	yuan = strings.TrimLeft(yuan, "0")
	if len(yuan) > 13 {
		return 0, fmt.Errorf("figures %q: too large: %w", yuan, ErrBadAmount)
	}
	var fen int64
	for i := 0; i < len(yuan); i++ {
		fen = fen*10 + int64(yuan[i]-'0')
	}
	fen *= 100
	switch len(decimals) {
	case 1:
		fen += int64(decimals[0]-'0') * 10
	case 2:
		fen += int64(decimals[0]-'0')*10 + int64(decimals[1]-'0')
	}
	return fen, nil
}

// capitalDigit returns the value of a Chinese capital numeral (大写数字), or
// -1. 〇 and 零 are both zero; 参, often written (and read by OCR) for 叁,
// is three.
func capitalDigit(r rune) int64 {
	i := strings.IndexRune("零壹贰叁肆伍陆柒捌玖", r)
	switch {
	case i >= 0:
		return int64(i / utf8.RuneLen(r))
	case r == '〇':
		return 0
	case r == '参':
		return 3
	}
	return -1
}

// capitalUnit returns the multiplier of 拾, 佰 and 仟 (with their simple
// forms 十百千), or 0.
func capitalUnit(r rune) int64 {
	switch r {
	case '拾', '十':
		return 10
	case '佰', '百':
		return 100
	case '仟', '千':
		return 1000
	}
	return 0
}

// ParseCapitalAmount parses an amount in Chinese capital numerals (大写金额)
// as written on invoices and receipts, such as "壹仟贰佰叁拾肆元伍角整",
// "人民币贰万零伍拾元零捌分" or "伍角", into fen. 圆 is accepted for 元, 正 for
// 整, 萬 and 億 for 万 and 亿.
func ParseCapitalAmount(s string) (int64, error) {
	t := squeeze(Normalize(s))
	t = strings.TrimPrefix(t, "人民币")
	t = strings.TrimRight(t, "整正")
	t = strings.NewReplacer("圆", "元", "萬", "万", "億", "亿").Replace(t)
	if t == "" || utf8.RuneCountInString(t) > 40 {
		return 0, fmt.Errorf("capitals %q: %w", s, ErrBadAmount)
	}
	yuanPart, rest, hasYuan := strings.Cut(t, "元")
	if !hasYuan {
		yuanPart, rest = "", t
	}
	var fen int64
	if yuanPart != "" {
		yuan, err := parseCapitalInteger(yuanPart)
		if err != nil {
			return 0, fmt.Errorf("capitals %q: %w", s, err)
		}
		fen = yuan * 100
	} else if hasYuan {
		return 0, fmt.Errorf("capitals %q: no yuan before 元: %w", s, ErrBadAmount)
	}
	small, err := parseJiaoFen(rest)
	if err != nil {
		return 0, fmt.Errorf("capitals %q: %w", s, err)
	}
	if !hasYuan && rest == "" {
		return 0, fmt.Errorf("capitals %q: %w", s, ErrBadAmount)
	}
	return fen + small, nil
}

// parseCapitalInteger parses a whole number in capital numerals, with the
// group markers 亿 (10^8) and 万 (10^4), up to 10^13.
func parseCapitalInteger(s string) (int64, error) {
	if left, right, ok := cutLast(s, "亿"); ok {
		// The count of 亿 may itself hold 万 (壹万亿).
		return combineGroup(left, right, 100_000_000, parseCapitalBelowYi)
	}
	return parseCapitalBelowYi(s)
}

// parseCapitalBelowYi parses a capital number without 亿.
func parseCapitalBelowYi(s string) (int64, error) {
	if left, right, ok := cutLast(s, "万"); ok {
		return combineGroup(left, right, 10_000, parseCapitalSection)
	}
	return parseCapitalSection(s)
}

// combineGroup returns left*unit + right, where left is parsed by
// parseLeft, right by parseCapitalBelowYi, and right must be below unit.
func combineGroup(left, right string, unit int64, parseLeft func(string) (int64, error)) (int64, error) {
	if left == "" {
		return 0, fmt.Errorf("group marker without a number before it: %w", ErrBadAmount)
	}
	l, err := parseLeft(left)
	if err != nil {
		return 0, err
	}
	var r int64
	if right != "" {
		if r, err = parseCapitalBelowYi(right); err != nil {
			return 0, err
		}
	}
	if r >= unit || l > maxAmountFen/100/unit {
		return 0, fmt.Errorf("malformed or too large: %w", ErrBadAmount)
	}
	return l*unit + r, nil
}

// parseCapitalSection parses a number below 10,000: digits each followed by
// a falling unit (仟, 佰, 拾), with 零 marking skipped places, as in 壹仟零伍
// (1005) or 拾伍 (15).
func parseCapitalSection(s string) (int64, error) {
	var total int64
	digit := int64(-1) // pending digit, -1 when none
	lastUnit := int64(10_000)
	first := true
	for _, r := range s {
		if d := capitalDigit(r); d >= 0 {
			if digit > 0 {
				return 0, fmt.Errorf("two digits without a unit: %w", ErrBadAmount)
			}
			digit = d
			first = false
			continue
		}
		u := capitalUnit(r)
		if u == 0 {
			return 0, fmt.Errorf("unexpected %q: %w", r, ErrBadAmount)
		}
		if u >= lastUnit {
			return 0, fmt.Errorf("units out of order: %w", ErrBadAmount)
		}
		switch {
		case digit > 0:
			total += digit * u
		case first && u == 10:
			total += 10 // 拾伍 is fifteen
		default:
			return 0, fmt.Errorf("unit without a digit: %w", ErrBadAmount)
		}
		digit, lastUnit, first = -1, u, false
	}
	if digit > 0 {
		total += digit
	}
	if first {
		return 0, fmt.Errorf("empty number: %w", ErrBadAmount)
	}
	return total, nil
}

// parseJiaoFen parses what follows 元: nothing, "伍角", "伍角陆分", "零陆分"
// or "陆分", into fen.
func parseJiaoFen(s string) (int64, error) {
	s = strings.TrimPrefix(s, "零")
	var fen int64
	if before, after, ok := strings.Cut(s, "角"); ok {
		d, err := singleCapitalDigit(before)
		if err != nil {
			return 0, err
		}
		fen += d * 10
		s = strings.TrimPrefix(after, "零")
	}
	if before, after, ok := strings.Cut(s, "分"); ok {
		if after != "" {
			return 0, fmt.Errorf("text after 分: %w", ErrBadAmount)
		}
		d, err := singleCapitalDigit(before)
		if err != nil {
			return 0, err
		}
		return fen + d, nil
	}
	if s != "" {
		return 0, fmt.Errorf("unexpected %q after 元: %w", s, ErrBadAmount)
	}
	return fen, nil
}

// singleCapitalDigit parses exactly one capital digit.
func singleCapitalDigit(s string) (int64, error) {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 || size != len(s) || capitalDigit(r) < 0 {
		return 0, fmt.Errorf("want one digit before 角 or 分, got %q: %w", s, ErrBadAmount)
	}
	return capitalDigit(r), nil
}

// cutLast slices s around the last instance of sep.
func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

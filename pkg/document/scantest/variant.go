package scantest

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Made-up names the variants draw from, by length. None holds a character
// the field extractor stops a name at (男, 女).
var (
	twoCharNames   = []string{"张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "黄磊", "赵敏", "周杰", "吴刚", "徐丽", "孙磊", "马超", "朱琳", "胡斌", "郭鹏", "何平", "高翔", "林峰", "罗兰"}
	threeCharNames = []string{"李建国", "陈小红", "王建华", "刘德明", "张晓燕", "杨国强", "赵文博", "孙丽萍", "周海涛", "吴秀英", "郑志刚", "黄晓东"}
	regionCodes    = []string{"110105", "310115", "440304", "330106", "510107", "320102"}
)

// datePatterns match the ways the samples write dates: 2026年3月5日,
// 2026-02-18 and 2026.04.02.
var datePatterns = []*regexp.Regexp{
	regexp.MustCompile(`(\d{4})年(\d{1,2})月(\d{1,2})日`),
	regexp.MustCompile(`(\d{4})-(\d{2})-(\d{2})`),
	regexp.MustCompile(`(\d{4})\.(\d{2})\.(\d{2})`),
}

// Variant returns s with its values changed, reproducibly for seed, and
// its truth changed with them: each name, the ID number, every date
// (moved by the same number of days, written the same way), the invoice
// number, the total in figures and capitals (unless they disagree on
// purpose) and a bank card's number. Seed 0 returns s as it is.
func Variant(s Sample, seed uint64) Sample {
	if seed == 0 {
		return s
	}
	rng := rand.New(rand.NewPCG(seed, 0x7a21a7))
	lines := strings.Join(s.Lines, "\n")
	w := s.Want
	w.Names = nil
	for _, name := range s.Want.Names {
		pool := twoCharNames
		if len([]rune(name)) == 3 {
			pool = threeCharNames
		}
		repl := pool[rng.IntN(len(pool))]
		for strings.Contains(lines, repl) && repl != name {
			repl = pool[rng.IntN(len(pool))]
		}
		lines = strings.ReplaceAll(lines, name, repl)
		w.Names = append(w.Names, repl)
		if w.AccountHolder == name {
			w.AccountHolder = repl
		}
	}
	if s.Want.IDNumber != "" {
		w.IDNumber = idNumber(rng)
		lines = strings.ReplaceAll(lines, s.Want.IDNumber, w.IDNumber)
	}
	days := rng.IntN(700) - 350
	for _, p := range datePatterns {
		lines = p.ReplaceAllStringFunc(lines, func(m string) string {
			g := p.FindStringSubmatch(m)
			y, _ := strconv.Atoi(g[1])
			mo, _ := strconv.Atoi(g[2])
			d, _ := strconv.Atoi(g[3])
			t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
			if len(g[2]) == 2 {
				sep := m[4:5]
				return fmt.Sprintf("%04d%s%02d%s%02d", t.Year(), sep, int(t.Month()), sep, t.Day())
			}
			return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
		})
	}
	if s.Want.EventDate != "" {
		t, _ := time.Parse(time.DateOnly, s.Want.EventDate)
		w.EventDate = t.AddDate(0, 0, days).Format(time.DateOnly)
	}
	if s.Want.InvoiceNumber != "" {
		w.InvoiceNumber = fmt.Sprintf("%010d", rng.Int64N(1e10))
		lines = strings.ReplaceAll(lines, s.Want.InvoiceNumber, w.InvoiceNumber)
	}
	if s.Want.AmountFen != 0 && !s.Want.AmountsDisagree {
		w.AmountFen = 1000 + rng.Int64N(2_000_000)
		lines = strings.ReplaceAll(lines, figures(s.Want.AmountFen), figures(w.AmountFen))
		lines = strings.ReplaceAll(lines, Capitals(s.Want.AmountFen), Capitals(w.AmountFen))
	}
	if s.Want.AccountNumber != "" {
		w.AccountNumber = cardNumber(rng)
		lines = strings.ReplaceAll(lines, groupsOfFour(s.Want.AccountNumber), groupsOfFour(w.AccountNumber))
	}
	s.Lines = strings.Split(lines, "\n")
	s.Want = w
	return s
}

// idNumber returns a made-up resident ID number whose GB 11643 check
// character verifies.
func idNumber(rng *rand.Rand) string {
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(55*365))
	body := fmt.Sprintf("%s%s%03d", regionCodes[rng.IntN(len(regionCodes))], birth.Format("20060102"), rng.IntN(1000))
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(body[i]-'0') * ((1 << (17 - i)) % 11)
	}
	return body + string("10X98765432"[sum%11])
}

// cardNumber returns a made-up 19-digit debit card number whose Luhn check
// digit verifies.
func cardNumber(rng *rand.Rand) string {
	body := fmt.Sprintf("6222%014d", rng.Int64N(1e14))
	sum := 0
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		if (len(body)-1-i)%2 == 0 { // doubled: every second digit from the check digit's left
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return body + strconv.Itoa((10-sum%10)%10)
}

// groupsOfFour writes digits in groups of four, as cards print them.
func groupsOfFour(digits string) string {
	var groups []string
	for len(digits) > 4 {
		groups, digits = append(groups, digits[:4]), digits[4:]
	}
	return strings.Join(append(groups, digits), " ")
}

// figures writes fen as the samples do: ¥1,234.50.
func figures(fen int64) string {
	yuan := strconv.FormatInt(fen/100, 10)
	for i := len(yuan) - 3; i > 0; i -= 3 {
		yuan = yuan[:i] + "," + yuan[i:]
	}
	return fmt.Sprintf("¥%s.%02d", yuan, fen%100)
}

// Capitals writes fen, below a hundred million yuan, in Chinese capital
// numerals as invoices do: 壹仟贰佰叁拾肆元伍角整, 贰万零伍拾元零捌分.
func Capitals(fen int64) string {
	const digits = "零壹贰叁肆伍陆柒捌玖"
	digit := func(d int64) string { return string([]rune(digits)[d]) }
	yuan, jiao, f := fen/100, fen/10%10, fen%10
	var b strings.Builder
	if yuan > 0 {
		if high := yuan / 10000; high > 0 {
			b.WriteString(capitalSection(high, digit) + "万")
			if low := yuan % 10000; low > 0 && low < 1000 {
				b.WriteString("零")
			}
		}
		if low := yuan % 10000; low > 0 {
			b.WriteString(capitalSection(low, digit))
		}
		b.WriteString("元")
	}
	switch {
	case jiao == 0 && f == 0:
		b.WriteString("整")
		return b.String()
	case jiao > 0:
		b.WriteString(digit(jiao) + "角")
	case yuan > 0:
		b.WriteString("零")
	}
	if f > 0 {
		b.WriteString(digit(f) + "分")
	} else {
		b.WriteString("整")
	}
	return b.String()
}

// capitalSection writes 1 to 9999 in capitals, with 零 for inner zeros.
func capitalSection(n int64, digit func(int64) string) string {
	units := [4]string{"仟", "佰", "拾", ""}
	var b strings.Builder
	zero := false
	for i, div := range [4]int64{1000, 100, 10, 1} {
		d := n / div % 10
		if d == 0 {
			zero = b.Len() > 0
			continue
		}
		if zero {
			b.WriteString("零")
			zero = false
		}
		b.WriteString(digit(d) + units[i])
	}
	return b.String()
}

package document

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// InvoiceDetails is what a medical invoice (医疗收费票据) or an itemised bill
// (费用清单) prints beyond its total: how the total was paid under basic
// medical insurance, the items billed, and whether these sums agree with
// each other and with the total. Disagreeing sums are reported, never
// corrected: a handler looks at the original.
type InvoiceDetails struct {
	// Split is the social-insurance split; nil when the document prints
	// none of its lines.
	Split *InsuranceSplit
	// Items are the lines of an itemised bill, in order, and ItemsTotalFen
	// their sum.
	Items         []Item
	ItemsTotalFen int64
	// SumsChecked is how many of the checks described at checkSums could
	// be made with what was read; SumsAgree is set when at least one was
	// made and all passed; SumProblems says, in English, what disagreed.
	SumsChecked int
	SumsAgree   bool
	SumProblems []string
	// Charges is how many charge categories a receipt prints (西药费,
	// 检查费…: a name ending in 费 with its amount, the personal
	// self-funded share 个人自费 excepted) and ChargesFen their sum, which
	// on a receipt is its total (Corroborated).
	Charges    int
	ChargesFen int64
}

// InsuranceSplit is how a medical invoice's total was paid, as the
// national medical receipt (医疗收费票据, 2019 format) prints it: by the
// pooled fund (医保统筹基金支付), by other schemes (其他支付: serious-illness
// insurance, medical assistance…), from the personal account (个人账户支付)
// and in cash (个人现金支付). The personal share (account plus cash) is
// broken down again into the co-payment within the insurance catalogue
// (个人自付) and the amount outside it (个人自费). Printed lists the
// components the document prints (by their names in Sources, without the
// "insurance." prefix), so a printed 0.00 differs from a missing line.
type InsuranceSplit struct {
	FundPaidFen        int64
	OtherPaidFen       int64
	PersonalAccountFen int64
	PersonalCashFen    int64
	SelfPayFen         int64
	SelfFundedFen      int64
	Printed            []string
}

// Item is one line of an itemised bill: the item, its catalogue class (甲,
// 乙 or 丙: fully, partly or not covered by basic medical insurance), the
// quantity as printed with its unit, and the amount.
type Item struct {
	Name      string
	Class     string
	Quantity  string
	AmountFen int64
}

// splitLabels are the labels of each component of the split, keyed by its
// name in Sources, most specific first. Read-only.
var splitLabels = []struct {
	name   string
	labels []string
}{
	{"fund_paid_fen", []string{"医保统筹基金支付", "统筹基金支付", "医保统筹支付", "统筹支付"}},
	{"other_paid_fen", []string{"其他支付", "其它支付", "其他医保支付"}},
	{"personal_account_fen", []string{"个人账户支付", "账户支付"}},
	{"personal_cash_fen", []string{"个人现金支付", "现金支付"}},
	{"self_pay_fen", []string{"个人自付", "自付金额"}},
	{"self_funded_fen", []string{"个人自费", "自费金额"}},
}

// itemLine matches a line of an itemised bill once normalised: the name,
// the class (甲, 乙 or 丙, optionally followed by 类), the quantity with an
// optional unit, an optional unit price, and the amount with two decimals
// ending the line: 阿莫西林胶囊 甲 2盒 18.00 36.00. Read-only.
var itemLine = regexp.MustCompile(`^(.{2,60}?)([甲乙丙])类?\s*(\d+(?:\.\d+)?)(?:([^\d\s.:]{1,2})\s*|\s+)(?:\d+(?:\.\d{1,4})?\s+)?(\d{1,3}(?:,\d{3})+|\d+)\.(\d{2})$`)

// readInvoice reads a medical invoice's split and items from normalised
// text whose fields f already holds, records their offsets in at, and
// checks the sums.
func readInvoice(norm string, f *Fields, at offsets) *InvoiceDetails {
	inv := &InvoiceDetails{}
	var split InsuranceSplit
	values := map[string]*int64{
		"fund_paid_fen": &split.FundPaidFen, "other_paid_fen": &split.OtherPaidFen,
		"personal_account_fen": &split.PersonalAccountFen, "personal_cash_fen": &split.PersonalCashFen,
		"self_pay_fen": &split.SelfPayFen, "self_funded_fen": &split.SelfFundedFen,
	}
	for _, c := range splitLabels {
		for _, label := range c.labels {
			if fen, off, ok := labelledAmount(norm, label); ok {
				*values[c.name] = fen
				split.Printed = append(split.Printed, c.name)
				at["insurance."+c.name] = off
				break
			}
		}
	}
	if len(split.Printed) > 0 {
		inv.Split = &split
	}
	off := 0
	for _, line := range strings.Split(norm, "\n") {
		if it, ok := parseItem(line); ok {
			at[fmt.Sprintf("items[%d]", len(inv.Items))] = span{off, off + len(line)}
			inv.Items = append(inv.Items, it)
			inv.ItemsTotalFen += it.AmountFen
		}
		off += len(line) + 1
	}
	inv.Charges, inv.ChargesFen = readCharges(norm)
	inv.checkSums(f)
	return inv
}

// parseItem reads one line of an itemised bill.
func parseItem(line string) (Item, bool) {
	m := itemLine.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return Item{}, false
	}
	name := strings.TrimSpace(m[1])
	if strings.ContainsAny(name, ":¥") || !strings.ContainsFunc(name, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
		return Item{}, false
	}
	fen, err := figuresToFen(m[5], m[6])
	if err != nil {
		return Item{}, false
	}
	return Item{Name: name, Class: m[2], Quantity: m[3] + m[4], AmountFen: fen}, true
}

// checkSums checks the sums of a medical invoice against each other, with
// what was read; a check whose terms were not all read is not made.
//
//   - The items of an itemised bill sum to its total.
//   - With a cash line (the 2019 national receipt): the total is the fund's
//     payment, other payments, the personal account's and the cash paid
//     (合计 = 医保统筹基金支付 + 其他支付 + 个人账户支付 + 个人现金支付).
//     Lines printed without an amount count 0; the receipt prints all four.
//   - 个人自付 and 个人自费 are parts of the personal share (account plus
//     cash, or, without a cash line, the total less the fund's and other
//     payments), so together they do not exceed it. They are not required
//     to equal it: regions print the deductible (起付线) and the share above
//     the ceiling under other lines, so only the bound is sure.
//   - Without a cash line, the fund's, other and personal-account payments
//     together do not exceed the total.
func (inv *InvoiceDetails) checkSums(f *Fields) {
	problem := func(format string, args ...any) {
		inv.SumProblems = append(inv.SumProblems, fmt.Sprintf(format, args...))
	}
	if len(inv.Items) > 0 && f.HasAmount {
		inv.SumsChecked++
		if inv.ItemsTotalFen != f.TotalAmountFen {
			problem("the items sum to %s yuan, the total is %s", yuan(inv.ItemsTotalFen), yuan(f.TotalAmountFen))
		}
	}
	if s := inv.Split; s != nil {
		printed := func(name string) bool { return slices.Contains(s.Printed, name) }
		insured := s.FundPaidFen + s.OtherPaidFen
		breakdown := s.SelfPayFen + s.SelfFundedFen
		hasBreakdown := printed("self_pay_fen") || printed("self_funded_fen")
		switch {
		case printed("personal_cash_fen"):
			personal := s.PersonalAccountFen + s.PersonalCashFen
			if f.HasAmount {
				inv.SumsChecked++
				if insured+personal != f.TotalAmountFen {
					problem("fund %s + other %s + personal account %s + cash %s = %s yuan, the total is %s",
						yuan(s.FundPaidFen), yuan(s.OtherPaidFen), yuan(s.PersonalAccountFen), yuan(s.PersonalCashFen),
						yuan(insured+personal), yuan(f.TotalAmountFen))
				}
			}
			if hasBreakdown {
				inv.SumsChecked++
				if breakdown > personal {
					problem("self-pay %s + self-funded %s = %s yuan exceed the personal share %s",
						yuan(s.SelfPayFen), yuan(s.SelfFundedFen), yuan(breakdown), yuan(personal))
				}
			}
		case f.HasAmount:
			inv.SumsChecked++
			if insured+s.PersonalAccountFen > f.TotalAmountFen {
				problem("fund %s + other %s + personal account %s = %s yuan exceed the total %s",
					yuan(s.FundPaidFen), yuan(s.OtherPaidFen), yuan(s.PersonalAccountFen),
					yuan(insured+s.PersonalAccountFen), yuan(f.TotalAmountFen))
			}
			if hasBreakdown {
				inv.SumsChecked++
				if breakdown > f.TotalAmountFen-insured {
					problem("self-pay %s + self-funded %s = %s yuan exceed the personal share %s",
						yuan(s.SelfPayFen), yuan(s.SelfFundedFen), yuan(breakdown), yuan(f.TotalAmountFen-insured))
				}
			}
		}
	}
	inv.SumsAgree = inv.SumsChecked > 0 && len(inv.SumProblems) == 0
}

// yuan formats fen as yuan with two decimals.
func yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

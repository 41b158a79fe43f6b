package document

import (
	"slices"
	"strings"
)

// secondReadFields are the fields a second OCR model reads again when the
// first read them in doubt (issue 19): the names the straight-through path
// compares with the policy's insured.
var secondReadFields = []string{"patient_name", "holder_name"}

// NamesInDoubt returns the name fields of f (by their Sources names) read
// below below, with the name read: the fields a second model is asked to
// read again.
func NamesInDoubt(f Fields, below float64) map[string]string {
	out := map[string]string{}
	for _, field := range secondReadFields {
		src, ok := f.Sources[field]
		if !ok || src.Confidence >= below {
			continue
		}
		if name := f.nameOf(field); name != "" {
			out[field] = name
		}
	}
	return out
}

// NameOf returns the name f read for field (patient_name or
// holder_name; "" for none).
func (f Fields) NameOf(field string) string { return f.nameOf(field) }

// nameOf returns the name f read for field ("" for none).
func (f Fields) nameOf(field string) string {
	switch field {
	case "patient_name":
		return f.PatientName
	case "holder_name":
		if f.IDCardName != "" {
			return f.IDCardName
		}
		return f.AccountHolder
	}
	return ""
}

// ReadsName reports whether text, a line a second model read on a
// document of type t, prints name for field (patient_name or holder_name)
// exactly as the first reading found it: the same role finder (findRoles,
// nameHits and its repairs; findAccountHolder on a bank card) on the
// other model's text, so that a name read with a character more, less or
// other is no confirmation, nor is the same name under another role's
// label ("被保险人:张三。患者:李四" confirms no patient 张三).
func ReadsName(text string, t Type, field, name string) bool {
	if name == "" {
		return false
	}
	norm := Normalize(text)
	var g Fields
	findRoles(norm, t, &g, offsets{})
	switch field {
	case "patient_name":
		return g.PatientName == name
	case "holder_name":
		if t == IDCard {
			return g.IDCardName == name
		}
		return findAccountHolder(norm) == name
	}
	return false
}

// ConfirmSecondReading records that a second model read field the same
// (Fields.SecondReading); a field already recorded is not repeated.
func (f *Fields) ConfirmSecondReading(field string) {
	if !slices.Contains(f.SecondReading, field) {
		f.SecondReading = append(f.SecondReading, field)
	}
}

// ReadFiguresAgain takes text, the line of a receipt's total in figures
// (小写) read again by another model (issue 19: chi_sim read the benchmark's
// ¥1,000.00 as 涪,000.00 on 4 of 70 clean scans, and its capitals 壹仟元整
// as 喜什元整 on all 70), and at, where that line is and how sure the second
// reading was. The figures it reads become the total, corroborated
// (total_amount_fen in SecondReading), only when another printing of the
// same amount on the receipt agrees: the capitals as first read, or the
// charge categories and the 2019 receipt's four payments each summing to
// them exactly (Corroborated's rule for figures read once); and when no
// reading of the total disagrees (the first figures, the capitals, their
// AmountsDisagree). The same line read twice is one printing read twice,
// so the first figures alone never confirm it. The limit: both readings
// are of this receipt's own printing, so a receipt whose figures, charges
// and payments were all altered alike is read as printed (as it is when
// read once); the check is against misreading, not forgery. Returns
// whether the reading was taken.
func (f *Fields) ReadFiguresAgain(text string, at Source) bool {
	fen, ok, _ := findFigures(Normalize(text))
	if !ok || fen <= 0 || f.AmountsDisagree ||
		(f.HasFigures && f.FiguresFen != fen) || (f.HasCapitals && f.CapitalsFen != fen) {
		return false
	}
	if !f.HasCapitals && !f.chargesAndPaymentsSumTo(fen) {
		return false
	}
	f.HasFigures, f.FiguresFen, f.HasAmount, f.TotalAmountFen = true, fen, true, fen
	f.takeSecondReading("total_amount_fen", at)
	return true
}

// FiguresLine returns the line of page that prints a total in figures
// (its label 小写 read as printed), the first if several do.
func FiguresLine(page Page) (Line, bool) {
	for _, l := range page.Lines {
		if strings.Contains(Normalize(l.Text), "小写") {
			return l, true
		}
	}
	return Line{}, false
}

// CardNumberLine returns the line of page that prints a bank card's
// number: the first holding a card or account number label and at least
// minCardDigits digits.
func CardNumberLine(page Page) (Line, bool) {
	for _, l := range page.Lines {
		norm := strings.ToLower(Normalize(l.Text))
		if label, _ := firstLabel(norm, numberLabels); label != "" && len(digitsOf(norm)) >= minCardDigits {
			return l, true
		}
	}
	return Line{}, false
}

// ReadCardNumberAgain takes first, the line of a bank card's number as
// first read, which gave no number (issue 19: chi_sim read the
// benchmark's 6539 899 as 6539. .899), and again, that line read again
// by another model, and at, where the line is and how sure the second
// reading of its digits was. The number again reads becomes the card's
// number, recorded in SecondReading, only when its Luhn digit verifies
// and the first reading held exactly the same digits in the same order
// (marks read between the groups aside): two independent readings of
// every digit agree. A number that a digit's correction would make pass
// Luhn proves nothing (one in ten random numbers passes), so nothing is
// corrected: a digit read otherwise, or read as a mark, by either
// reading makes the two differ, and the number stays unread. The limit:
// two models misreading the same digit the same way would agree; the
// account paid must still equal the card's (adjudication's payee check).
// Returns whether the reading was taken.
func (f *Fields) ReadCardNumberAgain(first, again string, at Source) bool {
	if f.AccountNumber != "" {
		return false
	}
	n := findAccountNumber(Normalize(again))
	if n == "" || !luhnValid(n) || digitsOf(Normalize(first)) != n {
		return false
	}
	f.AccountNumber = n
	f.takeSecondReading("account_number", at)
	return true
}

// takeSecondReading records field as read again by another model, at at
// (its source from now on), and confirmed (SecondReading).
func (f *Fields) takeSecondReading(field string, at Source) {
	if f.Sources == nil {
		f.Sources = map[string]Source{}
	}
	f.Sources[field] = at
	f.ConfirmSecondReading(field)
}

// digitsOf returns the ASCII digits of s in order.
func digitsOf(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

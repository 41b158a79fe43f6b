package document

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// chargesAndPaymentsSumTo reports whether the receipt's charge
// categories and the 2019 receipt's four payments (the cash payment's line
// printed) each sum exactly to fen: two sums over lines other than the
// total's, which a misread total would break.
func (f Fields) chargesAndPaymentsSumTo(fen int64) bool {
	s := f.splitOf()
	return s != nil && f.Invoice.Charges > 0 && f.Invoice.ChargesFen == fen && slices.Contains(s.Printed, "personal_cash_fen") &&
		s.FundPaidFen+s.OtherPaidFen+s.PersonalAccountFen+s.PersonalCashFen == fen
}

// Corroborated names the fields of f (by their names in Sources) whose
// reading a second, independent reading on the same document confirms, so
// that a low OCR confidence on them is not a doubt (issue 19). It is
// computed from the reading alone, never from what a claimant typed:
//
//   - total_amount_fen: the figures (小写) and the capitals (大写) were both
//     read and are the same amount (a misread digit makes them differ;
//     AmountsDisagree is then set instead), or, the capitals unread, the
//     charge categories and the 2019 receipt's four payments each sum
//     exactly to the figures (two sums over other lines), or the line of
//     the figures, read again by another model, gave figures that the
//     capitals or those two sums confirm (ReadFiguresAgain, recorded in
//     SecondReading);
//   - insurance.fund_paid_fen, insurance.other_paid_fen,
//     insurance.personal_account_fen and insurance.personal_cash_fen: the
//     total is corroborated and the 2019 receipt's four payments, all
//     printed, sum to it exactly (one misread part breaks the sum);
//   - insurance.self_pay_fen and insurance.self_funded_fen: those four are
//     corroborated and the two, both printed, sum exactly to the personal
//     share (account plus cash); the receipt only bounds them by it, so
//     when they sum to less they stay uncorroborated;
//   - account_number: a bank card's number whose Luhn digit verifies;
//   - id_number: a resident ID number (its GB 11643 checksum verified when
//     it was read);
//   - patient_name and holder_name: read below the floor, a second OCR
//     model read the same name on the same line (SecondReading).
func (f Fields) Corroborated() []string {
	var out []string
	total := f.HasFigures && f.HasCapitals && f.FiguresFen == f.CapitalsFen && !f.AmountsDisagree ||
		slices.Contains(f.SecondReading, "total_amount_fen") && !f.AmountsDisagree
	if !total && f.HasFigures && !f.AmountsDisagree && f.chargesAndPaymentsSumTo(f.FiguresFen) {
		// Capitals OCR could not read (壹仟 often reads as anything but):
		// the charges and the payments, read on other lines, each sum to
		// the figures; a misread total would break both sums.
		total = true
	}
	if total {
		out = append(out, "total_amount_fen")
	}
	if s := f.splitOf(); total && s != nil {
		printed := func(names ...string) bool {
			for _, n := range names {
				if !slices.Contains(s.Printed, n) {
					return false
				}
			}
			return true
		}
		personal := s.PersonalAccountFen + s.PersonalCashFen
		if printed("fund_paid_fen", "other_paid_fen", "personal_account_fen", "personal_cash_fen") &&
			s.FundPaidFen+s.OtherPaidFen+personal == f.FiguresFen {
			out = append(out, "insurance.fund_paid_fen", "insurance.other_paid_fen", "insurance.personal_account_fen", "insurance.personal_cash_fen")
			if printed("self_pay_fen", "self_funded_fen") && s.SelfPayFen+s.SelfFundedFen == personal {
				out = append(out, "insurance.self_pay_fen", "insurance.self_funded_fen")
			}
		}
	}
	if f.AccountNumber != "" && luhnValid(f.AccountNumber) {
		out = append(out, "account_number")
	}
	if f.IDNumber != "" {
		out = append(out, "id_number")
	}
	for _, name := range secondReadFields {
		if slices.Contains(f.SecondReading, name) {
			out = append(out, name)
		}
	}
	return out
}

func (f Fields) splitOf() *InsuranceSplit {
	if f.Invoice == nil {
		return nil
	}
	return f.Invoice.Split
}

// chargeAmount matches a charge category and its amount on a receipt once
// normalised: 西药费 600.00, 检查费：1,200.00, and past up to two marks
// that grain between them is read as (检查费, 400.00; 西药费” : 600.00):
// a mark is no digit, so the amount read is the same, and a digit read as
// a mark makes another amount, which breaks the sum it corroborates.
// Read-only.
var chargeAmount = regexp.MustCompile(`(\p{Han}{1,8}费)\s*(?:[:：,，.。;；、'"‘’“”]\s*){0,2}(\d{1,3}(?:,\d{3})+|\d+)\.(\d{2})`)

// readCharges returns how many charge categories norm prints and their
// sum; the split's 个人自费 (and 自费金额) is a share of the total, not a
// charge.
func readCharges(norm string) (int, int64) {
	n, sum := 0, int64(0)
	for _, m := range chargeAmount.FindAllStringSubmatch(norm, -1) {
		if strings.HasSuffix(m[1], "自费") {
			continue
		}
		yuan, err := strconv.ParseInt(strings.ReplaceAll(m[2], ",", ""), 10, 64)
		if err != nil {
			continue
		}
		cents, _ := strconv.ParseInt(m[3], 10, 64)
		n, sum = n+1, sum+yuan*100+cents
	}
	return n, sum
}

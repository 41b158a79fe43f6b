package document

import "slices"

// Corroborated names the fields of f (by their names in Sources) whose
// reading a second, independent reading on the same document confirms, so
// that a low OCR confidence on them is not a doubt (issue 19). It is
// computed from the reading alone, never from what a claimant typed:
//
//   - total_amount_fen: the figures (小写) and the capitals (大写) were both
//     read and are the same amount (a misread digit makes them differ;
//     AmountsDisagree is then set instead);
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
//     it was read).
func (f Fields) Corroborated() []string {
	var out []string
	total := f.HasFigures && f.HasCapitals && f.FiguresFen == f.CapitalsFen && !f.AmountsDisagree
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
	return out
}

func (f Fields) splitOf() *InsuranceSplit {
	if f.Invoice == nil {
		return nil
	}
	return f.Invoice.Split
}

package document

import (
	"slices"
	"testing"
)

// TestANameAfterALabelPaddedByOCR: OCR pads the colon after a label with
// dots, quotes or a second colon ("户主姓名.: 周杰", "交款人 :; 吴刚"); the
// name is read all the same, and a label without any colon in running
// text still introduces nothing.
func TestANameAfterALabelPaddedByOCR(t *testing.T) {
	for _, tc := range []struct {
		text string
		typ  Type
		want []string
	}{
		{"户主姓名.: 周杰 ”与户主关系 : 户主", RelationshipProof, []string{"周杰"}},
		{"交款人 :; 吴刚。 就诊日期 : 2026-02-20", MedicalInvoice, []string{"吴刚"}},
		{"交款人:: 周杰 就诊日期 : 2025-09-18", MedicalInvoice, []string{"周杰"}},
		{"当事人.: 何平， 身份证号码 : 330106198005245522", AccidentReport, []string{"何平"}},
		{"持证人姓名 .吴刚", BankCard, []string{"吴刚"}},
		{"当事人承担事故全部责任", AccidentReport, nil},
		{"当事人. 承担事故全部责任", AccidentReport, nil},
	} {
		if got := Extract(tc.text, tc.typ).Names; !slices.Equal(got, tc.want) {
			t.Errorf("%q: got names %v, want %v", tc.text, got, tc.want)
		}
	}
}

// TestALabelOCRReadWithOneCharacterWrong: a label of three or more
// characters read with one wrong (区款人, 被瞧定人, 等故时间, 莫据号码) still
// introduces its value, but another real label one character away (收款人,
// 出院日期, 票据代码) never stands for it. A label with one character
// inserted (鉴定有日期) is a label too.
func TestALabelOCRReadWithOneCharacterWrong(t *testing.T) {
	names := []struct {
		text string
		typ  Type
		want []string
	}{
		{"区款人 : 朱琳就诊日期 : 2026-02-07", MedicalInvoice, []string{"朱琳"}},
		{"被瞧定人 : 郭鹏 性别 : 男", DisabilityAppraisal, []string{"郭鹏"}},
		{"收款人 : 李娜", MedicalInvoice, nil},
		{"投保人 : 王芳", MedicalInvoice, nil},
		{"区款人 承担", MedicalInvoice, nil},
	}
	for _, tc := range names {
		if got := Extract(tc.text, tc.typ).Names; !slices.Equal(got, tc.want) {
			t.Errorf("%q: got names %v, want %v", tc.text, got, tc.want)
		}
	}
	dates := []struct {
		text string
		typ  Type
		want string
	}{
		{"等故时间 : 2025年6月20日14时30分", AccidentReport, "2025-06-20"},
		{"就诊日其 :2025.09.22", DiagnosisCertificate, "2025-09-22"},
		{"入院晶期 : 2025年11月29日", DischargeSummary, "2025-11-29"},
		{"鉴定有日期 : 2027年4月26日", DisabilityAppraisal, "2027-04-26"},
		{"出院日期 : 2025年12月9日", DischargeSummary, ""},
		{"出生日期 : 1985年6月15日", AccidentReport, ""},
		{"事故时间 : 2027年4月I1日14时30分", AccidentReport, "2027-04-11"},
		{"就诊日期 : 2O26.O3.l9", DiagnosisCertificate, "2026-03-19"},
		// A date's second separator read as a colon (the hyphen under
		// grain) is that separator; a month followed by a time, or a
		// year read with a colon, is no date.
		{"就诊日期 : 2026-12:04", MedicalInvoice, "2026-12-04"},
		{"就诊日期 : 2026.12:04", DiagnosisCertificate, "2026-12-04"},
		{"就诊日期 : 2026-12-04 12:04", MedicalInvoice, "2026-12-04"},
		{"就诊时间 : 12:04 2026-12-05", DiagnosisCertificate, "2026-12-05"},
		{"就诊日期 : 2026-12 12:04", MedicalInvoice, ""},
		{"就诊日期 : 2026:12:04", MedicalInvoice, ""},
		{"就诊日期 : 2026-12:4O", MedicalInvoice, ""},
	}
	for _, tc := range dates {
		f := Extract(tc.text, tc.typ)
		got := ""
		if f.EventDate.IsValid() {
			got = f.EventDate.String()
		}
		if got != tc.want {
			t.Errorf("%q: got event date %q, want %q", tc.text, got, tc.want)
		}
	}
	numbers := []struct{ text, want string }{
		{"莫据号码 : 3173200520", "3173200520"},
		{"奈据号码 : 8958921277", "8958921277"},
		{"票据代码 : 31060126", ""},
		{"发票代码 : 031001900111", ""},
	}
	for _, tc := range numbers {
		if got := Extract(tc.text, MedicalInvoice).InvoiceNumber; got != tc.want {
			t.Errorf("%q: got invoice number %q, want %q", tc.text, got, tc.want)
		}
	}
}

// TestNumbersWithACharacterOCRMisread: an ID number's check character X
// read as a Han character (义) and a card number whose groups OCR split with
// a dot are read, their check digits vouching for the repair; a number
// whose check fails stays unread.
func TestNumbersWithACharacterOCRMisread(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"身份证号码 : 31011519810207801义", "31011519810207801X"},
		{"身份证号码 : 31011519810207802义", ""},
		{"公民身份号码 11010519491231002×", "11010519491231002X"},
	} {
		if got := Extract(tc.text, DeathCertificate).IDNumber; got != tc.want {
			t.Errorf("%q: got ID number %q, want %q", tc.text, got, tc.want)
		}
	}
	for _, tc := range []struct{ text, want string }{
		{"卡号 : 6222 1854 3829.5828 498", "6222185438295828498"},
		{"卡号 : 6222 1854 3829.5828 499", ""},
	} {
		if got := Extract(tc.text, BankCard).AccountNumber; got != tc.want {
			t.Errorf("%q: got account number %q, want %q", tc.text, got, tc.want)
		}
	}
}

// TestANameWithACharacterOCRMisreadAsNoNameHolds: a given-name character
// chi_sim misreads as a character no name holds (睿 as 害, 鹤 as 准) is
// put back, as the name's holder on a bank card too; the surname, a
// misread that is itself a name character and a name without such a
// character are kept as read.
func TestANameWithACharacterOCRMisreadAsNoNameHolds(t *testing.T) {
	for _, tc := range []struct {
		text string
		typ  Type
		want []string
	}{
		{"姓名 : 王害 性别:男", DiagnosisCertificate, []string{"王睿"}},
		{"被鉴定人 : 李准华 性别 : 男", DisabilityAppraisal, []string{"李鹤华"}},
		{"持卡人姓名 : 张荫", BankCard, []string{"张萌"}},
		{"姓名 : 准鹏", DiagnosisCertificate, []string{"准鹏"}},
		{"姓名 : 王春", DiagnosisCertificate, []string{"王春"}},
		{"姓名 : 欧阳娜娜", DiagnosisCertificate, []string{"欧阳娜娜"}},
	} {
		f := Extract(tc.text, tc.typ)
		if !slices.Equal(f.Names, tc.want) {
			t.Errorf("%q: got names %v, want %v", tc.text, f.Names, tc.want)
		}
		if tc.typ == BankCard && f.AccountHolder != tc.want[0] {
			t.Errorf("%q: got holder %q, want %q", tc.text, f.AccountHolder, tc.want[0])
		}
	}
}

// TestAHolderLabelOCRReadWithOneCharacterWrong: a bank card's holder label
// read with one character wrong (持证人姓名) before a colon still gives the
// holder; the bank's branch (开户行, one character from 开户名) never does.
func TestAHolderLabelOCRReadWithOneCharacterWrong(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"卡号 : 6222 1854 3829 5828 498\n持证人姓名 .吴刚", "吴刚"},
		{"开户行 : 招商银行", ""},
		{"开户行招商银行", ""},
		{"持卡人 : 王芳", "王芳"},
	} {
		if got := Extract(tc.text, BankCard).AccountHolder; got != tc.want {
			t.Errorf("%q: got holder %q, want %q", tc.text, got, tc.want)
		}
	}
}

package scantest

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// ClaimSet is the truth of the documents of one small medical claim (issue
// 19's straight-through benchmark): an outpatient receipt in the 2019
// national format of 医疗门诊收费票据 with its social-insurance split, the
// insured's identity card, the payee's bank card and a diagnosis
// certificate. VisitNumber is the hospital's number of the visit (门诊号
// of an outpatient visit, 住院号 of an inpatient stay when Inpatient),
// printed on the receipt and on the certificate of the same visit.
// Date is YYYY-MM-DD; amounts are in fen. The receipt's
// total is FundPaidFen + PersonalAccountFen + PersonalCashFen, and its
// personal share is broken down into SelfPayFen and SelfFundedFen.
type ClaimSet struct {
	InvoiceCode, InvoiceNumber, CheckCode string
	Institution, Patient, Date            string
	FundPaidFen, PersonalAccountFen       int64
	PersonalCashFen                       int64
	SelfPayFen, SelfFundedFen             int64
	Insured, IDNumber                     string
	CardHolder, CardNumber                string
	VisitNumber                           string
	Inpatient                             bool
}

// VisitLabel is the label of the visit number: 住院号 for a stay, 门诊号
// for an outpatient visit.
func (c ClaimSet) VisitLabel() string {
	if c.Inpatient {
		return "住院号"
	}
	return "门诊号"
}

// visitLine is the line of the visit number, nil when the set has none.
func (c ClaimSet) visitLine() []string {
	if c.VisitNumber == "" {
		return nil
	}
	return []string{c.VisitLabel() + "：" + c.VisitNumber}
}

// TotalFen is the receipt's total.
func (c ClaimSet) TotalFen() int64 { return c.FundPaidFen + c.PersonalAccountFen + c.PersonalCashFen }

// yuanFigures writes fen as the receipt prints amounts: 1234.50.
func yuanFigures(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

// InvoiceLines returns the lines of the receipt: its code, number and
// check code, the patient (交款人), the visit number (when the set has
// one), the date of the visit, the charges, the
// total in capitals and figures, the split as the national format prints
// it (医保统筹基金支付, 其他支付, 个人账户支付, 个人现金支付, 个人自付,
// 个人自费) and the hospital (收款单位).
func (c ClaimSet) InvoiceLines() []string {
	total := c.TotalFen()
	drugs := total * 3 / 5
	title := "医疗门诊收费票据（电子）"
	if c.Inpatient {
		title = "医疗住院收费票据（电子）"
	}
	head := []string{
		title,
		fmt.Sprintf("票据代码：%s    票据号码：%s", c.InvoiceCode, c.InvoiceNumber),
		fmt.Sprintf("交款人：%s    校验码：%s", c.Patient, c.CheckCode),
	}
	return append(append(head, c.visitLine()...),
		"就诊日期："+c.Date,
		"西药费 "+yuanFigures(drugs)+"    检查费 "+yuanFigures(total-drugs),
		"合计（大写）："+Capitals(total),
		"合计（小写）："+figures(total),
		fmt.Sprintf("医保统筹基金支付：%s    其他支付：0.00", yuanFigures(c.FundPaidFen)),
		fmt.Sprintf("个人账户支付：%s    个人现金支付：%s", yuanFigures(c.PersonalAccountFen), yuanFigures(c.PersonalCashFen)),
		fmt.Sprintf("个人自付：%s    个人自费：%s", yuanFigures(c.SelfPayFen), yuanFigures(c.SelfFundedFen)),
		"收款单位："+c.Institution,
	)
}

// IDCardLines returns the lines of the insured's identity card.
func (c ClaimSet) IDCardLines() []string {
	return []string{
		"中华人民共和国居民身份证",
		"姓名 " + c.Insured,
		"性别 男    民族 汉",
		"住址 上海市徐汇区宜山路600号",
		"公民身份号码 " + c.IDNumber,
	}
}

// BankCardLines returns the lines of the payee's bank card.
func (c ClaimSet) BankCardLines() []string {
	return []string{
		"中国建设银行 借记卡",
		"卡号：" + groupsOfFour(c.CardNumber),
		"持卡人姓名：" + c.CardHolder,
		"开户行：建设银行上海分行",
		"银联 UnionPay",
	}
}

// DiagnosisLines returns the lines of the diagnosis certificate of the
// visit (the proof of treatment a medical claim's checklist asks for),
// with the visit's number when the set has one.
func (c ClaimSet) DiagnosisLines() []string {
	return append(append([]string{
		"诊断证明书",
		"姓名：" + c.Patient + "    性别：男",
	}, c.visitLine()...),
		"就诊日期："+strings.ReplaceAll(c.Date, "-", "."),
		"诊断：急性胃肠炎",
		"建议休息三天",
	)
}

// IDNumber returns a made-up resident ID number, reproducible for seed,
// whose GB 11643 check character verifies.
func IDNumber(seed uint64) string { return idNumber(rand.New(rand.NewPCG(seed, 0x1d))) }

// CardNumber returns a made-up 19-digit debit card number, reproducible
// for seed, whose Luhn check digit verifies.
func CardNumber(seed uint64) string { return cardNumber(rand.New(rand.NewPCG(seed, 0xca7d))) }

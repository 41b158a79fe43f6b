package scantest

import (
	"slices"

	"claims.local/pkg/document"
)

// Want is what a sample's fields should read. Empty values mean "must not
// be found"; AmountFen 0 means no amount.
type Want struct {
	IDNumber        string
	AmountFen       int64
	AmountsDisagree bool
	EventDate       string
	InvoiceNumber   string
	Names           []string
	// AccountNumber (digits) and AccountHolder are a bank card's.
	AccountNumber string
	AccountHolder string
}

// Sample is the text of one test document and what reading it must give.
type Sample struct {
	Type  document.Type
	Lines []string
	Want  Want
}

// Samples returns one short document of every type, in the order of
// document.Types. The ID numbers are made up and pass the GB 11643 check.
func Samples() []Sample {
	return []Sample{
		{
			Type: document.IDCard,
			Lines: []string{
				"中华人民共和国居民身份证",
				"姓名 张伟",
				"性别 男    民族 汉",
				"出生 1985年6月15日",
				"住址 北京市朝阳区建国路88号",
				"公民身份号码 110105198506150014",
			},
			Want: Want{IDNumber: "110105198506150014", Names: []string{"张伟"}},
		},
		{
			Type: document.DeathCertificate,
			Lines: []string{
				"居民死亡医学证明书",
				"死者姓名：李建国    性别：男",
				"身份证号码：310115199003082026",
				"死亡日期：2026年3月5日",
				"死亡原因：急性心肌梗死",
			},
			Want: Want{IDNumber: "310115199003082026", EventDate: "2026-03-05", Names: []string{"李建国"}},
		},
		{
			Type: document.MedicalInvoice,
			Lines: []string{
				"医疗门诊收费票据",
				"票据号码：0012345678",
				"交款人：王芳    就诊日期：2026-02-18",
				"合计（大写）：壹仟贰佰叁拾肆元伍角整",
				"合计（小写）：¥1,234.50",
			},
			Want: Want{AmountFen: 123450, EventDate: "2026-02-18", InvoiceNumber: "0012345678", Names: []string{"王芳"}},
		},
		{
			Type: document.DischargeSummary,
			Lines: []string{
				"出院小结",
				"患者姓名：赵敏    性别：女    年龄：45岁",
				"入院日期：2026年1月10日    出院日期：2026年1月20日",
				"入院诊断：急性阑尾炎",
				"出院医嘱：注意休息，两周后复查",
			},
			Want: Want{EventDate: "2026-01-10", Names: []string{"赵敏"}},
		},
		{
			Type: document.DiagnosisCertificate,
			Lines: []string{
				"诊断证明书",
				"姓名：孙磊    性别：男    年龄：38岁",
				"就诊日期：2026.04.02",
				"诊断：右侧桡骨远端骨折",
				"建议休息两周",
			},
			Want: Want{EventDate: "2026-04-02", Names: []string{"孙磊"}},
		},
		{
			Type: document.AccidentReport,
			Lines: []string{
				"道路交通事故认定书",
				"事故时间：2026年5月8日14时30分",
				"事故地点：上海市浦东新区世纪大道",
				"当事人：周杰    身份证号码：440304197809210033",
				"当事人承担事故全部责任",
			},
			Want: Want{IDNumber: "440304197809210033", EventDate: "2026-05-08", Names: []string{"周杰"}},
		},
		{
			Type: document.DisabilityAppraisal,
			Lines: []string{
				"司法鉴定意见书",
				"被鉴定人：吴刚    性别：男",
				"鉴定日期：2026年6月12日",
				"鉴定意见：被鉴定人伤残等级为十级",
			},
			Want: Want{EventDate: "2026-06-12", Names: []string{"吴刚"}},
		},
		{
			Type: document.BankCard,
			Lines: []string{
				"中国工商银行 借记卡",
				"卡号：6222 0212 3456 7890 128",
				"持卡人姓名：郑丽",
				"开户行：工商银行杭州分行",
				"银联 UnionPay",
			},
			Want: Want{Names: []string{"郑丽"}, AccountNumber: "6222021234567890128", AccountHolder: "郑丽"},
		},
		{
			Type: document.RelationshipProof,
			Lines: []string{
				"亲属关系证明",
				"户主姓名：陈明    与户主关系：户主",
				"姓名：陈小红    与户主关系：女",
				"公民身份号码：330106199211051547",
				"特此证明",
			},
			Want: Want{IDNumber: "330106199211051547", Names: []string{"陈明", "陈小红"}},
		},
		{
			Type: document.Other,
			Lines: []string{
				"会议通知",
				"各部门：定于下周一上午九点召开季度工作会议，",
				"请准时参加。",
			},
		},
	}
}

// DisagreeingInvoice returns a receipt whose figures (¥234.50) and capitals
// (贰佰叁拾伍元伍角整, 235.50) differ.
func DisagreeingInvoice() Sample {
	return Sample{
		Type: document.MedicalInvoice,
		Lines: []string{
			"住院收费票据",
			"票据号码：0098765432",
			"合计（大写）：贰佰叁拾伍元伍角整",
			"合计（小写）：¥234.50",
		},
		Want: Want{AmountFen: 23450, AmountsDisagree: true, InvoiceNumber: "0098765432"},
	}
}

// AccountCertificate returns a bank's account certificate (开户证明), a
// bank-card document that prints the holder as 账户名称 and an account number
// that is not a card number (no Luhn check digit).
func AccountCertificate() Sample {
	return Sample{
		Type: document.BankCard,
		Lines: []string{
			"中国建设银行 开户证明",
			"账户名称：王建华",
			"账号：3205 0161 3600 0001 234",
			"开户行：建设银行南京分行",
		},
		Want: Want{AccountNumber: "3205016136000001234", AccountHolder: "王建华"},
	}
}

// EnglishTextSample returns an English death certificate for a PDF with a
// text layer (Helvetica has no Chinese glyphs).
func EnglishTextSample() Sample {
	return Sample{
		Type: document.DeathCertificate,
		Lines: []string{
			"Medical Certificate of Death",
			"ID number: 510107196604120036",
			"Date of death: 2026-03-05",
			"Cause of death: acute myocardial infarction",
		},
		Want: Want{IDNumber: "510107196604120036", EventDate: "2026-03-05"},
	}
}

// Misses compares fields read from a sample's document with what it wants
// and returns the name of each field that differs (named as in claimsctl's
// JSON), and how many fields were checked. Fields the sample lacks are
// checked too: they must not be found.
func (w Want) Misses(got document.Fields) (misses []string, checked int) {
	date := ""
	if got.EventDate.IsValid() {
		date = got.EventDate.String()
	}
	amount := int64(0)
	if got.HasAmount {
		amount = got.TotalAmountFen
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"id_number", got.IDNumber == w.IDNumber},
		{"total_amount_fen", amount == w.AmountFen},
		{"amounts_disagree", got.AmountsDisagree == w.AmountsDisagree},
		{"event_date", date == w.EventDate},
		{"invoice_number", got.InvoiceNumber == w.InvoiceNumber},
		{"names", slices.Equal(got.Names, w.Names)},
		{"account_number", got.AccountNumber == w.AccountNumber},
		{"account_holder", got.AccountHolder == w.AccountHolder},
	}
	for _, c := range checks {
		if !c.ok {
			misses = append(misses, c.name)
		}
	}
	return misses, len(checks)
}

// Scan renders a sample as a scanned page (style Scanned(seed)) and encodes
// it in the format documents of its type usually come in: JPEG for ID and
// bank cards (phone photos), TIFF for discharge summaries, PNG otherwise.
func Scan(fonts Fonts, s Sample, seed uint64) ([]byte, document.Media, error) {
	img, err := Render(fonts, s.Lines, Scanned(seed))
	if err != nil {
		return nil, "", err
	}
	media, encode := document.PNG, PNG
	switch s.Type {
	case document.IDCard, document.BankCard:
		media, encode = document.JPEG, JPEG
	case document.DischargeSummary:
		media, encode = document.TIFF, TIFF
	}
	data, err := encode(img)
	return data, media, err
}

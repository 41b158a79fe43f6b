package letter

import (
	"fmt"
	"strconv"

	"claims.local/adjudication/internal/domain"
)

// align is where a block's lines sit between the margins.
type align int

const (
	alignLeft align = iota
	alignCenter
	alignRight
)

// block is a run of text set in one style: a heading, a paragraph, one
// reason. Sizes are in points, distances in millimetres.
type block struct {
	text        string
	size        float64
	leading     float64
	align       align
	spaceBefore float64
	// hanging is the start of the first line (a list number) whose width
	// indents every later line, so that a reason's lines align after its
	// number.
	hanging string
	// keep asks for the block not to be split across pages when it fits
	// on one.
	keep bool
	bold bool
}

// fieldText is a piece of the letter's text and the notice field it came
// from ("" for the letter's own wording).
type fieldText struct {
	field string
	text  string
}

// composition is what the letter says, in reading order, before layout.
type composition struct {
	blocks []block
	// footer is printed at the foot of every page, above the page number.
	footer string
	fields []fieldText
}

// texts returns every text the letter prints, the notice's fields first so
// that a character no font has is blamed on the field it came from.
func (c composition) texts() []fieldText {
	out := append([]fieldText(nil), c.fields...)
	for _, b := range c.blocks {
		out = append(out, fieldText{text: b.text})
	}
	return append(out, fieldText{text: c.footer}, fieldText{text: pageNumber(1, 1)})
}

// Text styles of the letter.
const (
	bodySize    = 12.0 // 小四
	bodyLeading = 7.5
	footerSize  = 8.5
)

// compose writes the letter: letterhead, title, letter number, addressee,
// the decision with the claim and policy numbers, the numbered reasons
// with their clauses, how to ask for a review or complain, the service
// telephone, and the signature with the issue date. Chinese letters indent
// a paragraph's first line by two full-width spaces.
func compose(n domain.RejectionNotice) composition {
	const indent = "\u3000\u3000"
	body := func(text string, spaceBefore float64) block {
		return block{text: text, size: bodySize, leading: bodyLeading, spaceBefore: spaceBefore}
	}
	c := composition{
		blocks: []block{
			{text: n.CompanyName, size: 15, leading: 8, align: alignCenter},
			{text: n.Kind.Title(), size: 20, leading: 11, align: alignCenter, spaceBefore: 4, bold: true},
			{text: "文书编号：" + n.LetterNumber, size: 10.5, leading: 6, align: alignRight, spaceBefore: 2},
			body("尊敬的"+n.AddresseeName+"：", 6),
			body(fmt.Sprintf("%s您就被保险人%s在保险合同（保险合同号：%s）项下提出的理赔申请（理赔案号：%s）已收悉。"+
				"经审核，我公司于%s作出核定：该申请不属于保险责任范围，决定%s。理由如下：",
				indent, n.InsuredName, n.PolicyNumber, n.ClaimNumber, chineseDate(n.DecisionDate), n.Kind.Refusal()), 2),
		},
		footer: n.CompanyName + "\u3000地址：" + n.CompanyAddress + "\u3000客户服务电话：" + n.ServicePhone +
			"\u3000文书编号：" + n.LetterNumber,
	}
	for i, r := range n.Reasons {
		number := strconv.Itoa(i+1) + ". "
		// The reason's code stays in the letter's fields, not on the page:
		// the claimant reads the reason and its clause (issue 20).
		b := body(number+r.Text+"\n依据："+r.Clause, 2)
		b.hanging, b.keep = number, true
		c.blocks = append(c.blocks, b)
	}
	c.blocks = append(c.blocks,
		body(indent+"根据《中华人民共和国保险法》第二十四条的规定，特此书面通知。", 4),
		body(indent+"复核与申诉："+n.ReviewProcedure, 2),
		body(indent+"您也可以拨打金融监管部门消费者投诉热线"+n.RegulatorHotline+"反映。", 2),
		body(indent+"如有疑问，请拨打我公司客户服务电话"+n.ServicePhone+"。", 2),
		block{text: n.CompanyName + "\n" + chineseDate(n.IssueDate), size: bodySize, leading: bodyLeading,
			align: alignRight, spaceBefore: 12, keep: true},
	)
	c.fields = []fieldText{
		{"letter_number", n.LetterNumber},
		{"claim_number", n.ClaimNumber},
		{"policy_number", n.PolicyNumber},
		{"insured_name", n.InsuredName},
		{"addressee_name", n.AddresseeName},
	}
	for i, r := range n.Reasons {
		p := "reasons[" + strconv.Itoa(i) + "]."
		c.fields = append(c.fields, fieldText{p + "code", r.Code}, fieldText{p + "text", r.Text}, fieldText{p + "clause", r.Clause})
	}
	c.fields = append(c.fields,
		fieldText{"review_procedure", n.ReviewProcedure},
		fieldText{"regulator_hotline", n.RegulatorHotline},
		fieldText{"service_phone", n.ServicePhone},
		fieldText{"company_name", n.CompanyName},
		fieldText{"company_address", n.CompanyAddress},
	)
	return c
}

// pageNumber is the page line of the footer: 第 1 页 共 2 页.
func pageNumber(page, pages int) string {
	return fmt.Sprintf("第 %d 页 共 %d 页", page, pages)
}

package scantest

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"

	"claims.local/pkg/document"
)

// OFDText is a text object of a test OFD page: its text and its Boundary
// in millimetres.
type OFDText struct {
	X, Y, W, H float64
	Text       string
}

// OFDPage is a page of a test OFD file: its size in millimetres, the text
// objects of its template (an electronic invoice's labels and frame) and
// its own (the values).
type OFDPage struct {
	Width, Height float64
	Template      []OFDText
	Texts         []OFDText
}

// ZipEntry is one file of a zip package.
type ZipEntry struct {
	Name string
	Data []byte
}

// OFD returns an OFD package (GB/T 33190) of pages, laid out as issuers of
// electronic invoices write them: OFD.xml, Doc_0/Document.xml listing the
// pages and templates, Doc_0/Pages/Page_N/Content.xml and
// Doc_0/Tpls/Tpl_N/Content.xml.
func OFD(pages []OFDPage) ([]byte, error) {
	return Zip(OFDEntries(pages))
}

// OFDEntries returns the files OFD packs, for tests that tamper with them.
func OFDEntries(pages []OFDPage) []ZipEntry {
	const ns = `xmlns:ofd="http://www.ofdspec.org/2016"`
	entries := []ZipEntry{{"OFD.xml", []byte(`<?xml version="1.0" encoding="UTF-8"?>
<ofd:OFD ` + ns + ` Version="1.1" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>test</ofd:DocID></ofd:DocInfo>` +
		`<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>`)}}
	var doc, tpls, refs strings.Builder
	w, h := 210.0, 297.0
	if len(pages) > 0 {
		w, h = pages[0].Width, pages[0].Height
	}
	for i, p := range pages {
		fmt.Fprintf(&tpls, `<ofd:TemplatePage ID="%d" BaseLoc="Tpls/Tpl_%d/Content.xml"/>`, 100+i, i)
		fmt.Fprintf(&refs, `<ofd:Page ID="%d" BaseLoc="Pages/Page_%d/Content.xml"/>`, 1+i, i)
		entries = append(entries,
			ZipEntry{fmt.Sprintf("Doc_0/Tpls/Tpl_%d/Content.xml", i), ofdContent(ns, 0, 0, "", p.Template)},
			ZipEntry{fmt.Sprintf("Doc_0/Pages/Page_%d/Content.xml", i), ofdContent(ns, p.Width, p.Height, fmt.Sprint(100+i), p.Texts)})
	}
	fmt.Fprintf(&doc, `<?xml version="1.0" encoding="UTF-8"?>
<ofd:Document %s><ofd:CommonData><ofd:MaxUnitID>999</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 %g %g</ofd:PhysicalBox></ofd:PageArea>`+
		`<ofd:PublicRes>PublicRes.xml</ofd:PublicRes>%s</ofd:CommonData><ofd:Pages>%s</ofd:Pages></ofd:Document>`, ns, w, h, tpls.String(), refs.String())
	entries = append(entries,
		ZipEntry{"Doc_0/Document.xml", []byte(doc.String())},
		ZipEntry{"Doc_0/PublicRes.xml", []byte(`<?xml version="1.0" encoding="UTF-8"?><ofd:Res ` + ns +
			` BaseLoc="Res"><ofd:Fonts><ofd:Font ID="1" FontName="宋体"/></ofd:Fonts></ofd:Res>`)})
	return entries
}

// ofdContent returns a page's or template's Content.xml: an Area when w is
// set, a Template reference when template is set, and one text object per
// text in a layer.
func ofdContent(ns string, w, h float64, template string, texts []OFDText) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><ofd:Page %s>`, ns)
	if template != "" {
		fmt.Fprintf(&b, `<ofd:Template TemplateID="%s" ZOrder="Background"/>`, template)
	}
	if w > 0 {
		fmt.Fprintf(&b, `<ofd:Area><ofd:PhysicalBox>0 0 %g %g</ofd:PhysicalBox></ofd:Area>`, w, h)
	}
	b.WriteString(`<ofd:Content><ofd:Layer ID="2">`)
	for i, t := range texts {
		fmt.Fprintf(&b, `<ofd:TextObject ID="%d" Boundary="%g %g %g %g" Font="1" Size="%g"><ofd:FillColor Value="0 0 0"/>`+
			`<ofd:TextCode X="0" Y="%g">`, 10+i, t.X, t.Y, t.W, t.H, t.H*0.8, t.H*0.8)
		xml.EscapeText(&b, []byte(t.Text))
		b.WriteString(`</ofd:TextCode></ofd:TextObject>`)
	}
	b.WriteString(`</ofd:Layer></ofd:Content></ofd:Page>`)
	return []byte(b.String())
}

// Zip packs entries, deflated, in order.
func Zip(entries []ZipEntry) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e.Name)
		if err != nil {
			return nil, fmt.Errorf("scantest: zip: %w", err)
		}
		if _, err := w.Write(e.Data); err != nil {
			return nil, fmt.Errorf("scantest: zip: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("scantest: zip: %w", err)
	}
	return buf.Bytes(), nil
}

// InvoiceTruth is what reading a medical invoice must give. Dates are
// YYYY-MM-DD; amounts are in fen.
type InvoiceTruth struct {
	InvoiceCode, InvoiceNumber, CheckCode string
	Institution, PatientName              string
	TotalFen                              int64
	EventDate, AdmissionDate              string
	DischargeDate                         string
	Split                                 document.InsuranceSplit
}

// ElectronicMedicalInvoice returns an inpatient electronic receipt in the
// national format (医疗住院收费票据（电子）), 210×140 mm, whose labels are
// in the template and values in the page, each in its own text object as
// issuers write them, and what reading it must give.
func ElectronicMedicalInvoice() (OFDPage, InvoiceTruth) {
	label := func(x, y float64, s string) OFDText {
		return OFDText{X: x, Y: y, W: 4 * float64(len([]rune(s))), H: 5, Text: s}
	}
	value := func(x, y float64, s string) OFDText {
		return OFDText{X: x, Y: y, W: 2.5 * float64(len([]rune(s))), H: 5, Text: s}
	}
	truth := InvoiceTruth{
		InvoiceCode: "33060126", InvoiceNumber: "0012345678", CheckCode: "a1b2c3",
		Institution: "杭州市第一人民医院", PatientName: "赵敏", TotalFen: 123450,
		EventDate: "2026-01-11", AdmissionDate: "2026-01-11", DischargeDate: "2026-01-20",
		Split: document.InsuranceSplit{FundPaidFen: 80000, PersonalAccountFen: 10000, PersonalCashFen: 33450,
			SelfPayFen: 23450, SelfFundedFen: 20000,
			Printed: []string{"fund_paid_fen", "other_paid_fen", "personal_account_fen", "personal_cash_fen", "self_pay_fen", "self_funded_fen"}},
	}
	page := OFDPage{Width: 210, Height: 140}
	// field puts a label in the template and its value, if any, right
	// after it on the page, 1 mm apart.
	field := func(x, y float64, l, v string) {
		lt := label(x, y, l)
		page.Template = append(page.Template, lt)
		if v != "" {
			page.Texts = append(page.Texts, value(x+lt.W+1, y, v))
		}
	}
	for _, f := range []struct {
		x, y         float64
		label, value string
	}{
		{55, 8, "浙江省医疗住院收费票据（电子）", ""},
		{10, 20, "票据代码：", truth.InvoiceCode}, {110, 20, "票据号码：", truth.InvoiceNumber},
		{10, 28, "交款人：", truth.PatientName}, {110, 28, "校验码：", truth.CheckCode},
		{10, 36, "住院日期：", "2026-01-11至2026-01-20"},
		{10, 46, "项目名称", ""}, {90, 46, "金额（元）", ""},
		{10, 80, "合计（大写）", "壹仟贰佰叁拾肆元伍角整"}, {110, 80, "（小写）", "1234.50"},
		{10, 90, "医保统筹基金支付：", "800.00"}, {110, 90, "其他支付：", "0.00"},
		{10, 98, "个人账户支付：", "100.00"}, {110, 98, "个人现金支付：", "334.50"},
		{10, 106, "个人自付：", "234.50"}, {110, 106, "个人自费：", "200.00"},
		{10, 120, "收款单位（章）：", truth.Institution}, {110, 120, "收款人：", "李收费"},
	} {
		field(f.x, f.y, f.label, f.value)
	}
	// The receipt's rows: charge categories and their amounts.
	page.Texts = append(page.Texts, value(10, 54, "床位费"), value(90, 54, "600.00"),
		value(10, 62, "西药费"), value(90, 62, "634.50"))
	return page, truth
}

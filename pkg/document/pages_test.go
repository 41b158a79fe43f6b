package document_test

import (
	"reflect"
	"strings"
	"testing"

	"claims.local/pkg/document"
	"claims.local/pkg/document/scantest"
)

// page returns page n holding lines, each in its own box 60 pixels below
// the one before, with a confidence that differs per page and line so a
// source points at exactly one line.
func page(n int, lines ...string) document.Page {
	p := document.Page{Number: n, Width: 1700, Height: 2200, Source: document.FromOCR}
	for i, l := range lines {
		p.Lines = append(p.Lines, document.Line{Text: l, Box: lineBox(i), Confidence: lineConf(n, i)})
	}
	return p
}

// lineBox is the box page gives line i.
func lineBox(i int) document.Box { return document.Box{X: 100, Y: 100 + 60*i, W: 1200, H: 40} }

// lineConf is the confidence page gives line i of page n.
func lineConf(n, i int) float64 { return 0.9 - 0.1*float64(n-1) - 0.001*float64(i) }

// dischargePage is a discharge summary admitting the patient on
// 2026-01-10.
func dischargePage(n int) document.Page {
	return page(n,
		"杭州市第一人民医院",
		"出 院 小 结",
		"患者姓名：赵敏    性别：女    年龄：45岁",
		"入院日期：2026年1月10日    出院日期：2026年1月20日",
		"入院诊断：急性阑尾炎",
		"出院医嘱：注意休息，两周后复查",
	)
}

// invoicePage is an inpatient receipt whose stay begins a day later than
// the summary's (2026-01-11), so a date taken from the wrong part shows.
func invoicePage(n int) document.Page {
	return page(n,
		"浙江省医疗住院收费票据（电子）",
		"票据代码：33060126    票据号码：No.A0012345",
		"交款人：赵敏    住院日期：2026-01-11 至 2026-01-20",
		"收款单位（章）：杭州市第一人民医院",
		"合计（大写）：壹仟贰佰叁拾肆元伍角整",
		"合计（小写）：¥1,234.50",
		"医保统筹基金支付：800.00    其他支付：0.00",
		"个人账户支付：100.00    个人现金支付：334.50",
		"个人自付：234.50    个人自费：200.00",
		"校验码：a1b2c3",
	)
}

func TestAnalyzePagesSplitsBundles(t *testing.T) {
	type want struct {
		first, last int
		typ         document.Type
		eventDate   string
	}
	blank := page(2, "  ", "·")
	tests := []struct {
		name  string
		pages []document.Page
		want  []want
	}{
		{"discharge summary then invoice", []document.Page{dischargePage(1), invoicePage(2)},
			[]want{{1, 1, document.DischargeSummary, "2026-01-10"}, {2, 2, document.MedicalInvoice, "2026-01-11"}}},
		{"invoice then discharge summary", []document.Page{invoicePage(1), dischargePage(2)},
			[]want{{1, 1, document.MedicalInvoice, "2026-01-11"}, {2, 2, document.DischargeSummary, "2026-01-10"}}},
		{"three-page itemised bill", billPages(false),
			[]want{{1, 3, document.MedicalInvoice, ""}}},
		{"three-page itemised bill repeating its title with page numbers", billPages(true),
			[]want{{1, 3, document.MedicalInvoice, ""}}},
		{"ID card then bank card", []document.Page{
			page(1, "中华人民共和国居民身份证", "姓名 张伟", "公民身份号码 110105198506150014"),
			page(2, "中国工商银行 借记卡", "卡号：6222 0212 3456 7890 128", "持卡人姓名：郑丽"),
		}, []want{{1, 1, document.IDCard, ""}, {2, 2, document.BankCard, ""}}},
		{"ID card front and back", []document.Page{
			page(1, "姓名 张伟", "性别 男 民族 汉", "住址 北京市朝阳区建国路88号", "公民身份号码 110105198506150014"),
			page(2, "中华人民共和国", "居民身份证", "签发机关 北京市公安局朝阳分局", "有效期限 2016.01.01-2036.01.01"),
		}, []want{{1, 2, document.IDCard, ""}}},
		{"blank page stays with the summary", []document.Page{dischargePage(1), blank, page(3, "诊疗经过：行腹腔镜阑尾切除术，术后恢复良好。", "出院情况：切口愈合良好。")},
			[]want{{1, 3, document.DischargeSummary, "2026-01-10"}}},
		{"summary's second page repeating its title, numbered in Chinese", []document.Page{dischargePage(1),
			page(2, "出院小结（第二页）", "出院医嘱：注意休息，两周后复查", "出院情况：切口愈合良好")},
			[]want{{1, 2, document.DischargeSummary, "2026-01-10"}}},
		{"two invoices in a row", []document.Page{invoicePage(1), invoicePage(2)},
			[]want{{1, 1, document.MedicalInvoice, "2026-01-11"}, {2, 2, document.MedicalInvoice, "2026-01-11"}}},
		{"weak invoice cues on a summary's second page", []document.Page{dischargePage(1), page(2, "住院费用合计：1,234.50元（大写：壹仟贰佰叁拾肆元伍角）", "出院带药：无")},
			[]want{{1, 2, document.DischargeSummary, "2026-01-10"}}},
		{"single page", []document.Page{dischargePage(1)},
			[]want{{1, 1, document.DischargeSummary, "2026-01-10"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := document.AnalyzePages(tt.pages)
			var got []want
			for _, p := range parts {
				w := want{p.FirstPage, p.LastPage, p.Analysis.Type, ""}
				if d := p.Analysis.Fields.EventDate; d.IsValid() {
					w.eventDate = d.String()
				}
				got = append(got, w)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got parts %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("part %d: got %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
	if parts := document.AnalyzePages(nil); parts != nil {
		t.Errorf("no page: got %+v, want no part", parts)
	}
}

// billPages returns a three-page itemised bill whose items sum to its
// total; with titled, every page repeats the title and numbers itself.
func billPages(titled bool) []document.Page {
	head := func(n int) []string {
		if !titled || n == 1 {
			return nil
		}
		return []string{"住院费用清单", "第 " + string(rune('0'+n)) + " 页 共 3 页"}
	}
	p1 := append([]string{"杭州市第一人民医院", "住院费用清单", "患者姓名：赵敏    住院号：20260110", "项目名称 类别 数量 单价 金额"},
		"阿莫西林胶囊 甲 2盒 18.00 36.00", "头孢克肟片 乙 1盒 45.50 45.50")
	p2 := append(head(2), "0.9%氯化钠注射液 甲 10袋 3.20 32.00", "床位费 乙 10天 60.00 600.00")
	p3 := append(head(3), "进口心脏支架 丙 1个 500.00 500.00", "护理费 甲 10天 2.10 21.00", "合计：1,234.50")
	return []document.Page{page(1, p1...), page(2, p2...), page(3, p3...)}
}

// TestAnalyzePagesSources checks the page, box and confidence of every
// field read from a two-part bundle.
func TestAnalyzePagesSources(t *testing.T) {
	parts := document.AnalyzePages([]document.Page{dischargePage(1), invoicePage(2)})
	if len(parts) != 2 {
		t.Fatalf("got %d parts, want 2", len(parts))
	}
	type at struct{ page, line int }
	tests := []struct {
		part int
		want map[string]at
	}{
		{0, map[string]at{
			"event_date": {1, 3}, "admission_date": {1, 3}, "discharge_date": {1, 3},
			"patient_name": {1, 2}, "institution": {1, 0},
		}},
		{1, map[string]at{
			"total_amount_fen": {2, 5}, "invoice_number": {2, 1}, "invoice_code": {2, 1}, "check_code": {2, 9},
			"event_date": {2, 2}, "admission_date": {2, 2}, "discharge_date": {2, 2}, "patient_name": {2, 2},
			"institution":             {2, 3},
			"insurance.fund_paid_fen": {2, 6}, "insurance.other_paid_fen": {2, 6},
			"insurance.personal_account_fen": {2, 7}, "insurance.personal_cash_fen": {2, 7},
			"insurance.self_pay_fen": {2, 8}, "insurance.self_funded_fen": {2, 8},
		}},
	}
	for _, tt := range tests {
		got := parts[tt.part].Analysis.Fields.Sources
		for name, w := range tt.want {
			want := document.Source{Page: w.page, Box: lineBox(w.line), Confidence: lineConf(w.page, w.line)}
			if src, ok := got[name]; !ok || src != want {
				t.Errorf("part %d %s: got %+v (found %v), want %+v", tt.part, name, src, ok, want)
			}
		}
		for name := range got {
			if _, ok := tt.want[name]; !ok {
				t.Errorf("part %d: unexpected source for %s: %+v", tt.part, name, got[name])
			}
		}
	}
}

// TestAnalyzePagesSourcesOfUnlocatedFinders checks the sources of fields
// whose finders report no offset: an ID number printed in groups, a card
// number and its holder.
func TestAnalyzePagesSourcesOfUnlocatedFinders(t *testing.T) {
	parts := document.AnalyzePages([]document.Page{
		page(1, "中华人民共和国居民身份证", "姓名 张伟", "公民身份号码 1101 0519 8506 1500 14"),
		page(2, "中国工商银行 借记卡", "卡号：6222 0212 3456 7890 128", "持卡人姓名：郑丽"),
	})
	if len(parts) != 2 {
		t.Fatalf("got %d parts, want 2", len(parts))
	}
	checks := []struct {
		part, page, line int
		name             string
	}{
		{0, 1, 2, "id_number"}, {1, 2, 1, "account_number"}, {1, 2, 2, "holder_name"},
	}
	for _, c := range checks {
		want := document.Source{Page: c.page, Box: lineBox(c.line), Confidence: lineConf(c.page, c.line)}
		if got := parts[c.part].Analysis.Fields.Sources[c.name]; got != want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, want)
		}
	}
}

// TestAnalyzePagesOfOnePageIsAnalyze checks that a one-page upload reads
// as Analyze reads its text, sources aside.
func TestAnalyzePagesOfOnePageIsAnalyze(t *testing.T) {
	samples := append(scantest.Samples(), scantest.DisagreeingInvoice(), scantest.EnglishTextSample(), scantest.AccountCertificate())
	for _, s := range samples {
		t.Run(string(s.Type), func(t *testing.T) {
			lines := make([]string, len(s.Lines))
			for i, l := range s.Lines {
				lines[i] = ocrSpacing(l)
			}
			parts := document.AnalyzePages([]document.Page{page(1, lines...)})
			if len(parts) != 1 || parts[0].FirstPage != 1 || parts[0].LastPage != 1 {
				t.Fatalf("got parts %+v, want one of page 1", parts)
			}
			got := parts[0].Analysis
			if s.Type != document.Other && len(got.Fields.Sources) == 0 {
				t.Errorf("got no source, want the sources of the fields found")
			}
			got.Fields.Sources = nil
			if want := document.Analyze(strings.Join(lines, "\n")); !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

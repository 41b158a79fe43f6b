package document_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"claims.local/pkg/document"
)

func TestInvoiceDetailsOfTheNationalReceipt(t *testing.T) {
	parts := document.AnalyzePages([]document.Page{invoicePage(1)})
	f := parts[0].Analysis.Fields
	want := map[string]string{
		"invoice_number": "A0012345", "invoice_code": "33060126", "check_code": "a1b2c3", "patient_name": "赵敏",
		"institution": "杭州市第一人民医院", "event_date": "2026-01-11", "admission_date": "2026-01-11", "discharge_date": "2026-01-20",
	}
	if got := meaning(f); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if !f.HasAmount || f.TotalAmountFen != 123450 {
		t.Errorf("total: got %v %d, want 123450", f.HasAmount, f.TotalAmountFen)
	}
	if f.Invoice == nil || f.Invoice.Split == nil {
		t.Fatalf("got no split: %+v", f.Invoice)
	}
	wantSplit := document.InsuranceSplit{FundPaidFen: 80000, OtherPaidFen: 0, PersonalAccountFen: 10000, PersonalCashFen: 33450,
		SelfPayFen: 23450, SelfFundedFen: 20000,
		Printed: []string{"fund_paid_fen", "other_paid_fen", "personal_account_fen", "personal_cash_fen", "self_pay_fen", "self_funded_fen"}}
	if !reflect.DeepEqual(*f.Invoice.Split, wantSplit) {
		t.Errorf("split: got %+v, want %+v", *f.Invoice.Split, wantSplit)
	}
	if !f.Invoice.SumsAgree || f.Invoice.SumsChecked != 2 || len(f.Invoice.SumProblems) != 0 {
		t.Errorf("sums: got agree %v, %d checked, problems %v; want agree, 2 checked, none",
			f.Invoice.SumsAgree, f.Invoice.SumsChecked, f.Invoice.SumProblems)
	}
}

func TestInvoiceItemsOfAnItemisedBill(t *testing.T) {
	parts := document.AnalyzePages(billPages(true))
	if len(parts) != 1 {
		t.Fatalf("got %d parts, want 1", len(parts))
	}
	f := parts[0].Analysis.Fields
	want := []document.Item{
		{Name: "阿莫西林胶囊", Class: "甲", Quantity: "2盒", AmountFen: 3600},
		{Name: "头孢克肟片", Class: "乙", Quantity: "1盒", AmountFen: 4550},
		{Name: "0.9%氯化钠注射液", Class: "甲", Quantity: "10袋", AmountFen: 3200},
		{Name: "床位费", Class: "乙", Quantity: "10天", AmountFen: 60000},
		{Name: "进口心脏支架", Class: "丙", Quantity: "1个", AmountFen: 50000},
		{Name: "护理费", Class: "甲", Quantity: "10天", AmountFen: 2100},
	}
	if f.Invoice == nil || !reflect.DeepEqual(f.Invoice.Items, want) {
		t.Fatalf("items: got %+v, want %+v", f.Invoice, want)
	}
	if f.Invoice.ItemsTotalFen != 123450 || !f.Invoice.SumsAgree || f.Invoice.Split != nil {
		t.Errorf("got items total %d, agree %v, split %+v; want 123450, agree, no split",
			f.Invoice.ItemsTotalFen, f.Invoice.SumsAgree, f.Invoice.Split)
	}
	for i, page := range []int{1, 1, 2, 2, 3, 3} {
		if src := f.Sources["items["+string(rune('0'+i))+"]"]; src.Page != page {
			t.Errorf("item %d: got page %d, want %d", i, src.Page, page)
		}
	}
}

// TestInvoiceSums checks that sums that disagree are flagged, not fixed.
func TestInvoiceSums(t *testing.T) {
	tests := []struct {
		name      string
		lines     []string
		total     int64
		checked   int
		problems  []string // a word of each problem, in order
		wantSplit bool
	}{
		{"split adds up to more than the total", []string{
			"合计（小写）：¥1,000.00", "医保统筹基金支付：800.00", "个人账户支付：100.00", "个人现金支付：200.00",
		}, 100000, 1, []string{"cash"}, true},
		{"self-pay and self-funded exceed the personal share", []string{
			"合计：1,000.00", "统筹基金支付：800.00", "个人现金支付：200.00", "个人自付：150.00", "个人自费：100.00",
		}, 100000, 2, []string{"personal share"}, true},
		{"old format without a cash line within bounds", []string{
			"合计：1,000.00", "医保统筹支付：700.00", "个人账户支付：100.00", "个人自付：200.00", "个人自费：100.00",
		}, 100000, 2, nil, true},
		{"old format paying more than the total", []string{
			"合计：1,000.00", "医保统筹支付：900.00", "个人账户支付：200.00",
		}, 100000, 1, []string{"exceed the total"}, true},
		{"items that do not sum to the total", []string{
			"费用清单", "阿莫西林胶囊 甲 2盒 18.00 36.00", "床位费 乙 1天 60.00 60.00", "合计：100.00",
		}, 10000, 1, []string{"items sum to 96.00"}, false},
		{"nothing to check", []string{"医疗门诊收费票据", "合计：100.00"}, 10000, 0, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := document.Extract(strings.Join(tt.lines, "\n"), document.MedicalInvoice)
			inv := f.Invoice
			if inv == nil {
				t.Fatal("got no invoice details")
			}
			if f.TotalAmountFen != tt.total {
				t.Errorf("total: got %d, want %d (the total is never adjusted)", f.TotalAmountFen, tt.total)
			}
			if inv.SumsChecked != tt.checked || len(inv.SumProblems) != len(tt.problems) {
				t.Fatalf("got %d checks, problems %q; want %d checks, %d problems", inv.SumsChecked, inv.SumProblems, tt.checked, len(tt.problems))
			}
			for i, p := range tt.problems {
				if !strings.Contains(inv.SumProblems[i], p) {
					t.Errorf("problem %d: got %q, want it to say %q", i, inv.SumProblems[i], p)
				}
			}
			if wantAgree := tt.checked > 0 && len(tt.problems) == 0; inv.SumsAgree != wantAgree {
				t.Errorf("agree: got %v, want %v", inv.SumsAgree, wantAgree)
			}
			if (inv.Split != nil) != tt.wantSplit {
				t.Errorf("split: got %+v, want one: %v", inv.Split, tt.wantSplit)
			}
		})
	}
}

// TestInvoiceDetailsOnlyOnInvoices checks the other types carry none.
func TestInvoiceDetailsOnlyOnInvoices(t *testing.T) {
	for _, typ := range document.Types() {
		f := document.Extract("个人自付：100.00\n阿莫西林胶囊 甲 2盒 18.00 36.00", typ)
		if got := f.Invoice != nil; got != (typ == document.MedicalInvoice) {
			t.Errorf("%s: got details %v, want %v", typ, got, slices.Contains([]document.Type{document.MedicalInvoice}, typ))
		}
	}
}

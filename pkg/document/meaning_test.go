package document_test

import (
	"maps"
	"strings"
	"testing"

	"claims.local/pkg/calendar"
	"claims.local/pkg/document"
	"claims.local/pkg/document/scantest"
)

// meaning returns the fields with a meaning of f that were found, by their
// Sources names, as strings.
func meaning(f document.Fields) map[string]string {
	out := map[string]string{}
	dates := map[string]calendar.Date{
		"event_date": f.EventDate, "admission_date": f.AdmissionDate, "discharge_date": f.DischargeDate,
		"death_date": f.DeathDate, "diagnosis_date": f.DiagnosisDate, "appraisal_date": f.AppraisalDate,
		"issue_date": f.IssueDate,
	}
	for k, d := range dates {
		if d.IsValid() {
			out[k] = d.String()
		}
	}
	texts := map[string]string{
		"patient_name": f.PatientName, "insured_name": f.InsuredName, "deceased_name": f.DeceasedName,
		"institution": f.Institution, "invoice_code": f.InvoiceCode, "invoice_number": f.InvoiceNumber,
		"check_code": f.CheckCode, "holder_name": f.IDCardName, "visit_number": f.VisitNumber,
	}
	for k, v := range texts {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// TestExtractMeaning checks each type's dates, names by role, institution
// and codes; every field found must be wanted. The first three cases are
// the fields the issue found missed.
func TestExtractMeaning(t *testing.T) {
	tests := []struct {
		name  string
		typ   document.Type
		lines []string
		want  map[string]string
	}{
		{"appraisal dated by its commissioning", document.DisabilityAppraisal, []string{
			"浙江千麦司法鉴定中心", "司法鉴定意见书", "委托日期：2026年3月1日", "被鉴定人：吴刚", "鉴定意见：十级伤残",
		}, map[string]string{"event_date": "2026-03-01", "appraisal_date": "2026-03-01", "institution": "浙江千麦司法鉴定中心"}},
		{"notarial certificate dated under its seal", document.RelationshipProof, []string{
			"公 证 书", "(2026)浙杭西证字第1234号", "申请人：陈小红", "兹证明陈小红是陈明的女儿。",
			"中华人民共和国浙江省杭州市西湖公证处", "公证员 李明", "二〇二六年三月十日",
		}, map[string]string{"issue_date": "2026-03-10", "institution": "中华人民共和国浙江省杭州市西湖公证处"}},
		{"invoice number with letters", document.MedicalInvoice, []string{
			"医疗门诊收费票据", "No.A1234567", "交款人：王芳    就诊日期：2026-02-18", "合计（小写）：¥100.00",
		}, map[string]string{"invoice_number": "A1234567", "event_date": "2026-02-18", "patient_name": "王芳"}},
		{"labelled invoice number with No.", document.MedicalInvoice, []string{
			"发票号码：No.AB12345678", "发票代码：033001900111", "校验码：12345 67890 12345 67890",
		}, map[string]string{"invoice_number": "AB12345678", "invoice_code": "033001900111", "check_code": "12345678901234567890"}},
		{"issue date labelled", document.RelationshipProof, []string{
			"亲属关系证明", "户主姓名：陈明", "出具日期：2026年4月2日", "2026年4月3日",
		}, map[string]string{"issue_date": "2026-04-02"}},
		{"relationship proof without a date", document.RelationshipProof, []string{
			"亲属关系证明", "户主姓名：陈明", "出生：1960年1月1日",
		}, map[string]string{}},
		{"discharge summary", document.DischargeSummary, []string{
			"杭州市第一人民医院", "出院记录", "姓名：赵敏", "入院时间：2026-01-10 08:30", "出院时间：2026-01-20",
		}, map[string]string{"event_date": "2026-01-10", "admission_date": "2026-01-10", "discharge_date": "2026-01-20",
			"patient_name": "赵敏", "institution": "杭州市第一人民医院"}},
		{"discharge summary with a stay range", document.DischargeSummary, []string{
			"出院小结", "患者：赵敏", "住院期间：2026年1月10日至2026年1月20日",
		}, map[string]string{"event_date": "2026-01-10", "admission_date": "2026-01-10", "discharge_date": "2026-01-20", "patient_name": "赵敏"}},
		{"death certificate", document.DeathCertificate, []string{
			"居民死亡医学证明书", "死者姓名：李建国", "死亡日期：2026年3月5日", "被保险人：李建国",
		}, map[string]string{"event_date": "2026-03-05", "death_date": "2026-03-05", "deceased_name": "李建国", "insured_name": "李建国"}},
		{"identity card's name", document.IDCard, []string{
			"中华人民共和国居民身份证", "姓名 孙文档", "性别 男    民族 汉", "公民身份号码 11010519491231002X",
		}, map[string]string{"holder_name": "孙文档"}},
		{"death certificate's bare name", document.DeathCertificate, []string{
			"死亡医学证明", "姓名：李建国", "死亡时间：二〇二六年三月五日",
		}, map[string]string{"event_date": "2026-03-05", "death_date": "2026-03-05", "deceased_name": "李建国"}},
		{"diagnosis certificate", document.DiagnosisCertificate, []string{
			"诊断证明书", "姓名：孙磊", "参保人姓名：孙大伟", "诊断日期：2026.04.02", "医疗机构：浙江大学医学院附属第二医院",
		}, map[string]string{"event_date": "2026-04-02", "diagnosis_date": "2026-04-02", "patient_name": "孙磊",
			"insured_name": "孙大伟", "institution": "浙江大学医学院附属第二医院"}},
		{"accident report names no patient", document.AccidentReport, []string{
			"道路交通事故认定书", "事故时间：2026年5月8日", "当事人：周杰",
		}, map[string]string{"event_date": "2026-05-08"}},
		{"impossible Chinese-numeral date", document.RelationshipProof, []string{
			"亲属关系证明", "二〇二六年二月三十日",
		}, map[string]string{}},
		{"running text is no institution", document.DischargeSummary, []string{
			"出院小结", "患者因腹痛来我院就诊，转入上级医院治疗。",
		}, map[string]string{}},
		{"a label ending like an institution is none", document.DischargeSummary, []string{
			"出院小结", "转诊医院：无",
		}, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := meaning(document.Extract(ocrSpacing(strings.Join(tt.lines, "\n")), tt.typ))
			if !maps.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestAVisitNumberIsReadAfterItsLabel reads the visit number (门诊号,
// 住院号, 病历号, with or without 码) as OCR gives the line: colons full or
// half width, spaces around them, a mark for a colon; only on a receipt,
// a diagnosis certificate or a discharge summary, never an invoice's
// number for it nor it for the invoice's number (issue 19).
func TestAVisitNumberIsReadAfterItsLabel(t *testing.T) {
	tests := []struct {
		name    string
		typ     document.Type
		lines   []string
		visit   string
		kind    string
		invoice string
	}{
		{"outpatient number, full-width colon", document.MedicalInvoice, []string{"票据号码：7000000042", "门诊号：2610000042"}, "2610000042", "outpatient", "7000000042"},
		{"inpatient number, half-width colon", document.MedicalInvoice, []string{"住院号:12345678", "票据号码：7000000042"}, "12345678", "inpatient", "7000000042"},
		{"record number on a certificate", document.DiagnosisCertificate, []string{"诊断证明书", "姓名：张三 病历号：0088123456"}, "0088123456", "record", ""},
		{"门诊号码 with spaces around the colon", document.DiagnosisCertificate, []string{"门 诊 号 码 ： 2610000042"}, "2610000042", "outpatient", ""},
		{"住院号码 on a discharge summary, its number not the invoice's", document.DischargeSummary, []string{"住院号码 : 987654321", "入院日期：2026-03-01"}, "987654321", "inpatient", ""},
		{"住院号码 on a receipt: the visit's, not the invoice number", document.MedicalInvoice, []string{"住院号码：987654321", "交款人：张三"}, "987654321", "inpatient", ""},
		{"a semicolon read for the colon", document.MedicalInvoice, []string{"门诊号 ; 2610000042"}, "2610000042", "outpatient", ""},
		{"after the name on one line", document.DiagnosisCertificate, []string{"姓名：张三 门诊号：2610000042 性别：男"}, "2610000042", "outpatient", ""},
		{"too short", document.DiagnosisCertificate, []string{"门诊号：12345"}, "", "", ""},
		{"too long", document.DiagnosisCertificate, []string{"门诊号：1234567890123"}, "", "", ""},
		{"letters run on", document.DiagnosisCertificate, []string{"门诊号：2610000042AB"}, "", "", ""},
		{"no label", document.DiagnosisCertificate, []string{"编号：2610000042"}, "", "", ""},
		{"not on an identity card", document.IDCard, []string{"姓名 张三", "门诊号：2610000042"}, "", "", ""},
		{"not on a bank card", document.BankCard, []string{"门诊号：2610000042"}, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := document.Extract(strings.Join(tc.lines, "\n"), tc.typ)
			if f.VisitNumber != tc.visit {
				t.Errorf("visit number: got %q, want %q", f.VisitNumber, tc.visit)
			}
			if f.VisitKind != tc.kind {
				t.Errorf("visit kind: got %q, want %q", f.VisitKind, tc.kind)
			}
			if f.InvoiceNumber != tc.invoice {
				t.Errorf("invoice number: got %q, want %q", f.InvoiceNumber, tc.invoice)
			}
		})
	}
}

// TestAVisitNumberIsLocated checks that a visit number read from pages
// has its page, box and confidence, as the rules that rely on it need.
func TestAVisitNumberIsLocated(t *testing.T) {
	parts := document.AnalyzePages([]document.Page{page(2, "诊断证明书", "姓名：赵敏    性别：女", "门诊号：2610000042", "就诊日期：2026.01.11")})
	f := parts[0].Analysis.Fields
	src, ok := f.Sources["visit_number"]
	if f.VisitNumber != "2610000042" || !ok {
		t.Fatalf("got visit number %q, source %v; want 2610000042 located", f.VisitNumber, ok)
	}
	if src.Page != 2 || src.Confidence != lineConf(2, 2) || src.Box != lineBox(2) {
		t.Errorf("got source %+v, want page 2, confidence %v, its line's box %+v (a line without words)", src, lineConf(2, 2), lineBox(2))
	}
}

// TestTheGeneratorsVisitNumberIsReadOnBothDocuments: the scanned-document
// generator prints one visit number on a claim's receipt and certificate,
// labelled 门诊号 for an outpatient visit and 住院号 for a stay, and the
// other fields read as before.
func TestTheGeneratorsVisitNumberIsReadOnBothDocuments(t *testing.T) {
	for _, inpatient := range []bool{false, true} {
		c := scantest.ClaimSet{InvoiceCode: "31060119", InvoiceNumber: "7000000042", CheckCode: "c00042", Institution: "上海市第六人民医院",
			Patient: "张三", Date: "2026-11-20", FundPaidFen: 60_000, PersonalCashFen: 40_000, SelfPayFen: 30_000, SelfFundedFen: 10_000,
			VisitNumber: "2610000042", Inpatient: inpatient}
		inv := document.Extract(strings.Join(c.InvoiceLines(), "\n"), document.MedicalInvoice)
		cert := document.Extract(strings.Join(c.DiagnosisLines(), "\n"), document.DiagnosisCertificate)
		if !strings.Contains(strings.Join(c.InvoiceLines(), "\n"), c.VisitLabel()+"：") {
			t.Errorf("inpatient %v: the receipt prints no %s", inpatient, c.VisitLabel())
		}
		if inv.VisitNumber != c.VisitNumber || cert.VisitNumber != c.VisitNumber {
			t.Errorf("inpatient %v: got visit numbers %q and %q, want %q on both", inpatient, inv.VisitNumber, cert.VisitNumber, c.VisitNumber)
		}
		if inv.PatientName != "张三" || inv.InvoiceNumber != c.InvoiceNumber || inv.EventDate.String() != c.Date || cert.PatientName != "张三" {
			t.Errorf("inpatient %v: got receipt %q %q %v, certificate %q; want 张三, %s, %s", inpatient, inv.PatientName, inv.InvoiceNumber, inv.EventDate, cert.PatientName, c.InvoiceNumber, c.Date)
		}
	}
}

package document_test

import (
	"strings"
	"testing"

	"claims.local/pkg/document"
	"claims.local/pkg/document/scantest"
)

// checkFields compares fields with what a sample wants.
func checkFields(t *testing.T, got document.Fields, want scantest.Want) {
	t.Helper()
	if misses, _ := want.Misses(got); len(misses) > 0 {
		t.Errorf("wrong %v: got %+v, want %+v", misses, got, want)
	}
}

// TestAnalyzeSamples reads the text of every sample as OCR would give it
// (spaces between Chinese characters) and checks type and fields.
func TestAnalyzeSamples(t *testing.T) {
	samples := append(scantest.Samples(), scantest.DisagreeingInvoice(), scantest.EnglishTextSample(), scantest.AccountCertificate())
	for _, s := range samples {
		t.Run(string(s.Type), func(t *testing.T) {
			text := ocrSpacing(strings.Join(s.Lines, "\n"))
			a := document.Analyze(text)
			if a.Type != s.Type {
				t.Errorf("type: got %s (%.2f), want %s", a.Type, a.Confidence, s.Type)
			}
			if a.Confidence < 0.5 {
				t.Errorf("confidence: got %.2f, want at least 0.5", a.Confidence)
			}
			checkFields(t, a.Fields, s.Want)
		})
	}
}

// ocrSpacing puts a space between Chinese characters, as Tesseract's
// chi_sim output has them.
func ocrSpacing(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r)
		if r > 0x2E80 {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    document.Type
		minConf float64
		maxConf float64
	}{
		{"title alone", "出院记录", document.DischargeSummary, 0.6, 0.9},
		{"English", "DISCHARGE SUMMARY\nAdmission date: 2026-01-10", document.DischargeSummary, 0.8, 1},
		{"death certificate quoting an ID card", "死亡医学证明 死亡原因 居民身份证", document.DeathCertificate, 0.5, 0.9},
		{"title broken over two OCR lines", "道路交通事\n故认定书", document.AccidentReport, 0.7, 1},
		{"weak cue only", "合计", document.Other, 0, 0.1},
		{"empty page", "", document.Other, 0, 0},
		{"unrelated text", "The quick brown fox jumps over the lazy dog, again and again and again.", document.Other, 0.9, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, conf := document.Classify(tt.text)
			if got != tt.want || conf < tt.minConf || conf > tt.maxConf {
				t.Errorf("got %s %.2f, want %s in [%.2f, %.2f]", got, conf, tt.want, tt.minConf, tt.maxConf)
			}
		})
	}
}

func TestExtract(t *testing.T) {
	tests := []struct {
		name string
		typ  document.Type
		text string
		want scantest.Want
	}{
		{"dotted date", document.DiagnosisCertificate, "就诊日期：2026.3.5", scantest.Want{EventDate: "2026-03-05"}},
		{"slashed date", document.AccidentReport, "事故时间 2026/03/05 10:00", scantest.Want{EventDate: "2026-03-05"}},
		{"impossible date skipped for the next label", document.DeathCertificate, "死亡日期：2026年2月30日 死亡时间：2026年3月1日",
			scantest.Want{EventDate: "2026-03-01"}},
		{"birth date is no event", document.IDCard, "出生 1985年6月15日", scantest.Want{}},
		{"date too far from its label", document.DeathCertificate, "死亡日期：见附件所列之各项材料以及相关的说明文字 2026-03-05", scantest.Want{}},
		{"capitals only", document.MedicalInvoice, "金额（大写）人民币贰佰元整", scantest.Want{AmountFen: 20000}},
		{"figures only, unlabelled yuan sign, largest wins", document.MedicalInvoice, "药费 ¥20.00 检查费 ¥180.5", scantest.Want{AmountFen: 18050}},
		{"disagreeing amounts", document.MedicalInvoice, "合计(大写) 壹佰元整 (小写) ¥110.00",
			scantest.Want{AmountFen: 11000, AmountsDisagree: true}},
		{"20-digit digital invoice number", document.MedicalInvoice, "发票号码：26332000000012345678",
			scantest.Want{InvoiceNumber: "26332000000012345678"}},
		{"receipt code is not the number", document.MedicalInvoice, "票据代码：33060123", scantest.Want{}},
		{"minority name", document.IDCard, "姓名 阿依古丽·买买提", scantest.Want{Names: []string{"阿依古丽·买买提"}}},
		{"label in running text", document.AccidentReport, "当事人承担全部责任", scantest.Want{}},
		{"repeated name once", document.DischargeSummary, "姓名：赵敏\n患者：赵敏", scantest.Want{Names: []string{"赵敏"}}},
		{"surname that is also a stop word", document.IDCard, "姓名 关羽", scantest.Want{Names: []string{"关羽"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkFields(t, document.Extract(tt.text, tt.typ), tt.want)
		})
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"2026年3月5日", "2026-03-05", true},
		{"2026 年 3 月 5 日", "2026-03-05", true},
		{"2026-03-05", "2026-03-05", true},
		{"2026.03.05", "2026-03-05", true},
		{"２０２６－０３－０５", "2026-03-05", true},
		{"2026-02-29", "", false},
		{"2026-13-01", "", false},
		{"2026年3月5日下午", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		d, ok := document.ParseDate(tt.in)
		got := ""
		if ok {
			got = d.String()
		}
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseDate(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"姓 名 ： 张 三", "姓名:张三"},
		{"Total  due   12", "Total due 12"},
		{"合 计 ¥ 1,234.50", "合计¥1,234.50"},
		{"２０２６\r\n\f年", "2026\n\n年"},
	}
	for _, tt := range tests {
		if got := document.Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

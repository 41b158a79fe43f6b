package redact_test

import (
	"encoding/json"
	"strings"
	"testing"

	"claims.local/pkg/redact"
)

func TestText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"resident ID", "公民身份号码 110105198506150014 签发", "公民身份号码 110105********0014 签发"},
		{"resident ID ending in X", "身份证号:11010519850615001X。", "身份证号:110105********001X。"},
		{"bank card", "卡号 6222020200112233445", "卡号 ***************3445"},
		{"bank card in groups", "6222 0202 0011 2233 445 有效期", "**** **** **** ***3 445 有效期"},
		{"mobile", "电话 13912345678", "电话 139****5678"},
		{"short numbers stay", "金额 12345.60 元 2026-10-09 发票号码 00123456", "金额 12345.60 元 2026-10-09 发票号码 00123456"},
		{"empty", "", ""},
		{"digits inside a UUID or a reference stay", "event 12345678-1234-4abc-9234-123456789012 ref SIM-100000000000", "event 12345678-1234-4abc-9234-123456789012 ref SIM-100000000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := redact.Text(tt.in); got != tt.want {
				t.Errorf("Text(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestContact(t *testing.T) {
	for in, want := range map[string]string{
		"13912345678":       "139****5678",
		"+86 139-1234-5678": "+86 1**-****-5678",
		"lisi@example.com":  "l***@example.com",
		"":                  "",
		"wechat lisi_2026":  "w***",
	} {
		if got := redact.Contact(in); got != want {
			t.Errorf("Contact(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestJSONMasksPersonalFieldsAtAnyDepth(t *testing.T) {
	in := `{"claim_id":"c1","contact":"13912345678","insured_name":"欧阳明远","payee":{"name":"李四","bank_name":"中国工商银行",
		"account_number":"6222020200112233445","on_behalf_of":{"name":"王五"}},"fields":{"id_number":"110105198506150014"},
		"lines":[{"note":"卡号 6222020200112233445"}],"amount_fen":123456}`
	out := string(redact.JSON(json.RawMessage(in)))
	for _, clear := range []string{"13912345678", "欧阳明远", "李四", "王五", "6222020200112233445", "110105198506150014"} {
		if strings.Contains(out, clear) {
			t.Errorf("got %q in %s, want it masked", clear, out)
		}
	}
	for _, kept := range []string{`"claim_id":"c1"`, `"bank_name":"中国工商银行"`, `"amount_fen":123456`, "3445", `"欧***"`} {
		if !strings.Contains(out, kept) {
			t.Errorf("got %s, want it to keep %s", out, kept)
		}
	}
	if got := string(redact.JSON(json.RawMessage("not json 6222020200112233445"))); strings.Contains(got, "6222020200112233445") {
		t.Errorf("got %q for text that is not JSON, want it masked as text", got)
	}
}

package domain_test

import (
	"strings"
	"testing"
	"time"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
)

func TestCheckAdvance(t *testing.T) {
	valid := domain.AdvanceInput{Channel: "app", Name: " 张三 ", Role: "insured", BankName: "中国建设银行", AccountNumber: "6217 0000-1000 5678"}
	for _, tc := range []struct {
		name   string
		change func(*domain.AdvanceInput)
		field  string
	}{
		{"valid", func(*domain.AdvanceInput) {}, ""},
		{"an unknown channel", func(in *domain.AdvanceInput) { in.Channel = "fax" }, "channel"},
		{"no payee name", func(in *domain.AdvanceInput) { in.Name = " " }, "payee.name"},
		{"an unknown role", func(in *domain.AdvanceInput) { in.Role = "friend" }, "payee.role"},
		{"an agent", func(in *domain.AdvanceInput) { in.Role = "agent" }, "payee.role"},
		{"no bank", func(in *domain.AdvanceInput) { in.BankName = "" }, "payee.bank_name"},
		{"letters in the account", func(in *domain.AdvanceInput) { in.AccountNumber = "6217x00010005678" }, "payee.account_number"},
		{"an account too short", func(in *domain.AdvanceInput) { in.AccountNumber = "12345" }, "payee.account_number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := valid
			tc.change(&in)
			got, err := domain.CheckAdvance(in)
			if tc.field == "" {
				if err != nil || got.Name != "张三" || got.AccountNumber != "6217000010005678" {
					t.Fatalf("got %+v, %v; want 张三 and the account's digits", got, err)
				}
				return
			}
			if e, ok := apperr.As(err); !ok || e.Code != apperr.Invalid || e.Field != tc.field {
				t.Fatalf("got %v, want invalid_argument on %s", err, tc.field)
			}
			if strings.Contains(err.Error(), "00010005678") {
				t.Fatalf("got %q quoting the account, want it kept out", err)
			}
		})
	}
}

// TestOnlyTheFirstAdvanceAgreementCounts: a claim request asked again with
// another payee keeps the first.
func TestOnlyTheFirstAdvanceAgreementCounts(t *testing.T) {
	var r domain.IncidentReport
	first := domain.AdvanceAgreement{Channel: "app", AgreedAt: time.Now(), AccountLast4: "5678", Sealed: "s1"}
	r.AgreeInAdvance(first)
	r.AgreeInAdvance(domain.AdvanceAgreement{Channel: "web", AccountLast4: "9999", Sealed: "s2"})
	if r.Advance == nil || r.Advance.Sealed != "s1" {
		t.Fatalf("got %+v, want the first agreement", r.Advance)
	}
}

package domain_test

import (
	"fmt"
	"strings"
	"testing"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
)

func TestRecordAgreement(t *testing.T) {
	tests := []struct {
		name      string
		spoil     func(in *domain.AgreementInput)
		wantCode  apperr.Code
		wantField string
	}{
		{"signed form to the insured", func(*domain.AgreementInput) {}, "", ""},
		{"agent for the insured", func(in *domain.AgreementInput) {
			in.Payee.Name, in.Payee.Role, in.Payee.AuthorisationDocumentID = "王五", "agent", "doc-poa"
			in.Payee.OnBehalfOf = &domain.Person{Name: "张三", Relation: "self"}
		}, "", ""},
		{"no one agreed", func(in *domain.AgreementInput) { in.AgreedBy = " " }, apperr.Invalid, "agreed_by"},
		{"unknown channel", func(in *domain.AgreementInput) { in.Channel = "fax" }, apperr.Invalid, "channel"},
		{"payee without name", func(in *domain.AgreementInput) { in.Payee.Name = "" }, apperr.Invalid, "payee.name"},
		{"unknown payee role", func(in *domain.AgreementInput) { in.Payee.Role = "friend" }, apperr.Invalid, "payee.role"},
		{"no bank", func(in *domain.AgreementInput) { in.Payee.BankName = "" }, apperr.Invalid, "payee.bank_name"},
		{"account with letters", func(in *domain.AgreementInput) { in.Payee.AccountNumber = "6222x0202" }, apperr.Invalid, "payee.account_number"},
		{"account too short", func(in *domain.AgreementInput) { in.Payee.AccountNumber = "12345" }, apperr.Invalid, "payee.account_number"},
		{"agent without principal", func(in *domain.AgreementInput) { in.Payee.Role = "agent" }, apperr.Invalid, "payee.on_behalf_of"},
		{"principal for a non-agent", func(in *domain.AgreementInput) {
			in.Payee.OnBehalfOf = &domain.Person{Name: "王五", Relation: "child"}
		},
			apperr.Invalid, "payee.on_behalf_of"},
		{"principal without relation", func(in *domain.AgreementInput) {
			in.Payee.Role = "agent"
			in.Payee.OnBehalfOf = &domain.Person{Name: "王五"}
		}, apperr.Invalid, "payee.on_behalf_of.relation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := caseIn(t, domain.StatePartlyApproved)
			in := agreement()
			tt.spoil(&in)
			account, err := c.RecordAgreement(handler, in, 7, now)
			wantCode(t, err, tt.wantCode, tt.wantField)
			if tt.wantCode != "" {
				if c.State != domain.StatePartlyApproved || c.Agreement != nil {
					t.Fatalf("got %s with agreement %+v, want nothing changed", c.State, c.Agreement)
				}
				if strings.Contains(err.Error(), "0202") {
					t.Fatalf("got error %q quoting the account number, want it kept out", err)
				}
				return
			}
			a := c.Agreement
			if c.State != domain.StateAgreed || a.AmountFen != 60_000 || a.RecordedBy != "h1" || !a.AgreedAt.Equal(now) || a.PaymentPeriodDays != 7 {
				t.Fatalf("got %s with agreement %+v, want agreed on 60000 fen recorded by h1 at %v, 7 days", c.State, a, now)
			}
			if account != "6222020200112233445" || a.Payee.AccountMasked != "****3445" {
				t.Fatalf("got account %q masked %q, want the digits and ****3445", account, a.Payee.AccountMasked)
			}
			if got := fmt.Sprint(c.Changes); strings.Contains(got, "0202") {
				t.Fatalf("got audit %s quoting the account number, want it masked", got)
			}
		})
	}
}

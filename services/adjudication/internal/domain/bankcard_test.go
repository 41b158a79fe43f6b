package domain_test

import (
	"strings"
	"testing"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/events/eventstest"
)

// fingerprints fingerprint accounts and names as intake does.
var fingerprints = eventstest.Fingerprints()

// card is a bank-card document on claim-1 whose account is digits ("" when
// it was not read) and whose holder is holder ("" when none is printed).
func card(id, digits, holder string) domain.Document {
	d := domain.Document{DocumentID: id, Type: domain.DocBankCard, HolderName: holder}
	if digits != "" {
		d.AccountFingerprint, d.AccountLast4 = fingerprints.Account("claim-1", digits), digits[len(digits)-4:]
	}
	return d
}

// legacyCard is a bank card on claim-1 whose unkeyed fingerprint was
// stored before adjudication held the fingerprint key.
func legacyCard(digits string) domain.Document {
	return domain.Document{DocumentID: "doc-l", Type: domain.DocBankCard, AccountFingerprint: bankaccount.LegacyFingerprint("claim-1", digits),
		AccountLast4: digits[len(digits)-4:]}
}

// TestPaidToTheBankCardOnTheClaim: with a bank card on the claim, the
// agreement and the advance pay only its account, to the holder it names
// (issue 14); without one the other payee rules alone decide.
func TestPaidToTheBankCardOnTheClaim(t *testing.T) {
	const paid, other = "6222020200112233445", "6222021234567890128"
	stranger := domain.Document{DocumentID: "doc-x", Type: domain.DocBankCard,
		AccountFingerprint: fingerprints.Account("claim-2", paid), AccountLast4: "3445"}
	tests := []struct {
		name      string
		docs      []domain.Document
		payee     domain.PayeeInput
		wantField string // "" when paid
	}{
		{"no bank card on the claim", nil, payee(), ""},
		{"a card whose number was not read", []domain.Document{card("doc-c", "", "")}, payee(), ""},
		{"the card's account", []domain.Document{card("doc-c", paid, "张三")}, payee(), ""},
		{"the card's account written with spaces", []domain.Document{card("doc-c", paid, "张三")},
			withAccount(payee(), "6222 0202 0011 2233 445"), ""},
		{"the card's account, no holder printed", []domain.Document{card("doc-c", paid, "")}, payee(), ""},
		{"one of two cards", []domain.Document{card("doc-c", other, ""), card("doc-d", paid, "")}, payee(), ""},
		{"the holder padded as OCR reads it", []domain.Document{card("doc-c", paid, " 张\u3000三")}, payee(), ""},
		{"another account than the card's", []domain.Document{card("doc-c", other, "张三")}, payee(), "payee.account_number"},
		{"the card's account on another claim", []domain.Document{stranger}, payee(), "payee.account_number"},
		{"the card names another holder", []domain.Document{card("doc-c", paid, "李四")}, payee(), "payee.name"},
		{"the holder with an invisible character", []domain.Document{card("doc-c", paid, "张\u200b三")}, payee(), "payee.name"},
		// Stored before the fingerprint key (bankaccount.MatchStoredAccount):
		// compared under the old scheme, as the case's own record.
		{"the card's account stored unkeyed before the key", []domain.Document{legacyCard(paid)}, payee(), ""},
		{"another account than the card's stored unkeyed", []domain.Document{legacyCard(other)}, payee(), "payee.account_number"},
	}
	for _, tt := range tests {
		t.Run("agreement: "+tt.name, func(t *testing.T) {
			c := payeeCase(t, tt.docs...)
			_, err := c.RecordAgreement(handler, domain.AgreementInput{AgreedBy: "张三", Channel: "signed_form", Payee: tt.payee, Fingerprints: fingerprints}, 0, now)
			wantBankCardRule(t, err, tt.wantField)
			if tt.wantField != "" && (c.Agreement != nil || c.State != domain.StateApproved) {
				t.Fatalf("got %s with agreement %+v, want nothing recorded", c.State, c.Agreement)
			}
		})
		t.Run("advance: "+tt.name, func(t *testing.T) {
			c := caseIn(t, domain.StateUnderReview)
			c.Documents = append(c.Documents, tt.docs...)
			c.Changes = nil
			in := domain.AdvanceInput{AmountFen: 12_000, Reason: "已确定的住院费用", Payee: tt.payee, Fingerprints: fingerprints}
			_, _, err := c.ApproveAdvance(handler, authority, in, "adv-1", now)
			wantBankCardRule(t, err, tt.wantField)
			if tt.wantField != "" && (c.AdvancedFen() != 0 || len(c.Changes) != 0) {
				t.Fatalf("a refused advance changed the case: %d advanced, %d audit entries", c.AdvancedFen(), len(c.Changes))
			}
		})
	}
}

func withAccount(p domain.PayeeInput, account string) domain.PayeeInput {
	p.AccountNumber = account
	return p
}

// wantBankCardRule checks that err is nil when field is "", else the
// refusal of the bank-card rule on field, naming the rule.
func wantBankCardRule(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("got %v, want the payee accepted", err)
		}
		return
	}
	wantCode(t, err, apperr.PayeeNotEntitled, field)
	if field == "payee.account_number" && !strings.Contains(err.Error(), "the account is not the one on the bank card provided") {
		t.Errorf("got message %q, want it to name the rule: the account is not the one on the bank card provided", err)
	}
}

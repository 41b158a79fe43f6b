package document_test

import (
	"testing"

	"claims.local/pkg/document"
)

// TestExtractBankCard reads the account number and the holder of bank-card
// documents: card numbers only when their Luhn digit verifies, account
// numbers of an account certificate (账号) without it, 16 to 19 digits
// either way, and nothing from documents of other types.
func TestExtractBankCard(t *testing.T) {
	tests := []struct {
		name       string
		typ        document.Type
		text       string
		wantNumber string
		wantHolder string
	}{
		{"card number in groups of four", document.BankCard, "借记卡\n卡号：6222 0212 3456 7890 128\n持卡人：郑丽", "6222021234567890128", "郑丽"},
		{"dashes", document.BankCard, "卡号 6222-0212-3456-7890-128", "6222021234567890128", ""},
		{"16 digits", document.BankCard, "Card No. 4111 1111 1111 1111", "4111111111111111", ""},
		{"Luhn digit wrong: not a card number", document.BankCard, "卡号：6222 0212 3456 7890 127", "", ""},
		{"15 digits too few", document.BankCard, "卡号：6222 0212 3456 789", "", ""},
		{"20 digits too many", document.BankCard, "卡号：62220212345678901280", "", ""},
		{"expiry on the same line is not part of it", document.BankCard, "卡号 6222 0212 3456 7890 128 12/28", "6222021234567890128", ""},
		{"embossed number without label", document.BankCard, "中国银联 借记卡\n6222 0212 3456 7890 128\n", "6222021234567890128", ""},
		{"unlabelled run without groups is no card number", document.BankCard, "借记卡 6222021234567890128", "", ""},
		{"account number of a certificate needs no Luhn digit", document.BankCard, "开户证明\n户名：王建华\n账号：3205 0161 3600 0001 234",
			"3205016136000001234", "王建华"},
		{"account name label", document.BankCard, "账户名称：欧阳娜娜\n银行账号：6222021234567890128", "6222021234567890128", "欧阳娜娜"},
		{"colon read as semicolon", document.BankCard, "账户名称 ; 王建华", "", "王建华"},
		{"holder without colon", document.BankCard, "持卡人 郑丽 卡号 6222021234567890128", "6222021234567890128", "郑丽"},
		{"no holder printed", document.BankCard, "中国工商银行 借记卡\n6222 0212 3456 7890 128\n银联", "6222021234567890128", ""},
		{"full-width digits", document.BankCard, "卡号：６２２２ ０２１２ ３４５６ ７８９０ １２８", "6222021234567890128", ""},
		{"ID number on a bank card is not its number", document.BankCard, "身份证号：110105198506150014", "", ""},
		{"other types read no account", document.MedicalInvoice, "医保卡号：6222 0212 3456 7890 128\n持卡人：郑丽", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := document.Extract(tt.text, tt.typ)
			if f.AccountNumber != tt.wantNumber {
				t.Errorf("account number: got %q, want %q", f.AccountNumber, tt.wantNumber)
			}
			if f.AccountHolder != tt.wantHolder {
				t.Errorf("account holder: got %q, want %q", f.AccountHolder, tt.wantHolder)
			}
		})
	}
}

// TestClassifyAccountCertificate: a bank's account certificate (开户证明) is
// a bank-card document.
func TestClassifyAccountCertificate(t *testing.T) {
	if got, _ := document.Classify("中国建设银行 开户证明\n户名：王建华\n账号：3205 0161 3600 0001 234"); got != document.BankCard {
		t.Errorf("got %s, want %s", got, document.BankCard)
	}
}

package ocr_test

import (
	"testing"

	"claims.local/pkg/document"
	"claims.local/pkg/document/ocr"
	"claims.local/pkg/document/scantest"
)

// TestInspectBankCard reads a scanned debit card (a phone photo, JPEG) and
// a scanned account certificate (开户证明) with real Tesseract, each at a few
// noise seeds: the account number and the holder must be read exactly,
// since adjudication compares the payee's account with them.
func TestInspectBankCard(t *testing.T) {
	fonts := loadFonts(t)
	p := newPipeline(t, ocr.Config{Workers: 1})
	card := scantest.Samples()[7]
	for seed := range uint64(4) {
		for i, s := range []scantest.Sample{card, scantest.AccountCertificate()} {
			t.Run(s.Want.AccountHolder, func(t *testing.T) {
				data, _, err := scantest.Scan(fonts, s, seed*10+uint64(i))
				if err != nil {
					t.Fatal(err)
				}
				res, err := inspect(t, p, data)
				if err != nil {
					t.Fatal(err)
				}
				if res.Type != document.BankCard {
					t.Errorf("type: got %s, want %s\ntext: %q", res.Type, document.BankCard, res.Text)
				}
				if res.Fields.AccountNumber != s.Want.AccountNumber || res.Fields.AccountHolder != s.Want.AccountHolder {
					t.Errorf("got account %q holder %q, want %q %q\ntext: %q", res.Fields.AccountNumber, res.Fields.AccountHolder,
						s.Want.AccountNumber, s.Want.AccountHolder, res.Text)
				}
			})
		}
	}
}

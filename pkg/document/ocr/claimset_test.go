package ocr_test

import (
	"testing"

	"claims.local/pkg/document"
	"claims.local/pkg/document/ocr"
	"claims.local/pkg/document/scantest"
)

// TestAClaimSetReadsExactlyFromItsTextLayer: the documents issue 19's
// straight-through benchmark uploads, as electronic PDFs, read back as
// generated: the receipt's codes, patient, hospital, date, total and
// social-insurance split, the identity card's number, the bank card's
// account and holder, the diagnosis certificate's patient, each with
// confidence 1.
func TestAClaimSetReadsExactlyFromItsTextLayer(t *testing.T) {
	c := scantest.ClaimSet{InvoiceCode: "31060119", InvoiceNumber: "7000000042", CheckCode: "c00042", Institution: "上海市第六人民医院",
		Patient: "孙伟芳", Date: "2026-11-20", FundPaidFen: 60_000, PersonalCashFen: 40_000, SelfPayFen: 30_000, SelfFundedFen: 10_000,
		Insured: "孙伟芳", IDNumber: scantest.IDNumber(42), CardHolder: "孙伟芳", CardNumber: scantest.CardNumber(42)}
	p := newPipeline(t, ocr.Config{Workers: 1})
	read := func(lines []string, want document.Type) document.Fields {
		t.Helper()
		res, err := inspect(t, p, scantest.TextPDF(lines))
		if err != nil {
			t.Fatal(err)
		}
		if res.Type != want || res.RecognisedPages != 0 {
			t.Fatalf("got %s with %d pages recognised, want %s from the text layer", res.Type, res.RecognisedPages, want)
		}
		for name, src := range res.Fields.Sources {
			if src.Confidence != 1 {
				t.Errorf("%s: %s read with confidence %v, want 1", want, name, src.Confidence)
			}
		}
		return res.Fields
	}
	inv := read(c.InvoiceLines(), document.MedicalInvoice)
	if inv.InvoiceCode != c.InvoiceCode || inv.InvoiceNumber != c.InvoiceNumber || inv.CheckCode != c.CheckCode || inv.PatientName != c.Patient ||
		inv.Institution != c.Institution || inv.EventDate.String() != c.Date || inv.TotalAmountFen != c.TotalFen() {
		t.Errorf("receipt: got %+v, want the truth %+v", inv, c)
	}
	if inv.Invoice == nil || inv.Invoice.Split == nil || !inv.Invoice.SumsAgree {
		t.Fatalf("receipt: got details %+v, want a split whose sums agree", inv.Invoice)
	}
	if s := inv.Invoice.Split; s.FundPaidFen != c.FundPaidFen || s.PersonalCashFen != c.PersonalCashFen || s.SelfPayFen != c.SelfPayFen || s.SelfFundedFen != c.SelfFundedFen {
		t.Errorf("split: got %+v, want fund %d, cash %d, self-pay %d, self-funded %d", *s, c.FundPaidFen, c.PersonalCashFen, c.SelfPayFen, c.SelfFundedFen)
	}
	if id := read(c.IDCardLines(), document.IDCard); id.IDNumber != c.IDNumber {
		t.Errorf("ID card: got %q, want %q", id.IDNumber, c.IDNumber)
	}
	if card := read(c.BankCardLines(), document.BankCard); card.AccountNumber != c.CardNumber || card.AccountHolder != c.CardHolder {
		t.Errorf("bank card: got %s of %s, want %s of %s", card.AccountNumber, card.AccountHolder, c.CardNumber, c.CardHolder)
	}
	if d := read(c.DiagnosisLines(), document.DiagnosisCertificate); d.PatientName != c.Patient {
		t.Errorf("diagnosis: got patient %q, want %q", d.PatientName, c.Patient)
	}
}

package ocr_test

import (
	"slices"
	"testing"

	"claims.local/pkg/document/ocr"
	"claims.local/pkg/document/scantest"
)

// TestATotalChiSimLeftUnreadIsReadAgainAndCorroborated reads the receipts
// of issue 19's straight-through benchmark (round 0's clean scanned claims
// 50, 132, 232 and 514) whose total chi_sim reads as 涪,000.00 (¥1 as one
// Han character) and whose capitals 壹仟元整 it misreads: with no figures
// model the total stays unread; with eng reading the figures' line again,
// it is read as printed and corroborated by the charges and the payments.
// Each case first checks that chi_sim did leave the total unread, so that
// the test can fail.
func TestATotalChiSimLeftUnreadIsReadAgainAndCorroborated(t *testing.T) {
	fonts := loadFonts(t)
	without := newPipeline(t, ocr.Config{Workers: 1})
	with := newPipeline(t, ocr.Config{Workers: 1, FiguresLanguage: "eng"})
	for _, i := range []int{50, 132, 232, 514} {
		c := lookAlikeSet(i, lookAlikeName(i))
		data := scanOf(t, fonts, c, 0, scantest.Scanned(uint64(i)))
		res, err := inspect(t, without, data)
		if err != nil {
			t.Fatal(err)
		}
		if f := res.Fields; f.HasAmount || slices.Contains(f.Corroborated(), "total_amount_fen") {
			t.Fatalf("receipt %d: got the total read %d (corroborated %v) by chi_sim alone, want it unread (the case needs it)", i, f.TotalAmountFen, f.Corroborated())
		}
		res, err = inspect(t, with, data)
		if err != nil {
			t.Fatal(err)
		}
		f := res.Fields
		if res.FiguresReadings != 1 || !f.HasAmount || f.TotalAmountFen != c.TotalFen() || !slices.Contains(f.Corroborated(), "total_amount_fen") {
			t.Errorf("receipt %d: got %d figures readings, total %v %d, corroborated %v; want 1, %d corroborated",
				i, res.FiguresReadings, f.HasAmount, f.TotalAmountFen, f.Corroborated(), c.TotalFen())
		}
	}
}

// TestAlteredFiguresReadAgainStayUncorroborated is the attack: a
// scanned receipt whose figures were altered (¥1,600.00 over charges and
// payments of 1,000 yuan), and one whose charges were (西药费 1,200.00,
// the figures and payments 1,000), read by the pipeline with the figures
// model: the total is never corroborated, whichever way each line is read.
// The weaker rule (a second reading of the figures taken alone) would
// corroborate both.
func TestAlteredFiguresReadAgainStayUncorroborated(t *testing.T) {
	fonts := loadFonts(t)
	p := newPipeline(t, ocr.Config{Workers: 1, FiguresLanguage: "eng"})
	for _, tc := range []struct {
		name string
		i    int
		edit func([]string) []string
	}{
		{"figures altered to 1,600.00", 50, func(l []string) []string {
			return replaceLine(l, "合计（小写）：", "合计（小写）：¥1,600.00")
		}},
		{"figures altered to 1,600.00 on a page chi_sim reads well", 5, func(l []string) []string {
			return replaceLine(l, "合计（小写）：", "合计（小写）：¥1,600.00")
		}},
		{"the drugs' charge altered to 1,200.00", 132, func(l []string) []string {
			return replaceLine(l, "西药费", "西药费 1200.00    检查费 400.00")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := lookAlikeSet(tc.i, lookAlikeName(tc.i))
			img, err := scantest.Render(fonts, tc.edit(c.InvoiceLines()), scantest.Scanned(uint64(tc.i)))
			if err != nil {
				t.Fatal(err)
			}
			data, err := scantest.PNG(img)
			if err != nil {
				t.Fatal(err)
			}
			res, err := inspect(t, p, data)
			if err != nil {
				t.Fatal(err)
			}
			if f := res.Fields; slices.Contains(f.Corroborated(), "total_amount_fen") {
				t.Errorf("got the total %d corroborated (%d figures readings), want it left in doubt", f.TotalAmountFen, res.FiguresReadings)
			}
		})
	}
}

// replaceLine returns lines with the line starting with prefix replaced.
func replaceLine(lines []string, prefix, with string) []string {
	out := slices.Clone(lines)
	for i, l := range out {
		if len(l) >= len(prefix) && l[:len(prefix)] == prefix {
			out[i] = with
		}
	}
	return out
}

// TestACardNumberChiSimLeftUnreadIsReadAgain reads the bank card of issue
// 19's straight-through benchmark (round 0's clean scanned claim 341)
// whose number chi_sim reads as 6222 1670 0612 6539. .899 (no number):
// with the figures model, eng reads the line again as the same 19 digits,
// and the number is taken. The case first checks that chi_sim alone
// leaves it unread, so that the test can fail.
func TestACardNumberChiSimLeftUnreadIsReadAgain(t *testing.T) {
	fonts := loadFonts(t)
	c := lookAlikeSet(341, lookAlikeName(341))
	data := scanOf(t, fonts, c, 2, scantest.Scanned(341+2))
	res, err := inspect(t, newPipeline(t, ocr.Config{Workers: 1}), data)
	if err != nil {
		t.Fatal(err)
	}
	if res.Fields.AccountNumber != "" {
		t.Fatalf("got the number %q read by chi_sim alone, want it unread (the case needs it)", res.Fields.AccountNumber)
	}
	res, err = inspect(t, newPipeline(t, ocr.Config{Workers: 1, FiguresLanguage: "eng"}), data)
	if err != nil {
		t.Fatal(err)
	}
	if f := res.Fields; f.AccountNumber != c.CardNumber || !slices.Contains(f.SecondReading, "account_number") || !slices.Contains(f.Corroborated(), "account_number") {
		t.Fatalf("got number %q (second reading %v), want %s read twice alike", f.AccountNumber, f.SecondReading, c.CardNumber)
	}
	t.Logf("read again at %+v", res.Fields.Sources["account_number"])
}

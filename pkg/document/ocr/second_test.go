package ocr_test

import (
	"fmt"
	"slices"
	"testing"

	"claims.local/pkg/document/ocr"
	"claims.local/pkg/document/scantest"
)

// secondModelReceipt is issue 19's benchmark receipt of claimant i of its
// first round, as a scan.
func secondModelReceipt(i int) scantest.ClaimSet {
	given := []rune("伟芳娜洋静帆磊敏杰刚丽超琳斌鹏平翔峰兰军")
	name := string([]rune{'孙', given[i/400%20], given[i/20%20], given[i%20]})
	return scantest.ClaimSet{InvoiceCode: "31060119", InvoiceNumber: fmt.Sprintf("%010d", 7_000_000_000+i), CheckCode: fmt.Sprintf("c%05d", i),
		Institution: "上海市第六人民医院", Patient: name, Date: "2026-11-20", FundPaidFen: 60_000, PersonalCashFen: 40_000, SelfPayFen: 30_000, SelfFundedFen: 10_000}
}

// TestASecondModelReadsOnlyANameInDoubt reads benchmark receipts with the
// second model (HanS) configured: a name read at or above the floor is not
// read again; a name read right below it on a clean scan is, and the
// second model's reading of its line confirms it; the attack: a grainy
// receipt (the benchmark's unreadable page) whose name chi_sim read right
// below the floor, which HanS reads the same on its line, gets no second
// reading, its page being in doubt, so its name stays in doubt.
func TestASecondModelReadsOnlyANameInDoubt(t *testing.T) {
	fonts := loadFonts(t)
	p := newPipeline(t, ocr.Config{Workers: 1, SecondLanguage: "HanS"})
	for _, tc := range []struct {
		name      string
		i         int
		grainy    bool
		reads     int
		confirmed bool
	}{
		{"a name read sure", 0, false, 0, false},
		{"a name read right below the floor", 41, false, 1, true},
		{"a grainy receipt's name read right below the floor", 649, true, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := secondModelReceipt(tc.i)
			style := scantest.Scanned(uint64(tc.i))
			if tc.grainy {
				style.Noise, style.Speckles = 80, 0.02
			}
			res := readReceipt(t, p, fonts, c, style)
			f := res.Fields
			t.Logf("read %s at %.2f", f.PatientName, f.Sources["patient_name"].Confidence)
			if f.PatientName != c.Patient {
				t.Fatalf("got the name read %q, want %q (the case needs it read right)", f.PatientName, c.Patient)
			}
			if below := f.Sources["patient_name"].Confidence < floor; below != (tc.i != 0) {
				t.Fatalf("got the name read at %v, want it below %v: %v", f.Sources["patient_name"].Confidence, floor, tc.i != 0)
			}
			if res.SecondReadings != tc.reads {
				t.Errorf("got %d second readings, want %d", res.SecondReadings, tc.reads)
			}
			if got := slices.Contains(f.SecondReading, "patient_name"); got != tc.confirmed {
				t.Errorf("got the name confirmed by the second model %v, want %v", got, tc.confirmed)
			}
			if got := slices.Contains(f.Corroborated(), "patient_name"); got != tc.confirmed {
				t.Errorf("got patient_name corroborated %v, want %v", got, tc.confirmed)
			}
		})
	}
}

// TestTheSecondModelConfirmsNoLookAlikeName is the attack of another
// person's document claimed for an insured whose name is one character
// off theirs by a similar-looking one (issue 19, measured by
// BenchmarkLookAlikeNames): chi_sim reads the other person's name (张磊,
// 王鹏, 孙磊敏杰) as the insured's (张舌, 王胸, 孙舌敏杰) below the floor,
// on a page not in doubt, so the second model reads the line again; it
// reads the name printed, and the insured's name stays unconfirmed (a
// handler decides). Each case first checks that chi_sim did misread it
// into the insured's name, so that the test can fail.
func TestTheSecondModelConfirmsNoLookAlikeName(t *testing.T) {
	fonts := loadFonts(t)
	p := newPipeline(t, ocr.Config{Workers: 1, SecondLanguage: "HanS"})
	for _, tc := range lookAlikeCases() {
		t.Run(tc.name, func(t *testing.T) {
			res, err := inspect(t, p, scanOf(t, fonts, lookAlikeSet(tc.set, tc.printed), tc.doc, scantest.Scanned(tc.seed)))
			if err != nil {
				t.Fatal(err)
			}
			f := res.Fields
			read := f.PatientName
			if tc.field == "holder_name" {
				read = f.IDCardName
			}
			if read != tc.insured || f.Sources[tc.field].Confidence >= floor {
				t.Fatalf("got %s read %q at %v, want it misread as the insured's %q below %v (the case needs it)", tc.field, read, f.Sources[tc.field].Confidence, tc.insured, floor)
			}
			if res.SecondReadings != 1 {
				t.Errorf("got %d second readings, want 1 (a name in doubt on a page not in doubt)", res.SecondReadings)
			}
			if slices.Contains(f.SecondReading, tc.field) || slices.Contains(f.Corroborated(), tc.field) {
				t.Errorf("got %s %q confirmed by the second model, want another person's name left in doubt", tc.field, read)
			}
		})
	}
}

package ocr_test

import (
	"slices"
	"testing"

	"claims.local/pkg/document"
	"claims.local/pkg/document/ocr"
	"claims.local/pkg/document/scantest"
)

// lookAlikeCase is a page of another person whose name is one character
// off the insured's by a similar-looking one, claimed for the insured:
// printed is the name on the page, insured the claimant's, set the
// lookAlikeSet it prints, doc which of its documents (scanOf), seed its
// render's and field the name's field.
type lookAlikeCase struct {
	name             string
	printed, insured string
	set              int
	doc              int
	seed             uint64
	field            string
}

// lookAlikeCases are the five look-alike pages the OCR tests' attacks
// read (TestANameReadAgainAloneConfirmsNoLookAlikeName,
// TestTheSecondModelConfirmsNoLookAlikeName,
// TestTheNamesModelReadsNoLookAlikeAsTheInsured): Debian's chi_sim reads
// each printed name (张磊, 王鹏, 孙磊敏杰) as the insured's (张舌, 王胸,
// 孙舌敏杰) below the floor.
func lookAlikeCases() []lookAlikeCase {
	return []lookAlikeCase{
		{"a receipt of 张磊 claimed by 张舌", "张磊", "张舌", 5001, 0, 5120, "patient_name"},
		{"an identity card of 王鹏 claimed by 王胸", "王鹏", "王胸", 5003, 1, 5311, "holder_name"},
		{"a receipt of 孙磊敏杰 claimed by 孙舌敏杰", "孙磊敏杰", "孙舌敏杰", 5008, 0, 5800, "patient_name"},
		{"an identity card of 孙磊敏杰 claimed by 孙舌敏杰", "孙磊敏杰", "孙舌敏杰", 5008, 1, 5801, "holder_name"},
		{"a diagnosis certificate of 孙磊敏杰 claimed by 孙舌敏杰", "孙磊敏杰", "孙舌敏杰", 5008, 3, 5803, "patient_name"},
	}
}

// TestANameReadAgainAloneConfirmsNoLookAlikeName is the attack of another
// person's document claimed for an insured whose name is one character
// off theirs by a similar-looking one (the cases of
// TestTheSecondModelConfirmsNoLookAlikeName): chi_sim reads the other
// person's name (张磊, 王鹏, 孙磊敏杰) as the insured's (张舌, 王胸, 孙舌敏杰)
// below the floor; the value read again alone, enlarged, by chi_sim
// without dictionaries must not confirm it. Each case first checks that
// the first reading did misread it into the insured's name, so that the
// test can fail.
func TestANameReadAgainAloneConfirmsNoLookAlikeName(t *testing.T) {
	fonts := loadFonts(t)
	p := newPipeline(t, ocr.Config{Workers: 1, RereadNames: true})
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
			if res.NameRereadings == 0 {
				t.Errorf("got no name read again, want %s read again (a name on a page not in doubt)", tc.field)
			}
			for _, r := range f.NameRereadings {
				t.Logf("%s first %q at %.2f, again %q at %.2f: %s", r.Field, r.First, r.FirstConfidence, r.Again, r.At.Confidence, r.Outcome)
			}
			if slices.Contains(f.SecondReading, tc.field) || slices.Contains(f.Corroborated(), tc.field) {
				t.Errorf("got %s %q confirmed by the second reading, want another person's name left in doubt", tc.field, read)
			}
			if !slices.ContainsFunc(f.NameRereadings, func(r document.NameRereading) bool { return r.Field == tc.field }) {
				t.Errorf("got no second reading of %s kept", tc.field)
			}
		})
	}
}

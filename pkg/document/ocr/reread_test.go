package ocr_test

import (
	"context"
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

// TestATightCropConfirmsNoNameTheFirstReadingReadACharacterShort is the
// attack on reading a name's value again without the ink after it
// (confirmWithoutAround): a person's name the fast model read a character
// short, placing nothing on the last one (as it placed no character on
// 洋 on the bank card of 孙芳磊洋, s15n), claimed for an insured named
// with the shorter name (孙伟伟 for 孙伟伟鹏's receipt, claim 14 of
// BenchmarkStraightThrough). The names' model reads the whole name, in
// doubt, on nameCrop's crop; the tight crop, ending at the first
// reading's last character, reads the shorter name sure and would confirm
// it. The reading must stay the whole name's (its dispute kept). The
// case first checks that the tight crop does read the shorter name sure,
// so that the test can fail.
func TestATightCropConfirmsNoNameTheFirstReadingReadACharacterShort(t *testing.T) {
	fonts := loadFonts(t)
	p := newPipeline(t, ocr.Config{Workers: 1, NamesModelDir: namesModelDir(t)})
	const claim = 14
	printed := lookAlikeName(claim)
	short, dropped := string([]rune(printed)[:3]), string([]rune(printed)[3])
	scan := scanOf(t, fonts, benchmarkSet(claim, strokeAfterNameDay), 0, scantest.Scanned(claim))
	res := inspectLogged(t, p, scan)
	src, ok := res.Fields.Sources["patient_name"]
	if !ok || res.Fields.PatientName != printed {
		t.Fatalf("got patient_name %q, want %q read and located (the case needs it)", res.Fields.PatientName, printed)
	}
	// The first reading as if the fast model had placed nothing on the
	// name's last character: its word gone, the name's box ending before
	// its centre.
	page := res.PageTexts[src.Page-1]
	var last document.Box
	for i, l := range page.Lines {
		page.Lines[i].Words = slices.DeleteFunc(slices.Clone(l.Words), func(w document.Word) bool {
			if w.Text == dropped && inBox(src.Box, w.Box) {
				last = w.Box
				return true
			}
			return false
		})
	}
	if last.W == 0 {
		t.Fatalf("got no word %q in %+v, want the name's last character read as a word (the case needs it)", dropped, src.Box)
	}
	shortBox := src.Box
	shortBox.W = last.X + last.W/2 - shortBox.X
	upright := scantest.TurnClockwise(decodeGray(t, scan), page.Rotation)
	ctx := context.Background()
	tight, err := ocr.RecogniseLine(p, ctx, ocr.TightNameCrop(upright, page, shortBox, ocr.RereadHeight))
	if err != nil {
		t.Fatal(err)
	}
	if !document.SameNameRead(short, document.Reading(tight)) || document.LeastSure(tight) < 0.8 {
		t.Fatalf("got the tight crop read %q at %.2f, want %q sure (the case needs it)", document.Reading(tight), document.LeastSure(tight), short)
	}
	wide := []document.Line{{Text: printed, Confidence: 0.5, Words: []document.Word{{Text: printed, Confidence: 0.5}}}}
	got, err := ocr.ConfirmWithoutAround(p, ctx, wide, upright, page, shortBox, short)
	if err != nil {
		t.Fatal(err)
	}
	if document.Reading(got) != printed {
		t.Errorf("got the reading used %q at %.2f, want %q kept (the character the first reading left out not cut off)", document.Reading(got), document.LeastSure(got), printed)
	}
}

package document_test

import (
	"slices"
	"testing"

	"claims.local/pkg/document"
)

// TestANameReadAgainAloneConfirmsNothing is the table of issue 19's second
// reading of a name's value alone: it is kept beside the first, and it
// neither replaces nor confirms it. The attacks: a look-alike's name read
// again as the insured's (a replacing rule failed it), the same model
// repeating its own misread of a look-alike's name, sure (a confirming
// rule failed it: BenchmarkNameCropReread measured it on 8 of 10 such
// names).
func TestANameReadAgainAloneConfirmsNothing(t *testing.T) {
	box := document.Box{X: 120, Y: 40, W: 80, H: 22}
	for _, tc := range []struct {
		name      string
		first     string
		firstConf float64
		again     string
		againConf float64
		outcome   string
		confirmed bool
	}{
		{"a name read in doubt, read again the same and sure", "孙芳鹏翔", 0.69, "孙芳鹏翔", 0.86, document.RereadSame, false},
		{"marks and a space around the value read again", "孙芳鹏翔", 0.69, "“孙芳 鹏翔.", 0.86, document.RereadSame, false},
		{"the same name read again, itself in doubt", "孙芳鹏翔", 0.69, "孙芳鹏翔", 0.79, document.RereadSame, false},
		{"a name read sure, read again the same", "孙芳鹏翔", 0.91, "孙芳鹏翔", 0.93, document.RereadSame, false},
		// Attacks: nothing the second reading gives replaces or confirms
		// the first.
		{"a look-alike's name (孙磊敏杰) misread as the insured's (孙舌敏杰) twice, the second sure", "孙舌敏杰", 0.69, "孙舌敏杰", 0.94, document.RereadSame, false},
		{"a look-alike's name (张传) read again as the insured's (张伟)", "张传", 0.72, "张伟", 0.95, document.RereadDiffers, false},
		{"the insured's name misread (孙伟丽胸), read again right (孙伟丽鹏)", "孙伟丽胸", 0.74, "孙伟丽鹏", 0.95, document.RereadDiffers, false},
		{"another person's name read again as another", "钱多多", 0.7, "钱多", 0.95, document.RereadDiffers, false},
		{"a character more read again", "张三", 0.7, "张三丰", 0.95, document.RereadDiffers, false},
		{"nothing read again", "张三", 0.7, "", 0, document.RereadDiffers, false},
		{"the label read with the value", "张三", 0.7, "姓名张三", 0.95, document.RereadDiffers, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := document.Fields{PatientName: tc.first, Sources: map[string]document.Source{"patient_name": {Page: 1, Box: box, Confidence: tc.firstConf}}}
			at := document.Source{Page: 1, Box: box, Confidence: tc.againConf}
			if got := f.RereadName("patient_name", tc.again, at); got != tc.outcome {
				t.Errorf("got outcome %q, want %q", got, tc.outcome)
			}
			if f.PatientName != tc.first {
				t.Errorf("got the patient %q, want %q as first read", f.PatientName, tc.first)
			}
			if got := slices.Contains(f.Corroborated(), "patient_name"); got != tc.confirmed {
				t.Errorf("got the name corroborated %v, want %v", got, tc.confirmed)
			}
			if len(f.NameRereadings) != 1 || f.NameRereadings[0].First != tc.first || f.NameRereadings[0].FirstConfidence != tc.firstConf ||
				f.NameRereadings[0].At != at || f.NameRereadings[0].Outcome != tc.outcome {
				t.Errorf("got the readings kept as %+v, want the first (%s at %.2f) beside the second at %+v", f.NameRereadings, tc.first, tc.firstConf, at)
			}
		})
	}
}

// TestOnlyANameReadAndLocatedIsReadAgain: a name not located (read from a
// text without pages) or not read is not read again.
func TestOnlyANameReadAndLocatedIsReadAgain(t *testing.T) {
	f := document.Fields{PatientName: "张三", AccountHolder: "李四", Sources: map[string]document.Source{"holder_name": {Page: 1}}}
	if got := document.NameFields(f); !slices.Equal(got, []string{"holder_name"}) {
		t.Errorf("got %v, want [holder_name]", got)
	}
	if got := f.RereadName("patient_name", "张三", document.Source{Confidence: 0.95}); got != "" || len(f.NameRereadings) != 0 {
		t.Errorf("got outcome %q and %d readings kept, want none for a name not located", got, len(f.NameRereadings))
	}
}

// TestTwoReadingsGiveOneNameOnlyWhenTheirHanCharactersAgree is what the
// names' model's second scale must agree on before its reading is taken
// (ocr's rescaleUnsure): the same Han characters, marks and spaces aside;
// another character, one more or none is not the same name.
func TestTwoReadingsGiveOneNameOnlyWhenTheirHanCharactersAgree(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"孙 芳 磊 洋", "孙芳磊洋", true},
		{"孙 芳 磊 洋 ;", "孙芳磊洋", true},
		{"孙 芳 磊 洋", "孙芳舌洋", false},
		{"孙 芳 磊", "孙芳磊洋", false},
		{";", ";", false},
		{"", "", false},
	} {
		if got := document.SameNameRead(tc.a, tc.b); got != tc.want {
			t.Errorf("got SameNameRead(%q, %q) %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestANameReadWithMoreAroundItIsTheFirstNameWholeWithCharactersBeforeOrAfter
// is when the names' model's reading is read again on a tighter crop (ocr's
// confirmWithoutAround): the first reading's name whole, with characters
// only after it or only before it; a character changed inside the name,
// one fewer, characters on both sides or the same name are not.
func TestANameReadWithMoreAroundItIsTheFirstNameWholeWithCharactersBeforeOrAfter(t *testing.T) {
	for _, tc := range []struct {
		first, again string
		want         bool
	}{
		{"孙芳刚翔", "孙芳刚翔一", true},
		{"孙芳刚翔", "孙芳刚翔 一 .", true},
		{"孙芳刚翔", "一孙芳刚翔", true},
		{"张舌", "张舌禄", true},
		{"孙芳刚翔", "孙芳刚翔", false},
		{"孙芳刚翔", "孙芳刚", false},
		{"张舌", "磊张禄", false},
		{"张舌", "张磊禄", false},
		{"孙芳刚翔", "孙芳一刚翔", false},
		{"孙芳刚翔", "一孙芳刚翔一", false},
		{"孙芳刚翔", "", false},
		{"", "一", false},
	} {
		if got := document.NameReadWithMoreAround(tc.first, tc.again); got != tc.want {
			t.Errorf("got NameReadWithMoreAround(%q, %q) %v, want %v", tc.first, tc.again, got, tc.want)
		}
	}
}

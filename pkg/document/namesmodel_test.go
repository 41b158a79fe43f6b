package document_test

import (
	"slices"
	"testing"

	"claims.local/pkg/document"
)

// TestTheNamesModelsSureReadingIsTheNameUsed is the table of
// Fields.TakeNameReading: a name the names' model (a recogniser other
// than the one that read the page) reads at the floor or more is the
// name used and confirmed, whichever name it gives; below the floor, or
// nothing read, the first reading stays as it was, unconfirmed. The
// first reading is kept beside it either way. That it may replace the
// first reading with the insured's name is measured, not assumed: it
// read no look-alike person's name as the insured's
// (BenchmarkOtherRecogniser); the attack pages are in package ocr
// (TestTheNamesModelReadsNoLookAlikeAsTheInsured).
func TestTheNamesModelsSureReadingIsTheNameUsed(t *testing.T) {
	box := document.Box{X: 120, Y: 40, W: 80, H: 22}
	const sure = 0.8
	for _, tc := range []struct {
		name      string
		typ       string
		first     string
		firstConf float64
		again     string
		againConf float64
		want      string
		wantConf  float64
		outcome   string
		confirmed bool
	}{
		{"a misread name (孙伟平胸) read right and sure", "patient", "孙伟平胸", 0.84, "孙伟平鹏", 0.93, "孙伟平鹏", 0.93, document.RereadTaken, true},
		{"a name read right in doubt, read the same and sure", "patient", "孙伟鹏翔", 0.71, "孙伟鹏翔", 0.86, "孙伟鹏翔", 0.71, document.RereadConfirmed, true},
		{"marks around the value", "patient", "孙伟鹏翔", 0.71, "“孙伟鹏翔,", 0.86, "孙伟鹏翔", 0.71, document.RereadConfirmed, true},
		{"an identity card's misread name read right", "id", "孙传敏芳", 0.74, "孙伟敏芳", 0.9, "孙伟敏芳", 0.9, document.RereadTaken, true},
		{"a bank card's holder read right", "bank", "孙伟帆胸", 0.9, "孙伟帆鹏", 0.86, "孙伟帆鹏", 0.86, document.RereadTaken, true},
		// The names' model's reading is a witness only when sure; another
		// name it reads in doubt disputes the first reading, which keeps
		// its name at the lower confidence, unconfirmed.
		{"a misread name read right below the floor", "patient", "孙伟平胸", 0.84, "孙伟平鹏", 0.79, "孙伟平胸", 0.79, document.RereadDisputed, false},
		{"a look-alike's card (张磊) read sure as the insured's (张舌), read otherwise in doubt", "bank", "张舌", 0.86, "磊张禄", 0.48, "张舌", 0.48, document.RereadDisputed, false},
		{"the same name below the floor", "patient", "孙伟鹏翔", 0.71, "孙伟鹏翔", 0.5, "孙伟鹏翔", 0.71, document.RereadSame, false},
		{"nothing read", "patient", "孙伟鹏翔", 0.71, "", 0, "孙伟鹏翔", 0.71, document.RereadDiffers, false},
		{"marks only, sure", "patient", "孙伟鹏翔", 0.71, "“,", 0.95, "孙伟鹏翔", 0.71, document.RereadDiffers, false},
		// A look-alike (孙磊敏杰) the fast model read as the insured's
		// (孙舌敏杰), read by the names' model as printed: the other
		// person's name is used.
		{"a look-alike read as printed, sure", "patient", "孙舌敏杰", 0.69, "孙磊敏杰", 0.92, "孙磊敏杰", 0.92, document.RereadTaken, true},
		{"a name read right and sure, read otherwise and sure", "patient", "孙娜刚翔", 0.89, "孙娜阶翔", 0.86, "孙娜阶翔", 0.86, document.RereadTaken, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := document.Fields{Sources: map[string]document.Source{}}
			field := "patient_name"
			switch tc.typ {
			case "patient":
				f.PatientName = tc.first
			case "id":
				f.IDCardName, field = tc.first, "holder_name"
			case "bank":
				f.AccountHolder, field = tc.first, "holder_name"
			}
			f.Sources[field] = document.Source{Page: 1, Box: box, Confidence: tc.firstConf}
			got := f.TakeNameReading(field, tc.again, document.Source{Page: 1, Box: box, Confidence: tc.againConf}, sure)
			if got != tc.outcome {
				t.Errorf("got outcome %q, want %q", got, tc.outcome)
			}
			name := map[string]string{"patient": f.PatientName, "id": f.IDCardName, "bank": f.AccountHolder}[tc.typ]
			if name != tc.want || f.Sources[field].Confidence != tc.wantConf {
				t.Errorf("got %s %q at %v, want %q at %v", field, name, f.Sources[field].Confidence, tc.want, tc.wantConf)
			}
			if c := slices.Contains(f.Corroborated(), field); c != tc.confirmed {
				t.Errorf("got %s corroborated %v, want %v", field, c, tc.confirmed)
			}
			if len(f.NameRereadings) != 1 || f.NameRereadings[0].First != tc.first || f.NameRereadings[0].Outcome != tc.outcome {
				t.Errorf("got readings kept %+v, want the first reading %q kept with outcome %q", f.NameRereadings, tc.first, tc.outcome)
			}
		})
	}
}

// TestANameTheNamesModelReadsOtherwiseInDoubtIsNotConfidentlyRead is the
// attack of issue 19's one look-alike page that passed through the
// pipeline (BenchmarkNamesModelOnLookAlikes, s15n): 张磊's bank card,
// claimed for an insured named 张舌, read 张舌 at 0.86 by the fast model
// and 磊张禄 at 0.48 by the names' model, the fast reading standing as
// sure. Two recognisers reading two names is no confident reading,
// whichever is the surer: the name's confidence must fall to the lower,
// no second model's confirmation of it may stand (HanS agreeing with the
// fast model, SecondReading), and the dispute, with both readings, must
// be listed for a person (DisputedNames).
func TestANameTheNamesModelReadsOtherwiseInDoubtIsNotConfidentlyRead(t *testing.T) {
	box := document.Box{X: 120, Y: 40, W: 80, H: 22}
	f := document.Fields{AccountHolder: "张舌", Sources: map[string]document.Source{"holder_name": {Page: 1, Box: box, Confidence: 0.86}}}
	f.ConfirmSecondReading("holder_name")
	got := f.TakeNameReading("holder_name", "磊张禄", document.Source{Page: 1, Box: box, Confidence: 0.48}, 0.8)
	if got != document.RereadDisputed {
		t.Errorf("got outcome %q, want %q", got, document.RereadDisputed)
	}
	if f.AccountHolder != "张舌" || f.Sources["holder_name"].Confidence != 0.48 {
		t.Errorf("got holder %q at %v, want %q at 0.48 (the lower of the two readings)", f.AccountHolder, f.Sources["holder_name"].Confidence, "张舌")
	}
	if slices.Contains(f.Corroborated(), "holder_name") || slices.Contains(f.SecondReading, "holder_name") {
		t.Errorf("got holder_name corroborated %v, second reading %v; want neither: the names' model disputes it", f.Corroborated(), f.SecondReading)
	}
	d := f.DisputedNames()
	if len(d) != 1 || d[0].Field != "holder_name" || d[0].First != "张舌" || d[0].FirstConfidence != 0.86 || d[0].Again != "磊张禄" || d[0].At.Confidence != 0.48 {
		t.Errorf("got disputed names %+v, want holder_name 张舌 at 0.86 against 磊张禄 at 0.48", d)
	}
	for _, tc := range []struct{ name, again string }{{"the same name in doubt", "张舌"}, {"nothing read", ""}, {"marks only", "“,"}} {
		g := document.Fields{AccountHolder: "张舌", Sources: map[string]document.Source{"holder_name": {Page: 1, Box: box, Confidence: 0.86}}}
		g.TakeNameReading("holder_name", tc.again, document.Source{Page: 1, Box: box, Confidence: 0.48}, 0.8)
		if d := g.DisputedNames(); len(d) != 0 || g.Sources["holder_name"].Confidence != 0.86 {
			t.Errorf("%s: got disputed %+v at %v, want none, the first reading at 0.86", tc.name, d, g.Sources["holder_name"].Confidence)
		}
	}
}

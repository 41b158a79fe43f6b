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
		// The names' model's reading is a witness only when sure.
		{"a misread name read right below the floor", "patient", "孙伟平胸", 0.84, "孙伟平鹏", 0.79, "孙伟平胸", 0.84, document.RereadDiffers, false},
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

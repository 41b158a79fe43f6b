package document

import (
	"slices"
	"testing"
)

// TestANameAfterALabelOCRReadWithASemicolon: OCR reads the colon after a
// label as a semicolon at times ("交款人 ; 王芳"); the name is read all the
// same, and the label stays a label in running text without one.
func TestANameAfterALabelOCRReadWithASemicolon(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"交款人 ; 王芳", []string{"王芳"}},
		{"交款人；王芳", []string{"王芳"}},
		{"患者;李建国 性别;男", []string{"李建国"}},
		{"当事人承担相应责任", nil},
	} {
		got := Extract(tc.text, MedicalInvoice).Names
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: got names %v, want %v", tc.text, got, tc.want)
		}
	}
}

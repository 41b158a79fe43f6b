package ocr_test

import (
	"testing"

	"claims.local/pkg/document"
	"claims.local/pkg/document/ocr"
	"claims.local/pkg/document/scantest"
)

// TestATurnedPageReadAsAlmostNothingIsTurned: an ID card turned by 90
// degrees that Tesseract reads as a single character with a confidence
// above the orientation threshold (upload 190 of BenchmarkDocuments) is
// still shown to OSD, turned upright and read.
func TestATurnedPageReadAsAlmostNothingIsTurned(t *testing.T) {
	fonts := loadFonts(t)
	p := newPipeline(t, ocr.Config{Workers: 1})
	const seed = 1190
	s := scantest.Variant(scantest.Samples()[0], seed)
	img, err := scantest.RenderDefect(fonts, s.Lines, scantest.Rotated90, seed)
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := scantest.EncodeDefect(img, scantest.Rotated90, seed)
	if err != nil {
		t.Fatal(err)
	}
	res, err := inspect(t, p, data)
	if err != nil {
		t.Fatal(err)
	}
	if res.Type != document.IDCard || res.PageTexts[0].Rotation != 270 {
		t.Fatalf("got type %s, rotation %d, want %s turned by 270\ntext: %q", res.Type, res.PageTexts[0].Rotation, document.IDCard, res.Text)
	}
	if res.Fields.IDNumber != s.Want.IDNumber {
		t.Errorf("got ID number %q, want %q\ntext: %q", res.Fields.IDNumber, s.Want.IDNumber, res.Text)
	}
}

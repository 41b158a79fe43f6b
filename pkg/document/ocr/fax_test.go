package ocr

import (
	"image"
	"testing"

	"claims.local/pkg/document/scantest"
)

// TestLooksLikeFax: a 150-dpi bi-level page with speckles and lost lines
// (scantest.Fax) is taken for a fax; a gray scan, a bi-level page at 300
// dpi (text twice as high) and a blank page are not, so that only faxes
// are enlarged.
func TestLooksLikeFax(t *testing.T) {
	fonts, err := scantest.LoadFonts()
	if err != nil {
		t.Fatal(err)
	}
	lines := scantest.Samples()[1].Lines
	fax, err := scantest.RenderDefect(fonts, lines, scantest.Fax, 7)
	if err != nil {
		t.Fatal(err)
	}
	clean, err := scantest.RenderDefect(fonts, lines, scantest.Clean, 7)
	if err != nil {
		t.Fatal(err)
	}
	bilevel300, err := scantest.Render(fonts, lines, scantest.Style{FontPx: 42, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range bilevel300.Pix {
		bilevel300.Pix[i] = map[bool]uint8{true: 0, false: 255}[v < 128]
	}
	blank := image.NewGray(image.Rect(0, 0, 600, 400))
	for i := range blank.Pix {
		blank.Pix[i] = 255
	}
	for _, tc := range []struct {
		name string
		img  image.Image
		want bool
	}{
		{"150-dpi fax", fax, true},
		{"gray scan", clean, false},
		{"bi-level at 300 dpi", bilevel300, false},
		{"blank page", blank, false},
	} {
		if got := looksLikeFax(tc.img.(*image.Gray)); got != tc.want {
			t.Errorf("%s: looks like a fax got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestRepairFax: a speck alone is removed, a scan line lost across a
// stroke is restored, a one-pixel hole in a stroke is closed, and
// prepareFax returns the page twice as large, to be read at twice the
// resolution.
func TestRepairFax(t *testing.T) {
	const w, h = 40, 20
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	ink := func(x, y int) { img.Pix[y*w+x] = 0 }
	ink(2, 2) // a speck
	for y := 5; y < 15; y++ {
		if y != 9 { // row 9 lost
			ink(20, y)
			ink(21, y)
		}
	}
	for x := 25; x < 35; x++ { // a horizontal stroke with a hole at (30,12)
		if x != 30 {
			ink(x, 12)
		}
		ink(x, 13)
	}
	got, _, _ := repairFax(img)
	for _, tc := range []struct {
		name string
		x, y int
		want bool
	}{
		{"speck", 2, 2, false},
		{"lost line in a stroke", 20, 9, true},
		{"hole in a stroke", 30, 12, true},
		{"paper", 10, 10, false},
		{"stroke", 21, 6, true},
	} {
		if g := got[tc.y*w+tc.x]; g != tc.want {
			t.Errorf("%s at (%d,%d): ink got %v, want %v", tc.name, tc.x, tc.y, g, tc.want)
		}
	}
	big := enlargeInk(got, w, h, faxScale)
	if b := big.Bounds(); b.Dx() != w*faxScale || b.Dy() != h*faxScale {
		t.Errorf("enlarged page: got %dx%d, want %dx%d", b.Dx(), b.Dy(), w*faxScale, h*faxScale)
	}
	if v := big.Pix[(6*faxScale)*big.Stride+20*faxScale+1]; v > 128 {
		t.Errorf("enlarged stroke: got gray %d, want dark", v)
	}
}

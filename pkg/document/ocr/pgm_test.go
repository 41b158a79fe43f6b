package ocr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"claims.local/pkg/apperr"
	"claims.local/pkg/document"
	"claims.local/pkg/document/scantest"
)

// pgmOf returns a P5 header with the numbers given, then pixels bytes.
func pgmOf(header string, pixels int) []byte {
	return append([]byte(header), bytes.Repeat([]byte{0x35}, pixels)...)
}

// TestDecodePGMRefusesWhatWasNotMeasured feeds decodePGM what a hostile
// PDF could make pdftoppm print instead of the page pdfinfo measured (and
// the limits checked): every such output is refused, and a page is only
// ever the measured size, give or take a pixel of rounding.
func TestDecodePGMRefusesWhatWasNotMeasured(t *testing.T) {
	const w, h = 40, 30
	tests := []struct {
		name         string
		data         []byte
		wantW, wantH int // 0: refused
	}{
		{"the measured page", pgmOf("P5\n40 30\n255\n", w*h), w, h},
		{"a pixel of rounding", pgmOf("P5\n41 29\n255\n", 41*29), 41, 29},
		{"turned a quarter (/Rotate 90)", pgmOf("P5\n30 40\n255\n", w*h), 30, 40},
		{"pixels starting with digits and blanks", append([]byte("P5 40 30 255\n"), bytes.Repeat([]byte("9 "), w*h/2)...), w, h},
		{"larger than measured", pgmOf("P5\n400 300\n255\n", 400*300), 0, 0},
		{"a huge header with few pixels", pgmOf("P5\n2000000000 2000000000\n255\n", 10), 0, 0},
		{"a width of eleven digits", pgmOf("P5\n00000000040 30\n255\n", w*h), 0, 0},
		{"pixels missing", pgmOf("P5\n40 30\n255\n", w*h-1), 0, 0},
		{"pixels left over", pgmOf("P5\n40 30\n255\n", w*h+1), 0, 0},
		{"16-bit samples", pgmOf("P5\n40 30\n65535\n", 2*w*h), 0, 0},
		{"255 followed by a digit", pgmOf("P5\n40 30\n2555", w*h), 0, 0},
		{"a comment", pgmOf("P5\n# made by hand\n40 30\n255\n", w*h), 0, 0},
		{"plain PGM", pgmOf("P2\n40 30\n255\n", w*h), 0, 0},
		{"a PPM", pgmOf("P6\n40 30\n255\n", 3*w*h), 0, 0},
		{"no white space after P5", pgmOf("P540 30\n255\n", w*h), 0, 0},
		{"a negative width", pgmOf("P5\n-40 30\n255\n", w*h), 0, 0},
		{"zero pixels", pgmOf("P5\n0 0\n255\n", 0), 0, 0},
		{"nothing", nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := decodePGM(tt.data, w, h)
			if tt.wantW == 0 {
				if err == nil {
					t.Fatalf("got a %v page, want it refused", img.Bounds())
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want a %dx%d page", err, tt.wantW, tt.wantH)
			}
			if got := img.Bounds().Size(); got != image.Pt(tt.wantW, tt.wantH) || len(img.Pix) != tt.wantW*tt.wantH || img.Stride != tt.wantW {
				t.Errorf("got %v, stride %d, %d pixels; want %dx%d", got, img.Stride, len(img.Pix), tt.wantW, tt.wantH)
			}
		})
	}
}

// TestRasteriseSamePixelsAsPNG renders the pages of a scanned PDF (gray
// JPEG pages, grain on them, as the benchmark's bundles) through
// rasterise, which reads pdftoppm's PGM, and with pdftoppm's PNG, which
// rasterise read before: the pixels must be the same, so that the text read
// is too.
func TestRasteriseSamePixelsAsPNG(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 2))
	var pages []*image.Gray
	for _, size := range []image.Point{{644, 413}, {413, 712}} {
		img := image.NewGray(image.Rectangle{Max: size})
		for i := range img.Pix {
			img.Pix[i] = uint8(200 + rng.IntN(56))
		}
		for y := 50; y < 70; y++ {
			for x := 40; x < 300; x++ {
				img.Pix[y*img.Stride+x] = 20
			}
		}
		pages = append(pages, img)
	}
	data, err := scantest.ImagePDF(pages, 200)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pdfPath := filepath.Join(dir, "document.pdf")
	if err := os.WriteFile(pdfPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	p := &Pipeline{cfg: Config{}.withDefaults()}
	sizes, err := p.pdfPageSizes(context.Background(), pdfPath)
	if err != nil {
		t.Fatal(err)
	}
	for i, size := range sizes {
		got, err := p.rasterise(context.Background(), pdfPath, i+1, size)
		if err != nil {
			t.Fatalf("page %d: %v", i+1, err)
		}
		n := string(rune('1' + i))
		prefix := filepath.Join(dir, "page-"+n)
		if out, err := exec.Command("pdftoppm", "-cropbox", "-r", "200", "-png", "-gray", "-singlefile", "-f", n, "-l", n, pdfPath, prefix).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm -png: %v: %s", err, out)
		}
		// As rasterise read the PNG before.
		png, err := os.ReadFile(prefix + ".png")
		if err != nil {
			t.Fatal(err)
		}
		info, err := document.ProbeImage(png, document.Limits{MaxBytes: math.MaxInt64, MaxPages: 1, MaxPixelsPerPage: p.cfg.Limits.MaxPixelsPerPage})
		if err != nil {
			t.Fatal(err)
		}
		want, err := document.DecodeGray(png, info, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got.Bounds() != want.Bounds() || !bytes.Equal(got.Pix, want.Pix) {
			t.Errorf("page %d: got %v pixels unlike the PNG's %v (or different values)", i+1, got.Bounds(), want.Bounds())
		}
	}
}

// TestRasteriseRefusesAPageLargerThanMeasured hands rasterise a page size
// smaller than the page pdftoppm renders, as a PDF whose pdfinfo size and
// rendering disagree would: what pdftoppm prints beyond the measured
// page's room is not read, and the page is refused as too large.
func TestRasteriseRefusesAPageLargerThanMeasured(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 400, 300))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	data, err := scantest.ImagePDF([]*image.Gray{img}, 200)
	if err != nil {
		t.Fatal(err)
	}
	pdfPath := filepath.Join(t.TempDir(), "document.pdf")
	if err := os.WriteFile(pdfPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	p := &Pipeline{cfg: Config{}.withDefaults()}
	sizes, err := p.pdfPageSizes(context.Background(), pdfPath)
	if err != nil {
		t.Fatal(err)
	}
	measured := [2]float64{sizes[0][0] / 2, sizes[0][1] / 2}
	got, err := p.rasterise(context.Background(), pdfPath, 1, measured)
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.TooLarge {
		t.Fatalf("got %v, %v; want a payload_too_large refusal", got, err)
	}
	if _, err := p.rasterise(context.Background(), pdfPath, 1, sizes[0]); err != nil {
		t.Fatalf("the page as measured: got %v, want it read", err)
	}
}

// TestRasteriseACroppedTurnedPage reads a page whose crop box is a quarter
// of its media box and which is turned by /Rotate 90: pdfinfo measures the
// crop box unturned (300 x 400 points), pdftoppm renders it turned, and the
// page is read at that size.
func TestRasteriseACroppedTurnedPage(t *testing.T) {
	content := "0 0 0 rg 10 10 100 100 re f"
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] /CropBox [0 0 300 400] /Rotate 90 /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
	}
	var pdf bytes.Buffer
	pdf.WriteString("%PDF-1.4\n")
	var offsets []int
	for i, o := range objects {
		offsets = append(offsets, pdf.Len())
		fmt.Fprintf(&pdf, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := pdf.Len()
	fmt.Fprintf(&pdf, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, o := range offsets {
		fmt.Fprintf(&pdf, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&pdf, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	pdfPath := filepath.Join(t.TempDir(), "document.pdf")
	if err := os.WriteFile(pdfPath, pdf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &Pipeline{cfg: Config{}.withDefaults()}
	sizes, err := p.pdfPageSizes(context.Background(), pdfPath)
	if err != nil {
		t.Fatal(err)
	}
	img, err := p.rasterise(context.Background(), pdfPath, 1, sizes[0])
	if err != nil {
		t.Fatalf("got %v, want the page read", err)
	}
	if got, want := img.Bounds().Size(), image.Pt(1112, 834); got != want {
		t.Errorf("got a %v page, want %v (400 x 300 points at 200 dpi)", got, want)
	}
}

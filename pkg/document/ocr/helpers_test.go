package ocr_test

import (
	"bytes"
	"context"
	"image"
	"image/draw"
	"strings"
	"testing"
	"time"

	"claims.local/pkg/apperr"
	"claims.local/pkg/document/ocr"
	"claims.local/pkg/document/scantest"
)

// newPipeline starts a pipeline of the given number of workers, closed
// when the test ends.
func newPipeline(t testing.TB, cfg ocr.Config) *ocr.Pipeline {
	t.Helper()
	p, err := ocr.New(cfg)
	if err != nil {
		t.Fatalf("ocr.New: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// loadFonts loads the test fonts or fails with what to install.
func loadFonts(t testing.TB) scantest.Fonts {
	t.Helper()
	f, err := scantest.LoadFonts()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// render draws a sample as a scanned page, skewed and noisy.
func render(t testing.TB, fonts scantest.Fonts, s scantest.Sample, seed uint64) *image.Gray {
	t.Helper()
	img, err := scantest.Render(fonts, s.Lines, scantest.Scanned(seed))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// decodeGray decodes data, an image file, to gray, as the pipeline reads
// it.
func decodeGray(t testing.TB, data []byte) *image.Gray {
	t.Helper()
	decoded, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	gray := image.NewGray(decoded.Bounds())
	draw.Draw(gray, gray.Bounds(), decoded, decoded.Bounds().Min, draw.Src)
	return gray
}

// inspect reads data with a deadline, so a hung pipeline fails the test
// rather than the whole run. The deadline is generous: CI runs other
// packages' tests on the same two cores.
func inspect(t testing.TB, p *ocr.Pipeline, data []byte) (ocr.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return p.Inspect(ctx, data)
}

// hostileFile is a file the pipeline must refuse, with the code and a part
// of the message it must refuse it with.
type hostileFile struct {
	name     string
	data     []byte
	wantCode apperr.Code
	wantMsg  string
}

// hostileFiles returns the files Inspect and Probe must refuse quickly,
// without decoding what their headers make too large.
func hostileFiles(t testing.TB) []hostileFile {
	t.Helper()
	truncated, err := scantest.TruncatedPNG()
	if err != nil {
		t.Fatal(err)
	}
	return []hostileFile{
		{"empty file", nil, apperr.Unprocessable, "empty"},
		{"truncated png", truncated, apperr.Unprocessable, "truncated"},
		{"png header claiming 100000x100000 pixels", scantest.PNGHeaderOnly(100000, 100000), apperr.TooLarge, "100000x100000"},
		{"pdf of 51 pages", scantest.BlankPDF(51), apperr.TooLarge, "51 pages"},
		{"pdf of 20000 pages", scantest.BlankPDF(20000), apperr.TooLarge, "20000 pages"},
		{"random bytes", scantest.RandomBytes(4096, 1), apperr.UnsupportedMedia, "not a JPEG, PNG, TIFF or PDF"},
		{"pdf header and garbage", []byte("%PDF-1.4\n" + strings.Repeat("garbage ", 100)), apperr.Unprocessable, "PDF"},
		{"pdf with a page of 5 by 5 metres", hugePagePDF(), apperr.TooLarge, "pixels"},
		{"over 20 MiB", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 20<<20)...), apperr.TooLarge, "bytes"},
	}
}

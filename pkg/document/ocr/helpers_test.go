package ocr_test

import (
	"context"
	"image"
	"testing"
	"time"

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

// inspect reads data with a deadline, so a hung pipeline fails the test
// rather than the whole run. The deadline is generous: CI runs other
// packages' tests on the same two cores.
func inspect(t testing.TB, p *ocr.Pipeline, data []byte) (ocr.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return p.Inspect(ctx, data)
}

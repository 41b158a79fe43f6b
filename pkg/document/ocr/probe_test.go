package ocr_test

import (
	"context"
	"image"
	"strings"
	"testing"
	"time"

	"claims.local/pkg/apperr"
	"claims.local/pkg/document"
	"claims.local/pkg/document/ocr"
	"claims.local/pkg/document/scantest"
)

// TestProbe checks files without Tesseract: good ones give their format
// and page count, and every file Inspect refuses is refused with the same
// code, quickly.
func TestProbe(t *testing.T) {
	t.Parallel()
	page := image.NewGray(image.Rect(0, 0, 300, 200))
	good := []struct {
		name      string
		data      []byte
		wantMedia document.Media
		wantPages int
	}{
		{"png", mustPNG(t, page), document.PNG, 1},
		{"two-page tiff", scantest.GrayTIFF([]*image.Gray{page, page}), document.TIFF, 2},
		{"pdf with a text layer", scantest.TextPDF([]string{"出院小结"}), document.PDF, 1},
		{"pdf of three pages", scantest.BlankPDF(3), document.PDF, 3},
	}
	for _, tt := range good {
		info, err := ocr.Probe(context.Background(), ocr.Config{}, tt.data)
		if err != nil || info.Media != tt.wantMedia || info.Pages != tt.wantPages {
			t.Errorf("%s: got %+v, %v; want %s of %d pages", tt.name, info, err, tt.wantMedia, tt.wantPages)
		}
	}
	for _, tt := range hostileFiles(t) {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			start := time.Now()
			_, err := ocr.Probe(ctx, ocr.Config{}, tt.data)
			if got := apperr.CodeOf(err); got != tt.wantCode || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("got %v (code %s), want code %s mentioning %q", err, got, tt.wantCode, tt.wantMsg)
			}
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("took %v to refuse, want well under 5s", elapsed)
			}
		})
	}
}

// TestProbeLimits applies the configured limits, not the defaults.
func TestProbeLimits(t *testing.T) {
	t.Parallel()
	cfg := ocr.Config{Limits: document.Limits{MaxBytes: 1 << 20, MaxPages: 2, MaxPixelsPerPage: 100_000}}
	page := image.NewGray(image.Rect(0, 0, 300, 200))
	tests := []struct {
		name    string
		data    []byte
		wantMsg string
	}{
		{"three pages", scantest.BlankPDF(3), "3 pages"},
		{"a4 at 200 dpi", scantest.BlankPDF(1), "pixels"},
		{"three tiff pages", scantest.GrayTIFF([]*image.Gray{page, page, page}), "more than 2 pages"},
		{"over a MiB", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 1<<20)...), "bytes"},
	}
	for _, tt := range tests {
		_, err := ocr.Probe(context.Background(), cfg, tt.data)
		if apperr.CodeOf(err) != apperr.TooLarge || !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("%s: got %v, want payload_too_large mentioning %q", tt.name, err, tt.wantMsg)
		}
	}
}

package document_test

import (
	"bytes"
	"image"
	"slices"
	"testing"

	"claims.local/pkg/apperr"
	"claims.local/pkg/document"
	"claims.local/pkg/document/scantest"
)

func TestSniff(t *testing.T) {
	tests := []struct {
		name     string
		data     []byte
		want     document.Media
		wantCode apperr.Code
	}{
		{"jpeg", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10}, document.JPEG, ""},
		{"png", []byte("\x89PNG\r\n\x1a\nrest"), document.PNG, ""},
		{"tiff little-endian", []byte("II*\x00\x08\x00\x00\x00"), document.TIFF, ""},
		{"tiff big-endian", []byte("MM\x00*\x00\x00\x00\x08"), document.TIFF, ""},
		{"pdf", []byte("%PDF-1.7\n"), document.PDF, ""},
		{"pdf after junk", append(bytes.Repeat([]byte{' '}, 500), "%PDF-1.4"...), document.PDF, ""},
		{"pdf header too late", append(bytes.Repeat([]byte{' '}, 2000), "%PDF-1.4"...), "", apperr.UnsupportedMedia},
		{"empty", nil, "", apperr.Unprocessable},
		{"text", []byte("hello.png"), "", apperr.UnsupportedMedia},
		{"gif", []byte("GIF89a"), "", apperr.UnsupportedMedia},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := document.Sniff(tt.data)
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			checkCode(t, err, tt.wantCode)
		})
	}
}

// checkCode fails unless err carries want, or is nil when want is "".
func checkCode(t *testing.T, err error, want apperr.Code) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("got error %v, want none", err)
		}
		return
	}
	if got := apperr.CodeOf(err); got != want {
		t.Fatalf("got error %v (code %s), want code %s", err, got, want)
	}
}

func TestProbeImage(t *testing.T) {
	page := image.NewGray(image.Rect(0, 0, 300, 200))
	pngData := must(scantest.PNG(page))
	jpegData := must(scantest.JPEG(page))
	truncated := must(scantest.TruncatedPNG())
	small := document.Limits{MaxBytes: 1 << 20, MaxPages: 2, MaxPixelsPerPage: 100_000}
	tests := []struct {
		name      string
		data      []byte
		limits    document.Limits
		wantSizes []image.Point
		wantCode  apperr.Code
	}{
		{"png", pngData, small, []image.Point{{300, 200}}, ""},
		{"jpeg", jpegData, small, []image.Point{{300, 200}}, ""},
		{"tiff of three pages", multiPageTIFF(t, 3), document.DefaultLimits(), []image.Point{{120, 80}, {121, 80}, {122, 80}}, ""},
		{"tiff over the page limit", multiPageTIFF(t, 3), small, nil, apperr.TooLarge},
		{"bomb header", scantest.PNGHeaderOnly(100000, 100000), document.DefaultLimits(), nil, apperr.TooLarge},
		{"over the pixel limit", pngData, document.Limits{MaxBytes: 1 << 20, MaxPages: 1, MaxPixelsPerPage: 59_999}, nil, apperr.TooLarge},
		{"over the byte limit", pngData, document.Limits{MaxBytes: 10, MaxPages: 1, MaxPixelsPerPage: 1e6}, nil, apperr.TooLarge},
		{"zero-width header", scantest.PNGHeaderOnly(0, 10), document.DefaultLimits(), nil, apperr.Unprocessable},
		{"truncated header", pngData[:20], document.DefaultLimits(), nil, apperr.Unprocessable},
		{"truncated pixels pass the header check", truncated, document.DefaultLimits(), []image.Point{{400, 300}}, ""},
		{"pdf is not an image", scantest.BlankPDF(1), document.DefaultLimits(), nil, apperr.UnsupportedMedia},
		{"tiff with a directory outside the file", []byte("II*\x00\xff\xff\x00\x00"), document.DefaultLimits(), nil, apperr.Unprocessable},
		{"tiff directory loop", tiffLoop(), document.DefaultLimits(), nil, apperr.Unprocessable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := document.ProbeImage(tt.data, tt.limits)
			checkCode(t, err, tt.wantCode)
			if err == nil && !slices.Equal(info.Sizes, tt.wantSizes) {
				t.Errorf("sizes: got %v, want %v", info.Sizes, tt.wantSizes)
			}
		})
	}
}

func TestDecodeGray(t *testing.T) {
	t.Run("each tiff page", func(t *testing.T) {
		data := multiPageTIFF(t, 3)
		info, err := document.ProbeImage(data, document.DefaultLimits())
		checkCode(t, err, "")
		for i := range 3 {
			img, err := document.DecodeGray(data, info, i)
			checkCode(t, err, "")
			if got, want := img.Bounds().Dx(), 120+i; got != want {
				t.Errorf("page %d: got width %d, want %d", i+1, got, want)
			}
			if got, want := img.GrayAt(0, 0).Y, uint8(10*(i+1)); got != want {
				t.Errorf("page %d: got gray %d, want %d", i+1, got, want)
			}
		}
	})
	t.Run("truncated png", func(t *testing.T) {
		data := must(scantest.TruncatedPNG())
		info, err := document.ProbeImage(data, document.DefaultLimits())
		checkCode(t, err, "")
		_, err = document.DecodeGray(data, info, 0)
		checkCode(t, err, apperr.Unprocessable)
	})
	t.Run("transparent png turns white", func(t *testing.T) {
		img := image.NewNRGBA(image.Rect(0, 0, 4, 4)) // all transparent black
		data := must(scantest.PNG(img))
		info, err := document.ProbeImage(data, document.DefaultLimits())
		checkCode(t, err, "")
		gray, err := document.DecodeGray(data, info, 0)
		checkCode(t, err, "")
		if got := gray.GrayAt(1, 1).Y; got != 255 {
			t.Errorf("got gray %d, want 255", got)
		}
	})
}

// multiPageTIFF returns a TIFF of n pages of widths 120, 121… and gray
// levels 10, 20….
func multiPageTIFF(t *testing.T, n int) []byte {
	t.Helper()
	pages := make([]*image.Gray, n)
	for i := range pages {
		pages[i] = image.NewGray(image.Rect(0, 0, 120+i, 80))
		for j := range pages[i].Pix {
			pages[i].Pix[j] = uint8(10 * (i + 1))
		}
	}
	return scantest.GrayTIFF(pages)
}

// tiffLoop returns a TIFF whose only directory names itself as the next.
func tiffLoop() []byte {
	data := []byte("II*\x00\x08\x00\x00\x00")
	data = append(data, 0, 0)       // no entries
	data = append(data, 8, 0, 0, 0) // next directory: itself
	return data
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

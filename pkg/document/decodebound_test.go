package document_test

import (
	"bytes"
	"image"
	"image/png"
	"runtime"
	"testing"

	"claims.local/pkg/apperr"
	"claims.local/pkg/document"
)

// bigPNG encodes a blank w×h image of the given kind: small on the wire,
// large once decoded.
func bigPNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestProbeImageRefusesWhatWouldDecodeBeyondTheBound is the attack of
// issue 17: a 40-megapixel 16-bit RGBA PNG is within the pixel limit and
// small on the wire, but about 360 MB once decoded and converted to gray.
// ProbeImage refuses it from its header (payload_too_large) before any
// pixel is decoded, while a 40-megapixel 8-bit gray scan stays accepted.
func TestProbeImageRefusesWhatWouldDecodeBeyondTheBound(t *testing.T) {
	const w, h = 8000, 5000 // 40 megapixels
	deep := bigPNG(t, image.NewNRGBA64(image.Rect(0, 0, w, h)))
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := document.ProbeImage(deep, document.DefaultLimits())
	runtime.ReadMemStats(&after)
	if e, ok := apperr.As(err); !ok || e.Code != apperr.TooLarge {
		t.Fatalf("40 MP 16-bit RGBA PNG (%d bytes): got %v, want %s", len(deep), err, apperr.TooLarge)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Fatalf("probing the deep PNG allocated %d bytes, want under 16 MiB (refused from the header)", grew)
	}

	gray := bigPNG(t, image.NewGray(image.Rect(0, 0, w, h)))
	if _, err := document.ProbeImage(gray, document.DefaultLimits()); err != nil {
		t.Fatalf("40 MP 8-bit gray PNG: got %v, want it accepted", err)
	}
}

// TestDecodedBytes is what a page costs in memory once decoded by the
// standard decoders and converted to gray, by PNG colour type and depth.
func TestDecodedBytes(t *testing.T) {
	r := image.Rect(0, 0, 10, 10)
	tests := []struct {
		name string
		img  image.Image
		want int64
	}{
		{"gray 8", image.NewGray(r), 100 * 2},
		{"gray 16", image.NewGray16(r), 100 * 3},
		{"rgba 8", image.NewNRGBA(r), 100 * 5},
		{"rgba 16", image.NewNRGBA64(r), 100 * 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := document.DecodedBytes(document.PNG, bigPNG(t, tt.img), image.Point{X: 10, Y: 10})
			if err != nil || got != tt.want {
				t.Fatalf("got %d, %v, want %d", got, err, tt.want)
			}
		})
	}
}

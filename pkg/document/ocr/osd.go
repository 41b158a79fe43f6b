package ocr

// #cgo CXXFLAGS: -std=c++17 -Wno-unused-result
// #cgo LDFLAGS: -ltesseract
// #include <stdlib.h>
// #include "osdbridge.h"
import "C"

import (
	"errors"
	"image"
	"strings"
	"unsafe"

	"claims.local/pkg/document"
)

// minUprightConfidence is the mean line confidence (meanConfidence) from
// which a page is taken to be upright without asking OSD. On the test
// corpus upright pages read at 0.68 to 0.93 (clean scans) and pages turned
// by 90, 180 or 270 degrees at 0 to 0.28.
const minUprightConfidence = 0.5

// minUprightChars is the least number of characters a page must read as
// to be taken for upright on its confidence alone: a page turned by 90
// degrees was read as one character (驯) at 0.51, above
// minUprightConfidence, and so was never turned.
const minUprightChars = 8

// readsUpright reports whether a page read as lines is taken to be upright
// without asking OSD: its mean confidence is at least minUprightConfidence
// and it holds at least minUprightChars characters.
func readsUpright(lines []document.Line) bool {
	n := 0
	for _, l := range lines {
		n += len([]rune(strings.TrimSpace(l.Text)))
	}
	return n >= minUprightChars && meanConfidence(lines) >= minUprightConfidence
}

// minOSDConfidence is the orientation confidence (Tesseract's scale, where
// 15 is "reasonably confident") below which a page is left as it is. On
// the test pages (Chinese forms of five lines) upright and turned pages
// alike were read at 1.5 to 3; a page with too little text gives 0.
const minOSDConfidence = 0.5

// osdEngine detects the orientation of pages with Tesseract's OSD data
// (osd.traineddata, Debian's tesseract-ocr-osd). Like a gosseract client,
// it is not safe for concurrent use: each worker owns one.
type osdEngine struct {
	handle unsafe.Pointer
}

// newOSD loads the OSD data.
func newOSD() (*osdEngine, error) {
	h := C.osd_new()
	if h == nil {
		return nil, errors.New("ocr: cannot load Tesseract's osd data (install tesseract-ocr-osd)")
	}
	return &osdEngine{handle: h}, nil
}

// close frees the engine.
func (o *osdEngine) close() {
	if o != nil && o.handle != nil {
		C.osd_free(o.handle)
		o.handle = nil
	}
}

// orientation returns the clockwise turn (0, 90, 180 or 270) that makes
// img upright, and Tesseract's confidence; 0 when it cannot tell.
func (o *osdEngine) orientation(img *image.Gray, dpi int) (turn int, confidence float64) {
	b := img.Bounds()
	if b.Dx() < 16 || b.Dy() < 16 {
		return 0, 0
	}
	var deg C.int
	var conf C.float
	pix := (*C.uchar)(unsafe.Pointer(&img.Pix[img.PixOffset(b.Min.X, b.Min.Y)]))
	if C.osd_detect(o.handle, pix, C.int(b.Dx()), C.int(b.Dy()), C.int(img.Stride), C.int(dpi), &deg, &conf) == 0 {
		return 0, 0
	}
	// Tesseract reports how far the image is turned clockwise; turning it
	// back is the rest of the full turn.
	return (360 - int(deg)) % 360, float64(conf)
}

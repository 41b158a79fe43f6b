package ocr

import (
	"errors"
	"fmt"
	"image"
	"strconv"
	"strings"
)

// encodePGM encodes img as a binary PGM (P5), which leptonica reads
// without any decompression.
func encodePGM(img *image.Gray) []byte {
	b := img.Bounds()
	header := fmt.Sprintf("P5\n%d %d\n255\n", b.Dx(), b.Dy())
	out := make([]byte, 0, len(header)+b.Dx()*b.Dy())
	out = append(out, header...)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		off := img.PixOffset(b.Min.X, y)
		out = append(out, img.Pix[off:off+b.Dx()]...)
	}
	return out
}

// blankPGM returns a small white page, used to warm a new client.
func blankPGM() []byte {
	img := image.NewGray(image.Rect(0, 0, 32, 32))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	return encodePGM(img)
}

// pgmHeaderRoom is room for a PGM header ("P5\n", two sizes of up to ten
// digits, "255\n").
const pgmHeaderRoom = 32

// maxPGMBytes is the most a PGM of a w×h page may take, one pixel of
// rounding either way on each side allowed (decodePGM).
func maxPGMBytes(w, h int64) int64 {
	return pgmHeaderRoom + (w+1)*(h+1)
}

// decodePGM returns the 8-bit gray image of data, a binary PGM (P5,
// largest value 255, no comments: what pdftoppm -gray prints), whose
// pixels are data's own, not copied. data is a page rendered from a PDF
// that pdfinfo measured at w×h pixels, a size already checked against the
// limits: a header that says another size (beyond a pixel of rounding
// either way, the page turned a quarter allowed, as a page's /Rotate does)
// or pixels missing or left over is refused, so that what the command
// printed never makes a page larger than the one checked.
func decodePGM(data []byte, w, h int64) (*image.Gray, error) {
	rest, ok := strings.CutPrefix(string(data[:min(len(data), pgmHeaderRoom)]), "P5")
	if !ok {
		return nil, errors.New("not a binary PGM")
	}
	var fields [3]int64
	for i := range fields {
		// One or more white space characters before each number; one after
		// the last, then the pixels.
		trimmed := strings.TrimLeft(rest, " \t\r\n")
		if trimmed == rest || trimmed == "" || trimmed[0] < '0' || trimmed[0] > '9' {
			return nil, errors.New("a PGM header that is not three numbers")
		}
		end := strings.IndexFunc(trimmed, func(r rune) bool { return r < '0' || r > '9' })
		if end < 0 || end > 10 {
			return nil, errors.New("a PGM header that is not three numbers")
		}
		v, err := strconv.ParseInt(trimmed[:end], 10, 64)
		if err != nil {
			return nil, err
		}
		fields[i] = v
		rest = trimmed[end:]
	}
	if rest == "" || !strings.ContainsRune(" \t\r\n", rune(rest[0])) {
		return nil, errors.New("a PGM header not ended by white space")
	}
	gw, gh, maxval := fields[0], fields[1], fields[2]
	if maxval != 255 {
		return nil, fmt.Errorf("a PGM of %d levels, not 256", maxval+1)
	}
	near := func(a, b int64) bool { return a >= b-1 && a <= b+1 }
	if gw < 1 || gh < 1 || !(near(gw, w) && near(gh, h) || near(gw, h) && near(gh, w)) {
		return nil, fmt.Errorf("a page of %dx%d pixels where %dx%d was measured", gw, gh, w, h)
	}
	header := len(data[:min(len(data), pgmHeaderRoom)]) - len(rest) + 1
	if int64(len(data)-header) != gw*gh {
		return nil, fmt.Errorf("%d bytes of pixels for a %dx%d page", len(data)-header, gw, gh)
	}
	return &image.Gray{Pix: data[header:], Stride: int(gw), Rect: image.Rect(0, 0, int(gw), int(gh))}, nil
}

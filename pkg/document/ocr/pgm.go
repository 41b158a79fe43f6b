package ocr

import (
	"fmt"
	"image"
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

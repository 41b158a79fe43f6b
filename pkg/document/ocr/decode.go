package ocr

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"

	"claims.local/pkg/apperr"
	"claims.local/pkg/document"
)

// decodeForOCR decodes page number page (0-based) of an image that
// document.ProbeImage accepted, as 8-bit gray for Tesseract. A colour JPEG
// or PNG is converted by its red channel rather than its luminance: red
// ink (a seal stamped across the text, a red form line) is then as light
// as the paper and black text stays black. Gray images and TIFF pages go
// through document.DecodeGray. The memory used is what ProbeImage bounded
// (document.DecodedBytes): the decoder's image and one gray copy.
func decodeForOCR(data []byte, info document.ImageInfo, page int) (*image.Gray, error) {
	if !colourImage(data, info.Media) {
		return document.DecodeGray(data, info, page)
	}
	var img image.Image
	var err error
	if info.Media == document.JPEG {
		img, err = jpeg.Decode(bytes.NewReader(data))
	} else {
		img, err = png.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, &apperr.Error{Code: apperr.Unprocessable, Message: "the " + string(info.Media) + " file is truncated or corrupt", Err: err}
	}
	if got, want := img.Bounds().Size(), info.Sizes[page]; got != want {
		return nil, apperr.New(apperr.Unprocessable, "the %s page %d decodes to %v pixels, but its header says %v", info.Media, page+1, got, want)
	}
	return redChannel(img), nil
}

// colourImage reports whether a JPEG or PNG holds colour, from its header.
func colourImage(data []byte, media document.Media) bool {
	switch media {
	case document.JPEG:
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		return err == nil && cfg.ColorModel != color.GrayModel
	case document.PNG:
		// The colour type follows the IHDR's width, height and bit depth:
		// 2 is RGB, 3 paletted, 6 RGB with alpha.
		return len(data) > 25 && (data[25] == 2 || data[25] == 3 || data[25] == 6)
	}
	return false
}

// redChannel returns the red channel of img as gray, laid on white paper
// where img is transparent.
func redChannel(img image.Image) *image.Gray {
	b := img.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	switch src := img.(type) {
	case *image.YCbCr:
		for y := 0; y < b.Dy(); y++ {
			row := out.Pix[y*out.Stride : y*out.Stride+b.Dx()]
			for x := range row {
				yy := int32(src.Y[src.YOffset(b.Min.X+x, b.Min.Y+y)])
				cr := int32(src.Cr[src.COffset(b.Min.X+x, b.Min.Y+y)]) - 128
				// R = Y + 1.402 (Cr - 128), in 16.16 fixed point.
				row[x] = uint8(min(255, max(0, yy+(91881*cr+1<<15)>>16)))
			}
		}
	default:
		for y := 0; y < b.Dy(); y++ {
			row := out.Pix[y*out.Stride : y*out.Stride+b.Dx()]
			for x := range row {
				r, _, _, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA() // premultiplied
				row[x] = uint8(min(0xffff, r+0xffff-a) >> 8)
			}
		}
	}
	return out
}

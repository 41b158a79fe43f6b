package document

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/tiff"

	"claims.local/pkg/apperr"
)

// Media is the format of an upload, recognised from its content.
type Media string

// The formats the platform reads.
const (
	JPEG Media = "jpeg"
	PNG  Media = "png"
	TIFF Media = "tiff"
	PDF  Media = "pdf"
	// OFD is an electronic document of GB/T 33190 (ReadOFD): a zip
	// package whose entries include OFD.xml.
	OFD Media = "ofd"
)

// pdfHeaderWindow is how far into a file the %PDF- header may start:
// PDF 1.7 (ISO 32000-1, annex H) lets readers accept it in the first 1024
// bytes, and real scanners write junk before it.
const pdfHeaderWindow = 1024

// Sniff recognises the format of data from its first bytes; the file name
// and any declared content type play no part. An empty upload is refused
// as unprocessable, an unknown format as unsupported_media_type.
func Sniff(data []byte) (Media, error) {
	switch {
	case len(data) == 0:
		return "", apperr.New(apperr.Unprocessable, "the file is empty")
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return JPEG, nil
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, nil
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return TIFF, nil
	case bytes.Contains(data[:min(len(data), pdfHeaderWindow)], []byte("%PDF-")):
		return PDF, nil
	case bytes.HasPrefix(data, []byte("PK\x03\x04")) && isOFD(data):
		return OFD, nil
	}
	return "", apperr.New(apperr.UnsupportedMedia, "the file is not a JPEG, PNG, TIFF or PDF document, nor an OFD package")
}

// isOFD reports whether data is a zip package with an OFD.xml entry. Only
// the zip's central directory is read.
func isOFD(data []byte) bool {
	r, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return false
	}
	for _, f := range r.File {
		if f.Name == "OFD.xml" {
			return true
		}
	}
	return false
}

// Limits bound what the platform accepts, so that one upload cannot
// exhaust memory or CPU: the size of the file, its number of pages, and the
// pixels of each page (checked from the headers, before any decoding, and
// for PDF pages at the resolution they are rasterised at).
type Limits struct {
	MaxBytes         int64
	MaxPages         int
	MaxPixelsPerPage int64
	// MaxDecodeBytes bounds what one image page may take in memory once
	// decoded and converted to gray (DecodedBytes), checked from its
	// header before any pixel is decoded.
	MaxDecodeBytes int64
	// MaxUnpackedBytes bounds what the entries of an OFD package (a zip)
	// may unpack to in all, counted as they are read.
	MaxUnpackedBytes int64
}

// DefaultLimits returns 20 MiB, 50 pages, 40 megapixels a page (an A4
// page scanned at 600 dpi is 35 megapixels) and 192 MiB decoded a page (a
// 40-megapixel colour photo, 200 MB, fits; the same picture in 16-bit
// colour, 360 MB, does not), and 64 MiB unpacked from an OFD package (an
// electronic invoice unpacks to a few hundred kilobytes, its fonts
// included).
func DefaultLimits() Limits {
	return Limits{MaxBytes: 20 << 20, MaxPages: 50, MaxPixelsPerPage: 40_000_000, MaxDecodeBytes: 192 << 20,
		MaxUnpackedBytes: 64 << 20}
}

// WithDefaults returns l with each zero or negative field replaced by its
// default.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxPages <= 0 {
		l.MaxPages = d.MaxPages
	}
	if l.MaxPixelsPerPage <= 0 {
		l.MaxPixelsPerPage = d.MaxPixelsPerPage
	}
	if l.MaxDecodeBytes <= 0 {
		l.MaxDecodeBytes = d.MaxDecodeBytes
	}
	if l.MaxUnpackedBytes <= 0 {
		l.MaxUnpackedBytes = d.MaxUnpackedBytes
	}
	return l
}

// CheckSize refuses a file larger than MaxBytes as payload_too_large.
func (l Limits) CheckSize(n int64) error {
	if n > l.MaxBytes {
		return apperr.New(apperr.TooLarge, "the file is %d bytes; at most %d are accepted", n, l.MaxBytes)
	}
	return nil
}

// CheckPages refuses a document of more than MaxPages pages as
// payload_too_large, and one of no page as unprocessable.
func (l Limits) CheckPages(n int) error {
	switch {
	case n < 1:
		return apperr.New(apperr.Unprocessable, "the document has no page")
	case n > l.MaxPages:
		return apperr.New(apperr.TooLarge, "the document has %d pages; at most %d are accepted", n, l.MaxPages)
	}
	return nil
}

// CheckPixels refuses page number page (1-based) of width×height pixels
// when it is larger than MaxPixelsPerPage (payload_too_large) or empty
// (unprocessable).
func (l Limits) CheckPixels(page int, width, height int64) error {
	switch {
	case width <= 0 || height <= 0:
		return apperr.New(apperr.Unprocessable, "page %d has no pixels (%dx%d)", page, width, height)
	case width > l.MaxPixelsPerPage/height:
		return apperr.New(apperr.TooLarge, "page %d is %dx%d pixels; at most %d pixels a page are accepted",
			page, width, height, l.MaxPixelsPerPage)
	}
	return nil
}

// ImageInfo is what the headers of an image file say about it.
type ImageInfo struct {
	Media Media
	// Sizes holds the width and height of each page: one for JPEG and PNG,
	// one per image file directory for TIFF.
	Sizes []image.Point
}

// ProbeImage checks an image upload against l without decoding any pixel:
// its size, its number of pages (TIFF) and the dimensions each page header
// declares. A header that cannot be parsed is unprocessable; a
// decompression bomb (a small file declaring a huge image) is refused as
// payload_too_large.
func ProbeImage(data []byte, l Limits) (ImageInfo, error) {
	if err := l.CheckSize(int64(len(data))); err != nil {
		return ImageInfo{}, err
	}
	media, err := Sniff(data)
	if err != nil {
		return ImageInfo{}, err
	}
	info := ImageInfo{Media: media}
	switch media {
	case JPEG, PNG:
		decodeConfig := png.DecodeConfig
		if media == JPEG {
			decodeConfig = jpeg.DecodeConfig
		}
		cfg, err := decodeConfig(bytes.NewReader(data))
		if err != nil {
			return ImageInfo{}, unreadable(media, err)
		}
		info.Sizes = []image.Point{{X: cfg.Width, Y: cfg.Height}}
	case TIFF:
		if info.Sizes, err = tiffPageSizes(data, l.MaxPages); err != nil {
			return ImageInfo{}, err
		}
	default:
		return ImageInfo{}, apperr.New(apperr.UnsupportedMedia, "a %s file is not an image", media)
	}
	if err := l.CheckPages(len(info.Sizes)); err != nil {
		return ImageInfo{}, err
	}
	for i, s := range info.Sizes {
		if err := l.CheckPixels(i+1, int64(s.X), int64(s.Y)); err != nil {
			return ImageInfo{}, err
		}
		n, err := DecodedBytes(media, data, s)
		if err != nil {
			return ImageInfo{}, err
		}
		if max := l.WithDefaults().MaxDecodeBytes; n > max {
			return ImageInfo{}, apperr.New(apperr.TooLarge,
				"page %d (%dx%d pixels) would take %d bytes to decode; at most %d are accepted: send it with 8 bits a channel, or in gray",
				i+1, s.X, s.Y, n, max)
		}
	}
	return info, nil
}

// DecodedBytes is what a page of size pixels takes in memory while the
// standard decoder's image and its 8-bit gray copy (DecodeGray) both live:
// for PNG from the colour type and bit depth in its header (16-bit colour
// decodes to 8 bytes a pixel), for JPEG and TIFF 4 bytes a pixel (CMYK or
// RGBA at 8 bits, the most their decoders make of an 8-bit file), plus 1
// for the gray copy.
func DecodedBytes(media Media, data []byte, size image.Point) (int64, error) {
	perPixel := int64(4)
	if media == PNG {
		// The IHDR chunk follows the 8-byte signature and its 8-byte chunk
		// header: width, height (4 bytes each), bit depth, colour type.
		if len(data) < 26 {
			return 0, apperr.New(apperr.Unprocessable, "the PNG file is truncated")
		}
		depth, colour := data[24], data[25]
		switch {
		case colour == 3: // paletted
			perPixel = 1
		case colour == 0 && depth == 16:
			perPixel = 2
		case colour == 0:
			perPixel = 1
		case depth == 16: // RGB, gray+alpha, RGBA at 16 bits
			perPixel = 8
		default:
			perPixel = 4
		}
	}
	return int64(size.X) * int64(size.Y) * (perPixel + 1), nil
}

// DecodeGray decodes page number page (0-based) of an image that
// ProbeImage accepted, as 8-bit gray. Call ProbeImage first: DecodeGray
// trusts the dimensions were checked. A file whose pixels are truncated or
// corrupt is unprocessable.
func DecodeGray(data []byte, info ImageInfo, page int) (*image.Gray, error) {
	if page < 0 || page >= len(info.Sizes) {
		return nil, fmt.Errorf("document: page %d of a %d-page image", page+1, len(info.Sizes))
	}
	var img image.Image
	var err error
	switch info.Media {
	case JPEG:
		img, err = jpeg.Decode(bytes.NewReader(data))
	case PNG:
		img, err = png.Decode(bytes.NewReader(data))
	case TIFF:
		var pageData []byte
		if pageData, err = tiffPage(data, page, len(info.Sizes)); err == nil {
			img, err = tiff.Decode(bytes.NewReader(pageData))
		}
	default:
		return nil, apperr.New(apperr.UnsupportedMedia, "a %s file is not an image", info.Media)
	}
	if err != nil {
		return nil, unreadable(info.Media, err)
	}
	if got, want := img.Bounds().Size(), info.Sizes[page]; got != want {
		return nil, apperr.New(apperr.Unprocessable, "the %s page %d decodes to %v pixels, but its header says %v", info.Media, page+1, got, want)
	}
	return toGray(img), nil
}

// unreadable wraps a decoder error as unprocessable.
func unreadable(media Media, err error) error {
	msg := "the %s file is truncated or corrupt"
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		msg = "the %s file is truncated"
	}
	return &apperr.Error{Code: apperr.Unprocessable, Message: fmt.Sprintf(msg, media), Err: err}
}

// toGray converts img to 8-bit gray, as Tesseract reads it. JPEG luma and
// gray images are copied as they are; colours are weighted as in
// image/color (ITU-R BT.601). Transparent pixels are laid on white paper:
// a scan exported with a transparent background must not turn black.
func toGray(img image.Image) *image.Gray {
	b := img.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	switch src := img.(type) {
	case *image.Gray:
		for y := 0; y < b.Dy(); y++ {
			copy(out.Pix[y*out.Stride:y*out.Stride+b.Dx()], src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.YCbCr:
		for y := 0; y < b.Dy(); y++ {
			copy(out.Pix[y*out.Stride:y*out.Stride+b.Dx()], src.Y[src.YOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.NRGBA:
		grayFromRGBA(out, src.Pix[src.PixOffset(b.Min.X, b.Min.Y):], src.Stride, b.Size(), true)
	case *image.RGBA:
		grayFromRGBA(out, src.Pix[src.PixOffset(b.Min.X, b.Min.Y):], src.Stride, b.Size(), false)
	default:
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x++ {
				out.Pix[y*out.Stride+x] = color8(img.At(b.Min.X+x, b.Min.Y+y))
			}
		}
	}
	return out
}

// grayFromRGBA converts 8-bit RGBA pixels, premultiplied or not, to gray on
// a white background.
func grayFromRGBA(out *image.Gray, pix []byte, stride int, size image.Point, straightAlpha bool) {
	for y := 0; y < size.Y; y++ {
		row := pix[y*stride : y*stride+4*size.X]
		for x := 0; x < size.X; x++ {
			r, g, bl, a := uint32(row[4*x]), uint32(row[4*x+1]), uint32(row[4*x+2]), uint32(row[4*x+3])
			lum := (19595*r + 38470*g + 7471*bl + 1<<15) >> 16
			if straightAlpha {
				lum = lum * a / 255
			}
			out.Pix[y*out.Stride+x] = uint8(min(255, lum+255-a))
		}
	}
}

// color8 converts any colour to 8-bit gray on a white background.
func color8(c color.Color) uint8 {
	r, g, b, a := c.RGBA() // 16-bit, premultiplied
	lum := (19595*r + 38470*g + 7471*b + 1<<15) >> 16
	return uint8(min(0xffff, lum+0xffff-a) >> 8)
}

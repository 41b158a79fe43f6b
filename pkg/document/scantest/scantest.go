// Package scantest makes test documents that look scanned: lines of Chinese
// and English text rendered with a CJK font, laid slightly askew on
// off-white paper with noise, as PNG, JPEG, TIFF or an image-only PDF. It
// also makes hostile files (decompression bombs, truncated images, PDFs with
// too many pages). Tests of the OCR pipeline and of claimsctl use it; no
// production code does.
package scantest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"

	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/f64"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/tiff"
)

// Fonts are the typefaces of a test page: Latin for ASCII and the yuan
// sign, CJK for the rest (Droid Sans Fallback has no Latin glyphs).
type Fonts struct {
	Latin, CJK *opentype.Font
}

// CJKFontPaths are the CJK fonts LoadFonts looks for, in order. Debian's
// fonts-droid-fallback provides the first (deployments/local/infra.sh
// installs it). WenQuanYi Zen Hei is not usable: its tables are not aligned
// on four bytes, which golang.org/x/image/font/sfnt refuses.
func CJKFontPaths() []string {
	return []string{
		"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
		"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	}
}

// LatinFontPath is DejaVu Sans, from Debian's fonts-dejavu-core.
const LatinFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

// LoadFonts parses DejaVu Sans and the first CJK font of CJKFontPaths that
// exists.
func LoadFonts() (Fonts, error) {
	latin, err := loadFont(LatinFontPath)
	if err != nil {
		return Fonts{}, fmt.Errorf("%w: install fonts-dejavu-core (make install)", err)
	}
	for _, p := range CJKFontPaths() {
		cjk, err := loadFont(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return Fonts{}, err
		}
		return Fonts{Latin: latin, CJK: cjk}, nil
	}
	return Fonts{}, fmt.Errorf("scantest: no CJK font found in %v: install fonts-droid-fallback (make install)", CJKFontPaths())
}

// loadFont parses the first font of a font file or collection.
func loadFont(path string) (*opentype.Font, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scantest: reading font: %w", err)
	}
	coll, err := opentype.ParseCollection(data)
	if err != nil {
		return nil, fmt.Errorf("scantest: parsing %s: %w", path, err)
	}
	f, err := coll.Font(0)
	if err != nil {
		return nil, fmt.Errorf("scantest: %s: %w", path, err)
	}
	return f, nil
}

// Style is how a page looks. The zero Style is a clean page; Scanned
// returns the usual test style.
type Style struct {
	// FontPx is the height of the text in pixels (32 if zero).
	FontPx float64
	// RotateDeg turns the page clockwise by this many degrees.
	RotateDeg float64
	// Noise is the amplitude of the grain added to every pixel (0-255);
	// Speckles is the share of pixels turned into dark dust.
	Noise    int
	Speckles float64
	// Seed makes the noise reproducible.
	Seed uint64
}

// Scanned returns a style of a typical phone or office scan: 1.5 degrees of
// skew (alternating direction with the seed), grain and dust.
func Scanned(seed uint64) Style {
	rot := 1.5
	if seed%2 == 1 {
		rot = -1.2
	}
	return Style{FontPx: 32, RotateDeg: rot, Noise: 24, Speckles: 0.002, Seed: seed}
}

// Render draws lines of text on a page in style s and returns it in gray.
func Render(fonts Fonts, lines []string, s Style) (*image.Gray, error) {
	px := s.FontPx
	if px == 0 {
		px = 32
	}
	opts := &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingFull}
	latin, err := opentype.NewFace(fonts.Latin, opts)
	if err != nil {
		return nil, fmt.Errorf("scantest: font face: %w", err)
	}
	defer latin.Close()
	cjk, err := opentype.NewFace(fonts.CJK, opts)
	if err != nil {
		return nil, fmt.Errorf("scantest: font face: %w", err)
	}
	defer cjk.Close()
	faceOf := func(r rune) font.Face {
		if r < 0x80 || r == '¥' {
			return latin
		}
		return cjk
	}
	lineH := int(px * 1.8)
	margin := int(px * 2)
	width := margin * 2
	for _, l := range lines {
		var w fixed.Int26_6
		for _, r := range l {
			adv, _ := faceOf(r).GlyphAdvance(r)
			w += adv
		}
		width = max(width, w.Round()+2*margin)
	}
	height := 2*margin + lineH*len(lines)
	// A page skewed by more than 2 degrees gets room to turn in, so that
	// no line end is cut off.
	padX, padY := 0, 0
	if sin := math.Abs(math.Sin(s.RotateDeg * math.Pi / 180)); sin > math.Sin(2*math.Pi/180) {
		padX, padY = int(sin*float64(height)/2)+1, int(sin*float64(width)/2)+1
		width, height = width+2*padX, height+2*padY
	}
	page := image.NewGray(image.Rect(0, 0, width, height))
	draw.Draw(page, page.Bounds(), image.NewUniform(color.Gray{Y: 238}), image.Point{}, draw.Src)
	d := font.Drawer{Dst: page, Src: image.NewUniform(color.Gray{Y: 25})}
	for i, l := range lines {
		d.Dot = fixed.P(padX+margin, padY+margin+lineH*i+int(px))
		for _, r := range l {
			d.Face = faceOf(r)
			d.DrawString(string(r))
		}
	}
	out := page
	if s.RotateDeg != 0 {
		out = rotate(page, s.RotateDeg)
	}
	addNoise(out, s)
	return out, nil
}

// rotate turns img by deg degrees about its centre on a page of the same
// size, with bilinear interpolation, as a skewed scan looks.
func rotate(img *image.Gray, deg float64) *image.Gray {
	b := img.Bounds()
	out := image.NewGray(b)
	draw.Draw(out, b, image.NewUniform(color.Gray{Y: 238}), image.Point{}, draw.Src)
	sin, cos := math.Sincos(deg * math.Pi / 180)
	cx, cy := float64(b.Dx())/2, float64(b.Dy())/2
	// Source to destination: translate the centre to the origin, rotate,
	// translate back.
	m := f64.Aff3{
		cos, -sin, cx - cos*cx + sin*cy,
		sin, cos, cy - sin*cx - cos*cy,
	}
	draw.BiLinear.Transform(out, m, img, b, draw.Over, nil)
	return out
}

// addNoise adds grain and dust to img, reproducibly for s.Seed.
func addNoise(img *image.Gray, s Style) {
	if s.Noise == 0 && s.Speckles == 0 {
		return
	}
	rng := rand.New(rand.NewPCG(s.Seed, 0x5ca77e57))
	for i, v := range img.Pix {
		n := int(v)
		if s.Noise > 0 {
			n += rng.IntN(2*s.Noise+1) - s.Noise
		}
		if s.Speckles > 0 && rng.Float64() < s.Speckles {
			n = rng.IntN(90)
		}
		img.Pix[i] = uint8(min(255, max(0, n)))
	}
}

// PNG encodes img as PNG.
func PNG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("scantest: png: %w", err)
	}
	return b.Bytes(), nil
}

// JPEG encodes img as JPEG of quality 85, as phones save photos.
func JPEG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		return nil, fmt.Errorf("scantest: jpeg: %w", err)
	}
	return b.Bytes(), nil
}

// TIFF encodes img as a deflate-compressed single-page TIFF.
func TIFF(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	if err := tiff.Encode(&b, img, &tiff.Options{Compression: tiff.Deflate}); err != nil {
		return nil, fmt.Errorf("scantest: tiff: %w", err)
	}
	return b.Bytes(), nil
}

// GrayTIFF returns an uncompressed little-endian TIFF with one 8-bit gray
// page per image (x/image/tiff writes single pages only).
func GrayTIFF(pages []*image.Gray) []byte {
	const entries = 8
	le := binary.LittleEndian
	out := []byte("II*\x00\x00\x00\x00\x00")
	next := 4 // where the offset of the next directory goes
	for _, p := range pages {
		w, h := p.Bounds().Dx(), p.Bounds().Dy()
		pixels := len(out)
		for y := 0; y < h; y++ {
			out = append(out, p.Pix[y*p.Stride:y*p.Stride+w]...)
		}
		if len(out)%2 == 1 {
			out = append(out, 0) // directories start on a word boundary
		}
		le.PutUint32(out[next:], uint32(len(out)))
		out = le.AppendUint16(out, entries)
		for _, e := range [entries][3]uint32{
			{256, 4, uint32(w)}, {257, 4, uint32(h)}, {258, 3, 8}, {259, 3, 1},
			{262, 3, 1}, {273, 4, uint32(pixels)}, {278, 4, uint32(h)}, {279, 4, uint32(w * h)},
		} {
			out = le.AppendUint16(out, uint16(e[0]))
			out = le.AppendUint16(out, uint16(e[1]))
			out = le.AppendUint32(out, 1)
			if e[1] == 3 {
				out = le.AppendUint16(out, uint16(e[2]))
				out = le.AppendUint16(out, 0)
			} else {
				out = le.AppendUint32(out, e[2])
			}
		}
		next = len(out)
		out = le.AppendUint32(out, 0)
	}
	return out
}

package scantest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"claims.local/pkg/document"
)

// Defect is a way a page of a real claim file is hard to read.
type Defect string

// The defects the OCR pipeline must read through. Clean is the usual test
// scan (Scanned: 1.2-1.5 degrees of skew, grain and dust).
const (
	Clean      Defect = "clean"
	Rotated90  Defect = "rotated_90"
	Rotated180 Defect = "rotated_180"
	Rotated270 Defect = "rotated_270"
	// Skewed turns the page by 3 to 8 degrees either way.
	Skewed Defect = "skewed"
	// Photo is a colour phone photo: the page narrower at the top than at
	// the bottom (mild perspective), light falling off across it, a desk
	// around it, saved as JPEG.
	Photo Defect = "photo"
	// Fax is a 150-dpi bi-level page with speckles and a dropped scan line
	// here and there, as a fax machine prints it.
	Fax Defect = "fax"
	// LowJPEG is a scan saved as JPEG of quality 10 to 20.
	LowJPEG Defect = "jpeg_low_quality"
	// RedSeal is a colour scan with a red round seal stamped across the
	// text, as Chinese institutions stamp their documents.
	RedSeal Defect = "red_seal"
)

// Defects returns every defect, Clean first.
func Defects() []Defect {
	return []Defect{Clean, Rotated90, Rotated180, Rotated270, Skewed, Photo, Fax, LowJPEG, RedSeal}
}

// Colour reports whether pages with defect d are colour images (the
// others are gray and can be bound into a PDF or a multi-page TIFF).
func (d Defect) Colour() bool { return d == Photo || d == RedSeal }

// QuarterTurns returns the clockwise turns, in degrees, that were applied
// to a page with defect d (0 for the defects that do not turn the page).
func (d Defect) QuarterTurns() int {
	switch d {
	case Rotated90:
		return 90
	case Rotated180:
		return 180
	case Rotated270:
		return 270
	}
	return 0
}

// SkewDegrees returns the skew of a page with defect Skewed made with seed:
// 3 to 8 degrees, clockwise for even seeds.
func SkewDegrees(seed uint64) float64 {
	deg := 3 + float64(seed%6)
	if seed%2 == 1 {
		deg = -deg
	}
	return deg
}

// RenderDefect draws lines as a page with defect d. The page is gray
// (*image.Gray) unless d.Colour(), when it is *image.RGBA.
func RenderDefect(fonts Fonts, lines []string, d Defect, seed uint64) (image.Image, error) {
	style := Scanned(seed)
	switch d {
	case Skewed:
		style.RotateDeg = SkewDegrees(seed)
	case Fax:
		// 10-point text at 150 dpi is 21 pixels high.
		style = Style{FontPx: 21, RotateDeg: 0.6, Seed: seed}
	case Photo:
		style.RotateDeg, style.Noise, style.Speckles = 0.8, 10, 0
	}
	page, err := Render(fonts, lines, style)
	if err != nil {
		return nil, err
	}
	switch d {
	case Rotated90, Rotated180, Rotated270:
		return TurnClockwise(page, d.QuarterTurns()), nil
	case Fax:
		faxify(page, seed)
		return page, nil
	case Photo:
		return photograph(page, seed), nil
	case RedSeal:
		return stampSeal(fonts, page, style, len(lines))
	}
	return page, nil
}

// EncodeDefect encodes a page made by RenderDefect the way such a page
// arrives: photos as JPEG, low-quality scans as JPEG of quality 10 to 20
// (by seed), faxes as TIFF, the others as PNG.
func EncodeDefect(img image.Image, d Defect, seed uint64) ([]byte, document.Media, error) {
	switch d {
	case Photo:
		data, err := JPEG(img)
		return data, document.JPEG, err
	case LowJPEG:
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 10 + int(seed%11)}); err != nil {
			return nil, "", fmt.Errorf("scantest: jpeg: %w", err)
		}
		return b.Bytes(), document.JPEG, nil
	case Fax:
		data, err := TIFF(img)
		return data, document.TIFF, err
	}
	data, err := PNG(img)
	return data, document.PNG, err
}

// TurnClockwise returns img turned clockwise by deg degrees (0, 90, 180 or
// 270; any other value returns img).
func TurnClockwise(img *image.Gray, deg int) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	var out *image.Gray
	switch deg {
	case 90, 270:
		out = image.NewGray(image.Rect(0, 0, h, w))
	case 180:
		out = image.NewGray(image.Rect(0, 0, w, h))
	default:
		return img
	}
	for y := 0; y < h; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y):]
		for x := 0; x < w; x++ {
			v := row[x]
			switch deg {
			case 90: // the top row becomes the right column
				out.Pix[x*out.Stride+(h-1-y)] = v
			case 180:
				out.Pix[(h-1-y)*out.Stride+(w-1-x)] = v
			case 270: // the top row becomes the left column
				out.Pix[(w-1-x)*out.Stride+y] = v
			}
		}
	}
	return out
}

// faxify makes page bi-level as a fax prints it: a fixed threshold, black
// speckles, white drop-outs in the strokes, and a few lost scan lines.
func faxify(page *image.Gray, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0xfa7))
	b := page.Bounds()
	for y := 0; y < b.Dy(); y++ {
		lost := rng.Float64() < 0.01
		for x := 0; x < b.Dx(); x++ {
			i := y*page.Stride + x
			v := uint8(255)
			if page.Pix[i] < 128 {
				v = 0
			}
			switch r := rng.Float64(); {
			case lost:
				v = 255
			case r < 0.003:
				v = 0
			case v == 0 && r < 0.04:
				v = 255
			}
			page.Pix[i] = v
		}
	}
}

// photograph turns a gray page into a colour phone photo of it: the page
// on a desk, 6% narrower at the top than at the bottom, lit warmly from the
// top left with the light falling to about half across the page.
func photograph(page *image.Gray, seed uint64) *image.RGBA {
	b := page.Bounds()
	w, h := b.Dx(), b.Dy()
	border := max(w, h) / 20
	outW, outH := w+2*border, h+2*border
	out := image.NewRGBA(image.Rect(0, 0, outW, outH))
	rng := rand.New(rand.NewPCG(seed, 0x9407))
	const keystone = 0.06
	cx := float64(outW) / 2
	for v := 0; v < outH; v++ {
		// Rows near the top are seen from further away: narrower.
		scale := 1 - keystone*(1-float64(v)/float64(outH))
		for u := 0; u < outW; u++ {
			sx := cx + (float64(u)-cx)/scale - float64(border)
			sy := float64(v - border)
			// Light: brightest at the top left, about 55% at the bottom
			// right.
			light := 1 - 0.45*(0.6*float64(u)/float64(outW)+0.4*float64(v)/float64(outH))
			var g float64
			if sx < 0 || sy < 0 || sx >= float64(w-1) || sy >= float64(h-1) {
				g = 110 + float64(rng.IntN(10)) // the desk
			} else {
				g = bilinear(page, sx, sy)
			}
			g *= light
			i := v*out.Stride + 4*u
			out.Pix[i] = uint8(math.Min(255, g*1.02))
			out.Pix[i+1] = uint8(math.Min(255, g*0.97))
			out.Pix[i+2] = uint8(math.Min(255, g*0.86))
			out.Pix[i+3] = 255
		}
	}
	return out
}

// bilinear samples page at (x, y), which must be inside it with a pixel to
// spare on the right and below.
func bilinear(page *image.Gray, x, y float64) float64 {
	x0, y0 := int(x), int(y)
	fx, fy := x-float64(x0), y-float64(y0)
	at := func(x, y int) float64 { return float64(page.Pix[y*page.Stride+x]) }
	top := at(x0, y0)*(1-fx) + at(x0+1, y0)*fx
	bottom := at(x0, y0+1)*(1-fx) + at(x0+1, y0+1)*fx
	return top*(1-fy) + bottom*fy
}

// sealRed is the colour of seal ink.
var sealRed = color.RGBA{R: 214, G: 38, B: 44, A: 255}

// stampSeal returns page in colour with a round red seal (a ring, a star
// and the words 专用章) stamped across the right half of its second and
// third lines. The ink multiplies the paper as real ink does: text under
// the seal stays dark.
func stampSeal(fonts Fonts, page *image.Gray, style Style, lines int) (*image.RGBA, error) {
	b := page.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			v := page.Pix[y*page.Stride+x]
			i := y*out.Stride + 4*x
			out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = v, v, v, 255
		}
	}
	px := style.FontPx
	// The seal: radius of two and a half lines, over the middle lines.
	ink := image.NewAlpha(out.Bounds())
	r := px * 4.2
	cx := float64(b.Dx()) * 0.55
	cy := px*2 + px*1.8*math.Min(float64(lines), 3) - px*0.4
	for y := int(cy - r - 2); y <= int(cy+r+2); y++ {
		for x := int(cx - r - 2); x <= int(cx+r+2); x++ {
			d := math.Hypot(float64(x)-cx, float64(y)-cy)
			if d <= r && d >= r-px*0.3 && image.Pt(x, y).In(ink.Bounds()) {
				ink.SetAlpha(x, y, color.Alpha{A: 255})
			}
		}
	}
	fillStar(ink, cx, cy-r*0.15, r*0.32)
	face, err := opentype.NewFace(fonts.CJK, &opentype.FaceOptions{Size: px * 1.1, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("scantest: font face: %w", err)
	}
	defer face.Close()
	d := font.Drawer{Dst: ink, Src: image.NewUniform(color.Alpha{A: 255}), Face: face}
	label := "专用章"
	d.Dot = fixed.P(int(cx)-d.MeasureString(label).Round()/2, int(cy+r*0.55))
	d.DrawString(label)
	// Multiply: each channel of the paper times the ink's, where there is
	// ink (85% coverage, as a stamp leaves it).
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			a := float64(ink.Pix[y*ink.Stride+x]) / 255 * 0.85
			if a == 0 {
				continue
			}
			i := y*out.Stride + 4*x
			for c, k := range [3]uint8{sealRed.R, sealRed.G, sealRed.B} {
				v := float64(out.Pix[i+c])
				out.Pix[i+c] = uint8(v * (1 - a + a*float64(k)/255))
			}
		}
	}
	return out, nil
}

// fillStar fills a five-pointed star of outer radius r centred on (cx, cy).
func fillStar(ink *image.Alpha, cx, cy, r float64) {
	var pts [10][2]float64
	for i := range pts {
		rad := r
		if i%2 == 1 {
			rad = r * 0.38
		}
		a := -math.Pi/2 + float64(i)*math.Pi/5
		pts[i] = [2]float64{cx + rad*math.Cos(a), cy + rad*math.Sin(a)}
	}
	for y := int(cy - r); y <= int(cy+r); y++ {
		for x := int(cx - r); x <= int(cx+r); x++ {
			if inPolygon(pts[:], float64(x)+0.5, float64(y)+0.5) && image.Pt(x, y).In(ink.Bounds()) {
				ink.SetAlpha(x, y, color.Alpha{A: 255})
			}
		}
	}
}

// inPolygon reports whether (x, y) is inside the polygon (even-odd rule).
func inPolygon(pts [][2]float64, x, y float64) bool {
	in := false
	for i, j := 0, len(pts)-1; i < len(pts); j, i = i, i+1 {
		a, b := pts[i], pts[j]
		if (a[1] > y) != (b[1] > y) && x < (b[0]-a[0])*(y-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

package ocr

import (
	"image"
	"math"
	"slices"

	"claims.local/pkg/document"
)

// Preprocessing turns a hard scan into a page Tesseract reads well, in Go,
// on the worker that recognises it, with one extra page of 8-bit gray at
// most (the PGM Tesseract is given is that page):
//
//   - orientation: the page is turned back by quarter turns
//     (Page.Rotation) the way its ink says (orient.go); a page that still
//     reads with a low confidence is read the other way up and, failing
//     that, shown to Tesseract's OSD (readPage);
//   - size: a page whose lines of text are large is shrunk
//     (shrinkFactor);
//   - skew: the angle is estimated from the projection profile of a
//     reduced page (the angle at which rows of ink are sharpest) and the
//     page is turned back about its centre when it is off by more than
//     minDeskewDegrees; line boxes are mapped back onto the upright page;
//   - uneven light (phone photos): the page is divided by its background,
//     estimated as the brightest pixels of 32-pixel tiles, smoothed, so
//     that paper reads white everywhere and Tesseract's global threshold
//     works in the shadow too;
//   - red seals: a colour image is converted by its red channel, in which
//     red ink is as light as the paper and black text stays black
//     (decodeForOCR).

// minDeskewDegrees is the skew below which a page is read as it is:
// Tesseract's own line finding copes with small skews (the test scans at
// 1.2-1.5 degrees read as well either way).
const minDeskewDegrees = 1.0

// maxSkewDegrees is the largest skew looked for.
const maxSkewDegrees = 10.0

// paperWhite is the share of the background's brightness from which a
// pixel is made white: grain, a red seal once its red channel is taken
// (about 85% of the paper) and the shadow of a fold vanish; ink is far
// darker. Measured on the hard scans of the tests: without it, the faint
// ring of a seal was read as characters (就诊上日期).
const paperWhite = 0.85

// backgroundTile is the side, in pixels, of the tiles whose brightest
// pixels estimate the paper's brightness.
const backgroundTile = 32

// turnClockwise returns img turned clockwise by deg (90, 180 or 270);
// img itself for any other value. Each pixel of the result is fetched from
// where it was before the turn.
func turnClockwise(img *image.Gray, deg int) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	var out *image.Gray
	var from func(x, y int) int // offset in img of the pixel that lands at (x, y)
	switch deg {
	case 90:
		out = image.NewGray(image.Rect(0, 0, h, w))
		from = func(x, y int) int { return img.PixOffset(b.Min.X+y, b.Min.Y+h-1-x) }
	case 180:
		out = image.NewGray(image.Rect(0, 0, w, h))
		from = func(x, y int) int { return img.PixOffset(b.Min.X+w-1-x, b.Min.Y+h-1-y) }
	case 270:
		out = image.NewGray(image.Rect(0, 0, h, w))
		from = func(x, y int) int { return img.PixOffset(b.Min.X+w-1-y, b.Min.Y+x) }
	default:
		return img
	}
	ob := out.Bounds()
	for y := 0; y < ob.Dy(); y++ {
		row := out.Pix[y*out.Stride : y*out.Stride+ob.Dx()]
		for x := range row {
			row[x] = img.Pix[from(x, y)]
		}
	}
	return out
}

// estimateSkew returns the angle, in degrees clockwise, by which the lines
// of text of img are turned, or 0 when it finds no text. It reduces the
// page to about 600 pixels across, marks the pixels darker than the page's
// mean by a margin as ink, and for each candidate angle counts the ink
// along lines of that slope: at the right angle the counts are sharpest
// (the sum of their squares is largest). Half-degree steps, then a tenth
// of a degree around the best.
func estimateSkew(img *image.Gray) float64 {
	ink, w, h := inkDots(img)
	if len(ink) < 50 {
		return 0
	}
	// Dots counted from the middle of the page across.
	for k := range ink {
		ink[k].x -= float64(w / 2)
	}
	bins := make([]int, h+w)
	sharpness := func(deg float64) float64 {
		clear(bins)
		t := math.Tan(deg * math.Pi / 180)
		off := float64(w) / 2
		for _, d := range ink {
			// The row a dot would be in once the page is turned back by
			// deg: y minus its rise along the tilted line.
			r := int(d.y - d.x*t + off)
			if r >= 0 && r < len(bins) {
				bins[r]++
			}
		}
		var s float64
		for _, n := range bins {
			s += float64(n) * float64(n)
		}
		return s
	}
	best, bestScore := 0.0, sharpness(0)
	for deg := -maxSkewDegrees; deg <= maxSkewDegrees; deg += 0.5 {
		if s := sharpness(deg); s > bestScore {
			best, bestScore = deg, s
		}
	}
	coarse := best
	for deg := coarse - 0.4; deg <= coarse+0.4; deg += 0.1 {
		if s := sharpness(deg); s > bestScore {
			best, bestScore = deg, s
		}
	}
	return math.Round(best*10) / 10
}

// rotateInto draws src turned anticlockwise by deg degrees about its
// centre into dst (the same size), with bilinear interpolation; what comes
// from outside src is white.
func rotateInto(dst, src *image.Gray, deg float64) {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	sin, cos := math.Sincos(deg * math.Pi / 180)
	cx, cy := float64(w-1)/2, float64(h-1)/2
	for y := 0; y < h; y++ {
		row := dst.Pix[y*dst.Stride : y*dst.Stride+w]
		dy := float64(y) - cy
		for x := range row {
			dx := float64(x) - cx
			// The source point that turning anticlockwise brings here.
			sx := cx + dx*cos - dy*sin
			sy := cy + dx*sin + dy*cos
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			if x0 < 0 || y0 < 0 || x0+1 >= w || y0+1 >= h {
				row[x] = 255
				continue
			}
			fx, fy := sx-float64(x0), sy-float64(y0)
			p := src.PixOffset(b.Min.X+x0, b.Min.Y+y0)
			a, c := float64(src.Pix[p]), float64(src.Pix[p+1])
			d, e := float64(src.Pix[p+src.Stride]), float64(src.Pix[p+src.Stride+1])
			v := (a*(1-fx)+c*fx)*(1-fy) + (d*(1-fx)+e*fx)*fy
			row[x] = uint8(v + 0.5)
		}
	}
}

// unrotateBox maps box, found on a page turned anticlockwise by deg about
// its centre (rotateInto), back onto the page before the turn: the
// smallest upright rectangle holding the turned box, within w×h.
func unrotateBox(box document.Box, deg float64, w, h int) document.Box {
	sin, cos := math.Sincos(deg * math.Pi / 180)
	cx, cy := float64(w-1)/2, float64(h-1)/2
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, c := range [4][2]float64{
		{float64(box.X), float64(box.Y)}, {float64(box.X + box.W), float64(box.Y)},
		{float64(box.X), float64(box.Y + box.H)}, {float64(box.X + box.W), float64(box.Y + box.H)},
	} {
		dx, dy := c[0]-cx, c[1]-cy
		x, y := cx+dx*cos-dy*sin, cy+dx*sin+dy*cos
		minX, minY, maxX, maxY = math.Min(minX, x), math.Min(minY, y), math.Max(maxX, x), math.Max(maxY, y)
	}
	return clampBox(document.Box{X: int(math.Floor(minX)), Y: int(math.Floor(minY)),
		W: int(math.Ceil(maxX - math.Floor(minX))), H: int(math.Ceil(maxY - math.Floor(minY)))}, w, h)
}

// clampBox cuts box to a w×h page.
func clampBox(box document.Box, w, h int) document.Box {
	x0, y0 := min(max(box.X, 0), w), min(max(box.Y, 0), h)
	x1, y1 := min(max(box.X+box.W, 0), w), min(max(box.Y+box.H, 0), h)
	return document.Box{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
}

// flattenBackground divides img, in place, by its background: the 95th
// percentile of each backgroundTile-pixel tile, the lowest of it and its
// neighbours' raised to their median, interpolated bilinearly between
// tile centres, and by paperWhite. Paper becomes white under any light;
// ink keeps its contrast to the paper around it.
func flattenBackground(img *image.Gray) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	tw, th := (w+backgroundTile-1)/backgroundTile, (h+backgroundTile-1)/backgroundTile
	if tw < 2 || th < 2 {
		return
	}
	tiles := make([]float64, tw*th)
	var hist [256]int
	for ty := 0; ty < th; ty++ {
		for tx := 0; tx < tw; tx++ {
			clear(hist[:])
			n := 0
			for y := ty * backgroundTile; y < min(h, (ty+1)*backgroundTile); y++ {
				row := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y):]
				for x := tx * backgroundTile; x < min(w, (tx+1)*backgroundTile); x++ {
					hist[row[x]]++
					n++
				}
			}
			// The 95th percentile: the paper, not its brightest speck.
			want, v := n*5/100, 255
			for acc := 0; v > 0; v-- {
				if acc += hist[v]; acc > want {
					break
				}
			}
			tiles[ty*tw+tx] = float64(v)
		}
	}
	// A tile full of ink (a thick title, a seal) would turn its ink white:
	// take the median of each tile and its neighbours.
	smooth := make([]float64, len(tiles))
	var around []float64
	for ty := 0; ty < th; ty++ {
		for tx := 0; tx < tw; tx++ {
			around = around[:0]
			for y := max(0, ty-1); y <= min(th-1, ty+1); y++ {
				for x := max(0, tx-1); x <= min(tw-1, tx+1); x++ {
					around = append(around, tiles[y*tw+x])
				}
			}
			slices.Sort(around)
			smooth[ty*tw+tx] = math.Max(around[len(around)/2], 32)
		}
	}
	scaleRow := make([]float64, w)
	for y := 0; y < h; y++ {
		fy := math.Min(math.Max((float64(y)+0.5)/backgroundTile-0.5, 0), float64(th-1))
		ty := min(int(fy), th-2)
		ay := fy - float64(ty)
		for x := 0; x < w; x++ {
			fx := math.Min(math.Max((float64(x)+0.5)/backgroundTile-0.5, 0), float64(tw-1))
			tx := min(int(fx), tw-2)
			ax := fx - float64(tx)
			top := smooth[ty*tw+tx]*(1-ax) + smooth[ty*tw+tx+1]*ax
			bottom := smooth[(ty+1)*tw+tx]*(1-ax) + smooth[(ty+1)*tw+tx+1]*ax
			scaleRow[x] = 255 / (paperWhite * (top*(1-ay) + bottom*ay))
		}
		row := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y):]
		for x := 0; x < w; x++ {
			row[x] = uint8(math.Min(255, float64(row[x])*scaleRow[x]))
		}
	}
}

// Recognition costs grow with the pixels of a page, and Tesseract reads
// text of 20 to 25 pixels as well as larger text (its LSTM scales every
// line to the same height anyway): a page whose lines of text are taller
// than maxLineHeight is shrunk so that they are targetLineHeight high,
// never by more than half (minShrink). Smaller text is read as it is,
// never enlarged. On BenchmarkDocuments' pages (lines 30 pixels high at
// 300 dpi) shrinking to 24 pixels cut recognition by about 12%.
const (
	maxLineHeight    = 28.0
	targetLineHeight = 24.0
	minShrink        = 0.5
)

// shrinkFactor returns the scale at which a page whose lines of text are
// lineHeight pixels high is read: 1 for small or unknown (0) heights.
func shrinkFactor(lineHeight float64) float64 {
	if lineHeight <= maxLineHeight {
		return 1
	}
	return max(minShrink, targetLineHeight/lineHeight)
}

// shrink returns img scaled by f (minShrink <= f < 1), each pixel sampled
// bilinearly at the centre of the area it covers; img itself for f >= 1.
func shrink(img *image.Gray, f float64) *image.Gray {
	if f >= 1 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := max(1, int(float64(w)*f+0.5)), max(1, int(float64(h)*f+0.5))
	out := image.NewGray(image.Rect(0, 0, ow, oh))
	sx, sy := float64(w)/float64(ow), float64(h)/float64(oh)
	// Each output column's two source columns and the weight of the second.
	x0s, fxs := make([]int, ow), make([]float64, ow)
	for x := range ow {
		fx := min(max((float64(x)+0.5)*sx-0.5, 0), float64(w-1))
		x0s[x] = min(int(fx), w-2)
		fxs[x] = fx - float64(x0s[x])
	}
	for y := range oh {
		fy := min(max((float64(y)+0.5)*sy-0.5, 0), float64(h-1))
		y0 := min(int(fy), h-2)
		ay := fy - float64(y0)
		top := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y0):]
		bottom := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y0+1):]
		row := out.Pix[y*out.Stride : y*out.Stride+ow]
		for x := range row {
			x0, ax := x0s[x], fxs[x]
			t := float64(top[x0])*(1-ax) + float64(top[x0+1])*ax
			u := float64(bottom[x0])*(1-ax) + float64(bottom[x0+1])*ax
			row[x] = uint8(t*(1-ay) + u*ay + 0.5)
		}
	}
	return out
}

// scaleBox maps box by the factor k onto a w×h page.
func scaleBox(box document.Box, k float64, w, h int) document.Box {
	x0, y0 := int(math.Floor(float64(box.X)*k)), int(math.Floor(float64(box.Y)*k))
	x1, y1 := int(math.Ceil(float64(box.X+box.W)*k)), int(math.Ceil(float64(box.Y+box.H)*k))
	return clampBox(document.Box{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}, w, h)
}

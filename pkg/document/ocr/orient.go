package ocr

import (
	"image"
	"math"
	"slices"
)

// Orientation is guessed in Go before anything is recognised, so that a
// turned page is read once, the right way up, rather than read wrongly,
// shown to OSD and read again (three Tesseract passes, OSD costing more
// than a recognition). The guess only orders the turns tried: a page that
// reads with a low confidence the way the guess says is still read the
// other way and, failing that, shown to OSD (readPage), so a wrong guess
// costs time, never text.
//
// The guess reads the ink of a reduced page (inkDots):
//
//   - lines of text run across the page when the ink, counted row by row
//     (at the page's skew, within maxSkewDegrees), is more concentrated
//     than counted column by column; otherwise the page lies on its side;
//   - a line of a form starts at a margin and ends where its value ends:
//     the starts of the lines line up, their ends do not. The side where
//     the edges of the lines line up best is the left of the upright
//     page.

// inkDots reduces img to about 600 pixels across, each reduced pixel the
// darkest of its cell, and returns the reduced pixels darker than the
// reduced page's mean by a margin (the ink), with the reduced size; no
// dots when the page is too small to tell.
func inkDots(img *image.Gray) (ink []dot, w, h int) {
	b := img.Bounds()
	step := max(1, b.Dx()/600)
	w, h = b.Dx()/step, b.Dy()/step
	if w < 32 || h < 32 {
		return nil, w, h
	}
	small := make([]uint8, w*h)
	var sum int
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m := uint8(255)
			for dy := 0; dy < step; dy++ {
				row := img.Pix[img.PixOffset(b.Min.X+x*step, b.Min.Y+y*step+dy):]
				for dx := 0; dx < step; dx++ {
					m = min(m, row[dx])
				}
			}
			small[y*w+x] = m
			sum += int(m)
		}
	}
	threshold := uint8(max(0, sum/(w*h)-60))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if small[y*w+x] < threshold {
				ink = append(ink, dot{float64(x), float64(y)})
			}
		}
	}
	return ink, w, h
}

// dot is a reduced pixel of ink.
type dot struct{ x, y float64 }

// minOrientDots is the least ink from which orientation is guessed.
const minOrientDots = 200

// layout is what the ink of a page tells before it is read.
type layout struct {
	// turns are the four clockwise turns (0, 90, 180, 270) that may make
	// the page upright, the likeliest first.
	turns []int
	// lineHeight is the median height, in pixels, of the page's lines of
	// text; 0 when it has too little ink to tell.
	lineHeight float64
}

// pageLayout guesses the orientation of img (see the top of this file)
// and the height of its lines; turn 0 first when the page has too little
// ink to tell.
func pageLayout(img *image.Gray) layout {
	ink, w, h := inkDots(img)
	if len(ink) < minOrientDots {
		return layout{turns: []int{0, 180, 90, 270}}
	}
	step := float64(img.Bounds().Dx()) / float64(w)
	// Across: the page as it is; along: the page on its side (x and y
	// swapped, which is a quarter turn and a mirror: the mirror changes
	// neither the concentration of the rows nor which edges line up
	// better, only which end is which, handled below).
	across, acrossBands := concentration(ink, w, h)
	side := make([]dot, len(ink))
	for i, d := range ink {
		side[i] = dot{d.y, d.x}
	}
	along, alongBands := concentration(side, h, w)
	var first, second []int
	var lines []band
	if across >= along {
		lines = acrossBands
		// Rows of text across the page: upright or upside down. The line
		// starts of an upright page are on the left.
		if edgeSpread(ink, acrossBands, false) <= edgeSpread(ink, acrossBands, true) {
			first = []int{0, 180}
		} else {
			first = []int{180, 0}
		}
		second = []int{90, 270}
	} else {
		lines = alongBands
		// Lines running down the page. Turned clockwise by 90 degrees, an
		// upright page's left edge is at the top (small y, the "left" of
		// the swapped dots): turning it a further 270 makes it upright.
		if edgeSpread(side, alongBands, false) <= edgeSpread(side, alongBands, true) {
			first = []int{270, 90}
		} else {
			first = []int{90, 270}
		}
		second = []int{0, 180}
	}
	lineHeight := medianHeight(lines)
	if across < along {
		w, h = h, w
	}
	if lineHeight > float64(h)/8 {
		// One band over much of the page is not a line of text (a photo's
		// desk around the page reads as ink).
		lineHeight = 0
	}
	return layout{turns: append(first, second...), lineHeight: lineHeight * step}
}

// medianHeight returns the median height of the bands at least two rows
// high (thinner ones are rules or noise), 0 when there are none.
func medianHeight(bands []band) float64 {
	var hs []int
	for _, b := range bands {
		if b.y1-b.y0 >= 2 {
			hs = append(hs, b.y1-b.y0)
		}
	}
	if len(hs) == 0 {
		return 0
	}
	slices.Sort(hs)
	return float64(hs[len(hs)/2])
}

// band is a line of text found by concentration: the rows from y0 to y1
// (exclusive) when ink is counted at the slope t (rise per column), a dot
// at (x, y) counting in row y - (x-off)*t + off.
type band struct {
	y0, y1 int
	t, off float64
}

// row returns the row d counts in at b's slope.
func (b band) row(d dot) int { return int(d.y - (d.x-b.off)*b.t + b.off) }

// concentration counts ink row by row at the slope, within
// maxSkewDegrees, that concentrates it most, and returns that
// concentration (the sum of the squared counts over the square of the
// total, times the number of rows: 1 for ink spread evenly, more as it
// gathers in lines) and the lines of text found there (runs of rows whose
// count is at least a fifth of the mean count of the inked rows).
func concentration(ink []dot, w, h int) (float64, []band) {
	bins := make([]int, h+w)
	off := float64(w) / 2
	count := func(t float64) float64 {
		clear(bins)
		for _, d := range ink {
			if r := int(d.y - (d.x-off)*t + off); r >= 0 && r < len(bins) {
				bins[r]++
			}
		}
		var s float64
		for _, n := range bins {
			s += float64(n) * float64(n)
		}
		return s
	}
	bestT, best := 0.0, count(0)
	for deg := -maxSkewDegrees; deg <= maxSkewDegrees; deg += 1 {
		t := math.Tan(deg * math.Pi / 180)
		if s := count(t); s > best {
			bestT, best = t, s
		}
	}
	count(bestT)
	n := float64(len(ink))
	inked, total := 0, 0
	for _, c := range bins {
		if c > 0 {
			inked++
			total += c
		}
	}
	var bands []band
	if inked > 0 {
		floor := max(1, total/inked/5)
		for r := 0; r < len(bins); {
			if bins[r] < floor {
				r++
				continue
			}
			start := r
			for r < len(bins) && bins[r] >= floor {
				r++
			}
			bands = append(bands, band{y0: start, y1: r, t: bestT, off: off})
		}
	}
	return best * float64(h) / (n * n), bands
}

// edgeSpread returns how far the starts (or, with right, the ends) of the
// lines of text in bands stray from each other: the mean distance of each
// line's edge from the median edge, lines of little ink left out. An edge
// is taken at the second percentile of its line's ink, so that a speck of
// dust does not move it.
func edgeSpread(ink []dot, bands []band, right bool) float64 {
	if len(bands) == 0 {
		return 0
	}
	which := make([]int, bands[len(bands)-1].y1)
	for i := range which {
		which[i] = -1
	}
	for i, bd := range bands {
		for r := bd.y0; r < bd.y1; r++ {
			which[r] = i
		}
	}
	lines := make([][]float64, len(bands))
	for _, d := range ink {
		if r := bands[0].row(d); r >= 0 && r < len(which) && which[r] >= 0 {
			lines[which[r]] = append(lines[which[r]], d.x)
		}
	}
	var edges []float64
	for _, xs := range lines {
		if len(xs) < 20 {
			continue
		}
		slices.Sort(xs)
		k := len(xs) / 50
		if right {
			k = len(xs) - 1 - k
		}
		edges = append(edges, xs[k])
	}
	if len(edges) < 2 {
		return 0
	}
	sorted := slices.Clone(edges)
	slices.Sort(sorted)
	median := sorted[len(sorted)/2]
	var sum float64
	for _, e := range edges {
		sum += math.Abs(e - median)
	}
	return sum / float64(len(edges))
}

// turnedSize returns the size of img once turned clockwise by turn.
func turnedSize(img *image.Gray, turn int) image.Point {
	if turn == 90 || turn == 270 {
		return image.Pt(img.Bounds().Dy(), img.Bounds().Dx())
	}
	return img.Bounds().Size()
}

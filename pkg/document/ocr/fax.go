package ocr

import (
	"image"
	"slices"

	"github.com/otiai10/gosseract/v2"

	"claims.local/pkg/document"
)

// A fax reaches us as a bi-level page at about 150 dpi (half the
// resolution of a scan): ten-point text is some 21 pixels high, its
// strokes one or two pixels wide with holes where the line dropped a bit,
// speckles of toner around it and now and then a whole scan line lost.
// Tesseract, which wants text of 20 to 40 pixels with smooth edges, reads
// such a page badly: names lose strokes and become other characters.
// prepareFax repairs the page before it is read; readPage calls it on
// every page and it changes only those that look like faxes
// (looksLikeFax).

// readPageOrFax reads img as readPage does, repaired and enlarged first
// when it looks like a fax (prepareFax). The page's size and its line
// boxes are those of img, whatever was read.
func readPageOrFax(client *gosseract.Client, osd *osdEngine, img *image.Gray, dpi int) (document.Page, passes, error) {
	prepared, preparedDPI := prepareFax(img, dpi)
	if prepared == img {
		return readPage(client, osd, img, dpi)
	}
	page, n, err := readPage(client, osd, prepared, preparedDPI)
	if err != nil {
		return page, n, err
	}
	page.Width, page.Height = (page.Width+faxScale-1)/faxScale, (page.Height+faxScale-1)/faxScale
	for i := range page.Lines {
		mapBoxes(&page.Lines[i], func(b document.Box) document.Box {
			x0, y0 := b.X/faxScale, b.Y/faxScale
			x1, y1 := (b.X+b.W+faxScale-1)/faxScale, (b.Y+b.H+faxScale-1)/faxScale
			return clampBox(document.Box{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}, page.Width, page.Height)
		})
	}
	return page, n, nil
}

// Thresholds of fax detection and repair.
const (
	// faxMaxLineHeight is the tallest median line of text, in pixels, that
	// marks a page as low-resolution: ten-point text is about 21 pixels
	// high at 150 dpi and 42 at 300.
	faxMaxLineHeight = 30
	// faxMinLineHeight is the least: shorter runs of rows with ink are
	// speckles or rules, not lines of text.
	faxMinLineHeight = 8
	// faxMaxGrayShare is the largest share of pixels that may be neither
	// black nor white in a bi-level page (a little, for a page that went
	// through a lossless conversion).
	faxMaxGrayShare = 0.002
	// faxScale is the factor a fax is enlarged by: 150 dpi read as 300.
	faxScale = 2
)

// prepareFax returns img repaired and enlarged, and the resolution it is
// to be read at, when img looks like a fax (looksLikeFax); img and dpi
// unchanged otherwise. The repair, in order:
//
//   - speckles: a black pixel with no black neighbour is made white;
//   - lost scan lines: a row without ink between two rows with ink takes
//     the ink both of them have;
//   - drop-outs: a white pixel with black on three of its four sides is
//     made black, closing the holes in strokes;
//   - the page is enlarged faxScale times with bilinear interpolation and
//     smoothed with a 3×3 box, so that strokes have the soft edges of a
//     gray scan, and read at faxScale times its resolution.
func prepareFax(img *image.Gray, dpi int) (*image.Gray, int) {
	if !looksLikeFax(img) {
		return img, dpi
	}
	ink, w, h := repairFax(img)
	return enlargeInk(ink, w, h, faxScale), dpi * faxScale
}

// repairFax returns the ink of img (true for black) with speckles removed,
// lost scan lines restored and drop-outs closed, as prepareFax says, and
// its width and height.
func repairFax(img *image.Gray) ([]bool, int, int) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ink := make([]bool, w*h)
	for y := 0; y < h; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y):]
		for x := 0; x < w; x++ {
			ink[y*w+x] = row[x] < 128
		}
	}
	at := func(x, y int) bool { return x >= 0 && y >= 0 && x < w && y < h && ink[y*w+x] }
	despeckled := make([]bool, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if !ink[y*w+x] {
				continue
			}
			alone := true
			for dy := -1; dy <= 1 && alone; dy++ {
				for dx := -1; dx <= 1; dx++ {
					if (dx != 0 || dy != 0) && at(x+dx, y+dy) {
						alone = false
						break
					}
				}
			}
			despeckled[y*w+x] = !alone
		}
	}
	ink = despeckled
	rowInk := func(y int) int {
		n := 0
		for _, v := range ink[y*w : (y+1)*w] {
			if v {
				n++
			}
		}
		return n
	}
	for y := 1; y < h-1; y++ {
		if rowInk(y) == 0 && rowInk(y-1) > 0 && rowInk(y+1) > 0 {
			for x := 0; x < w; x++ {
				ink[y*w+x] = ink[(y-1)*w+x] && ink[(y+1)*w+x]
			}
		}
	}
	closed := slices.Clone(ink)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if ink[y*w+x] {
				continue
			}
			n := 0
			for _, d := range [4][2]int{{-1, 0}, {1, 0}, {0, -1}, {0, 1}} {
				if at(x+d[0], y+d[1]) {
					n++
				}
			}
			closed[y*w+x] = n >= 3
		}
	}
	ink = closed
	return ink, w, h
}

// enlargeInk returns the w×h bi-level page ink enlarged scale times, as
// gray: each pixel samples the page bilinearly (ink 0, paper 255), then a
// 3×3 box smooths the staircase.
func enlargeInk(ink []bool, w, h, scale int) *image.Gray {
	W, H := w*scale, h*scale
	big := make([]float64, W*H)
	val := func(x, y int) float64 {
		x, y = min(max(x, 0), w-1), min(max(y, 0), h-1)
		if ink[y*w+x] {
			return 0
		}
		return 255
	}
	for Y := 0; Y < H; Y++ {
		sy := (float64(Y)+0.5)/float64(scale) - 0.5
		y0 := int(sy+1) - 1 // floor for sy >= -1
		fy := sy - float64(y0)
		for X := 0; X < W; X++ {
			sx := (float64(X)+0.5)/float64(scale) - 0.5
			x0 := int(sx+1) - 1
			fx := sx - float64(x0)
			top := val(x0, y0)*(1-fx) + val(x0+1, y0)*fx
			bottom := val(x0, y0+1)*(1-fx) + val(x0+1, y0+1)*fx
			big[Y*W+X] = top*(1-fy) + bottom*fy
		}
	}
	out := image.NewGray(image.Rect(0, 0, W, H))
	for Y := 0; Y < H; Y++ {
		for X := 0; X < W; X++ {
			var sum float64
			for dy := -1; dy <= 1; dy++ {
				yy := min(max(Y+dy, 0), H-1)
				for dx := -1; dx <= 1; dx++ {
					sum += big[yy*W+min(max(X+dx, 0), W-1)]
				}
			}
			out.Pix[Y*W+X] = uint8(sum/9 + 0.5)
		}
	}
	return out
}

// looksLikeFax reports whether img is a bi-level page (black and white,
// nearly nothing between) whose lines of text are low: the median height
// of the runs of rows that hold ink is between faxMinLineHeight and
// faxMaxLineHeight pixels (shorter runs are not counted). Rows with fewer ink pixels than a hundredth of
// the width (speckles) count as blank.
func looksLikeFax(img *image.Gray) bool {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w < 64 || h < 64 {
		return false
	}
	gray, rowMin := 0, max(2, w/100)
	var runs []int
	run := 0
	for y := 0; y < h; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y) : img.PixOffset(b.Min.X, b.Min.Y+y)+w]
		n := 0
		for _, v := range row {
			switch {
			case v == 0:
				n++
			case v != 255:
				gray++
			}
		}
		if n >= rowMin {
			run++
			continue
		}
		if run >= faxMinLineHeight {
			runs = append(runs, run)
		}
		run = 0
	}
	if run >= faxMinLineHeight {
		runs = append(runs, run)
	}
	if float64(gray) > faxMaxGrayShare*float64(w*h) || len(runs) == 0 {
		return false
	}
	slices.Sort(runs)
	return runs[len(runs)/2] <= faxMaxLineHeight
}

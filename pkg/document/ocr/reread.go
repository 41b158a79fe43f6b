package ocr

import (
	"context"
	"fmt"
	"image"
	"math"
	"os"
	"slices"
	"strings"
	"unicode"

	"github.com/otiai10/gosseract/v2"

	"claims.local/pkg/document"
)

// valueBox returns the box of the characters of page whose centres lie
// in box (a name's document.Source box, which spans its line's height):
// the printed characters of the value alone, and the median of their
// heights (a character's box can be much taller than the character, as
// 胸's was on issue 19's receipt of 孙伟平鹏: 52 pixels for 31); box
// itself and its height when page kept no characters there.
func valueBox(page document.Page, box document.Box) (document.Box, int) {
	x0, y0, x1, y1 := 0, 0, 0, 0
	var heights []int
	for _, l := range page.Lines {
		for _, w := range l.Words {
			for _, c := range w.Chars {
				cx, cy := c.Box.X+c.Box.W/2, c.Box.Y+c.Box.H/2
				if c.Box.W <= 0 || c.Box.H <= 0 || cx < box.X || cx >= box.X+box.W || cy < box.Y || cy >= box.Y+box.H {
					continue
				}
				if len(heights) == 0 {
					x0, y0, x1, y1 = c.Box.X, c.Box.Y, c.Box.X+c.Box.W, c.Box.Y+c.Box.H
				}
				x0, y0, x1, y1 = min(x0, c.Box.X), min(y0, c.Box.Y), max(x1, c.Box.X+c.Box.W), max(y1, c.Box.Y+c.Box.H)
				heights = append(heights, c.Box.H)
			}
		}
	}
	if len(heights) == 0 {
		return box, box.H
	}
	slices.Sort(heights)
	return document.Box{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}, heights[len(heights)/2]
}

// nameCrop copies the characters of a name's value out of img, the
// upright page: valueBox of its document.Source box on page, carried on
// over the ink that follows it up to the next word (inkAfter,
// nextWordAt), with a margin of a quarter of their height above and
// below and two fifths before and after (never past the next word's left
// edge), so that no stroke is cut and no neighbouring label is taken in,
// and enlarges the copy so that the characters are height pixels high
// (never shrunk).
// The copy holds the value alone: the second reading is of the printed
// characters, not of their label.
func nameCrop(img *image.Gray, page document.Page, box document.Box, height int) *image.Gray {
	r, boxHeight := nameCropRect(img, page, box, true)
	return copyEnlarged(img, r, height, boxHeight)
}

// tightNameCrop is nameCrop without the ink after the value's characters
// (inkAfter) and with a margin of a tenth of their height after them
// (nameCrop's is two fifths: on claim 596's receipt it held a mark the
// fast model read as ” and the names' model as 一): the characters the
// first reading placed on page, and their margins above, below and
// before, enlarged so that they are height pixels high. What
// confirmWithoutAround reads.
func tightNameCrop(img *image.Gray, page document.Page, box document.Box, height int) *image.Gray {
	r, boxHeight := nameCropRect(img, page, box, false)
	return copyEnlarged(img, r, height, boxHeight)
}

// nameCropRect returns the rectangle of img nameCrop copies for box on
// page (around: carried on over the ink after the value and with a
// margin after it; else ending a tenth of a character after the value's
// last character), and the
// height of the value's characters; an empty rectangle when page placed
// none.
func nameCropRect(img *image.Gray, page document.Page, box document.Box, around bool) (image.Rectangle, int) {
	box, charHeight := valueBox(page, box)
	if box.W <= 0 || box.H <= 0 {
		return image.Rectangle{}, box.H
	}
	my, mx := max(2, box.H/4), max(3, 2*box.H/5)
	right := box.X + box.W + max(3, charHeight/10)
	if around {
		stop := nextWordAt(page, box)
		end := inkAfter(img, box, charHeight, stop)
		right = max(end, min(end+mx, stop))
	}
	return image.Rect(box.X-mx, box.Y-my, right, box.Y+box.H+my).Add(img.Bounds().Min).Intersect(img.Bounds()), box.H
}

// copyEnlarged copies r of img and enlarges the copy so that a line
// boxHeight pixels high is height pixels high (never shrunk); a 1x1
// image for an empty r.
func copyEnlarged(img *image.Gray, r image.Rectangle, height, boxHeight int) *image.Gray {
	if r.Empty() {
		return image.NewGray(image.Rect(0, 0, 1, 1))
	}
	out := image.NewGray(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := 0; y < r.Dy(); y++ {
		copy(out.Pix[y*out.Stride:y*out.Stride+r.Dx()], img.Pix[img.PixOffset(r.Min.X, r.Min.Y+y):])
	}
	f := float64(height) / float64(boxHeight)
	if f <= 1 || out.Bounds().Dx() < 2 || out.Bounds().Dy() < 2 {
		return out
	}
	return enlarge(out, f)
}

// inkAfter returns where the printed value whose characters the first
// reading placed in box, charHeight pixels high, ends on img, the
// upright page: box's right edge carried on over the columns of box's
// rows that hold ink (darker than the Otsu threshold of box's own
// pixels, a sixth of charHeight or more of them) until a gap of a
// quarter of charHeight, by one character at most (charHeight and a
// half: a character and the gaps beside it) and never to stop or beyond
// (the next word on the line, nextWordAt). The first reading's boxes can
// stop short of the value: on issue 19's bank card of 孙芳磊洋 the fast
// model read 孙芳舌 and a mark (;) where 洋 is printed, and placed no
// character on 洋, so the names' model was handed three characters and
// could not read the fourth. The gap is wider than the space between two
// characters of a name (2-6 pixels at 31) and narrower than that between
// a value and the next label (18 on the receipt of 孙伟平鹏, whose 校验码
// the names' model read as part of the name under half a character's
// gap); but a label can follow closer than that, or a character's box
// reach it (丽's on the certificates of 孙伟峰丽 and 孙芳琳丽 ended where
// 性别 began, and the crop carried on over the label, read 孙伟峰丽性别),
// hence stop.
func inkAfter(img *image.Gray, box document.Box, charHeight, stop int) int {
	cols, ok := newInkColumns(img, box, charHeight)
	if !ok {
		return box.X + box.W
	}
	right := min(box.X+box.W, img.Bounds().Dx())
	gap := max(3, charHeight/4)
	end, last := right, right-1
	for x := right; x < min(img.Bounds().Dx(), right+3*charHeight/2, stop) && x-last <= gap; x++ {
		if cols.inked(x) {
			last, end = x, x+1
		}
	}
	return end
}

// inkColumns tells the columns of a name's value's rows that hold ink:
// a sixth of its characters' height or more of pixels darker than the
// Otsu threshold of the value box's own pixels (inkAfter, inkBeside).
type inkColumns struct {
	img    *image.Gray
	y0, y1 int
	ink    uint8
	minInk int
}

// newInkColumns returns the inkColumns of box's rows of img, the upright
// page, its characters charHeight pixels high; false when box holds no
// pixel of img.
func newInkColumns(img *image.Gray, box document.Box, charHeight int) (inkColumns, bool) {
	b := img.Bounds()
	y0, y1 := max(box.Y, 0), min(box.Y+box.H, b.Dy())
	right := min(box.X+box.W, b.Dx())
	if y1 <= y0 || right <= max(box.X, 0) {
		return inkColumns{}, false
	}
	var hist [256]int
	for y := y0; y < y1; y++ {
		row := img.Pix[img.PixOffset(b.Min.X+max(box.X, 0), b.Min.Y+y):img.PixOffset(b.Min.X+right, b.Min.Y+y)]
		for _, v := range row {
			hist[v]++
		}
	}
	return inkColumns{img: img, y0: y0, y1: y1, ink: otsu(hist), minInk: max(2, charHeight/6)}, true
}

// inked reports whether column x (of img's bounds, from 0) holds ink.
func (c inkColumns) inked(x int) bool {
	b := c.img.Bounds()
	if x < 0 || x >= b.Dx() {
		return false
	}
	n := 0
	for y := c.y0; y < c.y1; y++ {
		if c.img.Pix[c.img.PixOffset(b.Min.X+x, b.Min.Y+y)] < c.ink {
			n++
		}
	}
	return n >= c.minInk
}

// nextWordAt returns the left edge of the first word page's first
// reading found after box, a name's value (valueBox), on its line: a
// word whose centre lies to the right of box and within its rows and
// that holds a letter (a label such as 性别; not a mark such as the ; the
// fast model read for 洋 on the bank card of 孙芳磊洋, which is where the
// value's missing character is). Never left of box's right edge; the
// greatest int when there is no such word.
func nextWordAt(page document.Page, box document.Box) int {
	right, stop := box.X+box.W, math.MaxInt
	for _, l := range page.Lines {
		for _, w := range l.Words {
			cx, cy := w.Box.X+w.Box.W/2, w.Box.Y+w.Box.H/2
			if cx >= right && cy >= box.Y && cy < box.Y+box.H && strings.IndexFunc(w.Text, unicode.IsLetter) >= 0 {
				stop = min(stop, max(w.Box.X, right))
			}
		}
	}
	return stop
}

// otsu returns the threshold of hist, a grey histogram, that best
// separates its dark pixels (below it) from its light ones.
func otsu(hist [256]int) uint8 {
	total, sum := 0, 0
	for v, n := range hist {
		total, sum = total+n, sum+v*n
	}
	best, at, below, sumBelow := -1.0, 128, 0, 0
	for t := range 256 {
		if below > 0 && below < total {
			mb, mf := float64(sumBelow)/float64(below), float64(sum-sumBelow)/float64(total-below)
			if v := float64(below) * float64(total-below) * (mb - mf) * (mb - mf); v > best {
				best, at = v, t
			}
		}
		below, sumBelow = below+hist[t], sumBelow+t*hist[t]
	}
	return uint8(at)
}

// enlarge returns img scaled up by f (> 1), each pixel sampled
// bilinearly at the centre of the area it covers.
func enlarge(img *image.Gray, f float64) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := int(float64(w)*f+0.5), int(float64(h)*f+0.5)
	out := image.NewGray(image.Rect(0, 0, ow, oh))
	for y := range oh {
		fy := min(max((float64(y)+0.5)/f-0.5, 0), float64(h-1))
		y0 := min(int(fy), h-2)
		ay := fy - float64(y0)
		top := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y0):]
		bottom := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y0+1):]
		row := out.Pix[y*out.Stride : y*out.Stride+ow]
		for x := range row {
			fx := min(max((float64(x)+0.5)/f-0.5, 0), float64(w-1))
			x0 := min(int(fx), w-2)
			ax := fx - float64(x0)
			t := float64(top[x0])*(1-ax) + float64(top[x0+1])*ax
			u := float64(bottom[x0])*(1-ax) + float64(bottom[x0+1])*ax
			row[x] = uint8(t*(1-ay) + u*ay + 0.5)
		}
	}
	return out
}

// namesModelSure is the confidence of its least sure character (on the
// pipeline's scale, charConfidence) at which the names' model's reading
// of a name is taken (Config.NamesModelDir): the floor a name read once
// must reach. Measured with BenchmarkOtherRecogniser on issue 19's 279
// clean scanned names and 239 look-alike persons' names (13:33-13:48 UTC,
// s14d): at 0.8 here (0.97 on Tesseract's symbol scale) it read 24 of the
// 25 names the fast model misread as the insured's, and 21 of the 23 it
// read right in doubt, changed none of the 231 it read right and sure,
// and read none of the look-alikes as the insured's, at any confidence;
// of the 21 look-alikes the fast model read as the insured's (11 of them
// sure), it read 18 as the other person's name.
const namesModelSure = 0.8

// rereadHeight is the height, in pixels, a name's value is enlarged to
// before it is read again: chi_sim's network scales every line to 48
// pixels, and the benchmark's pages print names 20-24 pixels high (read
// shrunk to 24 at most, shrinkFactor). Measured with
// BenchmarkNameCropReread.
const rereadHeight = 40

// rescaleHeight is the other height a name's value is read at by the
// names' model when it read it below namesModelSure at rereadHeight
// (rescaleUnsure): the network's own line height, 48 pixels, with
// the crop's margins; measured on issue 19's pages with
// BenchmarkNamesModelOnLookAlikes.
const rescaleHeight = 56

// rereadNames has the names' client (chi_sim, one line, no dictionary)
// read again the value of each name of parts (patient_name, holder_name)
// located on an image's page read at secondReadingMinPage or more, cropped
// alone and enlarged (nameCrop), and hands what it read to
// document.Fields.RereadName, which keeps it beside the first reading
// (it confirms nothing: the same model repeats its own misreads); with
// Config.NamesModelDir, the names' model's reading, read again at its
// other scale (rescaleUnsure) or without the ink after the value
// (confirmWithoutAround) when in doubt, goes to
// document.Fields.TakeNameReading. Nothing of the policy is given to
// Tesseract: the reading must not lean towards the name hoped for, or a
// look-alike's name would be read as the insured's. It returns how many
// values it read.
func (p *Pipeline) rereadNames(ctx context.Context, pages []document.Page, imgs []*image.Gray, parts []document.Part) (int, error) {
	if !p.cfg.RereadNames && p.cfg.NamesModelDir == "" || imgs == nil {
		return 0, nil
	}
	n := 0
	for k := range parts {
		f := &parts[k].Analysis.Fields
		for _, field := range document.NameFields(*f) {
			src := f.Sources[field]
			i := src.Page - 1
			if i < 0 || i >= len(pages) || i >= len(imgs) || pages[i].Source != document.FromOCR ||
				meanConfidence(pages[i].Lines) < secondReadingMinPage {
				continue
			}
			upright := turnClockwise(imgs[i], pages[i].Rotation)
			lines, err := p.recogniseLine(ctx, nameCrop(upright, pages[i], src.Box, rereadHeight))
			if err != nil {
				return n, err
			}
			n++
			if p.cfg.NamesModelDir != "" {
				if lines, err = p.rescaleUnsure(ctx, lines, upright, pages[i], src.Box, f.NameOf(field)); err != nil {
					return n, err
				}
				if lines, err = p.confirmWithoutAround(ctx, lines, upright, pages[i], src.Box, f.NameOf(field)); err != nil {
					return n, err
				}
				at := document.Source{Page: src.Page, Box: src.Box, Confidence: document.LeastSure(lines)}
				f.TakeNameReading(field, document.Reading(lines), at, namesModelSure)
				continue
			}
			at := document.Source{Page: src.Page, Box: src.Box, Confidence: document.LeastSure(lines)}
			f.RereadName(field, document.Reading(lines), at)
		}
	}
	return n, nil
}

// rescaleUnsure returns the names' model's reading of a name's value at
// rescaleHeight in place of lines, its reading at rereadHeight, when
// lines read a name below namesModelSure and the other scale reads, at
// namesModelSure or more, the same name as lines or the name first read
// (first, the fast model's); lines otherwise. The network's sureness of a
// character changes with the scale it is handed (issue 19's receipt of
// 孙芳磊洋: 磊 at 0.75 enlarged to 40 pixels, at 0.94 to 32, 48, 56 or
// 64). A name read at one scale only is never taken, so a look-alike the
// names' model does not read as the insured's at 40 pixels (none of 239,
// BenchmarkOtherRecogniser) gains nothing from the second scale; the
// first reading is confirmed only by a sure reading of the names' model
// agreeing with it, two recognisers reading one name (issue 19, s16n:
// 孙娜刚翔's receipt read 孙娜阶翔 at 0.01 at 40 pixels, which disputes the
// first reading, and 孙娜刚翔 at 0.94 at 56).
func (p *Pipeline) rescaleUnsure(ctx context.Context, lines []document.Line, upright *image.Gray, page document.Page, box document.Box, first string) ([]document.Line, error) {
	if document.LeastSure(lines) >= namesModelSure {
		return lines, nil
	}
	again, err := p.recogniseLine(ctx, nameCrop(upright, page, box, rescaleHeight))
	if err != nil {
		return nil, err
	}
	if document.LeastSure(again) >= namesModelSure &&
		(document.SameNameRead(document.Reading(lines), document.Reading(again)) || document.SameNameRead(first, document.Reading(again))) {
		return again, nil
	}
	return lines, nil
}

// confirmWithoutAround returns the names' model's reading of a name's
// value cropped without the ink after its characters (tightNameCrop), at
// rereadHeight or else rescaleHeight, in place of lines, its reading of
// nameCrop's crop, when lines read below namesModelSure the name first
// read (first, the fast model's) with Han characters only after it or
// only before it (document.NameReadWithMoreAround), the ink nameCrop's
// crop holds beside the first reading's characters is narrower than a
// quarter of a character (inkBeside), and the tight crop reads first at
// namesModelSure or more; lines otherwise. Issue 19, s17n: claim 596's
// receipt, 孙芳刚翔 read right at 0.91 by the fast model, was read 孙芳刚翔一
// at 0.13 by the names' model: its crop's margin after the name held a
// mark the fast model read as ” (4 columns of ink beside the name, the
// label's colon's among them, for characters 31 pixels high), read as 一,
// which disputed a clean name; cropped a tenth of a character after 翔 it
// reads 孙芳刚翔 at 0.93. The tight crop only confirms the first reading
// (two recognisers reading one name, as rescaleUnsure's other scale
// does); it takes no name of its own. A character the first reading did
// not place (as 洋 on the bank card of 孙芳磊洋, s15n) leaves more ink
// beside the value, carried on over (inkAfter) or partly in the margin
// (11 to 16 columns of 31-32 pixel characters on issue 19's pages), so
// a name read a character short, the names' model reading that
// character, keeps its dispute: the tight crop would leave the character
// out and read the shorter name, sure
// (TestATightCropConfirmsNoNameTheFirstReadingReadACharacterShort).
// Nothing of the policy is looked at.
func (p *Pipeline) confirmWithoutAround(ctx context.Context, lines []document.Line, upright *image.Gray, page document.Page, box document.Box, first string) ([]document.Line, error) {
	if document.LeastSure(lines) >= namesModelSure || !document.NameReadWithMoreAround(first, document.Reading(lines)) {
		return lines, nil
	}
	wide, _ := nameCropRect(upright, page, box, true)
	value, charHeight := valueBox(page, box)
	if 4*inkBeside(upright, value, charHeight, wide.Sub(upright.Bounds().Min)) >= charHeight {
		return lines, nil
	}
	for _, height := range []int{rereadHeight, rescaleHeight} {
		tight, err := p.recogniseLine(ctx, tightNameCrop(upright, page, box, height))
		if err != nil {
			return nil, err
		}
		if document.LeastSure(tight) >= namesModelSure && document.SameNameRead(first, document.Reading(tight)) {
			return tight, nil
		}
	}
	return lines, nil
}

// inkBeside returns how many columns of crop, a rectangle of img (from
// 0) holding a name's value whose characters the first reading placed in
// value, charHeight pixels high, hold ink (inkColumns) before or after
// value: the width of what nameCrop's crop took in beside the value.
func inkBeside(img *image.Gray, value document.Box, charHeight int, crop image.Rectangle) int {
	cols, ok := newInkColumns(img, value, charHeight)
	if !ok {
		return 0
	}
	n := 0
	for x := crop.Min.X; x < crop.Max.X; x++ {
		if (x < value.X || x >= value.X+value.W) && cols.inked(x) {
			n++
		}
	}
	return n
}

// newRereadClient makes a worker's names' client: chi_sim reading one
// line with none of its dictionaries loaded (they are loaded at
// initialisation, so the setting goes in a config file Tesseract reads
// then), so that no word list pulls a character towards a common name.
// With Config.NamesModelDir, the client is that directory's chi_sim,
// its LSTM alone (engine mode 1: the file holds the legacy engine too,
// which Tesseract would otherwise combine with it), segmenting the crop
// as one block (mode 6), as BenchmarkOtherRecogniser measured it: as one
// line (mode 7) it read 孙伟敏芳's crop as 刃佛敏芸 where as a block it read
// it right.
func (p *Pipeline) newRereadClient() (*gosseract.Client, error) {
	f, err := os.CreateTemp(p.cfg.TempDir, "ocr-nodict-*.config")
	if err != nil {
		return nil, fmt.Errorf("ocr: writing the names' client's config: %w", err)
	}
	defer os.Remove(f.Name())
	var s strings.Builder
	if p.cfg.NamesModelDir != "" {
		s.WriteString("tessedit_ocr_engine_mode 1\n")
	}
	for _, v := range []string{"load_system_dawg", "load_freq_dawg", "load_punc_dawg", "load_number_dawg", "load_unambig_dawg", "load_bigram_dawg"} {
		s.WriteString(v + " F\n")
	}
	if _, err := f.WriteString(s.String()); err != nil {
		f.Close()
		return nil, fmt.Errorf("ocr: writing the names' client's config: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("ocr: writing the names' client's config: %w", err)
	}
	if p.cfg.NamesModelDir != "" {
		return p.newClientIn(p.cfg.NamesModelDir, []string{"chi_sim"}, gosseract.PSM_SINGLE_BLOCK, f.Name())
	}
	return p.newClient(p.cfg.Languages, gosseract.PSM_SINGLE_LINE, f.Name())
}

// recogniseLine has a worker read img, one line, with the names' client,
// and returns its lines with their words and characters.
func (p *Pipeline) recogniseLine(ctx context.Context, img *image.Gray) ([]document.Line, error) {
	r := p.newRun(ctx, 1)
	j := job{ctx: ctx, img: img, dpi: p.cfg.ImageDPI, out: r.out, reread: true}
	select {
	case p.jobs <- j:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-p.quit:
		return nil, ErrClosed
	}
	select {
	case pr := <-r.out:
		return pr.page.Lines, pr.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

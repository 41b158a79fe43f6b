package ocr

import (
	"context"
	"fmt"
	"image"
	"os"
	"strings"

	"github.com/otiai10/gosseract/v2"

	"claims.local/pkg/document"
)

// valueBox returns the box of the characters of page whose centres lie
// in box (a name's document.Source box, which spans its line's height):
// the printed characters of the value alone; box itself when page kept
// no characters there.
func valueBox(page document.Page, box document.Box) document.Box {
	x0, y0, x1, y1, any := 0, 0, 0, 0, false
	for _, l := range page.Lines {
		for _, w := range l.Words {
			for _, c := range w.Chars {
				cx, cy := c.Box.X+c.Box.W/2, c.Box.Y+c.Box.H/2
				if c.Box.W <= 0 || c.Box.H <= 0 || cx < box.X || cx >= box.X+box.W || cy < box.Y || cy >= box.Y+box.H {
					continue
				}
				if !any {
					x0, y0, x1, y1, any = c.Box.X, c.Box.Y, c.Box.X+c.Box.W, c.Box.Y+c.Box.H, true
					continue
				}
				x0, y0, x1, y1 = min(x0, c.Box.X), min(y0, c.Box.Y), max(x1, c.Box.X+c.Box.W), max(y1, c.Box.Y+c.Box.H)
			}
		}
	}
	if !any {
		return box
	}
	return document.Box{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
}

// nameCrop copies the characters of a name's value (valueBox of its
// document.Source box on page) out of img, the upright page, with a
// margin of a quarter of their height above and below and two fifths
// before and after, so that no stroke is cut and no neighbouring label is
// taken in, and enlarges the copy so that the characters are height
// pixels high (never shrunk). The copy holds the value alone: the second
// reading is of the printed characters, not of their label.
func nameCrop(img *image.Gray, page document.Page, box document.Box, height int) *image.Gray {
	box = valueBox(page, box)
	if box.W <= 0 || box.H <= 0 {
		return image.NewGray(image.Rect(0, 0, 1, 1))
	}
	my, mx := max(2, box.H/4), max(3, 2*box.H/5)
	r := image.Rect(box.X-mx, box.Y-my, box.X+box.W+mx, box.Y+box.H+my).
		Add(img.Bounds().Min).Intersect(img.Bounds())
	out := image.NewGray(image.Rect(0, 0, max(1, r.Dx()), max(1, r.Dy())))
	for y := 0; y < r.Dy(); y++ {
		copy(out.Pix[y*out.Stride:y*out.Stride+r.Dx()], img.Pix[img.PixOffset(r.Min.X, r.Min.Y+y):])
	}
	f := float64(height) / float64(box.H)
	if f <= 1 || out.Bounds().Dx() < 2 || out.Bounds().Dy() < 2 {
		return out
	}
	return enlarge(out, f)
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

// rereadNames has the names' client (chi_sim, one line, no dictionary)
// read again the value of each name of parts (patient_name, holder_name)
// located on an image's page read at secondReadingMinPage or more, cropped
// alone and enlarged (nameCrop), and hands what it read to
// document.Fields.RereadName, which keeps it beside the first reading
// (it confirms nothing: the same model repeats its own misreads). Nothing of the policy is given to Tesseract:
// the reading must not lean towards the name hoped for, or a look-alike's
// name would be read as the insured's. It returns how many values it read.
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
			lines, err := p.recogniseLine(ctx, nameCrop(turnClockwise(imgs[i], pages[i].Rotation), pages[i], src.Box, rereadHeight))
			if err != nil {
				return n, err
			}
			n++
			at := document.Source{Page: src.Page, Box: src.Box, Confidence: document.LeastSure(lines)}
			if p.cfg.NamesModelDir != "" {
				f.TakeNameReading(field, document.Reading(lines), at, namesModelSure)
				continue
			}
			f.RereadName(field, document.Reading(lines), at)
		}
	}
	return n, nil
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

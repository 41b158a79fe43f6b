package letter

import (
	"github.com/go-pdf/fpdf"
)

// Page geometry of an A4 letter, in millimetres.
const (
	pageHeight    = 297.0
	marginLeft    = 25.0
	marginRight   = 25.0
	marginTop     = 22.0
	marginBottom  = 12.0
	textWidth     = 210.0 - marginLeft - marginRight
	footerLeading = 4.5
	footerGap     = 4.0 // between the body and the rule above the footer
	boldStroke    = 0.25
	ptPerMM       = 72 / 25.4
)

// run is text in one face and size, placed with its baseline at (x, y).
type run struct {
	face int
	size float64
	x, y float64
	text string
	bold bool
}

// page is what one page shows: the runs, and the rule above the footer.
type page struct {
	runs  []run
	ruleY float64
}

// typesetter lays a composition out on pages and draws it. It measures
// characters with fpdf's metrics of the embedded fonts; all measuring
// happens in layout, before the first page exists, so that drawing writes
// nothing but the letter into the page content.
type typesetter struct {
	pdf   *fpdf.Fpdf
	r     *Renderer
	perPt map[rune]float64 // advance in mm at 1 pt
}

func newTypesetter(pdf *fpdf.Fpdf, r *Renderer) *typesetter {
	return &typesetter{pdf: pdf, r: r, perPt: map[rune]float64{}}
}

// advance returns the width in millimetres of c at size points.
func (ts *typesetter) advance(c rune, size float64) float64 {
	w, ok := ts.perPt[c]
	if !ok {
		ts.pdf.SetFont(ts.r.faces[ts.face(c)].family, "", 1)
		w = ts.pdf.GetStringWidth(string(c))
		ts.perPt[c] = w
	}
	return w * size
}

// face returns the face that prints c. checkCoverage has made sure one
// does; the first face stands in for safety.
func (ts *typesetter) face(c rune) int {
	if i := ts.r.faceOf(c); i >= 0 {
		return i
	}
	return 0
}

func (ts *typesetter) width(s string, size float64) float64 {
	w := 0.0
	for _, c := range s {
		w += ts.advance(c, size)
	}
	return w
}

// place splits line into runs of one face each, starting at x on the
// baseline y.
func (ts *typesetter) place(line string, size, x, y float64, bold bool) []run {
	var runs []run
	for _, c := range line {
		f := ts.face(c)
		if n := len(runs); n > 0 && runs[n-1].face == f {
			runs[n-1].text += string(c)
		} else {
			runs = append(runs, run{face: f, size: size, x: x, y: y, text: string(c), bold: bold})
		}
		x += ts.advance(c, size)
	}
	return runs
}

// baseline returns the baseline of a line whose box starts at top, centring
// the glyphs in the leading as fpdf's cells do.
func baseline(top, leading, size float64) float64 {
	return top + leading/2 + 0.3*size/ptPerMM
}

// layout breaks the blocks into lines and the lines into pages, then adds
// the footer, which needs the page count, to every page.
func (ts *typesetter) layout(c composition) []page {
	footer := wrap(c.footer, textWidth, textWidth, func(r rune) float64 { return ts.advance(r, footerSize) })
	footerTop := pageHeight - marginBottom - float64(len(footer)+1)*footerLeading
	bottom := footerTop - footerGap
	pages := []page{{}}
	y := marginTop
	newPage := func() {
		pages = append(pages, page{})
		y = marginTop
	}
	for _, b := range c.blocks {
		measure := func(r rune) float64 { return ts.advance(r, b.size) }
		hang := ts.width(b.hanging, b.size)
		lines := wrap(b.text, textWidth, textWidth-hang, measure)
		height := float64(len(lines)) * b.leading
		before := b.spaceBefore
		if y == marginTop {
			before = 0
		}
		if b.keep && y+before+height > bottom && marginTop+height <= bottom {
			newPage()
			before = 0
		}
		y += before
		for i, line := range lines {
			if y+b.leading > bottom {
				newPage()
			}
			x := marginLeft
			switch {
			case b.align == alignCenter:
				x += (textWidth - ts.width(line, b.size)) / 2
			case b.align == alignRight:
				x += textWidth - ts.width(line, b.size)
			case i > 0:
				x += hang
			}
			p := &pages[len(pages)-1]
			p.runs = append(p.runs, ts.place(line, b.size, x, baseline(y, b.leading, b.size), b.bold)...)
			y += b.leading
		}
	}
	for i := range pages {
		p := &pages[i]
		p.ruleY = footerTop - 1
		y := footerTop
		for _, line := range footer {
			p.runs = append(p.runs, ts.place(line, footerSize, marginLeft, baseline(y, footerLeading, footerSize), false)...)
			y += footerLeading
		}
		number := pageNumber(i+1, len(pages))
		x := marginLeft + (textWidth-ts.width(number, footerSize))/2
		p.runs = append(p.runs, ts.place(number, footerSize, x, baseline(y, footerLeading, footerSize), false)...)
	}
	return pages
}

// draw writes the pages. Bold is drawn by filling and stroking the glyphs,
// as the fonts have no bold face.
func (ts *typesetter) draw(pages []page) {
	pdf := ts.pdf
	for _, p := range pages {
		pdf.AddPage()
		pdf.SetLineWidth(0.2)
		pdf.SetDrawColor(120, 120, 120)
		pdf.Line(marginLeft, p.ruleY, marginLeft+textWidth, p.ruleY)
		pdf.SetDrawColor(0, 0, 0)
		for _, r := range p.runs {
			pdf.SetFont(ts.r.faces[r.face].family, "", r.size)
			if r.bold {
				pdf.SetLineWidth(boldStroke)
				pdf.SetTextRenderingMode(2)
			}
			pdf.Text(r.x, r.y, r.text)
			if r.bold {
				pdf.SetTextRenderingMode(0)
			}
		}
	}
}

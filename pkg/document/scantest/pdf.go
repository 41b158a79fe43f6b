package scantest

import (
	"bytes"
	"fmt"
	"image"
	"slices"
	"strings"
)

// pdfWriter builds a PDF file object by object and writes the cross
// reference table that readers need. It knows just enough of PDF 1.4 for
// test files.
type pdfWriter struct {
	buf     bytes.Buffer
	offsets []int // offsets[i] is where object i+1 starts
}

// object appends object number len(offsets)+1 with the given dictionary and
// optional stream, and returns its number.
func (w *pdfWriter) object(dict string, stream []byte) int {
	w.offsets = append(w.offsets, w.buf.Len())
	n := len(w.offsets)
	fmt.Fprintf(&w.buf, "%d 0 obj\n", n)
	if stream == nil {
		fmt.Fprintf(&w.buf, "%s\nendobj\n", dict)
		return n
	}
	fmt.Fprintf(&w.buf, "%s\nstream\n", strings.Replace(dict, ">>", fmt.Sprintf(" /Length %d >>", len(stream)), 1))
	w.buf.Write(stream)
	w.buf.WriteString("\nendstream\nendobj\n")
	return n
}

// finish writes the cross-reference table and trailer with root as the
// catalogue, and returns the file.
func (w *pdfWriter) finish(root int) []byte {
	xref := w.buf.Len()
	fmt.Fprintf(&w.buf, "xref\n0 %d\n0000000000 65535 f \n", len(w.offsets)+1)
	for _, off := range w.offsets {
		fmt.Fprintf(&w.buf, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&w.buf, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(w.offsets)+1, root, xref)
	return w.buf.Bytes()
}

// pdfPage is one page to lay out: its size in points, its content stream
// and its resources dictionary.
type pdfPage struct {
	width, height float64
	content       string
	resources     string
}

// buildPDF writes a PDF of the given pages. Objects 1 and 2 are the
// catalogue and the page tree, so pages can name their parent before it is
// written; extra objects (fonts, images) are written by addResources,
// which returns each page's resources dictionary.
func buildPDF(pages []pdfPage, extra func(w *pdfWriter) []string) []byte {
	var w pdfWriter
	w.buf.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	w.offsets = make([]int, 2) // 1: catalogue, 2: page tree, filled below
	resources := make([]string, len(pages))
	if extra != nil {
		resources = extra(&w)
	}
	kids := make([]string, len(pages))
	for i, p := range pages {
		res := p.resources
		if res == "" {
			res = resources[i]
		}
		content := w.object("<< >>", []byte(p.content))
		page := w.object(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Contents %d 0 R /Resources %s >>",
			p.width, p.height, content, res), nil)
		kids[i] = fmt.Sprintf("%d 0 R", page)
	}
	// Write the catalogue and page tree at the end, then point objects 1
	// and 2 at them.
	w.offsets[0] = w.buf.Len()
	w.buf.WriteString("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	w.offsets[1] = w.buf.Len()
	fmt.Fprintf(&w.buf, "2 0 obj\n<< /Type /Pages /Kids [%s] /Count %d >>\nendobj\n", strings.Join(kids, " "), len(pages))
	return w.finish(1)
}

// BlankPDF returns a PDF of n empty A4 pages (a test of page limits).
func BlankPDF(n int) []byte {
	pages := make([]pdfPage, n)
	for i := range pages {
		pages[i] = pdfPage{width: 595, height: 842, content: "", resources: "<< >>"}
	}
	return buildPDF(pages, nil)
}

// TextPDF returns a one-page A4 PDF with a text layer holding lines, in
// any script of the Basic Multilingual Plane, as a word processor exports
// them. The font is a Type0 font with Identity-H encoding whose character
// codes are the Unicode code points, and a ToUnicode map says so; no glyphs
// are embedded, so the page shows substituted or no glyphs, but pdftotext
// extracts the text exactly.
func TextPDF(lines []string) []byte {
	var content strings.Builder
	content.WriteString("BT /F1 14 Tf 72 770 Td 20 TL\n")
	highBytes := map[rune]bool{}
	for _, l := range lines {
		content.WriteByte('<')
		for _, r := range l {
			if r > 0xFFFF {
				r = '?'
			}
			highBytes[r>>8] = true
			fmt.Fprintf(&content, "%04X", r)
		}
		content.WriteString("> Tj T*\n")
	}
	content.WriteString("ET\n")
	pages := []pdfPage{{width: 595, height: 842, content: content.String()}}
	return buildPDF(pages, func(w *pdfWriter) []string {
		toUnicode := w.object("<< >>", identityToUnicode(highBytes))
		descriptor := w.object("<< /Type /FontDescriptor /FontName /TestCJK /Flags 4 /FontBBox [0 -120 1000 880] "+
			"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>", nil)
		cidFont := w.object(fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /TestCJK "+
			"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 1000 >>", descriptor), nil)
		font := w.object(fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /TestCJK /Encoding /Identity-H "+
			"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>", cidFont, toUnicode), nil)
		return []string{fmt.Sprintf("<< /Font << /F1 %d 0 R >> >>", font)}
	})
}

// identityToUnicode returns a ToUnicode CMap that maps each two-byte code
// to the same Unicode code point, for codes whose high byte is in
// highBytes (a bfrange may only vary the last byte).
func identityToUnicode(highBytes map[rune]bool) []byte {
	var b strings.Builder
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	var highs []rune
	for h := range highBytes {
		highs = append(highs, h)
	}
	slices.Sort(highs)
	for len(highs) > 0 {
		n := min(len(highs), 100) // at most 100 entries a block
		fmt.Fprintf(&b, "%d beginbfrange\n", n)
		for _, h := range highs[:n] {
			fmt.Fprintf(&b, "<%02X00> <%02XFF> <%02X00>\n", h, h, h)
		}
		b.WriteString("endbfrange\n")
		highs = highs[n:]
	}
	b.WriteString("endcmap\nCMapName currentdict /CMapResource defineresource pop\nend\nend\n")
	return []byte(b.String())
}

// ImagePDF returns a PDF with one page per image, each image filling its
// page at dpi dots per inch, as a scanner without OCR makes. Images are
// stored as gray JPEG (DCTDecode).
func ImagePDF(imgs []*image.Gray, dpi float64) ([]byte, error) {
	jpegs := make([][]byte, len(imgs))
	for i, img := range imgs {
		var err error
		if jpegs[i], err = JPEG(img); err != nil {
			return nil, err
		}
	}
	pages := make([]pdfPage, len(imgs))
	for i, img := range imgs {
		w := float64(img.Bounds().Dx()) * 72 / dpi
		h := float64(img.Bounds().Dy()) * 72 / dpi
		pages[i] = pdfPage{width: w, height: h, content: fmt.Sprintf("q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q\n", w, h)}
	}
	return buildPDF(pages, func(pw *pdfWriter) []string {
		res := make([]string, len(imgs))
		for i, img := range imgs {
			obj := pw.object(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode >>",
				img.Bounds().Dx(), img.Bounds().Dy()), jpegs[i])
			res[i] = fmt.Sprintf("<< /XObject << /Im0 %d 0 R >> >>", obj)
		}
		return res
	}), nil
}

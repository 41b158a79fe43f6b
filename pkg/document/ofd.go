package document

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"

	"claims.local/pkg/apperr"
)

// OFD file limits. An OFD file (GB/T 33190) is a zip of XML files, so a
// small upload may unpack to far more: ReadOFD bounds the number of
// entries, the bytes they unpack to (Limits.MaxUnpackedBytes, counted as
// they are read, whatever the zip headers declare) and the nesting of each
// XML file. encoding/xml expands no entity a document declares, so the
// XML "billion laughs" needs no further bound.
const (
	// ofdMaxEntries bounds the files of an OFD package; an invoice has a
	// dozen.
	ofdMaxEntries = 1000
	// ofdMaxDepth bounds the nesting of an OFD XML file; pages nest about
	// eight deep.
	ofdMaxDepth = 64
	// ofdMaxTextObjects bounds the text objects of a document, templates
	// counted on every page that uses them: lines are joined in time that
	// grows with the square of a page's objects, and an invoice holds a
	// few hundred.
	ofdMaxTextObjects = 20_000
	// OFDDPI is the resolution at which ReadOFD maps OFD's millimetres to
	// the pixels of Page sizes and Line boxes: 200 dots an inch, 7.87
	// pixels a millimetre, so an A4 page is 1654×2339 pixels, as a scan at
	// the same resolution would be.
	OFDDPI = 200
)

// ReadOFD reads the text of an OFD document (GB/T 33190, the format of
// China's electronic invoices): OFD.xml names the document's root
// (Doc_0/Document.xml), which lists the pages (Pages/Page_N/Content.xml)
// and their templates; each page's TextObject elements hold text (TextCode)
// in a Boundary "x y w h" in millimetres. Text objects on the same baseline
// are joined into one Line, in reading order. Pages have Source FromOFD,
// Confidence 1 (the text is exact) and sizes and boxes at OFDDPI.
//
// Refusals are *apperr.Error: payload_too_large for a file, a package or a
// page count beyond l or more than 20,000 text objects, unprocessable for a file that is not a sound OFD
// package (not a zip, an entry name that is absolute or climbs out with
// "..", XML nested deeper than 64, a missing part).
func ReadOFD(data []byte, l Limits) ([]Page, error) {
	l = l.WithDefaults()
	if err := l.CheckSize(int64(len(data))); err != nil {
		return nil, err
	}
	pkg, err := openOFD(data, l)
	if err != nil {
		return nil, err
	}
	root, err := pkg.parse("OFD.xml")
	if err != nil {
		return nil, err
	}
	docRoot := root.find("DocBody", "DocRoot")
	if docRoot == nil || strings.TrimSpace(docRoot.text) == "" {
		return nil, apperr.New(apperr.Unprocessable, "the OFD file names no document (DocBody/DocRoot)")
	}
	docPath := resolve("", docRoot.text)
	doc, err := pkg.parse(docPath)
	if err != nil {
		return nil, err
	}
	docDir := path.Dir(docPath)
	defaultBox := parseBox(doc.find("CommonData", "PageArea", "PhysicalBox"))
	templates := map[string]string{}
	if common := doc.find("CommonData"); common != nil {
		for _, tp := range common.all("TemplatePage") {
			templates[tp.attr("ID")] = resolve(docDir, tp.attr("BaseLoc"))
		}
	}
	var pageRefs []*xmlNode
	if pagesNode := doc.find("Pages"); pagesNode != nil {
		pageRefs = pagesNode.all("Page")
	}
	if err := l.CheckPages(len(pageRefs)); err != nil {
		return nil, err
	}
	pages := make([]Page, 0, len(pageRefs))
	count := 0
	for i, ref := range pageRefs {
		content, err := pkg.parse(resolve(docDir, ref.attr("BaseLoc")))
		if err != nil {
			return nil, err
		}
		box := defaultBox
		if b := parseBox(content.find("Area", "PhysicalBox")); b[2] > 0 {
			box = b
		}
		var objects []textObject
		for _, tref := range content.all("Template") {
			loc, ok := templates[tref.attr("TemplateID")]
			if !ok {
				return nil, apperr.New(apperr.Unprocessable, "OFD page %d uses template %q, which the document does not list", i+1, tref.attr("TemplateID"))
			}
			tpl, err := pkg.parse(loc)
			if err != nil {
				return nil, err
			}
			objects = append(objects, textObjects(tpl)...)
		}
		objects = append(objects, textObjects(content)...)
		if count += len(objects); count > ofdMaxTextObjects {
			return nil, apperr.New(apperr.TooLarge, "the OFD document has more than %d text objects", ofdMaxTextObjects)
		}
		pages = append(pages, Page{
			Number: i + 1, Width: mmToPx(box[2]), Height: mmToPx(box[3]), Source: FromOFD,
			Lines: joinTextObjects(objects),
		})
	}
	return pages, nil
}

// ofdPackage is the checked entries of an OFD zip, and what is left of the
// unpacking budget.
type ofdPackage struct {
	files  map[string]*zip.File
	budget int64
}

// openOFD opens the zip and checks its entries' count, names and declared
// sizes.
func openOFD(data []byte, l Limits) (*ofdPackage, error) {
	r, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, &apperr.Error{Code: apperr.Unprocessable, Message: "the OFD file is not a readable zip package", Err: err}
	}
	if n := len(r.File); n > ofdMaxEntries {
		return nil, apperr.New(apperr.TooLarge, "the OFD package has %d entries; at most %d are accepted", n, ofdMaxEntries)
	}
	pkg := &ofdPackage{files: map[string]*zip.File{}, budget: l.MaxUnpackedBytes}
	var declared uint64
	for _, f := range r.File {
		if !safeEntryName(f.Name) {
			return nil, apperr.New(apperr.Unprocessable, "the OFD package holds an entry named %q, outside the package", f.Name)
		}
		declared += f.UncompressedSize64
		if declared > uint64(l.MaxUnpackedBytes) {
			return nil, apperr.New(apperr.TooLarge, "the OFD package unpacks to more than %d bytes", l.MaxUnpackedBytes)
		}
		pkg.files[f.Name] = f
	}
	return pkg, nil
}

// safeEntryName reports whether a zip entry name stays inside the
// package: relative, with forward slashes, no ".." element and no NUL.
func safeEntryName(name string) bool {
	if name == "" || strings.ContainsAny(name, "\\\x00") || strings.HasPrefix(name, "/") || len(name) >= 2 && name[1] == ':' {
		return false
	}
	for _, el := range strings.Split(name, "/") {
		if el == ".." {
			return false
		}
	}
	return true
}

// resolve returns the package path of loc, a path in an OFD file: absolute
// from the package's root when it starts with "/", else relative to dir.
func resolve(dir, loc string) string {
	loc = strings.TrimSpace(loc)
	if strings.HasPrefix(loc, "/") {
		return path.Clean(strings.TrimPrefix(loc, "/"))
	}
	return path.Clean(path.Join(dir, loc))
}

// read unpacks one entry within the remaining budget.
func (p *ofdPackage) read(name string) ([]byte, error) {
	f, ok := p.files[name]
	if !ok || strings.HasPrefix(name, "../") {
		return nil, apperr.New(apperr.Unprocessable, "the OFD package has no %s", name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, &apperr.Error{Code: apperr.Unprocessable, Message: fmt.Sprintf("the OFD entry %s cannot be opened", name), Err: err}
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, p.budget+1))
	if err != nil {
		return nil, &apperr.Error{Code: apperr.Unprocessable, Message: fmt.Sprintf("the OFD entry %s is corrupt", name), Err: err}
	}
	if int64(len(b)) > p.budget {
		return nil, apperr.New(apperr.TooLarge, "the OFD package unpacks to more than its budget while reading %s", name)
	}
	p.budget -= int64(len(b))
	return b, nil
}

// parse unpacks and parses one XML entry.
func (p *ofdPackage) parse(name string) (*xmlNode, error) {
	data, err := p.read(name)
	if err != nil {
		return nil, err
	}
	n, err := parseXML(data, ofdMaxDepth)
	if err != nil {
		return nil, &apperr.Error{Code: apperr.Unprocessable, Message: fmt.Sprintf("the OFD entry %s is not sound XML", name), Err: err}
	}
	return n, nil
}

// xmlNode is an element of a parsed XML file: its local name (namespace
// prefixes such as ofd: dropped), attributes, children and text.
type xmlNode struct {
	name     string
	attrs    []xml.Attr
	children []*xmlNode
	text     string
	// buf gathers the text while the element is parsed: text split by
	// comments or children into many pieces is joined once, not copied
	// again for each piece.
	buf strings.Builder
}

// errTooDeep is returned by parseXML for nesting beyond its bound.
var errTooDeep = errors.New("XML nested too deep")

// parseXML parses data into a tree, refusing nesting deeper than maxDepth.
func parseXML(data []byte, maxDepth int) (*xmlNode, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	root := &xmlNode{}
	stack := []*xmlNode{root}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		top := stack[len(stack)-1]
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) > maxDepth {
				return nil, errTooDeep
			}
			n := &xmlNode{name: t.Name.Local, attrs: t.Attr}
			top.children = append(top.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			top.text = top.buf.String()
			top.buf = strings.Builder{}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			top.buf.Write(t)
		}
	}
	if len(root.children) != 1 {
		return nil, errors.New("not one root element")
	}
	return root.children[0], nil
}

// attr returns the value of the attribute with local name name.
func (n *xmlNode) attr(name string) string {
	for _, a := range n.attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// find follows a path of child names from n; nil when a step is missing.
func (n *xmlNode) find(names ...string) *xmlNode {
	for _, name := range names {
		var next *xmlNode
		for _, c := range n.children {
			if c.name == name {
				next = c
				break
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}

// all returns the descendants of n named name, in document order.
func (n *xmlNode) all(name string) []*xmlNode {
	var out []*xmlNode
	var walk func(*xmlNode)
	walk = func(m *xmlNode) {
		for _, c := range m.children {
			if c.name == name {
				out = append(out, c)
			}
			walk(c)
		}
	}
	walk(n)
	return out
}

// parseBox parses a box "x y w h" in millimetres; zero when n is nil or
// malformed.
func parseBox(n *xmlNode) [4]float64 {
	var b [4]float64
	if n == nil {
		return b
	}
	return boxOf(n.text)
}

// boxOf parses "x y w h"; zero when malformed.
func boxOf(s string) [4]float64 {
	var b [4]float64
	f := strings.Fields(s)
	if len(f) != 4 {
		return [4]float64{}
	}
	for i, v := range f {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 10_000 {
			return [4]float64{}
		}
		b[i] = x
	}
	return b
}

// mmToPx converts millimetres to pixels at OFDDPI.
func mmToPx(mm float64) int {
	return int(math.Round(mm * OFDDPI / 25.4))
}

// textObject is the text of one TextObject and its Boundary in mm.
type textObject struct {
	text string
	box  [4]float64
}

// textObjects returns the text objects of a page or template, in document
// order (those nested in PageBlocks included). A text object whose
// TextCodes stand on different baselines (their Y, from the top of the
// Boundary) holds several lines: each baseline becomes an object of its
// own, one font Size high (the Boundary's height shared out when Size is
// missing), starting at its X. A CTM that scales or turns the text is not
// applied: the Boundary already bounds the object on the page.
func textObjects(page *xmlNode) []textObject {
	var out []textObject
	for _, obj := range page.all("TextObject") {
		box := boxOf(obj.attr("Boundary"))
		codes := obj.all("TextCode")
		type run struct {
			x, y float64
			text strings.Builder
		}
		var runs []*run
		for _, code := range codes {
			x, _ := strconv.ParseFloat(code.attr("X"), 64)
			y, _ := strconv.ParseFloat(code.attr("Y"), 64)
			if len(runs) == 0 || code.attr("Y") != "" && y != runs[len(runs)-1].y {
				runs = append(runs, &run{x: x, y: y})
			}
			runs[len(runs)-1].text.WriteString(code.text)
		}
		if len(runs) <= 1 {
			var b strings.Builder
			for _, code := range codes {
				b.WriteString(code.text)
			}
			if text := strings.TrimSpace(b.String()); text != "" {
				out = append(out, textObject{text: text, box: box})
			}
			continue
		}
		size, err := strconv.ParseFloat(obj.attr("Size"), 64)
		if err != nil || !(size > 0) || size > box[3] {
			size = box[3] / float64(len(runs))
		}
		for _, r := range runs {
			text := strings.TrimSpace(r.text.String())
			if text == "" || math.IsNaN(r.x) || math.IsNaN(r.y) {
				continue
			}
			x := math.Min(math.Max(r.x, 0), box[2])
			top := math.Min(math.Max(r.y-size, 0), box[3])
			out = append(out, textObject{text: text, box: [4]float64{box[0] + x, box[1] + top, box[2] - x, size}})
		}
	}
	return out
}

// joinTextObjects groups text objects into lines: an object belongs to
// the line whose vertical band holds its middle; a line's objects are
// joined left to right, with a space where they stand apart by more than
// half the line's height.
func joinTextObjects(objects []textObject) []Line {
	sort.SliceStable(objects, func(i, j int) bool { return objects[i].box[1] < objects[j].box[1] })
	var groups [][]textObject
	for _, o := range objects {
		mid := o.box[1] + o.box[3]/2
		placed := false
		for gi, g := range groups {
			top, bottom := g[0].box[1], g[0].box[1]+g[0].box[3]
			if mid >= top && mid <= bottom {
				groups[gi] = append(g, o)
				placed = true
				break
			}
		}
		if !placed {
			groups = append(groups, []textObject{o})
		}
	}
	lines := make([]Line, 0, len(groups))
	for _, g := range groups {
		sort.SliceStable(g, func(i, j int) bool { return g[i].box[0] < g[j].box[0] })
		var b strings.Builder
		x0, y0, x1, y1 := g[0].box[0], g[0].box[1], g[0].box[0]+g[0].box[2], g[0].box[1]+g[0].box[3]
		for i, o := range g {
			if i > 0 && o.box[0]-x1 > g[0].box[3]/2 {
				b.WriteByte(' ')
			}
			b.WriteString(o.text)
			x0, y0 = math.Min(x0, o.box[0]), math.Min(y0, o.box[1])
			x1, y1 = math.Max(x1, o.box[0]+o.box[2]), math.Max(y1, o.box[1]+o.box[3])
		}
		lines = append(lines, Line{
			Text:       b.String(),
			Box:        Box{X: mmToPx(x0), Y: mmToPx(y0), W: mmToPx(x1) - mmToPx(x0), H: mmToPx(y1) - mmToPx(y0)},
			Confidence: 1,
		})
	}
	return lines
}

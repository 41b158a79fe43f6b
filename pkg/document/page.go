package document

// Box is a rectangle on a page, in the pixels of the page image as it was
// read (origin at the top left, after any rotation the reader applied).
type Box struct {
	X, Y, W, H int
}

// PageSource says how a page's text was obtained: recognised by OCR from
// an image, taken from a PDF's text layer, or parsed from an OFD file. Text
// from a text layer or OFD is exact; OCR text carries a confidence.
type PageSource string

// The ways a page is read.
const (
	FromOCR       PageSource = "ocr"
	FromTextLayer PageSource = "text_layer"
	FromOFD       PageSource = "ofd"
)

// Line is one line of text read from a page, where it was, and how sure
// the reader was of it (0 to 1; 1 for exact text).
type Line struct {
	Text       string
	Box        Box
	Confidence float64
}

// Page is what was read from one page of an upload. Number counts from 1.
// Rotation is the clockwise turn, in degrees (0, 90, 180 or 270), the reader
// applied to make the page upright; Width and Height are the upright page
// image's size, the space Line boxes are in.
type Page struct {
	Number        int
	Width, Height int
	Rotation      int
	Source        PageSource
	Lines         []Line
}

// Text returns the page's lines joined by newlines.
func (p Page) Text() string {
	n := 0
	for _, l := range p.Lines {
		n += len(l.Text) + 1
	}
	b := make([]byte, 0, n)
	for i, l := range p.Lines {
		if i > 0 {
			b = append(b, '\n')
		}
		b = append(b, l.Text...)
	}
	return string(b)
}

// Source is where a field's value was read: the page (counting from 1),
// the box of the line it was read from, and the confidence of that line.
type Source struct {
	Page       int
	Box        Box
	Confidence float64
}

// Part is a run of consecutive pages of one upload that form one document
// (a discharge summary followed by an invoice in one PDF are two parts).
// FirstPage and LastPage count from 1 and are inclusive.
type Part struct {
	FirstPage, LastPage int
	Analysis            Analysis
}

// AnalyzePages classifies the pages of one upload and returns its parts in
// page order; every page belongs to exactly one part.
func AnalyzePages(pages []Page) []Part {
	if len(pages) == 0 {
		return nil
	}
	texts := make([]string, len(pages))
	for i, p := range pages {
		texts[i] = p.Text()
	}
	return []Part{{
		FirstPage: pages[0].Number,
		LastPage:  pages[len(pages)-1].Number,
		Analysis:  Analyze(joinPages(texts)),
	}}
}

// joinPages joins the texts of pages with a blank line between them.
func joinPages(texts []string) string {
	n := 0
	for _, t := range texts {
		n += len(t) + 2
	}
	b := make([]byte, 0, n)
	for i, t := range texts {
		if i > 0 {
			b = append(b, '\n', '\n')
		}
		b = append(b, t...)
	}
	return string(b)
}

package document

import (
	"sort"
	"strings"
)

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
	// Words are the line's words as OCR recognised them, when the reader
	// gives them: Text is their texts joined by single spaces, so that
	// each character of the line maps to the word it was read in, and a
	// field's value is as sure as its own words (a label read badly beside
	// it does not make it less so). Nil for exact text (a text layer, OFD)
	// and for lines stored without them: a field read from such a line
	// takes the line's confidence.
	Words []Word
}

// Word is one word of a line as OCR recognised it: its text, where it
// was, and how sure the reader was of it (0 to 1); Chars are its
// characters, each with its own box and confidence, when the reader gives
// them.
type Word struct {
	Text       string
	Box        Box
	Confidence float64
	Chars      []Char
}

// Char is one character of a word as OCR recognised it (a Tesseract
// symbol: one character, at times a few).
type Char struct {
	Text       string
	Box        Box
	Confidence float64
	// Choices are the alternatives the reader weighed for it, surest
	// first, when it gives them (Tesseract's LSTM choices, issue 19);
	// each Confidence is on the reader's own scale for them.
	Choices []Choice
}

// Choice is one alternative a reader weighed for a character.
type Choice struct {
	Text       string
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
// the box of the value's own characters (of its line when the line has no
// words), and its confidence: that of the line it was read from, or that
// of its least sure character when every character of the value is surer
// than the line (issue 19: the label and the grain beside a value no
// longer pull it down; a value is never less sure than its line was).
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
// page order; every page belongs to exactly one part. A page starts a new
// part when it begins a new document (startsDocument); each part is
// analysed from its own pages only, and every field found carries its
// Source: the page, box and confidence of the line it was read from.
func AnalyzePages(pages []Page) []Part {
	if len(pages) == 0 {
		return nil
	}
	var parts []Part
	start := 0
	for i := 1; i < len(pages); i++ {
		if startsDocument(pages[start:i], pages[i]) {
			parts = append(parts, analyzePart(pages[start:i]))
			start = i
		}
	}
	return append(parts, analyzePart(pages[start:]))
}

// lineText is the normalised text of pages with, for each of its lines,
// where the line came from.
type lineText struct {
	norm   string
	starts []int      // byte offset in norm where each line starts
	from   []*lineRef // each line's origin; nil for the blank line between pages
}

// lineRef is a line of a page.
type lineRef struct {
	page int
	line Line
}

// newLineText normalises the lines of pages one by one (so that an offset
// in the result maps back to its line: Normalize changes lengths but never
// joins lines) and joins them, with a blank line between pages as
// Analyze reads joined page texts.
func newLineText(pages []Page) lineText {
	var lt lineText
	var b strings.Builder
	add := func(text string, ref *lineRef) {
		if len(lt.starts) > 0 {
			b.WriteByte('\n')
		}
		lt.starts = append(lt.starts, b.Len())
		lt.from = append(lt.from, ref)
		b.WriteString(text)
	}
	for pi, p := range pages {
		if pi > 0 {
			add("", nil)
		}
		for _, l := range p.Lines {
			add(strings.ReplaceAll(Normalize(l.Text), "\n", " "), &lineRef{page: p.Number, line: l})
		}
	}
	lt.norm = b.String()
	return lt
}

// source returns where the value at sp of the text was read: the page of
// its line, the box of the value's own characters (valueWords) or of the
// line, and the higher of the line's confidence and the value's own. A
// line's confidence is Tesseract's mean over its words, each word as sure
// as its least sure character and the spaces around it: a name read right
// sat on a line at 0.72-0.81 for its label, the quotes grain in the gap
// beside it was read as (0.00-0.30) and the certainty of that gap. The
// value's own confidence is its least sure character's, a stricter
// measure (one doubtful character of a four-character name decides), so
// taken alone it held back more clean scans than the line did; taking
// the higher never lowers a field, and raises one only when every one of
// its characters is surer than its line. A value ends with its line.
func (lt lineText) source(sp span) (Source, bool) {
	k := sort.Search(len(lt.starts), func(i int) bool { return lt.starts[i] > sp.start }) - 1
	if k < 0 || lt.from[k] == nil {
		return Source{}, false
	}
	r := lt.from[k]
	src := Source{Page: r.page, Box: r.line.Box, Confidence: r.line.Confidence}
	start := lt.starts[k]
	if box, confidence, ok := valueWords(lt.norm[start:lt.lineEnd(k)], r.line.Words, sp.start-start, sp.end-start); ok {
		src.Box, src.Confidence = box, max(src.Confidence, confidence)
	}
	return src, true
}

// lineEnd returns the offset where line k of the text ends, its line
// break excluded.
func (lt lineText) lineEnd(k int) int {
	if k+1 < len(lt.starts) {
		return lt.starts[k+1] - 1
	}
	return len(lt.norm)
}

// sourceOf returns where value was read: in the first line holding it once
// spaces and hyphens are removed from both (an ID or account number
// printed in groups), for fields read by finders that do not report
// offsets.
func (lt lineText) sourceOf(value string) (Source, bool) {
	value = strip(value)
	for k, start := range lt.starts {
		if lt.from[k] == nil {
			continue
		}
		line := lt.norm[start:lt.lineEnd(k)]
		stripped, orig := stripIndex(line)
		if i := strings.Index(stripped, value); i >= 0 && value != "" {
			return lt.source(span{start + orig[i], start + orig[i+len(value)-1] + 1})
		}
	}
	return Source{}, false
}

// strip removes white space and hyphens from s.
func strip(s string) string {
	return strings.ReplaceAll(squeeze(s), "-", "")
}

// stripIndex returns s stripped as strip does, and for each byte of the
// result the offset of that byte in s.
func stripIndex(s string) (string, []int) {
	squeezed, orig := squeezeIndex(s)
	b := make([]byte, 0, len(squeezed))
	at := make([]int, 0, len(squeezed))
	for i := 0; i < len(squeezed); i++ {
		if squeezed[i] != '-' {
			b = append(b, squeezed[i])
			at = append(at, orig[i])
		}
	}
	return string(b), at
}

// analyzePart classifies and reads the pages of one part, with the sources
// of its fields.
func analyzePart(pages []Page) Part {
	lt := newLineText(pages)
	t, conf := classifyNormalized(lt.norm)
	f, at := extract(lt.norm, t)
	f.Sources = map[string]Source{}
	for name, sp := range at {
		if src, ok := lt.source(sp); ok {
			f.Sources[name] = src
		}
	}
	for name, value := range map[string]string{"id_number": f.IDNumber, "account_number": f.AccountNumber, "holder_name": f.AccountHolder} {
		if value == "" {
			continue
		}
		if src, ok := lt.sourceOf(value); ok {
			f.Sources[name] = src
		}
	}
	return Part{
		FirstPage: pages[0].Number,
		LastPage:  pages[len(pages)-1].Number,
		Analysis:  Analysis{Type: t, Confidence: conf, Fields: f},
	}
}

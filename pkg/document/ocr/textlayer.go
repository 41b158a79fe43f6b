package ocr

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"claims.local/pkg/apperr"
	"claims.local/pkg/document"
)

// bboxDoc is the part of pdftotext -bbox's XHTML that is read: per page,
// its size in points and its words with their boxes in points (origin at
// the top left).
type bboxDoc struct {
	Pages []struct {
		Width  float64    `xml:"width,attr"`
		Height float64    `xml:"height,attr"`
		Words  []bboxWord `xml:"word"`
	} `xml:"body>doc>page"`
}

// bboxWord is one word of pdftotext -bbox.
type bboxWord struct {
	XMin float64 `xml:"xMin,attr"`
	YMin float64 `xml:"yMin,attr"`
	XMax float64 `xml:"xMax,attr"`
	YMax float64 `xml:"yMax,attr"`
	Text string  `xml:",chardata"`
}

// parseTextLayer reads pdftotext -bbox's output into one page per PDF
// page. Words are gathered into lines by their height on the page (a word
// whose middle lies within a line's height joins it), left to right,
// joined by a space: pdftotext's own -bbox-layout lines follow its block
// analysis, which splits a form's row ("交款人：王芳    就诊日期：…") and even
// a grouped account number into blocks. Each line's box is scaled from
// points to the pixels of the page rasterised at dpi (the space an OCR page
// of the same PDF would be in); its confidence is 1, for the text layer is
// exact.
func parseTextLayer(out []byte, dpi int) ([]document.Page, error) {
	var doc bboxDoc
	dec := xml.NewDecoder(bytes.NewReader(out))
	dec.Strict = false
	dec.Entity = xml.HTMLEntity
	dec.AutoClose = xml.HTMLAutoClose
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, &apperr.Error{Code: apperr.Unprocessable, Message: "the PDF's text layer cannot be read", Err: fmt.Errorf("pdftotext -bbox: %w", err)}
	}
	scale := float64(dpi) / 72
	px := func(pt float64) int { return int(math.Round(pt * scale)) }
	pages := make([]document.Page, len(doc.Pages))
	for i, pg := range doc.Pages {
		w, h := int(math.Ceil(pg.Width*scale)), int(math.Ceil(pg.Height*scale))
		page := document.Page{Width: w, Height: h, Source: document.FromTextLayer}
		for _, l := range wordLines(pg.Words) {
			texts := make([]string, len(l))
			xMin, yMin, xMax, yMax := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
			for k, wd := range l {
				texts[k] = wd.Text
				xMin, yMin = math.Min(xMin, wd.XMin), math.Min(yMin, wd.YMin)
				xMax, yMax = math.Max(xMax, wd.XMax), math.Max(yMax, wd.YMax)
			}
			text := strings.Join(texts, " ")
			if strings.TrimSpace(text) == "" {
				continue
			}
			box := document.Box{X: px(xMin), Y: px(yMin), W: px(xMax) - px(xMin), H: px(yMax) - px(yMin)}
			page.Lines = append(page.Lines, document.Line{Text: text, Box: clampBox(box, w, h), Confidence: 1})
		}
		pages[i] = page
	}
	return pages, nil
}

// wordLines groups words into lines, top to bottom, each left to right.
func wordLines(words []bboxWord) [][]bboxWord {
	sorted := slices.Clone(words)
	slices.SortStableFunc(sorted, func(a, b bboxWord) int { return cmp.Compare(a.YMin, b.YMin) })
	var lines [][]bboxWord
	var top, bottom float64
	for _, wd := range sorted {
		mid := (wd.YMin + wd.YMax) / 2
		if n := len(lines); n > 0 && mid >= top && mid <= bottom {
			lines[n-1] = append(lines[n-1], wd)
			bottom = math.Max(bottom, wd.YMax)
			continue
		}
		lines = append(lines, []bboxWord{wd})
		top, bottom = wd.YMin, wd.YMax
	}
	for _, l := range lines {
		slices.SortStableFunc(l, func(a, b bboxWord) int { return cmp.Compare(a.XMin, b.XMin) })
	}
	return lines
}

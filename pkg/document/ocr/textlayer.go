package ocr

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"claims.local/pkg/apperr"
	"claims.local/pkg/document"
)

// bboxDoc is the part of pdftotext -bbox-layout's XHTML that is read: per
// page, its size in points, and the words of each line with the line's
// box in points (origin at the top left).
type bboxDoc struct {
	Pages []struct {
		Width  float64 `xml:"width,attr"`
		Height float64 `xml:"height,attr"`
		Flows  []struct {
			Blocks []struct {
				Lines []struct {
					XMin  float64  `xml:"xMin,attr"`
					YMin  float64  `xml:"yMin,attr"`
					XMax  float64  `xml:"xMax,attr"`
					YMax  float64  `xml:"yMax,attr"`
					Words []string `xml:"word"`
				} `xml:"line"`
			} `xml:"block"`
		} `xml:"flow"`
	} `xml:"body>doc>page"`
}

// parseTextLayer reads pdftotext -bbox-layout's output into one page per
// PDF page: each line's words joined by a space, its box scaled from
// points to the pixels of the page rasterised at dpi (the space an OCR
// page of the same PDF would be in), and confidence 1, for the text layer
// is exact.
func parseTextLayer(out []byte, dpi int) ([]document.Page, error) {
	var doc bboxDoc
	dec := xml.NewDecoder(bytes.NewReader(out))
	dec.Strict = false
	dec.Entity = xml.HTMLEntity
	dec.AutoClose = xml.HTMLAutoClose
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, &apperr.Error{Code: apperr.Unprocessable, Message: "the PDF's text layer cannot be read", Err: fmt.Errorf("pdftotext -bbox-layout: %w", err)}
	}
	scale := float64(dpi) / 72
	px := func(pt float64) int { return int(math.Round(pt * scale)) }
	pages := make([]document.Page, len(doc.Pages))
	for i, pg := range doc.Pages {
		w, h := int(math.Ceil(pg.Width*scale)), int(math.Ceil(pg.Height*scale))
		page := document.Page{Width: w, Height: h, Source: document.FromTextLayer}
		for _, f := range pg.Flows {
			for _, b := range f.Blocks {
				for _, l := range b.Lines {
					text := strings.Join(l.Words, " ")
					if strings.TrimSpace(text) == "" {
						continue
					}
					box := document.Box{X: px(l.XMin), Y: px(l.YMin), W: px(l.XMax) - px(l.XMin), H: px(l.YMax) - px(l.YMin)}
					page.Lines = append(page.Lines, document.Line{Text: text, Box: clampBox(box, w, h), Confidence: 1})
				}
			}
		}
		pages[i] = page
	}
	return pages, nil
}

package ocr_test

import (
	"image"
	"strings"
	"testing"

	"github.com/otiai10/gosseract/v2"

	"claims.local/pkg/document"
	"claims.local/pkg/document/ocr"
	"claims.local/pkg/document/scantest"
)

// scannedName is a patient's or card holder's name the pipeline read on a
// scanned document of the look-alike corpora, with what the names'
// benchmarks read it again from: the upright page, the name's box on it,
// the line holding it and the characters read inside the box.
type scannedName struct {
	typ         document.Type
	field, read string
	src         document.Source
	page        document.Page
	upright     *image.Gray
	line        document.Box
	chars       []document.Char
}

// namesOnScan renders d in style as BenchmarkStraightThrough scans it,
// reads it with p and returns each name read with its source.
func namesOnScan(b *testing.B, p *ocr.Pipeline, fonts scantest.Fonts, d lookAlikeDoc, style scantest.Style) []scannedName {
	b.Helper()
	data := scanOf(b, fonts, d.c, d.doc, style)
	res, err := inspect(b, p, data)
	if err != nil {
		b.Fatal(err)
	}
	gray := decodeGray(b, data)
	var names []scannedName
	for _, part := range res.Parts {
		f := part.Analysis.Fields
		holder := f.IDCardName
		if holder == "" {
			holder = f.AccountHolder
		}
		for _, fn := range [][2]string{{"patient_name", f.PatientName}, {"holder_name", holder}} {
			field, name := fn[0], fn[1]
			src, ok := f.Sources[field]
			if !ok || name == "" {
				continue
			}
			page := res.PageTexts[src.Page-1]
			n := scannedName{typ: part.Analysis.Type, field: field, read: name, src: src, page: page,
				upright: scantest.TurnClockwise(gray, page.Rotation)}
			for _, l := range page.Lines {
				for _, w := range l.Words {
					for _, c := range w.Chars {
						if inBox(src.Box, c.Box) {
							n.line, n.chars = l.Box, append(n.chars, c)
						}
					}
				}
			}
			names = append(names, n)
		}
	}
	return names
}

// readSymbols reads img with c symbol by symbol: the text, the symbols'
// mean confidence and the least of them (0 when nothing was read).
func readSymbols(b *testing.B, c *gosseract.Client, img image.Image) (text string, mean, least float64) {
	b.Helper()
	png, err := scantest.PNG(img)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.SetImageFromBytes(png); err != nil {
		b.Fatal(err)
	}
	syms, err := c.GetBoundingBoxes(gosseract.RIL_SYMBOL)
	if err != nil {
		b.Fatal(err)
	}
	var sb strings.Builder
	least = 1.0
	for _, s := range syms {
		sb.WriteString(s.Word)
		mean += s.Confidence / 100
		least = min(least, s.Confidence/100)
	}
	if len(syms) == 0 {
		return "", 0, 0
	}
	return sb.String(), mean / float64(len(syms)), least
}

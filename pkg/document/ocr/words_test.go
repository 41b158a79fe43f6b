package ocr

import (
	"fmt"
	"image"
	"image/draw"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/otiai10/gosseract/v2"

	"claims.local/pkg/document"
	"claims.local/pkg/document/scantest"
)

// wordLinesPagesVar sets how many generated pages
// TestWordLinesAreTesseractsLines reads both ways (default 12).
const wordLinesPagesVar = "CLAIMS_OCR_WORD_LINES_PAGES"

// textLines is what recognise gave before the words: gosseract's
// GetBoundingBoxes at the text-line level (one recognition), each line's
// text, box and confidence, blank lines dropped.
func textLines(t *testing.T, c *gosseract.Client) []document.Line {
	t.Helper()
	boxes, err := c.GetBoundingBoxes(gosseract.RIL_TEXTLINE)
	if err != nil {
		t.Fatal(err)
	}
	var lines []document.Line
	for _, bb := range boxes {
		text := strings.TrimRight(bb.Word, "\n\r\t ")
		if strings.TrimSpace(text) == "" {
			continue
		}
		r := bb.Box.Canon()
		lines = append(lines, document.Line{Text: text, Box: document.Box{X: r.Min.X, Y: r.Min.Y, W: r.Dx(), H: r.Dy()},
			Confidence: math.Round(min(100, max(0, bb.Confidence))) / 100})
	}
	return lines
}

// grayOf returns img in gray.
func grayOf(img image.Image) *image.Gray {
	if g, ok := img.(*image.Gray); ok {
		return g
	}
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Bounds(), img, img.Bounds().Min, draw.Src)
	return g
}

// TestWordLinesAreTesseractsLines reads generated pages (the samples'
// variants with the gray and colour defects in turn, a claim's receipt
// scanned and under heavy grain) once through gosseract's GetBoundingBoxes
// at the text-line level, as recognise did before the words, and once as
// it does now, on the same client and image: every line must have the same
// text, confidence and box, its words, spaces aside, its text, and each
// word's characters the word.
func TestWordLinesAreTesseractsLines(t *testing.T) {
	n := 12
	if v := os.Getenv(wordLinesPagesVar); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("%s: want a positive number of pages, got %q", wordLinesPagesVar, v)
		}
	}
	fonts, err := scantest.LoadFonts()
	if err != nil {
		t.Fatal(err)
	}
	p := &Pipeline{cfg: Config{Workers: 1}.withDefaults()}
	c, err := p.newClient(p.cfg.Languages, p.cfg.PageSegMode)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	type page struct {
		name string
		img  image.Image
	}
	claim := scantest.ClaimSet{InvoiceCode: "31060119", InvoiceNumber: "7000000042", CheckCode: "c00042", Institution: "上海市第六人民医院",
		Patient: "孙伟芳", Date: "2026-11-20", FundPaidFen: 60_000, PersonalCashFen: 40_000, SelfPayFen: 30_000, SelfFundedFen: 10_000}
	var pages []page
	for _, grain := range []int{24, 80} {
		style := scantest.Scanned(7)
		style.Noise = grain
		img, err := scantest.Render(fonts, claim.InvoiceLines(), style)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, page{fmt.Sprintf("receipt-grain-%d", grain), img})
	}
	samples, defects := scantest.Samples(), []scantest.Defect{scantest.Clean, scantest.Skewed, scantest.Fax, scantest.LowJPEG, scantest.Photo, scantest.RedSeal}
	for i := 0; len(pages) < n; i++ {
		seed := uint64(1000 + i)
		s, d := scantest.Variant(samples[i%len(samples)], seed), defects[(i/len(samples)+i)%len(defects)]
		img, err := scantest.RenderDefect(fonts, s.Lines, d, seed)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, page{fmt.Sprintf("%s-%s-%d", s.Type, d, seed), img})
	}
	lines, words := 0, 0
	for _, pg := range pages {
		gray := grayOf(pg.img)
		if err := c.SetImageFromBytes(encodePGM(gray)); err != nil {
			t.Fatal(err)
		}
		if err := c.SetVariable("user_defined_dpi", "300"); err != nil {
			t.Fatal(err)
		}
		want := textLines(t, c)
		got, err := recognise(c, gray, 300)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("%s: got %d lines, want Tesseract's %d", pg.name, len(got), len(want))
			continue
		}
		for i, g := range got {
			w := want[i]
			lines++
			words += len(g.Words)
			if g.Text != w.Text || g.Confidence != w.Confidence || g.Box != w.Box {
				t.Errorf("%s line %d: got %q at %v %+v, want Tesseract's %q at %v %+v", pg.name, i, g.Text, g.Confidence, g.Box, w.Text, w.Confidence, w.Box)
			}
			texts := make([]string, len(g.Words))
			for k, word := range g.Words {
				texts[k] = word.Text
			}
			if joined, line := strings.Join(strings.Fields(strings.Join(texts, "")), ""), strings.Join(strings.Fields(g.Text), ""); joined != line {
				t.Errorf("%s line %d: got words %q, want the line %q", pg.name, i, texts, g.Text)
			}
			for _, word := range g.Words {
				var b strings.Builder
				for _, c := range word.Chars {
					b.WriteString(c.Text)
				}
				if b.String() != word.Text {
					t.Errorf("%s line %d: got the characters %q of the word %q, want the word", pg.name, i, b.String(), word.Text)
				}
			}
		}
	}
	t.Logf("%d pages, %d lines (%d words): texts, confidences and boxes as Tesseract's text lines", len(pages), lines, words)
}

package ocr_test

import (
	"image"
	"strings"
	"testing"

	"claims.local/pkg/document"
	"claims.local/pkg/document/ocr"
	"claims.local/pkg/document/scantest"
)

// TestTextLayerExact reads invoices whose PDF has a text layer: every
// field equals the truth, every line comes from the text layer with
// confidence 1, and each line's box is where the PDF put the line (72
// points from the left, lines 20 points apart from 770 points up, scaled
// to 200 dpi), on a page of A4 at 200 dpi.
func TestTextLayerExact(t *testing.T) {
	p := newPipeline(t, ocr.Config{Workers: 1})
	for _, s := range []scantest.Sample{scantest.DisagreeingInvoice(), scantest.Samples()[2], scantest.AccountCertificate()} {
		t.Run(string(s.Type), func(t *testing.T) {
			res, err := inspect(t, p, scantest.TextPDF(s.Lines))
			if err != nil {
				t.Fatal(err)
			}
			if res.Type != s.Type || res.RecognisedPages != 0 {
				t.Errorf("got %s with %d pages recognised, want %s from the text layer", res.Type, res.RecognisedPages, s.Type)
			}
			if misses, _ := s.Want.Misses(res.Fields); len(misses) > 0 {
				t.Errorf("fields wrong %v, want all exact\ntext: %q", misses, res.Text)
			}
			page := res.PageTexts[0]
			if page.Source != document.FromTextLayer || page.Width != 1653 || page.Height != 2339 {
				t.Errorf("page: got %s %dx%d, want text_layer 1653x2339 (A4 at 200 dpi)", page.Source, page.Width, page.Height)
			}
			if len(page.Lines) != len(s.Lines) {
				t.Fatalf("got %d lines, want %d: %q", len(page.Lines), len(s.Lines), page.Text())
			}
			for i, l := range page.Lines {
				if strings.ReplaceAll(l.Text, " ", "") != strings.ReplaceAll(s.Lines[i], " ", "") || l.Confidence != 1 {
					t.Errorf("line %d: got %q (confidence %v), want %q (1)", i, l.Text, l.Confidence, s.Lines[i])
				}
				// The baseline of line i is 770-20i points up the 842-point
				// page; the box spans the font's ascent above it.
				wantX, wantBase := 200, (842-770+20*i)*200/72
				if l.Box.X != wantX || l.Box.Y > wantBase || l.Box.Y+l.Box.H < wantBase || l.Box.H > 60 {
					t.Errorf("line %d: box %+v, want x %d and the baseline y %d inside a box at most 60 px high", i, l.Box, wantX, wantBase)
				}
			}
		})
	}
}

// TestLineBoxesWhereTheTextIs renders a page without skew, so that each
// line's place is known, upright and turned by a quarter, a half and three
// quarters: once the reader has turned the page back, the line of the
// invoice number must be boxed where it was drawn, whatever the turn.
func TestLineBoxesWhereTheTextIs(t *testing.T) {
	fonts := loadFonts(t)
	p := newPipeline(t, ocr.Config{Workers: 2})
	s := scantest.Samples()[2] // line 1 is 票据号码：0012345678
	const px = 32
	upright, err := scantest.Render(fonts, s.Lines, scantest.Style{FontPx: px, Noise: 10, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	// Render's layout: a margin of 2 font heights, lines 1.8 apart, the
	// baseline one font height below the line's top.
	margin, lineH := 2*px, px*18/10
	want := image.Rect(margin, margin+lineH, margin+px*12, margin+lineH+px)
	for _, turn := range []int{0, 90, 180, 270} {
		res, err := inspect(t, p, mustPNG(t, scantest.TurnClockwise(upright, turn)))
		if err != nil {
			t.Fatal(err)
		}
		page := res.PageTexts[0]
		if page.Width != upright.Bounds().Dx() || page.Height != upright.Bounds().Dy() || page.Rotation != (360-turn)%360 {
			t.Errorf("turned %d: got a %dx%d page turned %d, want %dx%d turned %d", turn, page.Width, page.Height,
				page.Rotation, upright.Bounds().Dx(), upright.Bounds().Dy(), (360-turn)%360)
		}
		if res.Recognitions != 1 || res.OSDRuns != 0 {
			t.Errorf("turned %d: got %d recognitions and %d OSD runs, want 1 and 0", turn, res.Recognitions, res.OSDRuns)
		}
		checkLineBoxes(t, page)
		var found bool
		for _, l := range page.Lines {
			if !strings.Contains(l.Text, "0012345678") {
				continue
			}
			found = true
			b := image.Rect(l.Box.X, l.Box.Y, l.Box.X+l.Box.W, l.Box.Y+l.Box.H)
			if in := b.Intersect(want); in.Dx()*in.Dy() < want.Dx()*want.Dy()*6/10 || b.Dy() > 2*px {
				t.Errorf("turned %d: the invoice number's line is boxed at %v, want about %v", turn, b, want)
			}
		}
		if !found {
			t.Errorf("turned %d: no line holds the invoice number: %q", turn, res.Text)
		}
	}
}

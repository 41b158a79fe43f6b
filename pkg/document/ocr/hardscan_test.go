package ocr_test

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"

	"claims.local/pkg/document"
	"claims.local/pkg/document/ocr"
	"claims.local/pkg/document/scantest"
)

// hardScanSamples are the documents each defect is tried on: a death
// certificate (ID number, date, name), a medical invoice (amounts, invoice
// number, date, name) and an accident report (ID number, date, name).
func hardScanSamples() []scantest.Sample {
	all := scantest.Samples()
	return []scantest.Sample{all[1], all[2], all[5]}
}

// TestInspectHardScans reads every sample of hardScanSamples with every
// defect of scantest.Defects (turned pages, 3-8 degrees of skew, a phone
// photo with perspective and uneven light, a 150-dpi fax, JPEG of quality
// 10-20, a red seal across the text) with real Tesseract, and checks the
// type, the rotation the reader applied, that the page was recognised once
// (no second reading, no OSD), that every line has a box inside
// the page with a confidence, and the fields: OCR misreads a character now
// and then (壹仟 as 吉什 in a total in capitals, 事 as 条 in a fax), so per
// defect minFieldAccuracy of the field checks must be right; misses are
// logged with the text read.
func TestInspectHardScans(t *testing.T) {
	fonts := loadFonts(t)
	p := newPipeline(t, ocr.Config{Workers: 2})
	for _, d := range scantest.Defects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			var wg sync.WaitGroup
			var checked, missed atomic.Int64
			for i, s := range hardScanSamples() {
				seed := uint64(100 + i)
				img, err := scantest.RenderDefect(fonts, s.Lines, d, seed)
				if err != nil {
					t.Fatal(err)
				}
				data, _, err := scantest.EncodeDefect(img, d, seed)
				if err != nil {
					t.Fatal(err)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := inspect(t, p, data)
					if err != nil {
						t.Errorf("%s: %v", s.Type, err)
						return
					}
					if res.Type != s.Type {
						t.Errorf("%s: type got %s, want %s\ntext: %q", s.Type, res.Type, s.Type, res.Text)
					}
					misses, n := s.Want.Misses(res.Fields)
					checked.Add(int64(n))
					missed.Add(int64(len(misses)))
					if len(misses) > 0 {
						t.Logf("%s: misread %v\ntext: %q", describe(s, d), misses, res.Text)
					}
					// Turned or not, the page's orientation is guessed from its
					// ink, and it is recognised once, the right way up.
					if res.Recognitions != 1 || res.OSDRuns != 0 {
						t.Errorf("%s: got %d recognitions and %d OSD runs, want 1 and 0", s.Type, res.Recognitions, res.OSDRuns)
					}
					page := res.PageTexts[0]
					if want := (360 - d.QuarterTurns()) % 360; page.Rotation != want {
						t.Errorf("%s: rotation got %d, want %d", s.Type, page.Rotation, want)
					}
					checkLineBoxes(t, page)
				}()
			}
			wg.Wait()
			if n := checked.Load(); n > 0 {
				if got := float64(n-missed.Load()) / float64(n); got < minFieldAccuracy {
					t.Errorf("field accuracy: got %.2f (%d of %d wrong), want at least %.2f", got, missed.Load(), n, minFieldAccuracy)
				}
			}
		})
	}
}

// checkLineBoxes checks that page has a size and lines, and that every
// line has a non-empty box inside the page and a confidence in (0, 1].
func checkLineBoxes(t *testing.T, page document.Page) {
	t.Helper()
	if page.Width <= 0 || page.Height <= 0 || len(page.Lines) == 0 {
		t.Fatalf("page %d: got %dx%d with %d lines, want a size and lines", page.Number, page.Width, page.Height, len(page.Lines))
	}
	for _, l := range page.Lines {
		b := l.Box
		if b.W <= 0 || b.H <= 0 || b.X < 0 || b.Y < 0 || b.X+b.W > page.Width || b.Y+b.H > page.Height {
			t.Errorf("line %q: box %+v, want a box inside the %dx%d page", l.Text, b, page.Width, page.Height)
		}
		if l.Confidence <= 0 || l.Confidence > 1 || math.IsNaN(l.Confidence) {
			t.Errorf("line %q: confidence %v, want in (0, 1]", l.Text, l.Confidence)
		}
	}
}

// describe names a sample for messages.
func describe(s scantest.Sample, d scantest.Defect) string { return fmt.Sprintf("%s/%s", s.Type, d) }

package scantest

import (
	"fmt"
	"image"

	"claims.local/pkg/document"
)

// Doc is one generated upload with its truth: the documents it holds, in
// page order (one page each), and the page images one by one, for a reader
// that takes a page at a time (the tesseract command).
type Doc struct {
	Name    string
	Data    []byte
	Media   document.Media
	Parts   []Sample
	Defects []Defect
	// Pages are the pages as single-page files (PNG, or the upload itself
	// when it has one page).
	Pages [][]byte
}

// bundleEvery is how often the corpus holds a bundle: every bundleEvery-th
// upload is two documents in one multi-page PDF or TIFF.
const bundleEvery = 8

// Corpus returns n generated uploads that go through every document type
// (document.Types, by Samples) and every defect (Defects): upload i is a
// variant (Variant: other names, numbers, dates and amounts) of sample
// i mod 10 with defect (i / 10) mod 9, so 90 uploads cover every pair. Every bundleEvery-th upload is a mixed bundle instead: that sample
// and the next one as two pages of a PDF (even bundles) or a TIFF (odd),
// each page with a gray defect.
func Corpus(fonts Fonts, n int) ([]Doc, error) {
	samples := Samples()
	defects := Defects()
	var gray []Defect
	for _, d := range defects {
		if !d.Colour() {
			gray = append(gray, d)
		}
	}
	docs := make([]Doc, 0, n)
	for i := 0; i < n; i++ {
		seed := uint64(1000 + i)
		s := Variant(samples[i%len(samples)], seed)
		d := defects[(i/len(samples))%len(defects)]
		if i%bundleEvery == bundleEvery-1 {
			next := Variant(samples[(i+1)%len(samples)], seed+1)
			d1, d2 := gray[i%len(gray)], gray[(i+3)%len(gray)]
			doc, err := bundle(fonts, []Sample{s, next}, []Defect{d1, d2}, seed, (i/bundleEvery)%2 == 0)
			if err != nil {
				return nil, err
			}
			doc.Name = fmt.Sprintf("%03d-bundle-%s+%s", i, s.Type, next.Type)
			docs = append(docs, doc)
			continue
		}
		img, err := RenderDefect(fonts, s.Lines, d, seed)
		if err != nil {
			return nil, err
		}
		data, media, err := EncodeDefect(img, d, seed)
		if err != nil {
			return nil, err
		}
		docs = append(docs, Doc{Name: fmt.Sprintf("%03d-%s-%s", i, s.Type, d), Data: data, Media: media,
			Parts: []Sample{s}, Defects: []Defect{d}, Pages: [][]byte{data}})
	}
	return docs, nil
}

// bundle makes one upload of samples, a page each with its defect, as a
// PDF of scanned pages at 200 dpi or a multi-page TIFF.
func bundle(fonts Fonts, samples []Sample, defects []Defect, seed uint64, asPDF bool) (Doc, error) {
	doc := Doc{Parts: samples, Defects: defects}
	var pages []*image.Gray
	for k, s := range samples {
		img, err := RenderDefect(fonts, s.Lines, defects[k], seed+uint64(k)*7919)
		if err != nil {
			return Doc{}, err
		}
		g, ok := img.(*image.Gray)
		if !ok {
			return Doc{}, fmt.Errorf("scantest: defect %s makes colour pages, which a bundle cannot hold", defects[k])
		}
		pages = append(pages, g)
		data, err := PNG(g)
		if err != nil {
			return Doc{}, err
		}
		doc.Pages = append(doc.Pages, data)
	}
	if asPDF {
		data, err := ImagePDF(pages, 200)
		if err != nil {
			return Doc{}, err
		}
		doc.Data, doc.Media = data, document.PDF
		return doc, nil
	}
	doc.Data, doc.Media = GrayTIFF(pages), document.TIFF
	return doc, nil
}

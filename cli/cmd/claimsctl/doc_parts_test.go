package main

import (
	"encoding/json"
	"image"
	"os"
	"path/filepath"
	"testing"

	"claims.local/pkg/document"
	"claims.local/pkg/document/ocr"
	"claims.local/pkg/document/scantest"
)

// TestDocInspectPrintsEachPart: a file holding a discharge summary and then
// an invoice prints both parts, each with its pages, type, fields and where
// each field was read; type and fields at the top stay the first part's.
func TestDocInspectPrintsEachPart(t *testing.T) {
	summary := document.Analysis{Type: document.DischargeSummary, Confidence: 0.9, Fields: document.Fields{Names: []string{"赵敏"}}}
	invoice := document.Analysis{Type: document.MedicalInvoice, Confidence: 0.95, Fields: document.Fields{HasAmount: true, TotalAmountFen: 123450,
		Sources: map[string]document.Source{"total_amount_fen": {Page: 2, Box: document.Box{X: 40, Y: 300, W: 500, H: 36}, Confidence: 0.91}}}}
	res := ocr.Result{Analysis: summary, Media: document.PDF, Pages: 2, Text: "出院小结\n\n医疗门诊收费票据",
		Parts: []document.Part{{FirstPage: 1, LastPage: 1, Analysis: summary}, {FirstPage: 2, LastPage: 2, Analysis: invoice}}}
	code, stdout, stderr := runDocWith(fakeInspect(res, nil), "doc", "inspect", "bundle.pdf")
	if code != exitOK {
		t.Fatalf("got status %d (%s), want 0", code, stderr)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"type":   `"discharge_summary"`,
		"fields": `{"names":["赵敏"]}`,
		"parts": `[{"pages":[1,1],"type":"discharge_summary","confidence":0.9,"fields":{"names":["赵敏"]}},` +
			`{"pages":[2,2],"type":"medical_invoice","confidence":0.95,"fields":{"total_amount_fen":123450},` +
			`"sources":{"total_amount_fen":{"page":2,"box":[40,300,500,36],"confidence":0.91}}}]`,
	}
	for key, w := range want {
		if string(got[key]) != w {
			t.Errorf("%s: got %s, want %s", key, got[key], w)
		}
	}
}

// bundlePDF returns a two-page scanned PDF: a discharge summary, then a
// medical invoice (the samples of package scantest).
func bundlePDF(t *testing.T) []byte {
	t.Helper()
	fonts, err := scantest.LoadFonts()
	if err != nil {
		t.Fatal(err)
	}
	samples := scantest.Samples()
	summary, err := scantest.Render(fonts, samples[3].Lines, scantest.Scanned(1))
	if err != nil {
		t.Fatal(err)
	}
	invoice, err := scantest.Render(fonts, samples[2].Lines, scantest.Scanned(2))
	if err != nil {
		t.Fatal(err)
	}
	data, err := scantest.ImagePDF([]*image.Gray{summary, invoice}, 200)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestDocInspectBinaryPrintsTheParts runs the claimsctl binary on a
// generated two-page PDF (real Tesseract): its parts cover the two pages in
// order, without gap or overlap, and the first is the top-level type and
// fields; every source names a page of its part.
func TestDocInspectBinaryPrintsTheParts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bundle.pdf")
	if err := os.WriteFile(path, bundlePDF(t), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runBinary(t, claimsctlBinary(t), path)
	if r.code != exitOK {
		t.Fatalf("got status %d (%s), want 0", r.code, r.stderr)
	}
	var got struct {
		Type   string          `json:"type"`
		Pages  int             `json:"pages"`
		Fields json.RawMessage `json:"fields"`
		Parts  []struct {
			Pages   [2]int          `json:"pages"`
			Type    string          `json:"type"`
			Fields  json.RawMessage `json:"fields"`
			Sources map[string]struct {
				Page int    `json:"page"`
				Box  [4]int `json:"box"`
			} `json:"sources"`
		} `json:"parts"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("stdout is not JSON (%v): %s", err, r.stdout)
	}
	if got.Pages != 2 || len(got.Parts) == 0 || got.Parts[0].Type != got.Type || string(got.Parts[0].Fields) != string(got.Fields) {
		t.Fatalf("got %d pages, parts %s; want 2 pages and the first part's type and fields at the top", got.Pages, r.stdout)
	}
	next := 1
	for i, p := range got.Parts {
		if p.Pages[0] != next || p.Pages[1] < p.Pages[0] {
			t.Fatalf("part %d: got pages %v, want from page %d on", i, p.Pages, next)
		}
		for name, s := range p.Sources {
			if s.Page < p.Pages[0] || s.Page > p.Pages[1] {
				t.Errorf("part %d: got %s read on page %d, want a page of the part %v", i, name, s.Page, p.Pages)
			}
		}
		next = p.Pages[1] + 1
	}
	if next != 3 {
		t.Fatalf("got parts ending on page %d, want the last on page 2", next-1)
	}
	t.Logf("parts: %s", r.stdout)
}

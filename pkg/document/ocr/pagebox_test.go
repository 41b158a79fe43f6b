package ocr_test

import (
	"bytes"
	"fmt"
	"testing"

	"claims.local/pkg/document"
	"claims.local/pkg/document/ocr"
)

// boxPDF is a one-page PDF without text whose crop box is crop points
// square and whose media box is media points square.
func boxPDF(crop, media int) []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /CropBox [0 0 %d %d] >>", media, media, crop, crop),
	}
	var out bytes.Buffer
	out.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return out.Bytes()
}

// TestPDFPageBoxMeasuredIsTheOneRendered is the attack of issue 17: pdfinfo
// measures a page by its crop box, and pdftoppm rendered the media box
// unless told otherwise, so a page with a small crop box on a huge media
// box passed the pixel check and was rendered huge. Now the box measured
// is the box rendered: such a page is read at its crop box's size.
func TestPDFPageBoxMeasuredIsTheOneRendered(t *testing.T) {
	limits := document.Limits{MaxBytes: 1 << 20, MaxPages: 2, MaxPixelsPerPage: 1_000_000}
	p := newPipeline(t, ocr.Config{Workers: 1, Limits: limits})
	// At 200 dpi: crop box 300 pt = 834 px a side (0.7 MP), media box
	// 1000 pt = 2778 px a side (7.7 MP, over the limit).
	data := boxPDF(300, 1000)
	res, err := inspect(t, p, data)
	if err != nil {
		t.Fatalf("got %v, want the page read at its crop box's size (within %d pixels)", err, limits.MaxPixelsPerPage)
	}
	if res.Pages != 1 || res.RecognisedPages != 1 {
		t.Fatalf("got %d pages, %d recognised; want 1, 1", res.Pages, res.RecognisedPages)
	}
}

package document_test

import (
	"image"
	"slices"
	"strings"
	"testing"

	"claims.local/pkg/document"
	"claims.local/pkg/document/scantest"
)

// FuzzAnalyze checks that reading any text never panics and keeps its
// promises: a type of the vocabulary, a confidence in [0, 1], an ID number
// only when its checksum verifies, amounts that are not negative.
func FuzzAnalyze(f *testing.F) {
	for _, s := range append(scantest.Samples(), scantest.DisagreeingInvoice()) {
		f.Add(joinLines(s.Lines))
	}
	f.Add("公民身份号码 1I0105198506l50014 合计（小写）¥9,999,999,999,999.99 大写 壹万亿元")
	f.Add("姓名:\n姓名·\n死亡日期:9999年99月99日")
	f.Fuzz(func(t *testing.T, text string) {
		a := document.Analyze(text)
		if !slices.Contains(document.Types(), a.Type) {
			t.Fatalf("type %q is not in the vocabulary", a.Type)
		}
		if a.Confidence < 0 || a.Confidence > 1 {
			t.Fatalf("confidence %v outside [0, 1]", a.Confidence)
		}
		f := a.Fields
		if f.IDNumber != "" && !document.ValidIDNumber(f.IDNumber) {
			t.Fatalf("id number %q does not verify", f.IDNumber)
		}
		if f.TotalAmountFen < 0 || f.FiguresFen < 0 || f.CapitalsFen < 0 {
			t.Fatalf("negative amount in %+v", f)
		}
		if f.EventDate != (document.Fields{}).EventDate && !f.EventDate.IsValid() {
			t.Fatalf("invalid event date %v", f.EventDate)
		}
	})
}

// FuzzParseAmounts checks that the amount parsers never panic and return
// non-negative amounts below the bound.
func FuzzParseAmounts(f *testing.F) {
	for _, s := range []string{"壹仟贰佰叁拾肆元伍角整", "贰万零伍拾元零捌分", "壹万亿元", "拾伍", "1,234.50", "¥0.5", "99999999999999.99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if fen, err := document.ParseCapitalAmount(s); err == nil && (fen < 0 || fen > 1e15) {
			t.Fatalf("ParseCapitalAmount(%q) = %d", s, fen)
		}
		if fen, err := document.ParseFigureAmount(s); err == nil && (fen < 0 || fen > 1e15) {
			t.Fatalf("ParseFigureAmount(%q) = %d", s, fen)
		}
		document.ParseDate(s)
	})
}

// FuzzProbeAndDecode checks that no upload makes the header checks or the
// decoder panic, and that a decoded page has the size its header declared.
// The limits are small so that the fuzzer's inputs decode quickly.
func FuzzProbeAndDecode(f *testing.F) {
	small := image.NewGray(image.Rect(0, 0, 16, 8))
	for _, seed := range [][]byte{
		must(scantest.PNG(small)), must(scantest.JPEG(small)), must(scantest.TIFF(small)),
		scantest.GrayTIFF([]*image.Gray{small, small}), scantest.PNGHeaderOnly(100000, 100000),
		must(scantest.TruncatedPNG()), scantest.BlankPDF(1), []byte("II*\x00\x08\x00\x00\x00\x00\x00\x08\x00\x00\x00"),
	} {
		f.Add(seed)
	}
	limits := document.Limits{MaxBytes: 1 << 20, MaxPages: 4, MaxPixelsPerPage: 1 << 16}
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := document.ProbeImage(data, limits)
		if err != nil {
			return
		}
		for i, size := range info.Sizes {
			img, err := document.DecodeGray(data, info, i)
			if err == nil && img.Bounds().Size() != size {
				t.Fatalf("page %d decoded to %v, header said %v", i+1, img.Bounds().Size(), size)
			}
		}
	})
}

func joinLines(lines []string) string {
	out := ""
	for _, l := range lines {
		out += l + "\n"
	}
	return out
}

// FuzzAnalyzePages checks that splitting any pages never panics, that the
// parts cover every page once, in order, and that every source points at
// a page of its part.
func FuzzAnalyzePages(f *testing.F) {
	f.Add("出院小结\n入院日期：2026年1月10日", "医疗住院收费票据\n合计（小写）：¥1.00\n阿莫西林 甲 2盒 1.00", "")
	f.Add("公证书", "二〇二六年二月三十日", "No.A1234567")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		var pages []document.Page
		for i, text := range []string{a, b, c} {
			p := document.Page{Number: i + 1}
			for j, l := range strings.Split(text, "\n") {
				p.Lines = append(p.Lines, document.Line{Text: l, Box: document.Box{Y: j}, Confidence: 0.5})
			}
			pages = append(pages, p)
		}
		next := 1
		for _, part := range document.AnalyzePages(pages) {
			if part.FirstPage != next || part.LastPage < part.FirstPage {
				t.Fatalf("part %d-%d, want it to start at %d", part.FirstPage, part.LastPage, next)
			}
			next = part.LastPage + 1
			for name, src := range part.Analysis.Fields.Sources {
				if src.Page < part.FirstPage || src.Page > part.LastPage {
					t.Fatalf("%s read on page %d, outside part %d-%d", name, src.Page, part.FirstPage, part.LastPage)
				}
			}
		}
		if next != 4 {
			t.Fatalf("parts end at page %d, want 3", next-1)
		}
	})
}

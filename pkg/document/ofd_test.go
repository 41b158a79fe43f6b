package document_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"claims.local/pkg/apperr"
	"claims.local/pkg/document"
	"claims.local/pkg/document/scantest"
)

// px converts millimetres to pixels at document.OFDDPI, as ReadOFD does.
func px(mm float64) int { return int(mm*document.OFDDPI/25.4 + 0.5) }

func TestReadOFDElectronicInvoice(t *testing.T) {
	pg, truth := scantest.ElectronicMedicalInvoice()
	data := must(scantest.OFD([]scantest.OFDPage{pg}))
	if media, err := document.Sniff(data); media != document.OFD || err != nil {
		t.Fatalf("sniff: got %q, %v; want ofd", media, err)
	}
	pages, err := document.ReadOFD(data, document.DefaultLimits())
	if err != nil {
		t.Fatalf("got error %v", err)
	}
	if len(pages) != 1 || pages[0].Width != px(210) || pages[0].Height != px(140) || pages[0].Source != document.FromOFD {
		t.Fatalf("got pages %+v, want one 210x140 mm page from OFD", pages)
	}
	for _, l := range pages[0].Lines {
		if l.Confidence != 1 {
			t.Errorf("line %q: got confidence %v, want 1", l.Text, l.Confidence)
		}
	}
	parts := document.AnalyzePages(pages)
	if len(parts) != 1 || parts[0].Analysis.Type != document.MedicalInvoice {
		t.Fatalf("got parts %+v, want one medical invoice", parts)
	}
	f := parts[0].Analysis.Fields
	want := map[string]string{
		"invoice_code": truth.InvoiceCode, "invoice_number": truth.InvoiceNumber, "check_code": truth.CheckCode,
		"institution": truth.Institution, "patient_name": truth.PatientName, "event_date": truth.EventDate,
		"admission_date": truth.AdmissionDate, "discharge_date": truth.DischargeDate,
	}
	if got := meaning(f); !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if !f.HasAmount || f.TotalAmountFen != truth.TotalFen || f.AmountsDisagree {
		t.Errorf("total: got %v %d (disagree %v), want %d", f.HasAmount, f.TotalAmountFen, f.AmountsDisagree, truth.TotalFen)
	}
	if f.Invoice == nil || f.Invoice.Split == nil || !reflect.DeepEqual(*f.Invoice.Split, truth.Split) || !f.Invoice.SumsAgree {
		t.Errorf("invoice: got %+v, want split %+v agreeing", f.Invoice, truth.Split)
	}
	// The number's label (x 110 mm) and value (x 131 mm, 10 digits of
	// 2.5 mm) share the line at y 20 mm with the code's label and value.
	wantBox := document.Box{X: px(10), Y: px(20), W: px(156) - px(10), H: px(25) - px(20)}
	if got := f.Sources["invoice_number"]; got != (document.Source{Page: 1, Box: wantBox, Confidence: 1}) {
		t.Errorf("invoice_number source: got %+v, want page 1, box %+v, confidence 1", got, wantBox)
	}
}

func TestReadOFDRefuses(t *testing.T) {
	pg, _ := scantest.ElectronicMedicalInvoice()
	good := scantest.OFDEntries([]scantest.OFDPage{pg})
	with := func(extra ...scantest.ZipEntry) []byte {
		return must(scantest.Zip(append(append([]scantest.ZipEntry(nil), good...), extra...)))
	}
	replace := func(name string, data []byte) []byte {
		entries := append([]scantest.ZipEntry(nil), good...)
		for i := range entries {
			if entries[i].Name == name {
				entries[i].Data = data
			}
		}
		return must(scantest.Zip(entries))
	}
	many := make([]scantest.ZipEntry, 1001)
	for i := range many {
		many[i] = scantest.ZipEntry{Name: fmt.Sprintf("Doc_0/Res/r%d.xml", i), Data: []byte("<a/>")}
	}
	deep := strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100)
	var crowd strings.Builder
	crowd.WriteString(`<Page><Content><Layer>`)
	for i := range 20_001 {
		fmt.Fprintf(&crowd, `<TextObject Boundary="0 %.3f 1 0.0001"><TextCode>a</TextCode></TextObject>`, float64(i)*0.001)
	}
	crowd.WriteString(`</Layer></Content></Page>`)
	small := document.Limits{MaxUnpackedBytes: 1 << 20}
	tests := []struct {
		name   string
		data   []byte
		limits document.Limits
		want   apperr.Code
	}{
		{"zip bomb", with(scantest.ZipEntry{Name: "Doc_0/Res/bomb.bin", Data: make([]byte, 4<<20)}), small, apperr.TooLarge},
		{"zip bomb against the default budget", with(scantest.ZipEntry{Name: "Doc_0/Res/bomb.bin", Data: make([]byte, 65<<20)}),
			document.Limits{}, apperr.TooLarge},
		{"too many entries", with(many...), document.Limits{}, apperr.TooLarge},
		{"parent path", with(scantest.ZipEntry{Name: "../evil.xml", Data: []byte("<a/>")}), document.Limits{}, apperr.Unprocessable},
		{"parent path inside", with(scantest.ZipEntry{Name: "Doc_0/../../evil.xml", Data: []byte("<a/>")}), document.Limits{}, apperr.Unprocessable},
		{"absolute path", with(scantest.ZipEntry{Name: "/etc/cron.d/evil", Data: []byte("<a/>")}), document.Limits{}, apperr.Unprocessable},
		{"backslashes", with(scantest.ZipEntry{Name: `..\..\evil.xml`, Data: []byte("<a/>")}), document.Limits{}, apperr.Unprocessable},
		{"drive letter", with(scantest.ZipEntry{Name: `C:/evil.xml`, Data: []byte("<a/>")}), document.Limits{}, apperr.Unprocessable},
		{"document root outside the package", replace("OFD.xml", []byte(`<OFD><DocBody><DocRoot>../../etc/Document.xml</DocRoot></DocBody></OFD>`)),
			document.Limits{}, apperr.Unprocessable},
		{"XML nested too deep", replace("Doc_0/Pages/Page_0/Content.xml", []byte(deep)), document.Limits{}, apperr.Unprocessable},
		{"text objects on 20,001 lines (joining them grows with the square)", replace("Doc_0/Pages/Page_0/Content.xml", []byte(crowd.String())),
			document.Limits{}, apperr.TooLarge},
		{"unlisted template", replace("Doc_0/Pages/Page_0/Content.xml", []byte(`<Page><Template TemplateID="999"/></Page>`)),
			document.Limits{}, apperr.Unprocessable},
		{"missing page", replace("Doc_0/Document.xml", []byte(`<Document><Pages><Page ID="1" BaseLoc="Pages/Page_7/Content.xml"/></Pages></Document>`)),
			document.Limits{}, apperr.Unprocessable},
		{"no page", replace("Doc_0/Document.xml", []byte(`<Document><Pages/></Document>`)), document.Limits{}, apperr.Unprocessable},
		{"no document root", replace("OFD.xml", []byte(`<OFD><DocBody/></OFD>`)), document.Limits{}, apperr.Unprocessable},
		{"broken XML", replace("Doc_0/Document.xml", []byte(`<Document><Pages>`)), document.Limits{}, apperr.Unprocessable},
		{"too many pages", must(scantest.OFD([]scantest.OFDPage{pg, pg})), document.Limits{MaxPages: 1}, apperr.TooLarge},
		{"file too large", with(), document.Limits{MaxBytes: 100}, apperr.TooLarge},
		{"not a zip", []byte("PK\x03\x04 not really"), document.Limits{}, apperr.Unprocessable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pages, err := document.ReadOFD(tt.data, tt.limits)
			if pages != nil {
				t.Errorf("got %d pages, want none", len(pages))
			}
			checkCode(t, err, tt.want)
		})
	}
}

// TestReadOFDLines checks how text objects become lines: one object per
// character joins into words, objects apart get a space, objects whose
// middles fall in a line's band join it whatever their order in the file,
// and lines come top to bottom.
func TestReadOFDLines(t *testing.T) {
	var texts []scantest.OFDText
	for i, r := range []rune("No.A0012345") {
		texts = append(texts, scantest.OFDText{X: 150 + 2.5*float64(i), Y: 10, W: 2.5, H: 5, Text: string(r)})
	}
	texts = append(texts,
		scantest.OFDText{X: 10, Y: 30, W: 20, H: 5, Text: "合计（小写）"},
		scantest.OFDText{X: 60, Y: 31, W: 20, H: 4, Text: "1234.50"},
		scantest.OFDText{X: 40, Y: 30.5, W: 10, H: 5, Text: "¥"},
		scantest.OFDText{X: 10, Y: 10, W: 60, H: 6, Text: "医疗门诊收费票据"},
	)
	data := must(scantest.OFD([]scantest.OFDPage{{Width: 210, Height: 100, Texts: texts}}))
	pages, err := document.ReadOFD(data, document.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range pages[0].Lines {
		got = append(got, l.Text)
	}
	want := []string{"医疗门诊收费票据 No.A0012345", "合计（小写） ¥ 1234.50"}
	if !slices.Equal(got, want) {
		t.Fatalf("got lines %q, want %q", got, want)
	}
	if box, want := pages[0].Lines[0].Box, (document.Box{X: px(10), Y: px(10), W: px(177.5) - px(10), H: px(16) - px(10)}); box != want {
		t.Errorf("first line's box: got %+v, want %+v", box, want)
	}
	f := document.AnalyzePages(pages)[0].Analysis.Fields
	if f.InvoiceNumber != "A0012345" || f.TotalAmountFen != 123450 {
		t.Errorf("got number %q, total %d; want A0012345, 123450", f.InvoiceNumber, f.TotalAmountFen)
	}
}

// TestReadOFDMultiLineObject checks that a text object whose TextCodes
// stand on two baselines gives two lines, each one font size high.
func TestReadOFDMultiLineObject(t *testing.T) {
	entries := scantest.OFDEntries([]scantest.OFDPage{{Width: 210, Height: 100}})
	for i := range entries {
		if entries[i].Name == "Doc_0/Pages/Page_0/Content.xml" {
			entries[i].Data = []byte(`<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer ID="1">` +
				`<ofd:PageBlock><ofd:TextObject ID="5" Boundary="10 20 100 10" Size="4">` +
				`<ofd:TextCode X="0" Y="4">备注：住院号</ofd:TextCode><ofd:TextCode X="24" Y="4">20260110</ofd:TextCode>` +
				`<ofd:TextCode X="2" Y="9">患者：赵敏</ofd:TextCode></ofd:TextObject></ofd:PageBlock></ofd:Layer></ofd:Content></ofd:Page>`)
		}
	}
	pages, err := document.ReadOFD(must(scantest.Zip(entries)), document.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []document.Line{
		{Text: "备注：住院号20260110", Box: document.Box{X: px(10), Y: px(20), W: px(110) - px(10), H: px(24) - px(20)}, Confidence: 1},
		{Text: "患者：赵敏", Box: document.Box{X: px(12), Y: px(25), W: px(110) - px(12), H: px(29) - px(25)}, Confidence: 1},
	}
	if !reflect.DeepEqual(pages[0].Lines, want) {
		t.Errorf("got lines %+v, want %+v", pages[0].Lines, want)
	}
}

// TestReadOFDLyingSizes checks a bomb whose zip headers declare a tiny
// size: it is refused as corrupt while it unpacks, never read beyond.
func TestReadOFDLyingSizes(t *testing.T) {
	pg, _ := scantest.ElectronicMedicalInvoice()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range scantest.OFDEntries([]scantest.OFDPage{pg}) {
		data := e.Data
		if e.Name == "Doc_0/Pages/Page_0/Content.xml" {
			data = append(data, make([]byte, 2<<20)...)
		}
		var packed bytes.Buffer
		fw, _ := flate.NewWriter(&packed, flate.BestCompression)
		fw.Write(data)
		fw.Close()
		w, err := zw.CreateRaw(&zip.FileHeader{Name: e.Name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(data),
			CompressedSize64: uint64(packed.Len()), UncompressedSize64: uint64(min(len(data), 100))})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(packed.Bytes())
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := document.ReadOFD(buf.Bytes(), document.Limits{MaxUnpackedBytes: 1 << 20})
	checkCode(t, err, apperr.Unprocessable) // archive/zip stops at the declared size
}

func TestSniffOFD(t *testing.T) {
	plainZip := must(scantest.Zip([]scantest.ZipEntry{{Name: "readme.txt", Data: []byte("hello")}}))
	if _, err := document.Sniff(plainZip); apperr.CodeOf(err) != apperr.UnsupportedMedia {
		t.Errorf("a zip without OFD.xml: got %v, want unsupported_media_type", err)
	}
	if _, err := document.Sniff([]byte("PK\x03\x04")); apperr.CodeOf(err) != apperr.UnsupportedMedia {
		t.Errorf("a broken zip: got %v, want unsupported_media_type", err)
	}
	nested := must(scantest.Zip([]scantest.ZipEntry{{Name: "x/OFD.xml", Data: []byte("<a/>")}}))
	if got, _ := document.Sniff(nested); got == document.OFD {
		t.Errorf("OFD.xml not at the root: got %q, want refused", got)
	}
}

// FuzzReadOFD checks that no file makes ReadOFD panic, and that it either
// reads pages from OFD or refuses with one of its codes.
func FuzzReadOFD(f *testing.F) {
	pg, _ := scantest.ElectronicMedicalInvoice()
	f.Add(must(scantest.OFD([]scantest.OFDPage{pg})))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pages, err := document.ReadOFD(data, document.Limits{MaxUnpackedBytes: 1 << 20})
		if err != nil {
			if code := apperr.CodeOf(err); code != apperr.TooLarge && code != apperr.Unprocessable {
				t.Fatalf("got error %v (code %s), want payload_too_large or unprocessable", err, code)
			}
			return
		}
		for _, p := range pages {
			if p.Source != document.FromOFD {
				t.Fatalf("got source %q, want ofd", p.Source)
			}
		}
		document.AnalyzePages(pages)
	})
}

// TestReadOFDTextInManyPiecesIsReadInLinearTime is the attack of text
// split by comments into 400,000 pieces (3 MB, a few KB zipped): joined
// piece by piece by copying, it took minutes of CPU; it is read in well
// under the bound here, whole.
func TestReadOFDTextInManyPiecesIsReadInLinearTime(t *testing.T) {
	pg, _ := scantest.ElectronicMedicalInvoice()
	entries := scantest.OFDEntries([]scantest.OFDPage{pg})
	for i := range entries {
		if entries[i].Name == "Doc_0/Pages/Page_0/Content.xml" {
			entries[i].Data = []byte(`<Page><Content><Layer><TextObject Boundary="0 0 10 10"><TextCode X="0" Y="3">` +
				strings.Repeat("x<!---->", 400_000) + `</TextCode></TextObject></Layer></Content></Page>`)
		}
	}
	start := time.Now()
	pages, err := document.ReadOFD(must(scantest.Zip(entries)), document.Limits{})
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("got the file read in %v, want well under 10 s", took)
	}
	if err != nil {
		t.Fatalf("got %v, want the page read", err)
	}
	found := false
	for _, l := range pages[0].Lines {
		found = found || l.Text == strings.Repeat("x", 400_000)
	}
	if !found {
		t.Fatalf("got %d lines, want one of the 400,000 pieces joined", len(pages[0].Lines))
	}
}

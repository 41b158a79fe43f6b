package letter_test

import (
	"bytes"
	"compress/zlib"
	"io"
	"regexp"
	"strings"
	"testing"

	"claims.local/adjudication/internal/domain"
)

// TestAttackMarkupInALetterIsPrintedAsText: a handler's reason, a clause
// and the addressee's name carry HTML that a browser-rendered letter would
// act on (a local file read into the letter, a fetch to an outside host, a
// script). The letter is drawn by fpdf, not a browser, so held: the markup
// is printed as the characters it is, and the PDF holds no link, action,
// script, attached file or image: nothing was fetched or read into it.
// (fpdf writes an empty /EmbeddedFiles name tree in every catalog; an
// attached file would be a /Filespec.)
func TestAttackMarkupInALetterIsPrintedAsText(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	hostile := []string{
		`<img src="file:///etc/passwd">`,
		`<iframe src="http://169.254.169.254/latest/meta-data/"></iframe>`,
		`<link rel="stylesheet" href="https://attacker.example/x.css">`,
		`<script src=//attacker.example/x></script>`,
	}
	reason := domain.RejectionReason{Code: "WAITING_PERIOD", Text: "等待期内出险。" + strings.Join(hostile[:2], ""),
		Clause: "《XX重大疾病保险条款》第七条" + hostile[2]}
	n := notice(t, domain.BenefitRefusal, reason)
	n.AddresseeName = "李堃" + hostile[3]
	pdf, path := render(t, r, n)
	text := strings.Join(strings.Fields(run(t, "pdftotext", "-enc", "UTF-8", path, "-")), "")
	for _, h := range hostile {
		if want := strings.Join(strings.Fields(h), ""); !strings.Contains(text, want) {
			t.Errorf("got letter text without %q printed as written, want it there:\n%s", want, text)
		}
	}
	if strings.Contains(text, "root:") {
		t.Errorf("got /etc/passwd's text in the letter, want none")
	}
	objects := inflated(t, pdf)
	for _, key := range []string{"/URI", "/Launch", "/JavaScript", "/JS", "/GoToR", "/Type /EmbeddedFile", "/Filespec", "/Subtype /Image", "/Subtype/Image", "/OpenAction", "/AA"} {
		if bytes.Contains(objects, []byte(key)) {
			t.Errorf("got %s in the PDF, want no link, action, script, file or image", key)
		}
	}
}

// inflated returns pdf with its Flate streams inflated, so that a key
// inside a compressed object stream is seen too.
func inflated(t *testing.T, pdf []byte) []byte {
	t.Helper()
	out := bytes.Clone(pdf)
	for _, m := range regexp.MustCompile(`(?s)stream\r?\n(.*?)endstream`).FindAllSubmatch(pdf, -1) {
		zr, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(zr)
		out = append(out, b...)
	}
	return out
}

// Package letter renders the written rejection notice (拒绝赔偿/给付保险金
// 通知书, rule R5) as a PDF in Chinese, A4, with its fonts embedded so that
// it reads the same on any device and in any archive.
//
// The text is set in two TrueType fonts: a Chinese one and a Latin one for
// letters, digits and Western punctuation. Two are needed because the CJK
// TrueType font Debian ships as a plain .ttf, Droid Sans Fallback, has no
// Latin letters and no digits: alone it would print claim numbers and dates
// as blanks. Each character is set in the first font that has it; a
// character that neither has is refused rather than printed as a blank.
//
// The output is deterministic: the same notice and the same font files give
// the same bytes (the PDF's dates come from the notice's issue date), so the
// SHA-256 of a stored letter can be checked by rendering it again with the
// same build. A different fpdf or Go version (compression) or font file may
// change the bytes, so the stored PDF, not a re-rendering, is the record.
package letter

import (
	"bytes"
	"fmt"
	"os"
	"strconv"

	"github.com/go-pdf/fpdf"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
)

// DefaultFontPath is where Debian's fonts-droid-fallback package puts Droid
// Sans Fallback, a TrueType (glyf) font with about 28,000 Chinese
// characters, including the GBK ones often found in names that GB2312 fonts
// lack.
const DefaultFontPath = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"

// DefaultLatinFontPath is where Debian's fonts-dejavu-core package puts
// DejaVu Sans, which supplies the Latin letters, digits and Western
// punctuation that Droid Sans Fallback lacks.
const DefaultLatinFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

// Fonts names the TrueType font files letters are set in. Both must be
// single-font .ttf files with TrueType outlines: fpdf reads neither
// collections (.ttc) nor CFF-based OpenType (.otf). Latin may be empty when
// the CJK font has Latin letters and digits of its own.
type Fonts struct {
	CJK   string
	Latin string
}

// DefaultFonts returns the Debian paths of the fonts deployments/local/infra.sh
// installs.
func DefaultFonts() Fonts {
	return Fonts{CJK: DefaultFontPath, Latin: DefaultLatinFontPath}
}

// face is one loaded font: its bytes for embedding and the characters it
// has a glyph for.
type face struct {
	family string
	data   []byte
	glyphs map[uint16]uint16
}

// Renderer renders rejection notices. It holds the loaded fonts and nothing
// else, so one Renderer may serve concurrent calls.
type Renderer struct {
	faces []face // in order of preference
}

// NewRenderer loads the fonts once. It fails when a file is missing, is not
// a TrueType font fpdf can read, or forbids embedding.
func NewRenderer(fonts Fonts) (*Renderer, error) {
	if fonts.CJK == "" {
		return nil, fmt.Errorf("letter: no CJK font path given")
	}
	r := &Renderer{}
	for i, path := range []string{fonts.CJK, fonts.Latin} {
		if path == "" {
			continue
		}
		f, err := loadFace("f"+strconv.Itoa(i), path)
		if err != nil {
			return nil, err
		}
		r.faces = append(r.faces, f)
	}
	return r, nil
}

func loadFace(family, path string) (face, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return face{}, fmt.Errorf("letter: read font: %w", err)
	}
	info, err := fpdf.TtfParse(path)
	if err != nil {
		return face{}, fmt.Errorf("letter: font %s is not a TrueType font fpdf can embed: %w", path, err)
	}
	if !info.Embeddable {
		return face{}, fmt.Errorf("letter: font %s forbids embedding (OS/2 fsType)", path)
	}
	return face{family: family, data: data, glyphs: info.Chars}, nil
}

// faceOf returns the index of the first face with a glyph for c, or -1.
// fpdf handles the Basic Multilingual Plane only, so characters beyond it
// (CJK Extension B and later, emoji) have none.
func (r *Renderer) faceOf(c rune) int {
	if c < 0 || c > 0xFFFF {
		return -1
	}
	for i, f := range r.faces {
		if f.glyphs[uint16(c)] != 0 {
			return i
		}
	}
	return -1
}

// Render returns the notice as a PDF. It refuses a notice that fails
// domain validation, and one with a character neither font can print
// (apperr.Unprocessable, naming the field): a name printed with a blank
// would make the letter wrong.
func (r *Renderer) Render(n domain.RejectionNotice) ([]byte, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	c := compose(n)
	if err := r.checkCoverage(c); err != nil {
		return nil, err
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	// Determinism: fixed dates, and objects written in sorted order
	// rather than in Go's random map order.
	at := n.IssueDate.Start()
	pdf.SetCreationDate(at)
	pdf.SetModificationDate(at)
	pdf.SetCatalogSort(true)
	pdf.SetCompression(true)
	// The metadata carries no personal data (R11): only the title, the
	// letter and claim numbers and the company.
	pdf.SetTitle(n.Kind.Title()+" "+n.LetterNumber, true)
	pdf.SetSubject("理赔案号 "+n.ClaimNumber, true)
	pdf.SetAuthor(n.CompanyName, true)
	pdf.SetCreator("claims.local adjudication", false)
	pdf.SetLang("zh-CN")
	for _, f := range r.faces {
		// fpdf does not promise to leave the slice alone; a copy keeps
		// concurrent renders independent.
		pdf.AddUTF8FontFromBytes(f.family, "", bytes.Clone(f.data))
	}
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("letter: add fonts: %w", err)
	}
	ts := newTypesetter(pdf, r)
	ts.draw(ts.layout(c))
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, fmt.Errorf("letter: render notice %s: %w", n.LetterNumber, err)
	}
	return out.Bytes(), nil
}

// checkCoverage refuses the first character of the letter that no font has.
func (r *Renderer) checkCoverage(c composition) error {
	for _, t := range c.texts() {
		for _, ch := range t.text {
			if ch == '\n' || r.faceOf(ch) >= 0 {
				continue
			}
			e := apperr.New(apperr.Unprocessable, "character %q (%U) cannot be printed: the letter fonts have no glyph for it", ch, ch)
			e.Field = t.field
			return e
		}
	}
	return nil
}

// chineseDate formats d the way Chinese letters write dates: 2026年10月9日.
func chineseDate(d calendar.Date) string {
	return strconv.Itoa(d.Year) + "年" + strconv.Itoa(int(d.Month)) + "月" + strconv.Itoa(d.Day) + "日"
}

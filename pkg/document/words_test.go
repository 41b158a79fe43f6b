package document_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"claims.local/pkg/document"
)

// word is a word of a line as OCR gives it, for wordLine.
type word struct {
	text       string
	confidence float64
}

// wordLine returns line i of a page made of words, as the OCR pipeline
// gives it: its text the words joined by spaces, each word boxed after the
// one before (20 pixels a character, a gap of 10), the line's box holding
// them all and its confidence the one given.
func wordLine(i int, confidence float64, words ...word) document.Line {
	l := document.Line{Confidence: confidence}
	x := 100
	texts := make([]string, len(words))
	for k, w := range words {
		texts[k] = w.text
		n := utf8.RuneCountInString(w.text)
		l.Words = append(l.Words, document.Word{Text: w.text, Box: document.Box{X: x, Y: 100 + 60*i, W: 20 * n, H: 40}, Confidence: w.confidence})
		x += 20*n + 10
	}
	l.Text = strings.Join(texts, " ")
	l.Box = document.Box{X: 100, Y: 100 + 60*i, W: x - 110, H: 40}
	return l
}

// wordsBox returns the box of words from to to (inclusive) of l.
func wordsBox(l document.Line, from, to int) document.Box {
	a, b := l.Words[from].Box, l.Words[to].Box
	return document.Box{X: a.X, Y: a.Y, W: b.X + b.W - a.X, H: a.H}
}

// charWord is a word whose characters OCR gives too, each with its
// confidence on the scale of words.
func charWord(l *document.Line, k int, confidences ...float64) {
	w := &l.Words[k]
	x := w.Box.X
	for i, r := range []rune(w.Text) {
		w.Chars = append(w.Chars, document.Char{Text: string(r), Box: document.Box{X: x, Y: w.Box.Y, W: 20, H: w.Box.H}, Confidence: confidences[i]})
		x += 20
	}
}

// TestAFieldIsAsSureAsItsValuesOwnWords: a field read by OCR is boxed by
// its value's own words (their characters when OCR gives them), and is as
// sure as its line, or as its value's least sure character when every
// character of the value is surer than the line (issue 19): a label read
// badly beside a clean value, or a stray mark of grain beside it, no longer
// pulls the value down. The attacks: a grainy line whose value is itself
// unsure stays unsure, and a value is never surer than its least sure
// character when it is surer than its line. A line without words (a text
// layer, a line stored before words), or whose words do not make up its
// text, gives its own box and confidence.
func TestAFieldIsAsSureAsItsValuesOwnWords(t *testing.T) {
	receipt := func(l document.Line) document.Page {
		return document.Page{Number: 1, Width: 1700, Height: 2200, Source: document.FromOCR, Lines: []document.Line{
			{Text: "医疗门诊收费票据（电子）", Box: document.Box{X: 100, Y: 40, W: 600, H: 40}, Confidence: 0.95}, l}}
	}
	patient := wordLine(1, 0.55, word{"交", 0.41}, word{"款", 0.30}, word{"人", 0.35}, word{":", 0.5}, word{"孙伟芳", 0.95},
		word{"”", 0}, word{"校", 0.2}, word{"验", 0.9}, word{"码", 0.9}, word{":", 0.9}, word{"c00042", 0.93})
	split := wordLine(1, 0.81, word{"交款人", 0.93}, word{":", 0.92}, word{"孙", 0.95}, word{"伟", 0.62}, word{"芳", 0.93})
	grainy := wordLine(1, 0.6, word{"合计(小写)", 0.95}, word{":", 0.93}, word{"1,000.00", 0.55})
	grainyChars := wordLine(1, 0.6, word{"合计(小写)", 0.95}, word{":", 0.93}, word{"1,000.00", 0.55})
	charWord(&grainyChars, 2, 0.93, 0.93, 0.93, 0.93, 0.55, 0.93, 0.93, 0.93)
	glued := wordLine(1, 0.62, word{"合计(小写)", 0.96}, word{":", 0.9}, word{"Y1,000.00", 0.22})
	charWord(&glued, 2, 0.23, 0.93, 0.91, 0.93, 0.93, 0.93, 0.93, 0.93, 0.92)
	gap := wordLine(1, 0.76, word{"交", 0.87}, word{"款", 0.92}, word{"人", 0.9}, word{":", 0.9}, word{"陈", 0.93}, word{"静", 0.29},
		word{"，", 0.06}, word{"校", 0.68}, word{"验", 0.93}, word{"码", 0.92}, word{":", 0.92}, word{"c00005", 0.82})
	charWord(&gap, 5, 0.93)
	charWord(&gap, 11, 0.79, 0.93, 0.93, 0.93, 0.93, 0.93)
	codes := wordLine(1, 0.6, word{"票据代码", 0.2}, word{":", 0.3}, word{"31060119", 0.94}, word{"票据号码", 0.4}, word{":", 0.5}, word{"7000000042", 0.91})
	corrected := patient
	corrected.Text = strings.Replace(corrected.Text, "孙伟芳", "孙伟方", 1)
	bare := patient
	bare.Words = nil
	tests := []struct {
		name  string
		page  document.Page
		field string
		want  document.Source
	}{
		{"a label read badly beside a clean name", receipt(patient), "patient_name",
			document.Source{Page: 1, Box: wordsBox(patient, 4, 4), Confidence: 0.95}},
		{"a stray mark and a label read badly before a clean check code", receipt(patient), "check_code",
			document.Source{Page: 1, Box: wordsBox(patient, 10, 10), Confidence: 0.93}},
		{"a name whose last character's word holds the doubtful gap after it", receipt(gap), "patient_name",
			document.Source{Page: 1, Box: wordsBox(gap, 4, 5), Confidence: 0.93}},
		{"a check code whose first character is in doubt (c or C)", receipt(gap), "check_code",
			document.Source{Page: 1, Box: wordsBox(gap, 11, 11), Confidence: 0.79}},
		{"a name read as three words, one unsure: its line's, as before", receipt(split), "patient_name",
			document.Source{Page: 1, Box: wordsBox(split, 2, 4), Confidence: 0.81}},
		{"attack: a grainy value on a grainy line stays unsure", receipt(grainy), "total_amount_fen",
			document.Source{Page: 1, Box: wordsBox(grainy, 2, 2), Confidence: 0.6}},
		{"attack: a grainy value one character of which is unsure stays unsure", receipt(grainyChars), "total_amount_fen",
			document.Source{Page: 1, Box: wordsBox(grainyChars, 2, 2), Confidence: 0.6}},
		{"a value read in one word with a stray mark (¥ read as Y): its own characters", receipt(glued), "total_amount_fen",
			document.Source{Page: 1, Box: document.Box{X: glued.Words[2].Box.X + 20, Y: glued.Words[2].Box.Y, W: 160, H: 40}, Confidence: 0.91}},
		{"an invoice code beside its number", receipt(codes), "invoice_code",
			document.Source{Page: 1, Box: wordsBox(codes, 2, 2), Confidence: 0.94}},
		{"an invoice number beside its code", receipt(codes), "invoice_number",
			document.Source{Page: 1, Box: wordsBox(codes, 5, 5), Confidence: 0.91}},
		{"words that do not make up the line: the line's", receipt(corrected), "patient_name",
			document.Source{Page: 1, Box: patient.Box, Confidence: 0.55}},
		{"a line without words: the line's", receipt(bare), "patient_name",
			document.Source{Page: 1, Box: patient.Box, Confidence: 0.55}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := document.AnalyzePages([]document.Page{tt.page})
			if len(parts) != 1 {
				t.Fatalf("got %d parts, want 1", len(parts))
			}
			got, ok := parts[0].Analysis.Fields.Sources[tt.field]
			if !ok || got != tt.want {
				t.Errorf("%s: got %+v (found %v), want %+v", tt.field, got, ok, tt.want)
			}
		})
	}
}

// TestAnIDNumberPrintedInGroupsIsAsSureAsItsGroups: a number found by
// its digits alone (an ID number printed in groups, each group a word) is
// as sure as its least sure group, its label aside, when that is surer
// than its line.
func TestAnIDNumberPrintedInGroupsIsAsSureAsItsGroups(t *testing.T) {
	id := wordLine(1, 0.7, word{"公民身份号码", 0.31}, word{"1101", 0.93}, word{"0519", 0.92}, word{"8506", 0.88}, word{"1500", 0.95}, word{"14", 0.91})
	p := document.Page{Number: 1, Width: 1700, Height: 2200, Source: document.FromOCR, Lines: []document.Line{
		{Text: "中华人民共和国居民身份证", Box: document.Box{X: 100, Y: 40, W: 600, H: 40}, Confidence: 0.95}, id}}
	parts := document.AnalyzePages([]document.Page{p})
	want := document.Source{Page: 1, Box: wordsBox(id, 1, 5), Confidence: 0.88}
	if len(parts) != 1 || parts[0].Analysis.Fields.IDNumber != "110105198506150014" {
		t.Fatalf("got %+v, want an identity card of 110105198506150014", parts)
	}
	if got := parts[0].Analysis.Fields.Sources["id_number"]; got != want {
		t.Errorf("id_number: got %+v, want %+v", got, want)
	}
}

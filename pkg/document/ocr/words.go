package ocr

// #include <stdlib.h>
// #include "wordsbridge.h"
import "C"

import (
	"errors"
	"fmt"
	"image"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unsafe"

	"github.com/otiai10/gosseract/v2"

	"claims.local/pkg/document"
)

// A page is recognised once, and each of its lines comes with its words
// (issue 19): a field's confidence is then that of its value's own words
// (document.Source), not that of its line, whose label and the grain
// beside it pulled a name or a check code read right below the
// thresholds. gosseract gives either the lines (GetBoundingBoxes at the
// text-line level) or the words (GetBoundingBoxesVerbose), each call
// recognising the page again, and its words cannot make the lines: chi_sim
// keeps the spaces between words as measured, and a line's confidence is
// the mean of its words' certainties, which their confidences, clipped at
// 0, do not give back (measured: a line Tesseract read at 0.03 would have
// been 0.65). So wordsbridge.cpp recognises the page on the client's own
// Tesseract engine and walks the result at the line level exactly as
// gosseract's GetBoundingBoxes did, each line with its words and their
// characters (see charConfidence for the characters' scale).

// apiOf returns the TessBaseAPI a gosseract client drives: gosseract
// v2.4.1 keeps it in its unexported field api (a C pointer), and gives
// no other way to read lines and words from one recognition. It fails
// when the field is not there, as a later gosseract could make it.
func apiOf(c *gosseract.Client) (unsafe.Pointer, error) {
	v := reflect.ValueOf(c).Elem().FieldByName("api")
	if !v.IsValid() || v.Kind() != reflect.UnsafePointer {
		return nil, errors.New("ocr: this gosseract keeps no TessBaseAPI pointer in Client.api")
	}
	api := *(*unsafe.Pointer)(unsafe.Pointer(v.UnsafeAddr()))
	if api == nil {
		return nil, errors.New("ocr: the gosseract client has no TessBaseAPI")
	}
	return api, nil
}

// readLines recognises img once on client, whose languages and variables
// are loaded (newClient), and returns its text lines as gosseract's
// GetBoundingBoxes at the text-line level gives them (text without its
// trailing white space, box, confidence in hundredths; blank lines
// dropped), each with its words and their characters.
func readLines(client *gosseract.Client, img *image.Gray) ([]document.Line, error) {
	api, err := apiOf(client)
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	if b.Empty() {
		return nil, nil
	}
	var page C.words_page
	pix := (*C.uchar)(unsafe.Pointer(&img.Pix[img.PixOffset(b.Min.X, b.Min.Y)]))
	if C.words_read(api, pix, C.int(b.Dx()), C.int(b.Dy()), C.int(img.Stride), &page) != 0 {
		return nil, fmt.Errorf("ocr: recognising: Tesseract failed on a %dx%d page", b.Dx(), b.Dy())
	}
	defer C.words_free(&page)
	lines := unsafe.Slice(page.lines, int(page.n_lines))
	first := unsafe.Slice(page.first_word, int(page.n_lines))
	count := unsafe.Slice(page.n_words, int(page.n_lines))
	words := unsafe.Slice(page.words, int(page.n_all_words))
	firstChar := unsafe.Slice(page.first_char, int(page.n_all_words))
	countChars := unsafe.Slice(page.n_chars, int(page.n_all_words))
	chars := unsafe.Slice(page.chars, int(page.n_all_chars))
	out := make([]document.Line, 0, len(lines))
	for i, l := range lines {
		text := strings.TrimRight(C.GoString(l.text), "\n\r\t ")
		if strings.TrimSpace(text) == "" {
			continue
		}
		line := document.Line{Text: text, Box: boxOf(l), Confidence: confidenceOf(float64(l.conf))}
		line.Words = make([]document.Word, int(count[i]))
		for j := range line.Words {
			k := int(first[i]) + j
			w := words[k]
			line.Words[j] = document.Word{Text: C.GoString(w.text), Box: boxOf(w), Confidence: confidenceOf(float64(w.conf)),
				Chars: make([]document.Char, int(countChars[k]))}
			for n := range line.Words[j].Chars {
				c := chars[int(firstChar[k])+n]
				line.Words[j].Chars[n] = document.Char{Text: C.GoString(c.text), Box: boxOf(c), Confidence: charConfidence(float64(c.conf))}
				if c.choices != nil {
					line.Words[j].Chars[n].Choices = choicesOf(C.GoString(c.choices))
				}
			}
		}
		out = append(out, line)
	}
	return out, nil
}

// choicesOf parses the alternatives wordsbridge.cpp wrote for a symbol,
// one "text\tconfidence" a line (Tesseract's 0 to 100, kept as 0 to 1).
func choicesOf(s string) []document.Choice {
	var out []document.Choice
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		text, conf, ok := strings.Cut(l, "\t")
		if !ok {
			continue
		}
		c, err := strconv.ParseFloat(conf, 64)
		if err != nil {
			continue
		}
		out = append(out, document.Choice{Text: text, Confidence: c / 100})
	}
	return out
}

// boxOf returns the page box of a line or word Tesseract boxed.
func boxOf(b C.words_box) document.Box {
	r := image.Rect(int(b.x1), int(b.y1), int(b.x2), int(b.y2)) // canonical
	return document.Box{X: r.Min.X, Y: r.Min.Y, W: r.Dx(), H: r.Dy()}
}

// certaintyScale is the factor Tesseract's LSTM engine multiplies a
// word's certainty by (kCertaintyScale in Tesseract::SearchWords), and not
// its characters'.
const certaintyScale = 7

// charConfidence returns the confidence of a character (Tesseract's
// symbol confidence c, 0 to 100) on the scale of words and lines (0 to 1,
// in hundredths). Tesseract computes a symbol's confidence as 100 + 5 ×
// its certainty, a word's as 100 + 5 × 7 × the lowest certainty of its
// characters and of the spaces before and after it, a line's as 100 + 5 ×
// the mean of its words' (scaled) certainties (measured on the generated
// receipts: 张秀英 read at 0.07 with 英 at 0.87, 1 − 7 × 0.13 = 0.09;
// c00000 at 0.60 with c at 0.94). A character at 0.99 is thus 0.93 on the
// scale of the thresholds (0.9, 0.8), not 0.99; what a word's confidence
// holds beyond its characters' is the certainty of the spaces around it,
// where a stray mark of grain beside the value makes a name read right
// fall to 0.29 (静 alone at 0.99: 0.93).
func charConfidence(c float64) float64 {
	return confidenceOf(100 - certaintyScale*(100-c))
}

// confidenceOf turns a Tesseract confidence (0 to 100) into the page's (0
// to 1, in hundredths).
func confidenceOf(c float64) float64 {
	return math.Round(min(100, max(0, c))) / 100
}

// mapBoxes applies f, a change of the page's space (a rotation undone, a
// scale), to the box of l and to those of its words and characters.
func mapBoxes(l *document.Line, f func(document.Box) document.Box) {
	l.Box = f(l.Box)
	for i := range l.Words {
		w := &l.Words[i]
		w.Box = f(w.Box)
		for j := range w.Chars {
			w.Chars[j].Box = f(w.Chars[j].Box)
		}
	}
}

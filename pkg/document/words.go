package document

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// valueWords returns the box and the confidence of the words a value was
// read in: line is a line's normalised text, words its words as OCR
// recognised them, and the value the bytes start to end of line. The
// confidence is the lowest of those words' (a value is as sure as its
// least sure word), the box their union. It reports false when the line
// has no words, when they do not make up its text, or when the value holds
// no character of any: the line's own box and confidence then stand.
func valueWords(line string, words []Word, start, end int) (Box, float64, bool) {
	idx := wordIndex(line, words)
	if idx == nil {
		return Box{}, 0, false
	}
	var box Box
	confidence, found, last := 0.0, false, -1
	for b := max(start, 0); b < min(end, len(idx)); b++ {
		w := idx[b]
		if w < 0 || w == last {
			continue
		}
		last = w
		if !found {
			box, confidence, found = words[w].Box, words[w].Confidence, true
			continue
		}
		box, confidence = unionBox(box, words[w].Box), min(confidence, words[w].Confidence)
	}
	return box, confidence, found
}

// wordIndex maps each byte of line, a line's normalised text (Normalize),
// to the index in words of the word it was read in, -1 for the spaces
// between words. Each word is normalised alone and must be found in turn,
// spaces aside: it returns nil when the words do not make up the line.
func wordIndex(line string, words []Word) []int {
	if len(words) == 0 {
		return nil
	}
	idx := make([]int, len(line))
	pos := 0
	spaces := func() {
		for pos < len(line) && line[pos] == ' ' {
			idx[pos] = -1
			pos++
		}
	}
	for w, word := range words {
		for _, r := range Normalize(word.Text) {
			if unicode.IsSpace(r) {
				continue
			}
			spaces()
			n := utf8.RuneLen(r)
			if n < 0 || !strings.HasPrefix(line[pos:], string(r)) {
				return nil
			}
			for j := pos; j < pos+n; j++ {
				idx[j] = w
			}
			pos += n
		}
	}
	spaces()
	if pos != len(line) {
		return nil
	}
	return idx
}

// unionBox returns the smallest box holding a and b.
func unionBox(a, b Box) Box {
	x0, y0 := min(a.X, b.X), min(a.Y, b.Y)
	x1, y1 := max(a.X+a.W, b.X+b.W), max(a.Y+a.H, b.Y+b.H)
	return Box{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
}

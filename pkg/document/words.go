package document

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// valueWords returns the box and the confidence of what a value was read
// in: line is a line's normalised text, words its words as OCR recognised
// them, and the value the bytes start to end of line. The confidence is
// the lowest of the value's own characters' (Char, on the scale of words
// and lines), or of its words' when a word gives no characters: a value
// is as sure as its least sure character, and neither its label, nor a
// stray mark beside it, nor a mark read in the same word (¥ read as Y in
// Y1,000.00) counts. The box is theirs. It reports false when the line has
// no words, when they do not make up its text, or when the value holds no
// character of any: the line's own box and confidence then stand.
func valueWords(line string, words []Word, start, end int) (Box, float64, bool) {
	idx := wordIndex(line, words)
	if idx == nil {
		return Box{}, 0, false
	}
	var box Box
	confidence, found, last := 0.0, false, piece{-1, -1}
	for b := max(start, 0); b < min(end, len(idx)); b++ {
		p := idx[b]
		if p.word < 0 || p == last {
			continue
		}
		last = p
		pbox, pconf := words[p.word].Box, words[p.word].Confidence
		if p.char >= 0 {
			c := words[p.word].Chars[p.char]
			pbox, pconf = c.Box, c.Confidence
		}
		if !found {
			box, confidence, found = pbox, pconf, true
			continue
		}
		box, confidence = unionBox(box, pbox), min(confidence, pconf)
	}
	return box, confidence, found
}

// piece is where a byte of a line was read: a word, and a character of it
// (-1 when the word gives none); word -1 for the spaces between words.
type piece struct{ word, char int }

// wordIndex maps each byte of line, a line's normalised text (Normalize),
// to the word of words, and the character of that word, it was read in.
// Each word, or each of its characters when they make up its text, is
// normalised alone and must be found in turn, spaces aside: it returns nil
// when the words do not make up the line.
func wordIndex(line string, words []Word) []piece {
	if len(words) == 0 {
		return nil
	}
	idx := make([]piece, len(line))
	pos := 0
	spaces := func() {
		for pos < len(line) && line[pos] == ' ' {
			idx[pos] = piece{-1, -1}
			pos++
		}
	}
	// take finds text, normalised, at pos and maps its bytes to p.
	take := func(text string, p piece) bool {
		for _, r := range Normalize(text) {
			if unicode.IsSpace(r) {
				continue
			}
			spaces()
			n := utf8.RuneLen(r)
			if n < 0 || !strings.HasPrefix(line[pos:], string(r)) {
				return false
			}
			for j := pos; j < pos+n; j++ {
				idx[j] = p
			}
			pos += n
		}
		return true
	}
	for w, word := range words {
		if !charsMakeUp(word) {
			if !take(word.Text, piece{w, -1}) {
				return nil
			}
			continue
		}
		for c, ch := range word.Chars {
			if !take(ch.Text, piece{w, c}) {
				return nil
			}
		}
	}
	spaces()
	if pos != len(line) {
		return nil
	}
	return idx
}

// charsMakeUp reports whether w's characters, joined, are its text.
func charsMakeUp(w Word) bool {
	if len(w.Chars) == 0 {
		return false
	}
	var b strings.Builder
	for _, c := range w.Chars {
		b.WriteString(c.Text)
	}
	return b.String() == w.Text
}

// unionBox returns the smallest box holding a and b.
func unionBox(a, b Box) Box {
	x0, y0 := min(a.X, b.X), min(a.Y, b.Y)
	x1, y1 := max(a.X+a.W, b.X+b.W), max(a.Y+a.H, b.Y+b.H)
	return Box{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
}

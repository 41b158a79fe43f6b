package document

import (
	"regexp"
	"strings"
	"unicode"
)

// Thresholds of bundle splitting.
const (
	// titleWeight is the least cue weight that makes a cue a title.
	titleWeight = 4
	// titleLines is how many non-empty lines at the top of a page are
	// looked at for a title.
	titleLines = 3
	// minPageLetters is the least number of letters and digits a page needs
	// to start a document; a blank or near-blank page (a scanned back, a
	// separator sheet) stays with the page before it.
	minPageLetters = 10
	// splitConfidence is how sure the classifier must be of a page of
	// another type, without a title, to start a document there.
	splitConfidence = 0.6
)

// continuationMark matches the marks of a continuation page: 第2页, 第二页, 第 2 页
// 共 3 页 (any page but the first), (续), 续页, page 2 of 3. Read-only.
var continuationMark = regexp.MustCompile(`第\s*(?:[2-9]|[1-9]\d+|[二三四五六七八九十]+)\s*页|\(续\)|续页|续表|(?i:page\s*([2-9]|[1-9]\d+)\s*(?:of|/))`)

// startsDocument reports whether page p begins a new document after the
// pages of the current part.
//
// A page starts a document when it opens with a title (a cue of weight 4
// or more, such as 出院小结 or 医疗门诊收费票据, in its first three non-empty
// lines), or when, without one, the classifier is sure (0.6 or more) it is
// of a type other than the part's. It never does when it is near-blank or
// carries a continuation mark (第2页, 续页). A title of the part's own type
// starts a new document too (two invoices in a row are two documents),
// except for an ID card, whose back repeats the title of its front.
// Limitation: a continuation page that repeats its document's title
// without a page mark starts a new part of the same type.
func startsDocument(current []Page, p Page) bool {
	norm := Normalize(p.Text())
	if countLetters(norm) < minPageLetters || continuationMark.MatchString(norm) {
		return false
	}
	partType, _ := classifyNormalized(newLineText(current).norm)
	if title, ok := titleType(norm); ok {
		return title != partType || title != IDCard
	}
	pageType, conf := classifyNormalized(norm)
	return pageType != Other && pageType != partType && conf >= splitConfidence
}

// titleType returns the type of the heaviest title cue in the first
// non-empty lines of a page's normalised text.
func titleType(norm string) (Type, bool) {
	var head []string
	for _, line := range strings.Split(norm, "\n") {
		if strings.TrimSpace(line) != "" {
			head = append(head, line)
			if len(head) == titleLines {
				break
			}
		}
	}
	lower := asciiLower(strings.Join(head, "\n"))
	joined := squeeze(lower)
	best, bestWeight := Other, 0
	for _, t := range Types() {
		for _, c := range typeCues[t] {
			in := joined
			if isASCII(c.phrase) {
				in = lower
			}
			if c.weight >= titleWeight && c.weight > bestWeight && strings.Contains(in, c.phrase) {
				best, bestWeight = t, c.weight
			}
		}
	}
	return best, bestWeight > 0
}

// countLetters counts the letters and digits of s.
func countLetters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

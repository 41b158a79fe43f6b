package document

import (
	"strings"
	"unicode"
)

// RereadSure is the confidence (on the words' scale, its least sure
// character) at or above which a name's value read again alone confirms
// the first reading of a name read below the floor: adjudication's
// ADJUDICATION_AUTO_MIN_CORROBORABLE default.
const RereadSure = 0.8

// The outcomes of a name read again (NameRereading.Outcome).
const (
	// RereadConfirmed: the value read again alone is the first reading's
	// name, sure; the first reading, in doubt, is confirmed
	// (SecondReading).
	RereadConfirmed = "confirmed"
	// RereadSame: the same name, with nothing to confirm (the first
	// reading was sure, or the second was not).
	RereadSame = "same"
	// RereadDiffers: another name was read, or none; the first reading
	// stands and nothing is confirmed. A second reading never replaces the
	// first: which of two readings is the printed name is a person's call.
	RereadDiffers = "differs"
)

// NameRereading is one name's value read a second time, alone: the crop
// of its box enlarged and read as one line by chi_sim without
// dictionaries, nothing of the policy given to it (issue 19). It is kept
// beside the first reading: both readings, which was used and why.
type NameRereading struct {
	// Field is the name's field (patient_name or holder_name).
	Field string
	// First is the name as first read, and FirstConfidence how sure.
	First           string
	FirstConfidence float64
	// Again is the name the second reading gave (repaired as a first
	// reading is, letters and marks dropped; "" for none) and At where it
	// was read: the value's page and box and the second reading's own
	// confidence, its least sure character.
	Again string
	At    Source
	// Outcome is RereadConfirmed, RereadSame or RereadDiffers; the name
	// used is always First.
	Outcome string
}

// NameFields returns the name fields of f (patient_name, holder_name)
// read and located: those RereadName takes a second reading of.
func NameFields(f Fields) []string {
	var out []string
	for _, field := range secondReadFields {
		if _, ok := f.Sources[field]; ok && f.nameOf(field) != "" {
			out = append(out, field)
		}
	}
	return out
}

// Reading returns the text of lines, a value read again alone, joined.
func Reading(lines []Line) string {
	texts := make([]string, len(lines))
	for i, l := range lines {
		texts[i] = l.Text
	}
	return strings.Join(texts, " ")
}

// LeastSure returns the confidence of the least sure character of lines
// (of their words when no character was kept, of the lines when no word
// was; 0 for nothing read).
func LeastSure(lines []Line) float64 {
	least, any := 1.0, false
	for _, l := range lines {
		if len(l.Words) == 0 {
			least, any = min(least, l.Confidence), true
		}
		for _, w := range l.Words {
			if len(w.Chars) == 0 {
				least, any = min(least, w.Confidence), true
			}
			for _, c := range w.Chars {
				least, any = min(least, c.Confidence), true
			}
		}
	}
	if !any {
		return 0
	}
	return least
}

// rereadName returns the name text, a name's value read again alone,
// holds: its Han characters in order (spaces, letters, digits and marks
// OCR read around the value dropped), repaired as a first reading is
// (repairName); "" when it holds none.
func rereadName(text string) string {
	var b strings.Builder
	for _, r := range Normalize(text) {
		if unicode.Is(unicode.Han, r) {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return repairName(b.String())
}

// RereadName keeps again, the value of field read a second time alone, at
// at (its confidence the second reading's least sure character), beside
// the first reading (NameRereadings), and confirms the first reading
// (SecondReading, which Corroborated reports) only when it was read below
// RereadSure and the second reading gives exactly the same name at or
// above RereadSure. A second reading that differs changes nothing: the
// first reading's name stays the field's, never replaced by the other,
// whichever is surer, since nothing read tells a misread insured from a
// look-alike person (BenchmarkLookAlikeNames, BenchmarkNameCropReread).
// Returns the outcome.
func (f *Fields) RereadName(field, again string, at Source) string {
	first := f.nameOf(field)
	src, located := f.Sources[field]
	if first == "" || !located {
		return ""
	}
	r := NameRereading{Field: field, First: first, FirstConfidence: src.Confidence, Again: rereadName(again), At: at, Outcome: RereadDiffers}
	switch {
	case r.Again != first:
	case src.Confidence < RereadSure && at.Confidence >= RereadSure:
		r.Outcome = RereadConfirmed
		f.ConfirmSecondReading(field)
	default:
		r.Outcome = RereadSame
	}
	f.NameRereadings = append(f.NameRereadings, r)
	return r.Outcome
}

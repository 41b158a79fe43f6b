package document

import (
	"slices"
	"strings"
	"unicode"
)

// The outcomes of a name read again (NameRereading.Outcome).
const (
	// RereadSame: the value read again alone gives the first reading's
	// name.
	RereadSame = "same"
	// RereadDiffers: another name was read, or none.
	RereadDiffers = "differs"
	// RereadTaken: the names' model (a recogniser other than the first)
	// read another name, sure, which is the name used (TakeNameReading).
	RereadTaken = "taken"
	// RereadConfirmed: the names' model read the first reading's name,
	// sure, which confirms it (TakeNameReading).
	RereadConfirmed = "confirmed"
	// RereadDisputed: the names' model read another name (Han
	// characters), below sure (TakeNameReading). The first reading stays
	// the name read, but two recognisers read two names, so it is not
	// confidently read: its confidence becomes the lower of the two and no
	// second model's confirmation of it stands. Straight-through
	// adjudication hands such a name to a person with both readings
	// (DisputedNames; issue 19: 张磊's bank card read 张舌 at 0.86 by the
	// fast model, 磊张禄 at 0.48 by the names' model, passed as the insured
	// 张舌's).
	RereadDisputed = "disputed"
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
	// Outcome is RereadSame or RereadDiffers, or, read by the names'
	// model (TakeNameReading), RereadTaken, RereadConfirmed or
	// RereadDisputed. Without
	// the names' model, the name used is always
	// First, and the second reading confirms nothing (RereadName).
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

// SameNameRead reports whether two readings of a name's value, a and b,
// give one name (Han characters in order, repaired as a first reading
// is), not none.
func SameNameRead(a, b string) bool {
	n := rereadName(a)
	return n != "" && n == rereadName(b)
}

// NameReadWithMoreAround reports whether again, the names' model's
// reading of a name's value, gives first, the name as first read, whole
// and with Han characters only before it or only after it (孙芳刚翔一 for
// 孙芳刚翔): what ink beside the value that the names' crop took in reads
// as (issue 19, s17n: on claim 596's receipt a stroke after the name was
// read as 一 at 0.13, which disputed a clean name). It says nothing of
// which reading is right: another character inside the name, one fewer,
// or a name around which both readings differ is not this.
func NameReadWithMoreAround(first, again string) bool {
	f, a := rereadName(first), rereadName(again)
	return f != "" && len(a) > len(f) && (strings.HasPrefix(a, f) || strings.HasSuffix(a, f))
}

// RereadName keeps again, the value of field read a second time alone, at
// at (its confidence the second reading's least sure character), beside
// the first reading (NameRereadings), for a person to see; it changes
// nothing else. It never replaces the first reading, whichever is surer
// (on issue 19's look-alike pages it read another person's name as the
// insured's 3 times in 239), and never confirms it: chi_sim read again
// repeats its own misreads (a look-alike's 磊 read as 舌 twice), and on
// those pages it read the first reading's name again, sure, for 8 of the
// 10 look-alike names first read as the insured's in doubt, against 14 of
// the 23 clean scans' names read right in doubt: no confidence told them
// apart (BenchmarkNameCropReread). Returns the outcome.
func (f *Fields) RereadName(field, again string, at Source) string {
	first := f.nameOf(field)
	src, located := f.Sources[field]
	if first == "" || !located {
		return ""
	}
	r := NameRereading{Field: field, First: first, FirstConfidence: src.Confidence, Again: rereadName(again), At: at, Outcome: RereadDiffers}
	if r.Again == first {
		r.Outcome = RereadSame
	}
	f.NameRereadings = append(f.NameRereadings, r)
	return r.Outcome
}

// TakeNameReading keeps again, the value of field read a second time
// alone by the names' model, at at (its confidence the reading's least
// sure character), beside the first reading (NameRereadings), as
// RereadName does, and, when the names' model read a name at sure or
// more, makes it the name used: the first reading's name confirmed
// (RereadConfirmed, SecondReading), or another name in its place
// (RereadTaken: the field's name and its source's confidence become the
// names' model's, confirmed). The names' model is tessdata 4.0.0's
// chi_sim LSTM, not the fast model that read the page (issue 19,
// BenchmarkOtherRecogniser): on the look-alike persons' pages it read
// no other person's name as the insured's where the fast model, or the
// same fast model read again, did, so its sure reading is the better
// witness, whichever name it gives. Another name it reads below sure
// disputes the first reading (RereadDisputed): the first reading's name
// stays, at the lower of the two confidences, and no longer confirmed by
// any second model (SecondReading), whatever the fast model's
// confidence; the fast model's sure 张舌 for 张磊's card, read 磊张禄 at
// 0.48 by the names' model, is the case (BenchmarkNamesModelOnLookAlikes).
// The same name below sure, or nothing read (no Han character), leaves
// the first reading as it was (RereadSame or RereadDiffers). Nothing of
// the policy reaches either reading, so neither leans towards the name
// hoped for; whether the name is the insured's is adjudication's to
// say. Returns the outcome.
func (f *Fields) TakeNameReading(field, again string, at Source, sure float64) string {
	outcome := f.RereadName(field, again, at)
	if outcome == "" {
		return ""
	}
	r := &f.NameRereadings[len(f.NameRereadings)-1]
	if r.Again == "" {
		return outcome
	}
	if at.Confidence < sure {
		if r.Again == r.First {
			return outcome
		}
		r.Outcome = RereadDisputed
		src := f.Sources[field]
		src.Confidence = min(src.Confidence, at.Confidence)
		f.Sources[field] = src
		f.SecondReading = slices.DeleteFunc(f.SecondReading, func(s string) bool { return s == field })
		return r.Outcome
	}
	if r.Again == r.First {
		r.Outcome = RereadConfirmed
	} else {
		r.Outcome = RereadTaken
		f.setNameOf(field, r.Again)
		src := f.Sources[field]
		src.Confidence = at.Confidence
		f.Sources[field] = src
	}
	f.ConfirmSecondReading(field)
	return r.Outcome
}

// DisputedNames returns the names of f the names' model read as another
// name in doubt (RereadDisputed), each with both readings: for a person
// to decide, never the system (issue 19).
func (f Fields) DisputedNames() []NameRereading {
	var out []NameRereading
	for _, r := range f.NameRereadings {
		if r.Outcome == RereadDisputed {
			out = append(out, r)
		}
	}
	return out
}

// setNameOf sets the name f read for field to name: the one nameOf
// returns.
func (f *Fields) setNameOf(field, name string) {
	switch field {
	case "patient_name":
		f.PatientName = name
	case "holder_name":
		if f.IDCardName != "" {
			f.IDCardName = name
			return
		}
		f.AccountHolder = name
	}
}

// Package redact masks personal data in what is shown to people who do not
// need it in full (R11: personal data is disclosed only as far as the work
// needs; issue 17): resident ID numbers keep the six digits of the place of
// registration and the last four, account numbers their last four digits,
// telephone numbers their first three and last four, names their first
// character. Text finds such numbers in free text, such as what OCR read;
// JSON masks the personal fields of any JSON value and the numbers in the
// rest.
package redact

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// numberRun is a run of digits, possibly grouped by single spaces or
// dashes, possibly ending in the X of a resident ID number.
var numberRun = regexp.MustCompile(`[0-9](?:[ -]?[0-9])*[Xx]?`)

// residentID is an 18-character resident ID number: six digits of the
// place, the birth date, three digits and a check digit or X.
var residentID = regexp.MustCompile(`^[0-9]{6}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]$`)

// Text masks in s every resident ID number, every run of twelve digits or
// more (bank accounts, whatever their grouping) and every mobile number of
// eleven digits; shorter numbers (amounts, dates, invoice numbers) stay, and
// so do digits inside a word (a UUID, a reference such as SIM-1).
func Text(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range numberRun.FindAllStringIndex(s, -1) {
		start, end := m[0], m[1]
		if inWord(s, start, end) {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(maskRun(s[start:end]))
		last = end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// inWord tells whether s[start:end] touches an ASCII letter, digit, dash or
// underscore on either side: it is part of an identifier.
func inWord(s string, start, end int) bool {
	word := func(r rune) bool {
		return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_')
	}
	if r, _ := utf8.DecodeLastRuneInString(s[:start]); start > 0 && word(r) {
		return true
	}
	if r, _ := utf8.DecodeRuneInString(s[end:]); end < len(s) && word(r) {
		return true
	}
	return false
}

// maskRun masks one run of digits that Text found.
func maskRun(run string) string {
	{
		digits := strings.Map(func(r rune) rune {
			if unicode.IsDigit(r) || r == 'X' || r == 'x' {
				return r
			}
			return -1
		}, run)
		switch {
		case residentID.MatchString(digits) && len(digits) == len(run):
			return IDNumber(run)
		case len(digits) >= 12:
			return keepDigits(run, 0, 4)
		case len(digits) == 11 && digits[0] == '1' && len(digits) == len(run):
			return keepDigits(run, 3, 4)
		}
		return run
	}
}

// IDNumber masks a resident ID number: the first six characters (the place
// of registration) and the last four stay.
func IDNumber(s string) string {
	if len(s) < 10 {
		return strings.Repeat("*", len(s))
	}
	return s[:6] + strings.Repeat("*", len(s)-10) + s[len(s)-4:]
}

// Account masks an account number to its last four digits, keeping its
// spaces and dashes.
func Account(s string) string { return keepDigits(s, 0, 4) }

// Contact masks a telephone number (its first three and last four digits
// stay), a mail address (its first character and its domain stay) or any
// other contact (its first character stays).
func Contact(s string) string {
	switch {
	case s == "":
		return ""
	case strings.Trim(s, "0123456789+-() ") == "":
		return keepDigits(s, 3, 4)
	}
	first, _ := utf8.DecodeRuneInString(s)
	if at := strings.LastIndexByte(s, '@'); at > 0 {
		return string(first) + "***" + s[at:]
	}
	return string(first) + "***"
}

// Name keeps the first character of a name and masks the others (李四
// becomes 李*, 欧阳娜娜 欧***); a name of one character is masked whole.
func Name(name string) string {
	n := utf8.RuneCountInString(name)
	if n <= 1 {
		return "*"
	}
	first, _ := utf8.DecodeRuneInString(name)
	return string(first) + strings.Repeat("*", n-1)
}

// keepDigits masks every digit of s but the first head and the last tail;
// other characters stay.
func keepDigits(s string, head, tail int) string {
	total := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			total++
		}
	}
	var b strings.Builder
	i := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			if i >= head && i < total-tail {
				r = '*'
			}
			i++
		}
		b.WriteRune(r)
	}
	return b.String()
}

// The keys whose string values JSON masks as a whole.
var (
	nameKeys    = map[string]bool{"name": true, "names": true, "holder_name": true, "account_holder": true, "insured_name": true, "agreed_by": true}
	accountKeys = map[string]bool{"account_number": true, "account": true}
	idKeys      = map[string]bool{"id_number": true, "resident_id": true}
	contactKeys = map[string]bool{"contact": true, "phone": true, "mobile": true, "email": true, "address": true}
)

// JSON returns v with the personal fields masked wherever they are (names,
// account and ID numbers, contacts, by their keys) and the numbers in every
// other string masked as Text masks them. What is not JSON is masked as
// text.
func JSON(v json.RawMessage) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return json.RawMessage(Text(string(v)))
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(walk("", x)); err != nil {
		return json.RawMessage(Text(string(v)))
	}
	return json.RawMessage(bytes.TrimRight(out.Bytes(), "\n"))
}

func walk(key string, x any) any {
	switch x := x.(type) {
	case map[string]any:
		for k, v := range x {
			x[k] = walk(k, v)
		}
		return x
	case []any:
		for i, v := range x {
			x[i] = walk(key, v)
		}
		return x
	case string:
		switch {
		case x == "" || key == "id" || strings.HasSuffix(key, "_id"):
			return x
		case nameKeys[key]:
			return Name(x)
		case accountKeys[key]:
			return Account(x)
		case idKeys[key]:
			return IDNumber(x)
		case contactKeys[key]:
			return Contact(x)
		}
		return Text(x)
	}
	return x
}

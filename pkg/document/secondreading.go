package document

import "slices"

// secondReadFields are the fields a second OCR model reads again when the
// first read them in doubt (issue 19): the names the straight-through path
// compares with the policy's insured.
var secondReadFields = []string{"patient_name", "holder_name"}

// NamesInDoubt returns the name fields of f (by their Sources names) read
// below below, with the name read: the fields a second model is asked to
// read again.
func NamesInDoubt(f Fields, below float64) map[string]string {
	out := map[string]string{}
	for _, field := range secondReadFields {
		src, ok := f.Sources[field]
		if !ok || src.Confidence >= below {
			continue
		}
		if name := f.nameOf(field); name != "" {
			out[field] = name
		}
	}
	return out
}

// nameOf returns the name f read for field ("" for none).
func (f Fields) nameOf(field string) string {
	switch field {
	case "patient_name":
		return f.PatientName
	case "holder_name":
		if f.IDCardName != "" {
			return f.IDCardName
		}
		return f.AccountHolder
	}
	return ""
}

// ReadsName reports whether text, a line a second model read on a
// document of type t, prints name for field (patient_name or holder_name)
// exactly as the first reading found it: the same role finder (findRoles,
// nameHits and its repairs; findAccountHolder on a bank card) on the
// other model's text, so that a name read with a character more, less or
// other is no confirmation, nor is the same name under another role's
// label ("被保险人:张三。患者:李四" confirms no patient 张三).
func ReadsName(text string, t Type, field, name string) bool {
	if name == "" {
		return false
	}
	norm := Normalize(text)
	var g Fields
	findRoles(norm, t, &g, offsets{})
	switch field {
	case "patient_name":
		return g.PatientName == name
	case "holder_name":
		if t == IDCard {
			return g.IDCardName == name
		}
		return findAccountHolder(norm) == name
	}
	return false
}

// ConfirmSecondReading records that a second model read field the same
// (Fields.SecondReading); a field already recorded is not repeated.
func (f *Fields) ConfirmSecondReading(field string) {
	if !slices.Contains(f.SecondReading, field) {
		f.SecondReading = append(f.SecondReading, field)
	}
}

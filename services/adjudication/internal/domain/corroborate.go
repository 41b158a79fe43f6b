package domain

import (
	"slices"
	"strings"
)

// Corroboration is how a field OCR read below the policy's confidence was
// confirmed by an independent check, so the straight-through path may
// still rely on it (issue 19): Doc is the index of the document among the
// assessment's documents, By the check (CorroboratedBy…) and Other the
// document that confirmed it, when another did.
type Corroboration struct {
	Doc        int
	DocumentID string
	Field      string
	Confidence float64
	By         string
	Other      string
}

// The checks that corroborate a field read with low confidence
// (CorroboratedByCapitals: intake found the total's figures equal to its
// capitals, or, the capitals unread, to the sums of its charges and of its
// payments). None can
// be satisfied by a misread: a misread total differs from its capitals, a
// misread part breaks the split's sum, a misread name is not the insured's
// (name_mismatch), a misread ID number or card number fails its check
// digit (and the account paid must equal the card's, bankcard.go), a
// misread date differs from the date another document prints. Intake's
// facts include second readings (pkg/document ReadFiguresAgain,
// ReadCardNumberAgain): a total whose figures' line another model read
// again counts under CorroboratedByCapitals only when the capitals, or
// the charges and the payments each, sum to the same figures; a card
// number read again counts under CorroboratedByLuhn only when both
// readings hold the same digits and its Luhn digit verifies.
const (
	CorroboratedByCapitals   = "total_cross_checked"
	CorroboratedBySplitSum   = "split_sums_to_total"
	CorroboratedByPolicyName = "policy_insured_name"
	CorroboratedByChecksum   = "id_number_checksum"
	CorroboratedByLuhn       = "card_number_luhn"
	CorroboratedByOtherDate  = "date_on_other_document"
	// CorroboratedByIDNumber: an identity card's name read one Han
	// character off the insured's (OCR misread 磊 as 舌, 鹏 as 胸) whose
	// resident ID number, read with a check character that verifies,
	// masked is the policy's insured's (idCardByNumber). A look-alike
	// person's name is read as the insured's as often as the insured's is
	// misread (issue 19: 21 of 240 pages), so the name proves nothing and
	// the number is the proof. Its limit is the mask: the number is kept
	// as its first six characters (the county of registration) and last
	// four (a three-digit sequence, whose last digit is the sex, and the
	// check character, which depends on the hidden birth date), so another
	// person registered in the same county matches by chance about once
	// in 11,000 (1,000 sequences × 11 check characters), someone
	// registered elsewhere almost never; and only a person whose name is
	// one character off the insured's passes, with the insured's number
	// printed on their card, which is the forged card the name and number
	// checks never caught either. The card proves whose card it is, and
	// nothing else: the payee and the patient are still compared with the
	// insured by name.
	CorroboratedByIDNumber = "id_number_is_the_insureds"
	// CorroboratedBySecondModel: a name read below MinCorroborable that a
	// second OCR model read the same on its line (intake's fact, which it
	// records only on a page not in doubt as a whole) and that is the
	// policy's insured. Two models rarely misread a character the same
	// way (measured on issue 19's benchmark: 鹏 as 胸 by both on 2 of 70
	// bank cards), and a misread name is still no insured's.
	CorroboratedBySecondModel = "second_model_and_insured_name"
	// CorroboratedByBankVerification: a bank card's holder read one Han
	// character off the insured's (OCR misread 鹏 as 胸, 磊 as 舌) whose
	// account is the advance payee's (the card's keyed account
	// fingerprint equals the payee's, the card's number read at or above
	// MinCorroborable and typed by no handler), the payee's name is
	// exactly the insured's (name fingerprint), and the bank confirmed
	// that account is held by that name (intake's account-holder
	// verification, carried in the claim request intake signs:
	// cardByBankVerification). A name read off a card proves nothing by
	// itself (issue 19: OCR reads a look-alike person's name as the
	// insured's on 21 of 240 pages); the bank's register of who holds the
	// account is independent of the reading and of what the claimant
	// typed. Its limits: the bank compares the account with the name it
	// was asked about (and the ID number when given), so it proves the
	// account is held by someone of the insured's name, not by the
	// insured (a namesake's own account passes, as it would with the
	// card read right); and it is only as good as the bank's answer, an
	// answer intake could not get (no match, no answer, a timeout) proving
	// nothing. It proves the card's holder and the account paid, nothing
	// else: the patient and the identity card are still compared with the
	// insured as before.
	CorroboratedByBankVerification = "holder_verified_by_bank"
	// CorroboratedByVisitNumber: a patient's name read as the insured's
	// but in doubt (below MinCorroborable, no second model agreeing) on a
	// receipt, whose visit number (门诊号, 住院号, 病历号), read at or above
	// MinCorroborable, is exactly the visit number, read so, of a diagnosis
	// certificate or discharge summary of the claim whose patient is read
	// as the insured's at or above MinCorroborable (or confirmed by the
	// second model); or a certificate's name in doubt tied so to such a
	// receipt (sameVisitElsewhere). The hospital prints one number per
	// visit on the receipt and the certificate of that visit, so a
	// look-alike person's receipt, read as the insured's, carries their
	// own visit's number, not the insured's certificate's. Its limits: a
	// name read as another's (one character off included) is never made
	// the insured's (name_mismatch stands); the anchor's name must be sure
	// by itself, never tied in turn; a claim whose certificates (or
	// receipts) print different visit numbers ties nothing, a person
	// telling which visit is which; and a forged receipt printing the
	// insured's name and visit number passes, as it would with the name
	// read sure. It proves whose visit the document is, nothing else: the
	// invoice claimed twice (invoice_seen, invoice_alike) is found as before.
	CorroboratedByVisitNumber = "visit_number_matches_certificate"
	// VisitNumberTiesOnly: a visit number is read by no product rule; it
	// only ties a name in doubt (CorroboratedByVisitNumber), and only when
	// read at or above MinCorroborable, which intake grants on no page in
	// doubt as a whole. So its own doubt holds no claim: in doubt, it ties
	// nothing.
	VisitNumberTiesOnly = "visit_number_ties_only_when_sure"
	// CorroboratedByNoInvoiceAlike: a receipt's number or code read with
	// low confidence matters only to the check that an invoice is claimed
	// once (invoice_seen), which a misread number would escape.
	// When the receipt's total and date are sure and no other claim of the
	// insured (same policy or same name) and no other receipt of the claim
	// holds an invoice of that total on that date, whatever its number, a
	// misread number hides no duplicate.
	CorroboratedByNoInvoiceAlike = "no_invoice_alike"
	// NotReadByTheRules: the institution that issued a document is shown
	// to the claimant and the handler but no product rule reads it (there
	// is no list of designated hospitals in ProductRules), so a misread
	// cannot change the decision. A rule that reads it must remove this.
	NotReadByTheRules = "not_read_by_the_rules"
	// CheckCodeNotVerified: a receipt's check code (校验码) serves only to
	// verify an electronic invoice with the platform that issued it, which
	// adjudication does not do; an invoice is the same invoice by its code
	// and number (invoice_seen, invoice_alike), and no rule, check or key
	// reads the check code (adjudication does not even keep its value).
	// So its reading, however doubtful, cannot change the decision, and it
	// holds no claim whatever its confidence: the page's doubt is that of
	// the fields the rules read, each under MinCorroborable on its own. A
	// rule that reads it (the verification with the issuing platform) must
	// remove this.
	CheckCodeNotVerified = "check_code_not_verified"
)

// corroborate returns how the field of the i-th document, read with low
// confidence, is confirmed, or false when nothing independent confirms it
// (it then stays a low_confidence reason). An invoice's number and code
// are corroborated only by the search by content
// (CorroboratedByNoInvoiceAlike): a misread number would otherwise escape
// the check that an invoice is claimed once. Intake's Corroborated facts
// are computed from the reading alone.
func corroborate(in AutoInput, i int, field string) (Corroboration, bool) {
	d := in.Docs[i]
	c := Corroboration{Doc: i, DocumentID: d.DocumentID, Field: field, Confidence: d.Sources[field].Confidence}
	fact := slices.Contains(d.Corroborated, field) && !slices.Contains(d.Corrected, field)
	name := field == "patient_name" || field == "holder_name"
	// A field read below MinCorroborable is a page in doubt: no check
	// vouches for it, but for a name a second model read the same
	// (CorroboratedBySecondModel). The total is the exception, its confidence being set
	// by intake from its figures and capitals (0 when the capitals are
	// misread), and it is corroborated only by sums read on other lines;
	// so is the check code, which nothing reads (CheckCodeNotVerified).
	if field == "check_code" {
		c.By = CheckCodeNotVerified
		return c, true
	}
	// A card's name (an identity card's, a bank card's holder) read one
	// Han character off the insured's, or read as the insured's but in
	// doubt (below the floor, no second model agreeing), proves nothing by
	// itself: a look-alike person's name reads so as often. What the card
	// carries apart from the name proves it, and is held to
	// MinCorroborable there: an identity card's number (idCardByNumber),
	// the bank's register of a bank card's account
	// (cardByBankVerification).
	if field == "holder_name" && (!sameName(d.HolderName, insuredOf(in)) || c.Confidence < in.Policy.MinCorroborable && !fact) {
		switch d.Type {
		case DocIDCard:
			return idCardByNumber(in, i, insuredOf(in))
		case DocBankCard:
			return cardByBankVerification(in, i, insuredOf(in))
		}
	}
	if field == "visit_number" {
		c.By = VisitNumberTiesOnly
		return c, true
	}
	// A patient's name read as the insured's but in doubt, unconfirmed by
	// the second model, is tied by its visit number to the claim's
	// document of the same visit whose patient is sure to be the insured
	// (sameVisitElsewhere); a name read as another's is not the insured's
	// whatever its visit (name_mismatch).
	if field == "patient_name" && c.Confidence < in.Policy.MinCorroborable && !fact {
		other, ok := sameVisitElsewhere(in, i)
		if !ok {
			return c, false
		}
		c.By, c.Other = CorroboratedByVisitNumber, other
		return c, true
	}
	if field != "total_amount_fen" && c.Confidence < in.Policy.MinCorroborable && !(name && fact) {
		return c, false
	}
	switch {
	case field == "total_amount_fen" && fact:
		c.By = CorroboratedByCapitals
	case strings.HasPrefix(field, "insurance.") && fact && slices.Contains(d.Corroborated, "total_amount_fen"):
		c.By = CorroboratedBySplitSum
	case name:
		read := d.PatientName
		if field == "holder_name" {
			read = d.HolderName
		}
		if p := in.Evidence.Policy; p == nil || read == "" || !sameName(read, p.InsuredName) {
			return c, false
		}
		c.By = CorroboratedByPolicyName
		if c.Confidence < in.Policy.MinCorroborable {
			c.By = CorroboratedBySecondModel
		}
	case field == "id_number" && fact && d.IDNumberValid:
		c.By = CorroboratedByChecksum
	case field == "account_number" && fact && d.AccountFingerprint != "":
		c.By = CorroboratedByLuhn
	case field == "event_date" || field == "admission_date" || field == "discharge_date":
		other, ok := sameDateElsewhere(in.Docs, i, dateOf(d, field), insuredOf(in))
		if !ok {
			return c, false
		}
		c.By, c.Other = CorroboratedByOtherDate, other
	case field == "institution":
		c.By = NotReadByTheRules
	case field == "invoice_number" || field == "invoice_code":
		if d.Type != DocMedicalInvoice || !in.AlikeSearched || d.TotalAmountFen <= 0 || d.EventDate == "" ||
			!sure(in, i, "total_amount_fen") || !sure(in, i, "event_date") {
			return c, false
		}
		for _, m := range in.InvoicesAlike {
			if m.AmountFen == d.TotalAmountFen && m.EventDate == d.EventDate {
				return c, false
			}
		}
		// The claim's own receipts count too: a second photo of the same
		// receipt, its number read otherwise, would escape invoice_seen.
		for j, o := range in.Docs {
			if j != i && o.Type == DocMedicalInvoice && o.TotalAmountFen == d.TotalAmountFen && o.EventDate == d.EventDate {
				return c, false
			}
		}
		c.By = CorroboratedByNoInvoiceAlike
	default:
		return c, false
	}
	return c, true
}

// visitKinds are the documents a visit number ties a document of each
// type to: a receipt to the certificate or discharge summary of its visit,
// those to the receipt. Read-only.
var visitKinds = map[string][]string{
	DocMedicalInvoice:       {"diagnosis_certificate", "discharge_summary"},
	"diagnosis_certificate": {DocMedicalInvoice},
	"discharge_summary":     {DocMedicalInvoice},
}

// sameVisitElsewhere returns the id of the document of the claim that
// ties the patient's name of the i-th document, read as the insured's but
// in doubt, to the insured (CorroboratedByVisitNumber): a document of the
// other kind of the visit (visitKinds) whose visit number is exactly the
// i-th's under a label of the same kind of visit (sameVisitKind), both
// read at or above MinCorroborable and neither typed by a handler, and
// whose patient is the insured's by its own reading (at or above
// MinCorroborable, or confirmed by the second model; never by a visit
// number in turn), untyped. It ties nothing when a document of that kind
// prints another visit number, or the same digits under another kind of
// visit, however read: which visit a document is of is then for a person.
func sameVisitElsewhere(in AutoInput, i int) (string, bool) {
	d := in.Docs[i]
	insured := insuredOf(in)
	kinds := visitKinds[d.Type]
	if len(kinds) == 0 || d.PatientName == "" || !sameName(d.PatientName, insured) || slices.Contains(d.Corrected, "patient_name") {
		return "", false
	}
	sureRead := func(o DocumentFields, field string) bool {
		s, ok := o.Sources[field]
		return ok && s.Confidence >= in.Policy.MinCorroborable && !slices.Contains(o.Corrected, field)
	}
	if d.VisitNumber == "" || !sureRead(d, "visit_number") {
		return "", false
	}
	found := ""
	for j, o := range in.Docs {
		if j == i || !slices.Contains(kinds, o.Type) || o.VisitNumber == "" {
			continue
		}
		if o.VisitNumber != d.VisitNumber || !sameVisitKind(d.VisitKind, o.VisitKind) {
			return "", false
		}
		nameSure := sureRead(o, "patient_name") || slices.Contains(o.Corroborated, "patient_name") && !slices.Contains(o.Corrected, "patient_name")
		if found == "" && sureRead(o, "visit_number") && nameSure && sameName(o.PatientName, insured) {
			found = o.DocumentID
		}
	}
	return found, found != ""
}

// sameVisitKind reports whether two visit numbers' labels name the same
// kind of visit (VisitOutpatient, VisitInpatient, VisitRecord). A hospital
// numbers its outpatient visits, its stays and its records apart, so an
// outpatient receipt's 门诊号 equal to the 住院号 a certificate of a stay
// prints is a coincidence of two counters, not one visit; and a record
// number (病历号) follows the patient across visits. A kind unknown on
// either side (a document read before kinds were kept) compares as
// before: by the digits alone.
func sameVisitKind(a, b string) bool {
	return a == "" || b == "" || a == b
}

// sure reports whether field of the i-th document can be relied on: read
// with the policy's confidence, or corroborated, and not a handler's
// correction.
func sure(in AutoInput, i int, field string) bool {
	d := in.Docs[i]
	if slices.Contains(d.Corrected, field) {
		return false
	}
	if s, ok := d.Sources[field]; ok && s.Confidence >= in.Policy.MinConfidence {
		return true
	}
	_, ok := corroborate(in, i, field)
	return ok
}

// dateOf returns the date field of d, "" for another field.
func dateOf(d DocumentFields, field string) string {
	switch field {
	case "event_date":
		return d.EventDate
	case "admission_date":
		return d.AdmissionDate
	case "discharge_date":
		return d.DischargeDate
	}
	return ""
}

// insuredOf is the insured in's documents are checked against, or "" when
// in has no case (no name then matches).
func insuredOf(in AutoInput) string {
	if in.Case == nil {
		return ""
	}
	return in.Evidence.InsuredOf(*in.Case)
}

// sameDateElsewhere returns the id of another document of the claim that
// prints day among its dates, read there with the policy's confidence or
// not: two independent readings that agree are not one misread. A
// document of no listed kind (DocOther: a note the claimant typed, an
// authorisation) is no independent source of a date and confirms none, nor
// does a document naming a patient other than insured (another person's
// diagnosis certificate dated as wanted says nothing of this insured's stay).
func sameDateElsewhere(docs []DocumentFields, i int, day, insured string) (string, bool) {
	if day == "" {
		return "", false
	}
	for j, o := range docs {
		if j == i || o.Type == DocOther || (o.PatientName != "" && !sameName(o.PatientName, insured)) {
			continue
		}
		for _, f := range []string{"event_date", "admission_date", "discharge_date"} {
			if dateOf(o, f) == day && !slices.Contains(o.Corrected, f) {
				return o.DocumentID, true
			}
		}
	}
	return "", false
}

// lowFieldExplains reports whether a field of d read below min accounts
// for the document's low confidence (the lowest of its fields), so the
// field's own verdict (corroborated or low_confidence) stands for it; a
// document whose confidence no field explains (no field located, or a
// total whose figures and capitals disagree without a box) stays doubtful.
func lowFieldExplains(d DocumentFields, min float64) bool {
	for _, s := range d.Sources {
		if s.Confidence < min && s.Confidence <= d.Confidence {
			return true
		}
	}
	return false
}

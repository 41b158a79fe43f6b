package domain

import (
	"slices"
	"strings"

	"claims.local/pkg/apperr"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/events"
)

// EnteredViaClaimant is how a document or an advance agreement reached
// intake when the claimant's own channel (the insurer's app or web portal,
// signed in as the claimant) sent it. Anything else was entered by a
// member of staff (a paper form scanned at the counter, a file a handler
// uploaded), or before intake recorded how.
const EnteredViaClaimant = events.EnteredViaClaimant

// provenanceReasons keeps a person in the loop when anything the
// straight-through decision rests on was entered by staff rather than by
// the claimant's own channel (issue 19): every document read for the
// assessment, and the payee named with an advance agreement the rules
// govern. An insider who uploads a forged bank card in the insured's name,
// or names a payee for the claimant, would otherwise have the system pay
// it with no second person. The claim is not refused: paper handed in at
// a counter is normal, and a handler other than the one who entered it
// decides (EnteredByStaff, Case.Decide).
func provenanceReasons(in AutoInput) []Reason {
	var out []Reason
	for _, d := range in.Docs {
		if d.EnteredVia != EnteredViaClaimant {
			out = append(out, reason("entered_by_staff", "document_id", d.DocumentID, "type", d.Type, "entered_by", d.EnteredBy))
		}
	}
	if a := in.Case.Advance; a != nil && in.Rules != nil && in.Case.AgreedInAdvanceUnder(*in.Rules) && a.EnteredVia != EnteredViaClaimant {
		out = append(out, reason("entered_by_staff", "payee", "requested", "entered_by", a.EnteredBy))
	}
	return out
}

// EnteredByStaff lists the members of staff who entered what an assessment
// found entered by staff (entered_by_staff), each once: none of them may
// decide the claim, so that the second person the straight-through path
// left the claim to is never the one who entered it. A claim assessed
// without product rules was never the system's to decide, and owes no
// second person: none.
func EnteredByStaff(a Assessment) []string {
	if a.RulesVersion == 0 {
		return nil
	}
	var out []string
	for _, r := range a.Reasons {
		if who := strings.TrimSpace(r.Params["entered_by"]); r.Code == "entered_by_staff" && who != "" && !slices.ContainsFunc(out, func(s string) bool {
			return samePerson(s, who)
		}) {
			out = append(out, who)
		}
	}
	return out
}

// RefuseEnteredBy refuses actor as the second person on claimID (what
// says in which role) when actor is one of enteredBy, the members of staff
// the claim's assessment names as having entered or corrected what it
// rests on (EnteredByStaff), compared as auth.SameSubject compares
// subjects. The straight-through path left the claim to a second person
// because of what they entered; a senior who uploaded a forged bank card
// must not approve, return or review a colleague's decision on it, nor
// override its failing checks (the attack review of issue 19).
func RefuseEnteredBy(actor Actor, enteredBy []string, claimID, what string) error {
	return refuseEnteredBy(actor, enteredBy, claimID, RoleSenior, what)
}

// refuseEnteredBy is RefuseEnteredBy for the person in role who does what:
// Decide, RecordAgreement and ApproveAdvance refuse them as the handler
// who decides, records the agreement or approves an advance.
func refuseEnteredBy(actor Actor, enteredBy []string, claimID, role, what string) error {
	if slices.ContainsFunc(enteredBy, func(who string) bool { return samePerson(actor.Subject, who) }) {
		return apperr.New(apperr.Forbidden, "%s entered or corrected documents or the payee of claim %s that the system would not pay on without a second person (entered_by_staff), so cannot be that person: another %s %s",
			actor.Subject, claimID, role, what)
	}
	return nil
}

// idCardReasons checks the i-th document, an identity card the decision
// rests on, against the insured (issue 19): its name, compared as every
// name is (sameName: spaces and letter widths do not count; a name with an
// invisible or a variant character is another name, and goes to a
// person), and its resident ID number, masked, against the policy's
// insured when the policy system sent one. Another person's card, or the
// insured's name over another person's number, is for a person to look
// at; a name not read is too. A name read with low confidence is a field
// like any other (corroborate: the policy's insured's name, above
// MinCorroborable). A name one Han character off the insured's counts only
// when the card's number proves the card the insured's (idCardByNumber),
// which it returns as the name's corroboration.
func idCardReasons(in AutoInput, i int, insured string) ([]Reason, []Corroboration) {
	d := in.Docs[i]
	var out []Reason
	var byNumber []Corroboration
	if !d.IDNumberValid {
		out = append(out, reason("id_number_invalid", "document_id", d.DocumentID))
	}
	switch {
	case strings.TrimSpace(d.HolderName) == "":
		out = append(out, reason("id_name_unread", "document_id", d.DocumentID, "field", "holder_name"))
	case !sameName(d.HolderName, insured):
		if c, ok := idCardByNumber(in, i, insured); ok {
			byNumber = append(byNumber, c)
			break
		}
		out = append(out, reason("id_name_mismatch", "document_id", d.DocumentID, "field", "holder_name", "read", d.HolderName, "insured", insured))
	}
	if want, got := maskedIDs(in, d); want != "" && got != "" && !strings.EqualFold(want, got) {
		out = append(out, reason("id_number_mismatch", "document_id", d.DocumentID, "read", d.IDNumberMasked, "insured", in.Evidence.Policy.InsuredIDMasked))
	}
	return out, byNumber
}

// idCardByNumber reports whether the i-th document, an identity card whose
// name was read one Han character off insured's (bankaccount.OneHanApart:
// chi_sim reads 磊 as 舌, 鹏 as 胸), or read as insured's but in doubt
// (below MinCorroborable, no second model agreeing: corroborate), is
// proven the insured's by its
// resident ID number (CorroboratedByIDNumber): the number read with a
// check character that verifies, at or above MinCorroborable, neither it
// nor the name typed by a handler, its masked form equal to the policy's
// insured's (both read and sent). The name itself proves nothing here (a
// look-alike person's name is read as the insured's as often as the
// insured's is misread); the number does, and the name only bounds what
// it may stand for. So the name's own confidence is not held to
// MinCorroborable: the character OCR misread is the one it doubts (the
// straight-through benchmark's misread card names were read at
// 0.69-0.78), and the number, which is relied on, is.
func idCardByNumber(in AutoInput, i int, insured string) (Corroboration, bool) {
	d := in.Docs[i]
	c := Corroboration{Doc: i, DocumentID: d.DocumentID, Field: "holder_name", Confidence: fieldConfidence(d, "holder_name"), By: CorroboratedByIDNumber}
	if d.Type != DocIDCard || !d.IDNumberValid || slices.Contains(d.Corrected, "id_number") || slices.Contains(d.Corrected, "holder_name") {
		return c, false
	}
	if want, got := maskedIDs(in, d); want == "" || got == "" || !strings.EqualFold(want, got) {
		return c, false
	}
	if fieldConfidence(d, "id_number") < in.Policy.MinCorroborable {
		return c, false
	}
	return c, sameName(d.HolderName, insured) || bankaccount.OneHanApart(d.HolderName, insured)
}

// maskedIDs returns the policy's insured's resident ID number and the
// card d's, both masked and trimmed, "" for one not sent or not read.
func maskedIDs(in AutoInput, d DocumentFields) (want, got string) {
	if p := in.Evidence.Policy; p != nil {
		want = strings.TrimSpace(p.InsuredIDMasked)
	}
	return want, strings.TrimSpace(d.IDNumberMasked)
}

// fieldConfidence is the confidence field of d was read with: its
// source's, or the document's when no source was recorded for it.
func fieldConfidence(d DocumentFields, field string) float64 {
	if s, ok := d.Sources[field]; ok {
		return s.Confidence
	}
	return d.Confidence
}

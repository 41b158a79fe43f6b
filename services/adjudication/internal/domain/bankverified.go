package domain

import (
	"slices"

	"claims.local/pkg/bankaccount"
)

// cardByBankVerification reports whether the i-th document, a bank card
// whose holder OCR read one Han character off insured's
// (bankaccount.OneHanApart: chi_sim reads 鹏 as 胸, 磊 as 舌), or read as
// insured's but in doubt (below MinCorroborable, no second model
// agreeing: corroborate), is proven the
// insured's by the bank (CorroboratedByBankVerification): the case's
// advance payee is the insured by name (its keyed name fingerprint for the
// claim), the card's account is the payee's (keyed account fingerprints
// equal, under a key adjudication holds), the card's number was read at or
// above MinCorroborable and neither it nor the holder was typed by a
// handler, and intake's signed claim request records that the bank
// confirmed the payee's account is held by the payee's name, with the
// bank's reference. The name read proves nothing here (a look-alike
// person's card reads as the insured's as often as the insured's is
// misread); the bank's register does, and the name only bounds what it may
// stand for: one character off, never another person's name. So, as for
// an identity card proven by its number, the name's own confidence is not
// held to MinCorroborable; the account number, which ties the card to the
// account the bank was asked about, is.
func cardByBankVerification(in AutoInput, i int, insured string) (Corroboration, bool) {
	d, c := in.Docs[i], in.Case
	k := Corroboration{Doc: i, DocumentID: d.DocumentID, Field: "holder_name", Confidence: fieldConfidence(d, "holder_name"), By: CorroboratedByBankVerification}
	if d.Type != DocBankCard || c == nil || c.Advance == nil || slices.Contains(d.Corrected, "holder_name") || slices.Contains(d.Corrected, "account_number") {
		return k, false
	}
	a, f := c.Advance, in.Fingerprints
	if !a.HolderVerified || a.HolderVerificationRef == "" || insured == "" {
		return k, false
	}
	if d.AccountFingerprint == "" || !f.Held(d.AccountFingerprint) || d.AccountFingerprint != a.AccountFingerprint {
		return k, false
	}
	if a.NameFingerprint == "" || !f.MatchHolder(a.NameFingerprint, c.ClaimID, insured) {
		return k, false
	}
	if fieldConfidence(d, "account_number") < in.Policy.MinCorroborable {
		return k, false
	}
	return k, sameName(d.HolderName, insured) || bankaccount.OneHanApart(d.HolderName, insured)
}

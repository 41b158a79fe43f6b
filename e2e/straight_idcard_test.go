package e2e

import (
	"fmt"
	"testing"
	"time"

	"claims.local/pkg/document/scantest"
	"claims.local/pkg/redact"
)

// TestAnIdentityCardReadOneCharacterOffIsTheInsuredsOnlyByItsNumber is the
// attack of a look-alike person on the rule that lets an identity card
// whose name OCR read one character off the insured's (issue 19: 磊 as 舌)
// count as the insured's by its number, through intake's reading of
// uploaded documents (text-layer PDFs, read exactly: the card prints the
// name as OCR would misread it). The insured's card, its number the one
// the policy system sent, is paid with no person, its name corroborated by
// the number; another person's card with a look-alike name and their own
// valid number reaches adjudication and goes to a handler
// (id_name_mismatch, id_number_mismatch); so does a look-alike card on a
// policy sent without the insured's number (id_name_mismatch); a card two
// characters off waits at intake, the insured's card missing.
func TestAnIdentityCardReadOneCharacterOffIsTheInsuredsOnlyByItsNumber(t *testing.T) {
	t.Parallel()
	sys, fonts := newDocsSystem(t)
	incident := time.Now().Add(-48 * time.Hour)
	insuredNumber, lookAlikeNumber := scantest.IDNumber(71), scantest.IDNumber(72)
	if redact.IDNumber(insuredNumber) == redact.IDNumber(lookAlikeNumber) {
		t.Fatalf("got two ID numbers masked alike (%s), want two people's", redact.IDNumber(insuredNumber))
	}
	// claim files claim i of insured, whose policy carries policyNumber,
	// with an identity card printing cardName and cardNumber, and reports
	// whether intake handed it over.
	claim := func(i int, insured, cardName, cardNumber, policyNumber string) (report, bool) {
		t.Helper()
		policy := fmt.Sprintf("P-STP-ID%d", i)
		sys.stpPolicyOf(t, policy, insured, policyNumber)
		set := stpClaimSet(200+i, insured, stpDay(incident), defectNone)
		set.Insured, set.IDNumber = cardName, cardNumber
		r := sys.fileSTP(t, policy, insured, incident, stpFiles(t, fonts, set, uint64(20+i), false, false))
		return r, sys.requestSTP(t, r, insured, set.CardNumber)
	}

	own, ok := claim(0, "孙磊杰", "孙舌杰", insuredNumber, insuredNumber)
	if !ok {
		t.Fatalf("the insured's card read one character off: got report %+v not handed over, want it handed over", sys.readReport(t, own.ID))
	}
	sys.paidAutomatically(t, own.ClaimID)
	a := sys.awaitAssessment(t, own.ClaimID, "the insured's card read one character off")
	if !a.corroborated("holder_name", "id_number_is_the_insureds") {
		t.Fatalf("got corroborations %+v, want the card's holder_name corroborated by id_number_is_the_insureds", a.Corroborations)
	}

	lookAlike, ok := claim(1, "孙磊敏", "孙舌敏", lookAlikeNumber, insuredNumber)
	if !ok {
		t.Fatalf("a look-alike's card: got report %+v not handed over, want it handed over for adjudication to hold", sys.readReport(t, lookAlike.ID))
	}
	sys.toHandler(t, lookAlike.ClaimID, "a look-alike person's card with their own number", "id_name_mismatch")
	sys.toHandler(t, lookAlike.ClaimID, "a look-alike person's card with their own number", "id_number_mismatch")

	noNumber, ok := claim(2, "孙磊芳", "孙舌芳", insuredNumber, "")
	if !ok {
		t.Fatalf("a look-alike card on a policy without a number: got report %+v not handed over, want it handed over", sys.readReport(t, noNumber.ID))
	}
	sys.toHandler(t, noNumber.ClaimID, "a look-alike card on a policy sent without the insured's number", "id_name_mismatch")

	if twoOff, ok := claim(3, "孙磊伟", "孙舌传", insuredNumber, insuredNumber); ok {
		t.Fatalf("a card two characters off: got report %s handed over, want it waiting at intake", twoOff.ID)
	}
}

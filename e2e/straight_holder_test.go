package e2e

import (
	"database/sql"
	"fmt"
	"testing"
	"time"
)

// registerAccount opens account at the simulated bank in holder's name:
// intake's account-holder verification simulator (INTAKE_HOLDER_CHECK=
// simulator) answers match for it and holder only. An account nobody
// registered answers no match.
func (s *system) registerAccount(t testing.TB, account, holder string) {
	t.Helper()
	// Opened and closed here: the benchmark registers a thousand.
	db, err := sql.Open("pgx", s.dsn["intake"])
	if err != nil {
		t.Fatalf("open intake's database: %v", err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO holdersim.accounts (account_number, holder_name) VALUES ($1, $2)
		ON CONFLICT (account_number) DO UPDATE SET holder_name = EXCLUDED.holder_name`, account, holder); err != nil {
		t.Fatalf("register account ****%s at the simulated bank: %v", account[len(account)-4:], err)
	}
}

// TestABankCardReadOneCharacterOffIsTheInsuredsOnlyWhenTheBankSaysSo is
// the attack of a look-alike person on the rule that lets a bank card
// whose holder OCR read one Han character off the insured's (issue 19: 磊
// as 舌) count as the insured's when the payee's bank confirmed the
// account is held by the insured's name, through intake's reading of
// uploaded documents (text-layer PDFs, read exactly: the card prints the
// holder as OCR would misread it) and its verification at the claim
// request. The insured's card, its account the insured's at the bank, is
// paid with no person, its holder corroborated by the bank; a look-alike
// person's card, whose account the bank holds in the look-alike's name,
// named for the insured as payee, goes to a handler (payee_not_entitled),
// and so does a card whose account no bank holds.
func TestABankCardReadOneCharacterOffIsTheInsuredsOnlyWhenTheBankSaysSo(t *testing.T) {
	t.Parallel()
	sys, fonts := newDocsSystem(t)
	incident := time.Now().Add(-48 * time.Hour)
	// claim files claim i of insured with a bank card printing cardHolder,
	// its account registered at the bank to bankHolder ("" for nobody),
	// the claimant naming the insured the payee of that account.
	claim := func(i int, insured, cardHolder, bankHolder string) report {
		t.Helper()
		policy := fmt.Sprintf("P-STP-BV%d", i)
		set := stpClaimSet(300+i, insured, stpDay(incident), defectNone)
		sys.stpPolicyOf(t, policy, insured, set.IDNumber)
		set.CardHolder = cardHolder
		if bankHolder != "" {
			sys.registerAccount(t, set.CardNumber, bankHolder)
		}
		r := sys.fileSTP(t, policy, insured, incident, stpFiles(t, fonts, set, uint64(30+i), false, false))
		if !sys.requestSTP(t, r, insured, set.CardNumber) {
			t.Fatalf("claim %d: got report %+v not handed over, want it handed over", i, sys.readReport(t, r.ID))
		}
		return r
	}

	own := claim(0, "孙磊杰", "孙舌杰", "孙磊杰")
	sys.paidAutomatically(t, own.ClaimID)
	a := sys.awaitAssessment(t, own.ClaimID, "the insured's bank card read one character off, the bank confirming the account")
	if !a.corroborated("holder_name", "holder_verified_by_bank") {
		t.Fatalf("got corroborations %+v, want the card's holder_name corroborated by holder_verified_by_bank", a.Corroborations)
	}

	lookAlike := claim(1, "孙磊敏", "孙舌敏", "孙舌敏")
	sys.toHandler(t, lookAlike.ClaimID, "a look-alike person's bank card, their account at the bank, named for the insured", "payee_not_entitled")

	unknown := claim(2, "孙磊芳", "孙舌芳", "")
	sys.toHandler(t, unknown.ClaimID, "a bank card one character off whose account no bank holds", "payee_not_entitled")
}

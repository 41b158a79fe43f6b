package domain_test

import (
	"slices"
	"strings"
	"testing"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
)

// TestWhatStaffEnteredIsNotPaidWithoutASecondPerson is the attack of an
// insider (issue 19): a clerk uploads a forged bank card in the insured's
// name, or any document the decision rests on, or names the payee of an
// advance agreement; the system must not pay it on its own. A document
// whose provenance was not recorded counts as staff's.
func TestWhatStaffEnteredIsNotPaidWithoutASecondPerson(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*domain.AutoInput)
		who    string
	}{
		{"a bank card a clerk uploaded", func(in *domain.AutoInput) {
			in.Docs[2].EnteredBy, in.Docs[2].EnteredVia = "clerk-7", "staff"
		}, "clerk-7"},
		{"a receipt scanned at the counter", func(in *domain.AutoInput) {
			in.Docs[0].EnteredBy, in.Docs[0].EnteredVia = "clerk-8", "staff"
		}, "clerk-8"},
		{"an identity card whose provenance was not recorded", func(in *domain.AutoInput) {
			in.Docs[1].EnteredBy, in.Docs[1].EnteredVia = "", ""
		}, ""},
		{"the payee of an advance agreement a clerk entered", func(in *domain.AutoInput) {
			*in = advanceInput()
			in.Case.Advance.EnteredBy, in.Case.Advance.EnteredVia = "clerk-9", "staff"
		}, "clerk-9"},
		{"a channel spelled otherwise", func(in *domain.AutoInput) {
			in.Docs[2].EnteredBy, in.Docs[2].EnteredVia = "clerk-7", "Claimant "
		}, "clerk-7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := cleanInput()
			tc.change(&in)
			a := domain.Assess(in)
			if a.Automatic || !slices.Contains(codes(a), "entered_by_staff") {
				t.Fatalf("got automatic %v, reasons %v; want not automatic, with entered_by_staff", a.Automatic, codes(a))
			}
			want := []string{}
			if tc.who != "" {
				want = []string{tc.who}
			}
			if got := domain.EnteredByStaff(a); !slices.Equal(append([]string{}, got...), want) {
				t.Fatalf("got enterers %v, want %v", got, want)
			}
		})
	}
	// What the claimant's channel sent is decided as before.
	for _, in := range []domain.AutoInput{cleanInput(), advanceInput()} {
		if a := domain.Assess(in); !a.Automatic {
			t.Fatalf("got reasons %v for a claim the claimant's channel sent, want it automatic", codes(a))
		}
	}
}

// TestWhoEnteredADocumentCannotDecideTheClaim is the attack of the clerk
// who entered a document the system would not pay on alone and then
// decides the claim themself, under another spelling of their name too,
// or records the claimant's agreement naming the payee; another handler
// does both.
func TestWhoEnteredADocumentCannotDecideTheClaim(t *testing.T) {
	limits := mustAuthority(map[string]int64{domain.RoleHandler: 5_000_000, domain.RoleSenior: 50_000_000})
	in := cleanInput()
	in.Docs[2].EnteredBy, in.Docs[2].EnteredVia = handler.Subject, "staff"
	entered := domain.EnteredByStaff(domain.Assess(in))
	for _, actor := range []domain.Actor{handler, {Subject: " " + handler.Subject + "\u200b", Roles: handler.Roles}} {
		c := caseIn(t, domain.StateUnderReview)
		c.Assignee = ""
		d := approve(16_000)
		d.EnteredBy = entered
		if err := c.Decide(actor, limits, d, now); apperr.CodeOf(err) != apperr.Forbidden || c.Decision != nil {
			t.Fatalf("got %v, decision %+v; want forbidden for %q, who entered the bank card", err, c.Decision, actor.Subject)
		}
	}
	c := caseIn(t, domain.StateUnderReview)
	c.Assignee = ""
	d := approve(16_000)
	d.EnteredBy = entered
	if err := c.Decide(senior, limits, d, now); err != nil || c.State != domain.StateApproved {
		t.Fatalf("got %v in %s, want another person's approval to stand", err, c.State)
	}
	// A senior (whom the case's assignment does not stop) who entered the
	// payee's card does not record the agreement.
	ag := agreement()
	ag.EnteredBy = []string{senior2.Subject}
	if _, err := c.RecordAgreement(senior2, ag, 7, now); apperr.CodeOf(err) != apperr.Forbidden || c.Agreement != nil {
		t.Fatalf("got %v, agreement %+v; want forbidden for %s, who entered the bank card", err, c.Agreement, senior2.Subject)
	}
	if _, err := c.RecordAgreement(senior, ag, 7, now); err != nil || c.Agreement == nil {
		t.Fatalf("got %v, want another person's record of the agreement to stand", err)
	}
	// A product without rules: the system would never have decided the
	// claim, and no second person is owed.
	in.Rules = nil
	if got := domain.EnteredByStaff(domain.Assess(in)); len(got) != 0 {
		t.Fatalf("got enterers %v without product rules, want none", got)
	}
}

// TestAnIdentityCardMustBeTheInsureds is the attack of another person's
// identity card (issue 19): its name and its number must be the
// insured's, the name compared as every name is.
func TestAnIdentityCardMustBeTheInsureds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*domain.AutoInput)
		want   string // "" for automatic
	}{
		{"another person's card", func(in *domain.AutoInput) { in.Docs[1].HolderName = "李四" }, "id_name_mismatch"},
		{"one character off over another person's number", func(in *domain.AutoInput) {
			in.Docs[1].HolderName, in.Docs[1].IDNumberMasked = "张山", "110101********0012"
		}, "id_name_mismatch"},
		{"no name read", func(in *domain.AutoInput) { in.Docs[1].HolderName = " " }, "id_name_unread"},
		{"the insured's name over another person's number", func(in *domain.AutoInput) {
			in.Docs[1].IDNumberMasked = "110101********0012"
		}, "id_number_mismatch"},
		// A name read below the floor over the insured's number read sure
		// is proven by the number
		// (TestAnIdentityCardReadRightInDoubtIsTheInsuredsOnlyByItsNumber);
		// with the number in doubt too, nothing proves it.
		{"a name and its number read below the floor", func(in *domain.AutoInput) {
			in.Docs[1].Sources = map[string]domain.FieldSource{"holder_name": {Page: 1, Confidence: 0.6}, "id_number": {Page: 1, Confidence: 0.6}}
		}, "low_confidence"},
		{"the insured's name padded with spaces", func(in *domain.AutoInput) { in.Docs[1].HolderName = " 张  三 " }, ""},
		{"the insured's name in full-width letters", func(in *domain.AutoInput) {
			in.Docs[1].HolderName = "ＺＨＡＮＧ　ＳＡＮ"
			in.Evidence.Policy.InsuredName, in.Case.InsuredName = "ZHANG SAN", "ZHANG SAN"
			in.Docs[0].PatientName, in.Docs[2].HolderName = "ZHANG SAN", "ZHANG SAN"
		}, ""},
		{"the insured's name with an ideographic space", func(in *domain.AutoInput) { in.Docs[1].HolderName = "张　三" }, ""},
		{"the insured's number in lower case", func(in *domain.AutoInput) {
			in.Evidence.Policy.InsuredIDMasked = "110101********001X"
			in.Docs[1].IDNumberMasked = "110101********001x"
		}, ""},
		{"a policy without the insured's number", func(in *domain.AutoInput) { in.Evidence.Policy.InsuredIDMasked = "" }, ""},
		{"a name read with low confidence that is the insured's", func(in *domain.AutoInput) {
			in.Docs[1].Sources = map[string]domain.FieldSource{"holder_name": {Page: 1, Confidence: 0.85}}
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := cleanInput()
			tc.change(&in)
			a := domain.Assess(in)
			if tc.want == "" {
				if !a.Automatic {
					t.Fatalf("got reasons %v, want automatic: the card is the insured's", codes(a))
				}
				return
			}
			if a.Automatic || !slices.Contains(codes(a), tc.want) {
				t.Fatalf("got automatic %v, reasons %v; want not automatic, with %s", a.Automatic, codes(a), tc.want)
			}
		})
	}
}

// TestWhoCorrectedADocumentCannotDecideTheClaim is the attack of a clerk
// who corrects a field of a document the claimant's own channel sent (the
// bank card's account number to their own account, an invoice's total)
// and then decides the claim, or records the agreement naming the payee,
// themself: a corrected field is entered by staff as much as an upload
// is, and the claim goes to a second person (corrected_by_handler) who
// must not be the corrector.
func TestWhoCorrectedADocumentCannotDecideTheClaim(t *testing.T) {
	in := cleanInput()
	in.Docs[2].Corrected = []string{"account_number"}
	in.Docs[2].CorrectedBy = []string{"clerk-5", "clerk-6"}
	a := domain.Assess(in)
	if a.Automatic || !slices.Contains(codes(a), "corrected_by_handler") {
		t.Fatalf("got automatic %v, reasons %v; want not automatic, with corrected_by_handler", a.Automatic, codes(a))
	}
	if got, want := domain.EnteredByStaff(a), []string{"clerk-5", "clerk-6"}; !slices.Equal(got, want) {
		t.Fatalf("got enterers %v, want %v", got, want)
	}
	// A correction whose corrector was not recorded (an event of before)
	// bars nobody, as an upload of unknown provenance does.
	in.Docs[2].CorrectedBy = nil
	if got := domain.EnteredByStaff(domain.Assess(in)); len(got) != 0 {
		t.Fatalf("got enterers %v, want none", got)
	}
}

// TestABankCardUnderAKeyNotHeldProvesNoAccount is the attack of a claim
// request that carries a bank card's account fingerprint under a key
// adjudication does not hold (forged, or made by an intake whose key was
// rotated past adjudication's): nothing can compare it with an account, so
// it proves none (payee_not_verified), as an unkeyed one does.
func TestABankCardUnderAKeyNotHeldProvesNoAccount(t *testing.T) {
	in := cleanInput()
	in.Docs[2].AccountFingerprint = "v1:forged-key:" + strings.Repeat("ab", 32)
	a := domain.Assess(in)
	if a.Automatic || !slices.Contains(codes(a), "payee_not_verified") {
		t.Fatalf("got automatic %v, reasons %v; want not automatic, with payee_not_verified", a.Automatic, codes(a))
	}
}

// TestWhoEnteredWhatAClaimRestsOnIsNotItsSecondPerson is the table of the
// seniors RefuseEnteredBy lets be the second person (approving or
// returning a decision, overriding a check, reviewing a decision after the
// fact) on a claim a clerk and a corrector entered: neither of them under
// any spelling of their names, anyone else.
func TestWhoEnteredWhatAClaimRestsOnIsNotItsSecondPerson(t *testing.T) {
	entered := []string{"senior-clerk", "senior-corrector"}
	tests := []struct {
		subject string
		refused bool
	}{
		{"senior-clerk", true},
		{"senior-corrector", true},
		{" Senior-Clerk ", true},
		{"ｓｅｎｉｏｒ-ｃｌｅｒｋ", true},
		{"senior-clerk\u200b", true},
		{"senior-2", false},
		{"senior-clerk-2", false},
	}
	for _, tt := range tests {
		err := domain.RefuseEnteredBy(domain.Actor{Subject: tt.subject, Roles: []string{domain.RoleSenior}}, entered, "claim-1", "approves its decision")
		if got := apperr.CodeOf(err) == apperr.Forbidden; got != tt.refused || !tt.refused && err != nil {
			t.Errorf("%q: got %v, want refused %v", tt.subject, err, tt.refused)
		}
	}
	if err := domain.RefuseEnteredBy(domain.Actor{Subject: "senior-clerk", Roles: []string{domain.RoleSenior}}, nil, "claim-1", "approves its decision"); err != nil {
		t.Errorf("nobody entered anything: got %v, want no refusal", err)
	}
}

// TestAnIdentityCardIsTheInsuredsByItsNumber is the table of an identity
// card whose name OCR read one character off the insured's (issue 19:
// chi_sim reads 磊 as 舌, 鹏 as 胸), proven the insured's by its resident ID
// number alone: read valid and sure, equal masked to the policy's insured.
// The attacks are another person whose name looks like the insured's,
// with their own valid number; a name two characters off, of another
// length, or one character off by a letter, a digit, a mark, an invisible
// or a variant character, over the insured's number; a number whose
// checksum fails, read in doubt or typed by a handler; a policy without
// the insured's number; a card whose number was not read. Each stays
// id_name_mismatch: only the number proves whose card it is.
func TestAnIdentityCardIsTheInsuredsByItsNumber(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*domain.AutoInput)
		want   []string // nil: automatic, the card's name corroborated by its number
	}{
		{"the insured's card, one character misread", func(in *domain.AutoInput) { in.Docs[1].HolderName = "张山" }, nil},
		{"the insured's card, one character misread, padded with spaces", func(in *domain.AutoInput) { in.Docs[1].HolderName = " 张　山 " }, nil},
		{"the insured's card, one character misread below the threshold", func(in *domain.AutoInput) {
			in.Docs[1].HolderName = "张山"
			in.Docs[1].Sources = map[string]domain.FieldSource{"holder_name": {Page: 1, Confidence: 0.85}, "id_number": {Page: 1, Confidence: 0.95}}
		}, nil},
		{"another person with a look-alike name and their own valid number", func(in *domain.AutoInput) {
			in.Docs[1].HolderName, in.Docs[1].IDNumberMasked = "张山", "310104********0025"
		}, []string{"id_name_mismatch", "id_number_mismatch"}},
		{"two characters off over the insured's number", func(in *domain.AutoInput) { in.Docs[1].HolderName = "李四" }, []string{"id_name_mismatch"}},
		{"one character more over the insured's number", func(in *domain.AutoInput) { in.Docs[1].HolderName = "张三丰" }, []string{"id_name_mismatch"}},
		{"one character fewer over the insured's number", func(in *domain.AutoInput) { in.Docs[1].HolderName = "张" }, []string{"id_name_mismatch"}},
		{"an invisible character in place of one", func(in *domain.AutoInput) { in.Docs[1].HolderName = "张\u200b" }, []string{"id_name_mismatch"}},
		{"a look-alike with a variation selector", func(in *domain.AutoInput) { in.Docs[1].HolderName = "张山\ufe00" }, []string{"id_name_mismatch"}},
		{"the insured's name with a variation selector", func(in *domain.AutoInput) { in.Docs[1].HolderName = "张三\U000e0100" }, []string{"id_name_mismatch"}},
		{"a letter in place of a character", func(in *domain.AutoInput) { in.Docs[1].HolderName = "张Ｓ" }, []string{"id_name_mismatch"}},
		{"a digit in place of a character", func(in *domain.AutoInput) { in.Docs[1].HolderName = "张3" }, []string{"id_name_mismatch"}},
		{"an ideographic zero in place of a character", func(in *domain.AutoInput) { in.Docs[1].HolderName = "张〇" }, []string{"id_name_mismatch"}},
		{"padded to the insured's length with a mark", func(in *domain.AutoInput) { in.Docs[1].HolderName = "张·" }, []string{"id_name_mismatch"}},
		{"a letter off in a Latin name", func(in *domain.AutoInput) {
			in.Evidence.Policy.InsuredName, in.Case.InsuredName = "ZHANG SAN", "ZHANG SAN"
			in.Docs[0].PatientName, in.Docs[2].HolderName = "ZHANG SAN", "ZHANG SAN"
			in.Docs[1].HolderName = "ZHANG SAM"
		}, []string{"id_name_mismatch"}},
		{"a look-alike name whose number's checksum fails", func(in *domain.AutoInput) {
			in.Docs[1].HolderName, in.Docs[1].IDNumberValid = "张山", false
		}, []string{"id_name_mismatch", "id_number_invalid"}},
		{"a look-alike name whose number was read in doubt", func(in *domain.AutoInput) {
			in.Docs[1].HolderName = "张山"
			in.Docs[1].Sources = map[string]domain.FieldSource{"id_number": {Page: 1, Confidence: 0.6}}
		}, []string{"id_name_mismatch", "low_confidence"}},
		{"a look-alike name whose number a handler typed", func(in *domain.AutoInput) {
			in.Docs[1].HolderName, in.Docs[1].Corrected = "张山", []string{"id_number"}
		}, []string{"id_name_mismatch", "corrected_by_handler"}},
		// The character OCR misread is the one it doubts: the name is
		// not relied on, the number is (read at 0.95 here).
		{"the insured's card, one character misread below the floor", func(in *domain.AutoInput) {
			in.Docs[1].HolderName = "张山"
			in.Docs[1].Sources = map[string]domain.FieldSource{"holder_name": {Page: 1, Confidence: 0.6}, "id_number": {Page: 1, Confidence: 0.95}}
		}, nil},
		{"a look-alike name read below the floor over another person's number", func(in *domain.AutoInput) {
			in.Docs[1].HolderName, in.Docs[1].IDNumberMasked = "张山", "310104********0025"
			in.Docs[1].Sources = map[string]domain.FieldSource{"holder_name": {Page: 1, Confidence: 0.6}, "id_number": {Page: 1, Confidence: 0.95}}
		}, []string{"id_name_mismatch", "id_number_mismatch", "low_confidence"}},
		{"a look-alike name and its number both read below the floor", func(in *domain.AutoInput) {
			in.Docs[1].HolderName = "张山"
			in.Docs[1].Sources = map[string]domain.FieldSource{"holder_name": {Page: 1, Confidence: 0.6}, "id_number": {Page: 1, Confidence: 0.6}}
		}, []string{"id_name_mismatch", "low_confidence"}},
		{"a look-alike name, the policy without the insured's number", func(in *domain.AutoInput) {
			in.Docs[1].HolderName, in.Evidence.Policy.InsuredIDMasked = "张山", ""
		}, []string{"id_name_mismatch"}},
		{"a look-alike name, the card's number not read", func(in *domain.AutoInput) {
			in.Docs[1].HolderName, in.Docs[1].IDNumberMasked = "张山", ""
		}, []string{"id_name_mismatch"}},
		{"a look-alike name, the card's number read as blanks", func(in *domain.AutoInput) {
			in.Docs[1].HolderName, in.Docs[1].IDNumberMasked, in.Evidence.Policy.InsuredIDMasked = "张山", " ", " "
		}, []string{"id_name_mismatch"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := cleanInput()
			tc.change(&in)
			a := domain.Assess(in)
			byNumber := slices.IndexFunc(a.Corroborations, func(c domain.Corroboration) bool {
				return c.By == domain.CorroboratedByIDNumber
			})
			if tc.want == nil {
				if !a.Automatic {
					t.Fatalf("got reasons %v, want automatic: the card is the insured's by its number", codes(a))
				}
				if n := countBy(a, domain.CorroboratedByIDNumber); byNumber < 0 || n != 1 ||
					a.Corroborations[byNumber].DocumentID != "d2" || a.Corroborations[byNumber].Field != "holder_name" {
					t.Fatalf("got corroborations %+v, want d2's holder_name corroborated once by %s", a.Corroborations, domain.CorroboratedByIDNumber)
				}
				return
			}
			for _, want := range tc.want {
				if a.Automatic || !slices.Contains(codes(a), want) {
					t.Fatalf("got automatic %v, reasons %v; want not automatic, with %v", a.Automatic, codes(a), tc.want)
				}
			}
			if byNumber >= 0 {
				t.Fatalf("got corroboration %+v, want none by the number", a.Corroborations[byNumber])
			}
		})
	}
}

// TestACardProvenByItsNumberMakesNobodyElseEntitled is the attack of a
// look-alike person who sends the insured's identity card, read one
// character off, beside their own bank card, or names themself the payee
// of the advance agreement: the card proves only that it is the insured's;
// the money still goes only to the insured by name (payee_not_entitled).
func TestACardProvenByItsNumberMakesNobodyElseEntitled(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*domain.AutoInput)
	}{
		{"the look-alike's bank card", func(in *domain.AutoInput) { in.Docs[2].HolderName = "张山" }},
		{"the look-alike named the payee", func(in *domain.AutoInput) {
			in.Case.Advance.NameFingerprint = fingerprints.Holder("claim-1", "张山")
		}},
		{"the look-alike's bank card and the look-alike named the payee", func(in *domain.AutoInput) {
			in.Docs[2].HolderName = "张山"
			in.Case.Advance.NameFingerprint = fingerprints.Holder("claim-1", "张山")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := advanceInput()
			in.Docs[1].HolderName = "张山"
			tc.change(&in)
			a := domain.Assess(in)
			if a.Automatic || !slices.Contains(codes(a), "payee_not_entitled") {
				t.Fatalf("got automatic %v, reasons %v; want not automatic, with payee_not_entitled", a.Automatic, codes(a))
			}
			if slices.Contains(codes(a), "id_name_mismatch") {
				t.Fatalf("got reasons %v, want the card itself proven the insured's by its number", codes(a))
			}
		})
	}
}

// countBy counts a's corroborations by the check by.
func countBy(a domain.Assessment, by string) int {
	n := 0
	for _, c := range a.Corroborations {
		if c.By == by {
			n++
		}
	}
	return n
}

// TestAnIdentityCardReadRightInDoubtIsTheInsuredsOnlyByItsNumber: an
// identity card whose name OCR read as the insured's, but below the floor
// (MinCorroborable) and unconfirmed by a second model. A look-alike
// person's name reads as the insured's about as often as the insured's is
// misread, so the name in doubt proves nothing; as for one character off,
// the card's valid number, read sure and masked as the policy's insured's,
// does. A look-alike's card read as the insured's over their own number,
// a number whose checksum fails, read in doubt or typed, and a policy
// without the insured's number all stay with a handler.
func TestAnIdentityCardReadRightInDoubtIsTheInsuredsOnlyByItsNumber(t *testing.T) {
	inDoubt := func(in *domain.AutoInput) {
		in.Docs[1].Sources = map[string]domain.FieldSource{"holder_name": {Page: 1, Confidence: 0.75}, "id_number": {Page: 1, Confidence: 0.95}}
	}
	for _, tc := range []struct {
		name   string
		change func(*domain.AutoInput)
		want   []string // nil: automatic, the name corroborated by the number
	}{
		{"the insured's card", func(*domain.AutoInput) {}, nil},
		{"a look-alike's card read as the insured's, over their own number", func(in *domain.AutoInput) {
			in.Docs[1].IDNumberMasked = "310104********0025"
		}, []string{"low_confidence", "id_number_mismatch"}},
		{"the number's checksum fails", func(in *domain.AutoInput) { in.Docs[1].IDNumberValid = false }, []string{"low_confidence", "id_number_invalid"}},
		{"the number read in doubt", func(in *domain.AutoInput) {
			in.Docs[1].Sources["id_number"] = domain.FieldSource{Page: 1, Confidence: 0.6}
		}, []string{"low_confidence"}},
		{"the number a handler typed", func(in *domain.AutoInput) { in.Docs[1].Corrected = []string{"id_number"} }, []string{"low_confidence", "corrected_by_handler"}},
		{"the policy without the insured's number", func(in *domain.AutoInput) { in.Evidence.Policy.InsuredIDMasked = "" }, []string{"low_confidence"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := cleanInput()
			inDoubt(&in)
			tc.change(&in)
			a := domain.Assess(in)
			if tc.want == nil {
				if !a.Automatic || countBy(a, domain.CorroboratedByIDNumber) != 1 {
					t.Fatalf("got automatic %v, reasons %v, corroborations %+v; want automatic, the name corroborated by %s once",
						a.Automatic, codes(a), a.Corroborations, domain.CorroboratedByIDNumber)
				}
				return
			}
			for _, want := range tc.want {
				if a.Automatic || !slices.Contains(codes(a), want) {
					t.Fatalf("got automatic %v, reasons %v; want not automatic, with %v", a.Automatic, codes(a), tc.want)
				}
			}
			if n := countBy(a, domain.CorroboratedByIDNumber); n != 0 {
				t.Fatalf("got corroborations %+v, want none by the number", a.Corroborations)
			}
		})
	}
}

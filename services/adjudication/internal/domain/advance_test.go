package domain_test

import (
	"slices"
	"testing"
	"time"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/bankaccount"
)

// cardAccount is the account of 张三's bank card in advanceInput.
const cardAccount = "6222020200112233445"

// advanceInput is cleanInput under rules whose term is in_advance, with
// the claimant's advance agreement to be paid to 张三's own card.
func advanceInput() domain.AutoInput {
	in := cleanInput()
	r := *in.Rules
	r.Agreement = domain.AgreementInAdvance
	in.Rules = &r
	in.Docs[2].AccountFingerprint = fingerprints.Account("claim-1", cardAccount)
	in.Case.Advance = &domain.AdvanceAgreement{Channel: "app", AgreedAt: now.Add(-time.Hour), PayeeRole: "insured", BankName: "中国建设银行",
		AccountLast4: "3445", AccountFingerprint: fingerprints.Account("claim-1", cardAccount),
		NameFingerprint: fingerprints.Holder("claim-1", "张三"), AccountKey: "k-3445", Sealed: "sealed-for-payout",
		EnteredBy: "claimant-app", EnteredVia: domain.EnteredViaClaimant}
	in.Advance = &domain.AdvanceFacts{KeyHeld: true, Facts: domain.SignalFacts{AccountKey: "k-3445"}}
	return in
}

func TestNewProductRulesTakesEitherAgreementTerm(t *testing.T) {
	for _, tc := range []struct {
		term, want string
		code       apperr.Code
	}{
		{"", domain.AgreementByClaimant, ""},
		{"claimant", domain.AgreementByClaimant, ""},
		{" in_advance ", domain.AgreementInAdvance, ""},
		{"presumed", "", apperr.Invalid},
		{"in advance", "", apperr.Invalid},
	} {
		r := medRules()
		r.ProductCode, r.Agreement = "", tc.term
		got, err := domain.NewProductRules(r, testProduct())
		if tc.code == "" && (err != nil || got.Agreement != tc.want) || tc.code != "" && apperr.CodeOf(err) != tc.code {
			t.Errorf("term %q: got %q, %v; want %q, code %q", tc.term, got.Agreement, err, tc.want, tc.code)
		}
	}
}

func TestAnAdvanceAgreementToTheInsuredsCardIsAutomatic(t *testing.T) {
	a := domain.Assess(advanceInput())
	if !a.Automatic {
		t.Fatalf("got reasons %v, want automatic", codes(a))
	}
}

// TestEachDefectOfAnAdvanceAgreementGoesToAHandler is the attack on the
// advance agreement: a payee not the insured, an account other than the
// card's, a card of another holder, an account the fraud signals find, an
// account intake did not hash for them, fingerprints anyone can compute
// (unkeyed, for the very card and insured) or made under a key adjudication
// does not hold, and no fingerprint key at all. Each goes to a handler.
func TestEachDefectOfAnAdvanceAgreementGoesToAHandler(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*domain.AutoInput)
		reason string
	}{
		{"a payee of another person", func(in *domain.AutoInput) {
			in.Case.Advance.NameFingerprint = fingerprints.Holder("claim-1", "钱多多")
		}, "payee_not_entitled"},
		{"the insured's name fingerprinted for another claim", func(in *domain.AutoInput) {
			in.Case.Advance.NameFingerprint = fingerprints.Holder("claim-2", "张三")
		}, "payee_not_entitled"},
		{"an account other than the card's", func(in *domain.AutoInput) {
			in.Case.Advance.AccountFingerprint, in.Case.Advance.AccountLast4 = fingerprints.Account("claim-1", "6222020200112239999"), "9999"
		}, "payee_not_verified"},
		{"the card's account fingerprinted for another claim", func(in *domain.AutoInput) {
			in.Case.Advance.AccountFingerprint = fingerprints.Account("claim-2", cardAccount)
		}, "payee_not_verified"},
		{"a card whose account was not read", func(in *domain.AutoInput) { in.Docs[2].AccountFingerprint = "" }, "payee_not_verified"},
		// The review of issue 19: an outsider computes the unkeyed
		// fingerprints of the insured's card and name.
		{"an unkeyed name fingerprint of the insured", func(in *domain.AutoInput) {
			in.Case.Advance.NameFingerprint = bankaccount.LegacyHolderFingerprint("claim-1", "张三")
		}, "payee_not_entitled"},
		{"unkeyed account fingerprints of the card, on the card and the payee", func(in *domain.AutoInput) {
			in.Docs[2].AccountFingerprint = bankaccount.LegacyFingerprint("claim-1", cardAccount)
			in.Case.Advance.AccountFingerprint = in.Docs[2].AccountFingerprint
		}, "payee_not_verified"},
		{"fingerprints under a key adjudication does not hold", func(in *domain.AutoInput) {
			other, err := bankaccount.ParseFingerprints("other:6O3Rp0Xz9iWJ7u2G8xYw2Lr0Vq1cMt3nFb5aHd4kEe8=")
			if err != nil {
				panic(err)
			}
			in.Docs[2].AccountFingerprint = other.Account("claim-1", cardAccount)
			in.Case.Advance.AccountFingerprint = in.Docs[2].AccountFingerprint
		}, "payee_not_verified"},
		{"no fingerprint key", func(in *domain.AutoInput) { in.Fingerprints = nil }, "payee_not_entitled"},
		{"no sealed payee", func(in *domain.AutoInput) { in.Case.Advance.Sealed = "" }, "payee_not_verified"},
		{"an account shared with another insured", func(in *domain.AutoInput) {
			in.Advance.Facts.Uses = []domain.AccountUse{{ClaimID: "claim-9", InsuredName: "钱多多"}}
		}, "fraud_signal"},
		{"an employee's account", func(in *domain.AutoInput) { in.Advance.Facts.Employee = "E-7" }, "fraud_signal"},
		{"no keyed hash while the signals run", func(in *domain.AutoInput) { in.Case.Advance.AccountKey = "" }, "account_signals_unavailable"},
		// Fail closed: adjudication run without ADJUDICATION_SIGNAL_KEY
		// cannot tell a shared or an employee's account.
		{"the account signals off in adjudication", func(in *domain.AutoInput) { in.Advance.KeyHeld = false }, "account_signals_unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := advanceInput()
			tc.change(&in)
			a := domain.Assess(in)
			if a.Automatic || !slices.Contains(codes(a), tc.reason) {
				t.Fatalf("got automatic %v, reasons %v; want a handler's, with %s", a.Automatic, codes(a), tc.reason)
			}
		})
	}
}

// TestUnderTheClaimantTermAnAdvanceAgreementChangesNothing: the same
// defects on a product whose term is claimant leave the claim automatic
// (the claimant agrees later, to a handler), and no agreement is recorded.
func TestUnderTheClaimantTermAnAdvanceAgreementChangesNothing(t *testing.T) {
	in := advanceInput()
	in.Rules.Agreement = domain.AgreementByClaimant
	in.Case.Advance.NameFingerprint = fingerprints.Holder("claim-1", "钱多多")
	a := domain.Assess(in)
	if !a.Automatic {
		t.Fatalf("got reasons %v, want automatic: the advance agreement does not count under the claimant term", codes(a))
	}
	if err := in.Case.DecideAutomatically(a, *in.Rules, 0, now); err != nil {
		t.Fatal(err)
	}
	if err := in.Case.AgreeInAdvance(*in.Rules, "张三", 10, now); apperr.CodeOf(err) != apperr.Conflict || in.Case.Agreement != nil {
		t.Fatalf("got %v, agreement %+v; want a conflict and none", err, in.Case.Agreement)
	}
}

func TestTheSystemRecordsTheAdvanceAgreementAtItsDecision(t *testing.T) {
	in := advanceInput()
	c := in.Case
	if err := c.AgreeInAdvance(*in.Rules, "张三", 10, now); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("got %v, want a conflict: nothing is decided yet", err)
	}
	a := domain.Assess(in)
	if err := c.DecideAutomatically(a, *in.Rules, 0, now); err != nil {
		t.Fatal(err)
	}
	if err := c.AgreeInAdvance(*in.Rules, "张三", 10, now); err != nil {
		t.Fatal(err)
	}
	ag := c.Agreement
	if c.State != domain.StateAgreed || ag.RecordedBy != "system:auto-adjudication/HEALTH-1/v3" || ag.Channel != "in_advance_app" ||
		!ag.AgreedAt.Equal(now) || ag.AmountFen != 16_000 || ag.Payee.AccountMasked != "****3445" || ag.Payee.Name != "张三" ||
		ag.AccountFingerprint != fingerprints.Account("claim-1", cardAccount) || ag.AccountKey != "k-3445" || ag.PaymentPeriodDays != 10 {
		t.Fatalf("got %s, %+v; want agreed on 16000 fen by the system at the decision, in_advance_app, to ****3445", c.State, ag)
	}
	if err := c.AgreeInAdvance(*in.Rules, "张三", 10, now); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("got %v, want a conflict: an agreement is recorded once", err)
	}
}

// TestAHandlerCannotRecordAnAgreementAsTheSystem is the attack of a token
// named as the automatic decider on the agreement API: the agreement would
// read as the claimant's advance agreement recorded by the system.
func TestAHandlerCannotRecordAnAgreementAsTheSystem(t *testing.T) {
	impostor := domain.Actor{Subject: domain.AutoActorPrefix + "HEALTH-1/v3", Roles: []string{domain.RoleHandler, domain.RoleSenior}}
	c := caseIn(t, domain.StatePartlyApproved)
	if _, err := c.RecordAgreement(impostor, agreement(), 7, now); apperr.CodeOf(err) != apperr.Forbidden || c.Agreement != nil {
		t.Fatalf("got %v, agreement %+v; want forbidden and none", err, c.Agreement)
	}
}

// TestAnAdvanceAgreementCountsOnlyUnderTheRulesItWasGivenUnder is the
// attack of rules changed between the claim request and the decision: the
// claimant agreed in advance to the amount under the rules published when
// they agreed, not to a later version (a higher deductible, a lower ratio,
// or the in_advance term itself added afterwards). The system still decides
// the claim, but records no agreement: the claimant agrees to the amount
// as under the claimant term.
func TestAnAdvanceAgreementCountsOnlyUnderTheRulesItWasGivenUnder(t *testing.T) {
	for _, tc := range []struct {
		name      string
		publishAt time.Time
		counts    bool
	}{
		{"rules published before the agreement", now.Add(-2 * time.Hour), true},
		{"rules published at the agreement", now.Add(-time.Hour), true},
		{"rules published after the agreement", now.Add(-time.Minute), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := advanceInput()
			in.Rules.CreatedAt = tc.publishAt
			c := in.Case
			if got := c.AgreedInAdvanceUnder(*in.Rules); got != tc.counts {
				t.Fatalf("got the agreement counting %v, want %v", got, tc.counts)
			}
			a := domain.Assess(in)
			if !a.Automatic {
				t.Fatalf("got reasons %v, want automatic", codes(a))
			}
			if err := c.DecideAutomatically(a, *in.Rules, 0, now); err != nil {
				t.Fatal(err)
			}
			err := c.AgreeInAdvance(*in.Rules, "张三", 10, now)
			if tc.counts && (err != nil || c.Agreement == nil) || !tc.counts && (apperr.CodeOf(err) != apperr.Conflict || c.Agreement != nil) {
				t.Fatalf("got %v, agreement %+v; want recorded %v", err, c.Agreement, tc.counts)
			}
		})
	}
	// Under later rules the payee's checks no longer apply: the claimant
	// names the payee when agreeing.
	in := advanceInput()
	in.Rules.CreatedAt = now.Add(-time.Minute)
	in.Case.Advance.NameFingerprint = fingerprints.Holder("claim-1", "钱多多")
	if a := domain.Assess(in); !a.Automatic {
		t.Fatalf("got reasons %v, want automatic: an agreement under earlier rules is not read", codes(a))
	}
}

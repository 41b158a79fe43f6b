package domain_test

import (
	"fmt"
	"testing"
	"time"

	"claims.local/payout/internal/domain"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/events/eventstest"
)

// fp fingerprints the accounts as adjudication does.
var fp = eventstest.Fingerprints()

// TestTheThreeWayComparesTheAccountByItsKeyedFingerprint: an authorised
// account's keyed fingerprint matches the payee's account; one adjudication
// stored unkeyed before it held the key is compared under the old scheme
// (bankaccount.MatchStoredAccount); one under a key payout does not hold,
// or of another account, is other_account.
func TestTheThreeWayComparesTheAccountByItsKeyedFingerprint(t *testing.T) {
	const acct = "6222020200112233445"
	other, err := bankaccount.ParseFingerprints("other:6O3Rp0Xz9iWJ7u2G8xYw2Lr0Vq1cMt3nFb5aHd4kEe8=")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, fingerprint, want string
	}{
		{"keyed", fp.Account("c1", "6222 0202-0011 2233 445"), domain.LineMatched},
		{"stored unkeyed before the key", bankaccount.LegacyFingerprint("c1", acct), domain.LineMatched},
		{"keyed, of another account", fp.Account("c1", "6216600000008866"), domain.LineUnmatched},
		{"keyed, of another claim", fp.Account("c2", acct), domain.LineUnmatched},
		{"under a key payout does not hold", other.Account("c1", acct), domain.LineUnmatched},
		{"none", "", domain.LineUnmatched},
	} {
		o := domain.Obligation{ID: "o1", ClaimID: "c1", Type: domain.PayoutFinal, State: domain.StateScheduled, AmountFen: 100, AgreedAmountFen: 100,
			Payee: domain.Payee{Name: "李四", Role: domain.RoleBeneficiary, BankName: "中国银行", AccountNumber: acct}}
		a := domain.Authorisation{Kind: domain.AuthorisedAgreement, ClaimID: "c1", ReferenceID: "case-c1", AmountFen: 100, AccountFingerprint: tc.fingerprint}
		if l := domain.ThreeWay(fp, everyDay, []domain.Obligation{o}, []domain.Authorisation{a}, nil, true); l[0].Status != tc.want {
			t.Errorf("%s: got %s %v, want %s", tc.name, l[0].Status, l[0].Issues, tc.want)
		}
	}
}

// everyDay is a period holding every execution of the tests that are not
// about the day.
var everyDay = domain.Period{From: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)}

func TestThreeWayReconciliation(t *testing.T) {
	const acct, other = "6222020200112233445", "6216600000008866"
	t0 := time.Date(2026, 10, 12, 2, 0, 0, 0, time.UTC)
	pay := func(id, claim string, typ domain.PayoutType, state domain.State, fen int64, account string) domain.Obligation {
		o := domain.Obligation{ID: id, ClaimID: claim, Type: typ, State: state, AmountFen: fen,
			Payee: domain.Payee{Name: "李四", Role: domain.RoleBeneficiary, BankName: "中国银行", AccountNumber: account}}
		if typ == domain.PayoutFinal {
			o.AgreedAmountFen = fen
		}
		return o
	}
	agreed := func(claim string, fen int64, account string) domain.Authorisation {
		return domain.Authorisation{Kind: domain.AuthorisedAgreement, ClaimID: claim, ReferenceID: "case-" + claim, AmountFen: fen,
			AccountFingerprint: fp.Account(claim, account), AuthorisedAt: t0}
	}
	executed := func(key string, fen int64, account string) domain.Execution {
		return domain.Execution{Key: key, AmountFen: fen, AccountMasked: domain.MaskAccount(account), ExecutedAt: t0}
	}
	corrected := pay("o6", "c6", domain.PayoutFinal, domain.StateCompleted, 900_000, other)
	corrected.PayeeCorrectedBy, corrected.ConfirmationRequired, corrected.PayeeConfirmedBy = "handler-7", true, "senior-8"
	unconfirmed := corrected
	unconfirmed.ID, unconfirmed.ClaimID, unconfirmed.PayeeConfirmedBy, unconfirmed.State = "o7", "c7", "", domain.StateAwaitingConfirmation
	advance := pay("adv1", "c8", domain.PayoutAdvance, domain.StateCompleted, 30_000, acct)
	obligations := []domain.Obligation{
		pay("o1", "c1", domain.PayoutFinal, domain.StateCompleted, 120_000, acct), // all three agree
		pay("o2", "c2", domain.PayoutFinal, domain.StateCompleted, 90_000, acct),  // forged: no authorisation
		pay("o3", "c3", domain.PayoutFinal, domain.StateCompleted, 150_000, acct), // more than authorised
		pay("o4", "c4", domain.PayoutFinal, domain.StateCompleted, 80_000, other), // another account than authorised
		pay("o5", "c5", domain.PayoutFinal, domain.StateCompleted, 70_000, acct),  // the bank has no execution
		corrected,   // a corrected payee, confirmed
		unconfirmed, // a corrected payee not confirmed
		advance,     // an advance, matched by its id
		pay("o9", "c9", domain.PayoutFinal, domain.StateAwaitingConfirmation, 60_000, acct), // authorised, not yet sent
	}
	auths := []domain.Authorisation{agreed("c1", 120_000, acct), agreed("c3", 100_000, acct), agreed("c4", 80_000, acct),
		agreed("c5", 70_000, acct), agreed("c6", 900_000, acct), agreed("c7", 900_000, acct), agreed("c9", 60_000, acct),
		{Kind: domain.AuthorisedAdvance, ClaimID: "c8", ReferenceID: "adv1", AmountFen: 30_000, AccountFingerprint: fp.Account("c8", acct)}}
	execs := []domain.Execution{executed("o1", 120_000, acct), executed("o2", 90_000, acct), executed("o3", 150_000, acct),
		executed("o4", 80_000, other), executed("o6", 900_000, other), executed("adv1", 30_000, acct), executed("stray", 5_000, acct)}
	want := map[string]string{"o1": "matched", "o2": "unmatched", "o3": "unmatched", "o4": "unmatched", "o5": "unmatched",
		"o6": "matched", "o7": "unmatched", "adv1": "matched", "o9": "matched", "stray": "unmatched"}
	got := map[string]string{}
	codes := map[string][]string{}
	for _, l := range domain.ThreeWay(fp, everyDay, obligations, auths, execs, true) {
		key := l.ObligationID
		if key == "" {
			key = l.BankKey
		}
		got[key] = l.Status
		if len(l.Found) != len(l.Issues) {
			t.Errorf("%s: got %d issue codes for %d issues, want one each", key, len(l.Found), len(l.Issues))
		}
		for _, f := range l.Found {
			codes[key] = append(codes[key], f.Code)
		}
		if (l.Status == domain.LineUnmatched) != (len(l.Issues) > 0) {
			t.Errorf("%s: got status %s with issues %q, want issues exactly when unmatched", key, l.Status, l.Issues)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// Each issue carries its code for the console's catalogue (issue 20).
	wantCodes := map[string][]string{"o2": {"not_authorised"}, "o3": {"agreed_differs", "amount_differs"}, "o4": {"other_account"}, "o5": {"no_execution"},
		"o7": {"other_account"}, "stray": {"no_payment"}}
	if fmt.Sprint(codes) != fmt.Sprint(wantCodes) {
		t.Fatalf("issue codes: got %v, want %v", codes, wantCodes)
	}
	// An agreement net of advances pays amount - advanced.
	net := pay("n1", "cn", domain.PayoutFinal, domain.StateScheduled, 70_000, acct)
	net.AgreedAmountFen, net.AdvancedFen = 100_000, 30_000
	a := agreed("cn", 100_000, acct)
	a.AdvancedFen = 30_000
	if l := domain.ThreeWay(fp, everyDay, []domain.Obligation{net}, []domain.Authorisation{a}, nil, true); l[0].Status != domain.LineMatched {
		t.Fatalf("got %+v, want a payment net of advances matched", l[0])
	}
	// Adjudication unavailable: nothing is matched against authorisations,
	// but what the bank contradicts stays unmatched.
	got = statuses(domain.ThreeWay(fp, everyDay, obligations, nil, execs, false))
	want = map[string]string{"o1": "unverified", "o2": "unverified", "o3": "unverified", "o4": "unverified", "o5": "unmatched",
		"o6": "unverified", "o7": "unverified", "adv1": "unverified", "o9": "unverified", "stray": "unmatched"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("without adjudication: got %v, want %v", got, want)
	}
}

// Attacks on the three-way reconciliation: a payment one fen off, an
// advance matched with another claim's advance approval, a payment matched
// with an agreement of its claim when adjudication approved only an
// advance, and a payment executed by the bank on the day before the one
// payout completed it (Asia/Shanghai midnight).
func TestThreeWayReconciliationAttacks(t *testing.T) {
	const acct, other = "6222020200112233445", "6216600000008866"
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	day, err := domain.ParsePeriod("2026-10-13", "2026-10-13", shanghai)
	if err != nil {
		t.Fatal(err)
	}
	midnight := day.From
	pay := func(id, claim string, typ domain.PayoutType, fen int64, account string) domain.Obligation {
		done := midnight.Add(time.Second)
		o := domain.Obligation{ID: id, ClaimID: claim, Type: typ, State: domain.StateCompleted, AmountFen: fen, CompletedAt: &done,
			Payee: domain.Payee{Name: "李四", Role: domain.RoleBeneficiary, BankName: "中国银行", AccountNumber: account}}
		if typ == domain.PayoutFinal {
			o.AgreedAmountFen = fen
		}
		return o
	}
	executed := func(key string, fen int64, account string, at time.Time) domain.Execution {
		return domain.Execution{Key: key, AmountFen: fen, AccountMasked: domain.MaskAccount(account), ExecutedAt: at}
	}
	// adv-y was approved on claim cy; a forged advance on claim cx takes its
	// id, and its payee was corrected and confirmed.
	stolen := pay("adv-y", "cx", domain.PayoutAdvance, 30_000, other)
	stolen.PayeeCorrectedBy, stolen.ConfirmationRequired, stolen.PayeeConfirmedBy = "handler-7", true, "senior-8"
	// An advance the bank returned, paid again by its replacement to the
	// same account: the replacement is the approved advance.
	replacement := pay("adv-r2", "c-r", domain.PayoutAdvance, 20_000, acct)
	replacement.Replaces = "adv-r"
	obligations := []domain.Obligation{
		replacement,
		pay("o-fen", "c-fen", domain.PayoutFinal, 100_001, acct), // one fen more than agreed
		stolen,
		pay("o-adv", "c-adv", domain.PayoutFinal, 30_000, acct),   // only an advance was approved on c-adv
		pay("o-late", "c-late", domain.PayoutFinal, 50_000, acct), // the bank executed it at 23:59:59 the day before
	}
	auths := []domain.Authorisation{
		{Kind: domain.AuthorisedAdvance, ClaimID: "c-r", ReferenceID: "adv-r", AmountFen: 20_000, AccountFingerprint: fp.Account("c-r", acct)},
		{Kind: domain.AuthorisedAgreement, ClaimID: "c-fen", ReferenceID: "case-c-fen", AmountFen: 100_000, AccountFingerprint: fp.Account("c-fen", acct)},
		{Kind: domain.AuthorisedAdvance, ClaimID: "cy", ReferenceID: "adv-y", AmountFen: 30_000, AccountFingerprint: fp.Account("cy", acct)},
		{Kind: domain.AuthorisedAdvance, ClaimID: "c-adv", ReferenceID: "adv-z", AmountFen: 30_000, AccountFingerprint: fp.Account("c-adv", acct)},
		{Kind: domain.AuthorisedAgreement, ClaimID: "c-late", ReferenceID: "case-c-late", AmountFen: 50_000, AccountFingerprint: fp.Account("c-late", acct)},
	}
	execs := []domain.Execution{executed("adv-r2", 20_000, acct, midnight), executed("o-fen", 100_001, acct, midnight), executed("adv-y", 30_000, other, midnight),
		executed("o-adv", 30_000, acct, midnight), executed("o-late", 50_000, acct, midnight.Add(-time.Second)),
		executed("stray-before", 5_000, acct, midnight.Add(-time.Second)), executed("stray-after", 5_000, acct, day.End())}
	want := map[string]string{"adv-r2": "matched", "o-fen": "unmatched", "adv-y": "unmatched", "o-adv": "unmatched", "o-late": "matched"}
	if got := statuses(domain.ThreeWay(fp, day, obligations, auths, execs, true)); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v (transfers of other days are no lines of this one)", got, want)
	}
}

// statuses is each line's status by obligation id, or bank key for a
// transfer payout does not know.
func statuses(lines []domain.ThreeWayLine) map[string]string {
	out := map[string]string{}
	for _, l := range lines {
		key := l.ObligationID
		if key == "" {
			key = l.BankKey
		}
		out[key] = l.Status
	}
	return out
}

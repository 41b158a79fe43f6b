package domain_test

import (
	"fmt"
	"testing"
	"time"

	"claims.local/payout/internal/domain"
)

func TestAccountFingerprintIsTheContractsHash(t *testing.T) {
	// sha256("c1:6222020200112233445"), computed independently.
	const want = "7108b2f9d7e6bb2e4674e29ed8d23cfe71000bdbba8482e893eb61afa82632fc"
	got := domain.AccountFingerprint("c1", "6222 0202-0011 2233 445")
	if got != want {
		t.Fatalf("got %q, want %q whatever the spacing", got, want)
	}
	if got == domain.AccountFingerprint("c2", "6222020200112233445") {
		t.Fatalf("got the same fingerprint on another claim, want it bound to the claim")
	}
}

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
			AccountFingerprint: domain.AccountFingerprint(claim, account), AuthorisedAt: t0}
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
		{Kind: domain.AuthorisedAdvance, ClaimID: "c8", ReferenceID: "adv1", AmountFen: 30_000, AccountFingerprint: domain.AccountFingerprint("c8", acct)}}
	execs := []domain.Execution{executed("o1", 120_000, acct), executed("o2", 90_000, acct), executed("o3", 150_000, acct),
		executed("o4", 80_000, other), executed("o6", 900_000, other), executed("adv1", 30_000, acct), executed("stray", 5_000, acct)}
	want := map[string]string{"o1": "matched", "o2": "unmatched", "o3": "unmatched", "o4": "unmatched", "o5": "unmatched",
		"o6": "matched", "o7": "unmatched", "adv1": "matched", "o9": "matched", "stray": "unmatched"}
	got := map[string]string{}
	for _, l := range domain.ThreeWay(obligations, auths, execs, true) {
		key := l.ObligationID
		if key == "" {
			key = l.BankKey
		}
		got[key] = l.Status
		if (l.Status == domain.LineUnmatched) != (len(l.Issues) > 0) {
			t.Errorf("%s: got status %s with issues %q, want issues exactly when unmatched", key, l.Status, l.Issues)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// An agreement net of advances pays amount - advanced.
	net := pay("n1", "cn", domain.PayoutFinal, domain.StateScheduled, 70_000, acct)
	net.AgreedAmountFen, net.AdvancedFen = 100_000, 30_000
	a := agreed("cn", 100_000, acct)
	a.AdvancedFen = 30_000
	if l := domain.ThreeWay([]domain.Obligation{net}, []domain.Authorisation{a}, nil, true); l[0].Status != domain.LineMatched {
		t.Fatalf("got %+v, want a payment net of advances matched", l[0])
	}
	// Adjudication unavailable: nothing is matched against authorisations,
	// but what the bank contradicts stays unmatched.
	got = map[string]string{}
	for _, l := range domain.ThreeWay(obligations, nil, execs, false) {
		key := l.ObligationID
		if key == "" {
			key = l.BankKey
		}
		got[key] = l.Status
	}
	want = map[string]string{"o1": "unverified", "o2": "unverified", "o3": "unverified", "o4": "unverified", "o5": "unmatched",
		"o6": "unverified", "o7": "unverified", "adv1": "unverified", "o9": "unverified", "stray": "unmatched"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("without adjudication: got %v, want %v", got, want)
	}
}

package events_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"claims.local/pkg/bankaccount"
	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
)

// TestAgreementReachedNamesNoClaimant: agreement-reached travels to payout
// and stays on the topic (R11, issue 17). Its payee is sealed for payout;
// the claimant who agreed (agreed_by, a person's name) is adjudication's
// record and payout has no use for it, so the event does not carry it.
func TestAgreementReachedNamesNoClaimant(t *testing.T) {
	raw, err := json.Marshal(events.AgreementReachedData{ClaimID: "c1", Channel: "signed_form", RecordedBy: "handler-1"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), `"agreed_by"`) {
		t.Errorf("got %s, want no agreed_by: the claimant's name stays in adjudication", raw)
	}
}

// TestASealedPayeeOpensOnlyForItsClaimAndItsName is the attack of a
// forged claim-requested (issue 19): a payee sealed for one claim, copied
// into another's event, does not open; nor does one whose name fingerprint
// was made to match an insured other than the sealed name.
func TestASealedPayeeOpensOnlyForItsClaimAndItsName(t *testing.T) {
	f := eventstest.Fingerprints()
	p, err := events.Payee{Name: "张三", Role: "insured", BankName: "中国建设银行", AccountNumber: "6217000010005678"}.SealFor(eventstest.PayeeSealer(t), f, "claim-1")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "" || p.AccountNumber != "" || p.NameFingerprint != f.Holder("claim-1", "张 三") || p.AccountFingerprint != f.Account("claim-1", "6217000010005678") {
		t.Fatalf("got %+v, want the name and account sealed and their keyed fingerprints for claim-1", p)
	}
	opener := eventstest.PayeeOpener(t)
	if got, err := p.Open(opener, f, "claim-1"); err != nil || got.Name != "张三" || got.AccountNumber != "6217000010005678" {
		t.Fatalf("got %+v, %v; want 张三's account", got, err)
	}
	other := p
	other.AccountFingerprint = f.Account("claim-2", "6217000010005678")
	other.NameFingerprint = f.Holder("claim-2", "张三")
	if _, err := other.Open(opener, f, "claim-2"); !errors.Is(err, events.ErrMalformed) {
		t.Errorf("sealed for another claim: got %v, want ErrMalformed", err)
	}
	renamed := p
	renamed.NameFingerprint = f.Holder("claim-1", "李四")
	if _, err := renamed.Open(opener, f, "claim-1"); !errors.Is(err, events.ErrMalformed) {
		t.Errorf("name fingerprint of another person: got %v, want ErrMalformed", err)
	}
	if _, err := p.Open(opener, nil, "claim-1"); !errors.Is(err, events.ErrMalformed) {
		t.Errorf("without the fingerprint key: got %v, want ErrMalformed", err)
	}
	if _, err := p.SealFor(eventstest.PayeeSealer(t), nil, "claim-1"); err == nil {
		t.Error("sealed without the fingerprint key: got no error, want one")
	}
}

// TestAPayeesUnkeyedFingerprintIsNeverAMatch: a payee whose fingerprints
// are the legacy, unkeyed ones (anyone computes them, for any account)
// opens with its fingerprints dropped, never compared or passed on as a
// match; one under a key payout does not hold is parked.
func TestAPayeesUnkeyedFingerprintIsNeverAMatch(t *testing.T) {
	f := eventstest.Fingerprints()
	p, err := events.Payee{Name: "张三", Role: "insured", AccountNumber: "6217000010005678"}.SealFor(eventstest.PayeeSealer(t), f, "claim-1")
	if err != nil {
		t.Fatal(err)
	}
	legacy := p
	legacy.AccountFingerprint = bankaccount.LegacyFingerprint("claim-1", "6217000099995678")
	legacy.NameFingerprint = bankaccount.LegacyHolderFingerprint("claim-1", "李四")
	got, err := legacy.Open(eventstest.PayeeOpener(t), f, "claim-1")
	if err != nil || got.AccountFingerprint != "" || got.AccountNumber != "6217000010005678" {
		t.Errorf("unkeyed fingerprints: got %+v, %v; want the sealed payee with no fingerprint", got, err)
	}
	other, err := bankaccount.ParseFingerprints("other:" + "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=")
	if err != nil {
		t.Fatal(err)
	}
	unknown := p
	unknown.AccountFingerprint = other.Account("claim-1", "6217000010005678")
	if _, err := unknown.Open(eventstest.PayeeOpener(t), f, "claim-1"); !errors.Is(err, events.ErrMalformed) {
		t.Errorf("fingerprint under a key not held: got %v, want ErrMalformed", err)
	}
}

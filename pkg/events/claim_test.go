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
	p, err := events.Payee{Name: "张三", Role: "insured", BankName: "中国建设银行", AccountNumber: "6217000010005678"}.SealFor(eventstest.PayeeSealer(t), "claim-1")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "" || p.AccountNumber != "" || p.NameFingerprint != bankaccount.HolderFingerprint("claim-1", "张 三") {
		t.Fatalf("got %+v, want the name and account sealed and the name's fingerprint for claim-1", p)
	}
	opener := eventstest.PayeeOpener(t)
	if got, err := p.Open(opener, "claim-1"); err != nil || got.Name != "张三" || got.AccountNumber != "6217000010005678" {
		t.Fatalf("got %+v, %v; want 张三's account", got, err)
	}
	other := p
	other.AccountFingerprint = bankaccount.Fingerprint("claim-2", "6217000010005678")
	other.NameFingerprint = bankaccount.HolderFingerprint("claim-2", "张三")
	if _, err := other.Open(opener, "claim-2"); !errors.Is(err, events.ErrMalformed) {
		t.Errorf("sealed for another claim: got %v, want ErrMalformed", err)
	}
	renamed := p
	renamed.NameFingerprint = bankaccount.HolderFingerprint("claim-1", "李四")
	if _, err := renamed.Open(opener, "claim-1"); !errors.Is(err, events.ErrMalformed) {
		t.Errorf("name fingerprint of another person: got %v, want ErrMalformed", err)
	}
}

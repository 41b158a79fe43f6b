package events_test

import (
	"encoding/json"
	"strings"
	"testing"

	"claims.local/pkg/events"
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

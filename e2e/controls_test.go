package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"claims.local/pkg/auth"
	"claims.local/pkg/httpapi/apitest"
)

// secondSenior is a senior handler who had no hand in any claim of the
// tests: the second person who confirms payees above RMB 5,000 (issue 14).
func secondSenior() auth.Principal {
	return auth.Principal{Subject: "e2e-second-senior", Name: "复核员", Roles: []auth.Role{auth.SeniorHandler}}
}

// as returns a bearer token of the system's issuer for p.
func (s *system) as(t testing.TB, p auth.Principal) string {
	t.Helper()
	return apitest.Token(t, s.keys, p)
}

// awaitPayeeConfirmation waits until payout holds claimID's payment for a
// second person's confirmation of its payee: a page opened before payout
// has stored the agreement's payment would not list it.
func (s *system) awaitPayeeConfirmation(t testing.TB, claimID string) {
	t.Helper()
	apitest.Eventually(t, 60*time.Second, "the payment of "+claimID+" waiting for its payee's confirmation", func() bool {
		var list struct {
			Obligations []json.RawMessage `json:"obligations"`
		}
		s.call(t, http.MethodGet, s.url("payout", "/v1/obligations?state=awaiting_payee_confirmation&claim_id="+claimID), nil, &list)
		return len(list.Obligations) > 0
	})
}

// confirmPayees waits until claimID has n payments waiting for a second
// person's confirmation of their payee in payout, and confirms each as
// secondSenior: a payment above the threshold is sent only then.
func (s *system) confirmPayees(t testing.TB, claimID string, n int) {
	t.Helper()
	second := s.signedInAs(t, secondSenior())
	confirmed := map[string]bool{}
	apitest.Eventually(t, 60*time.Second, fmt.Sprintf("%d payee(s) of %s confirmed", n, claimID), func() bool {
		var list struct {
			Obligations []struct {
				ID string `json:"id"`
			} `json:"obligations"`
		}
		s.call(t, http.MethodGet, s.url("payout", "/v1/obligations?state=awaiting_payee_confirmation&claim_id="+claimID), nil, &list)
		for _, o := range list.Obligations {
			if confirmed[o.ID] {
				continue
			}
			var answer json.RawMessage
			if status := second.call(t, http.MethodPost, s.url("payout", "/v1/obligations/"+o.ID+"/payee/confirmation"),
				map[string]string{"decision": "confirm"}, &answer); status != http.StatusOK {
				t.Fatalf("confirm the payee of %s as %s: got %d (%s), want 200", o.ID, secondSenior().Subject, status, answer)
			}
			confirmed[o.ID] = true
		}
		return len(confirmed) >= n
	})
}

// signedInAs returns the system as seen by p: its calls carry p's token.
func (s *system) signedInAs(t testing.TB, p auth.Principal) *system {
	t.Helper()
	other := *s
	other.token = s.as(t, p)
	return &other
}

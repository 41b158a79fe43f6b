package adapters_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"claims.local/payout/internal/adapters"
	"claims.local/payout/internal/domain"
)

// TestTheBanksVerificationServiceAnswersOnlyMatchOrNoMatch: the HTTP
// adapter takes a match with its reference and a no match as answers, and
// anything else (an error status, a match without reference, an answer it
// does not define, a body it cannot read) as no answer.
func TestTheBanksVerificationServiceAnswersOnlyMatchOrNoMatch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		body   string
		want   domain.HolderCheck
		err    bool
	}{
		{"match", http.StatusOK, `{"result": "match", "reference": "B-1"}`, domain.HolderCheck{Result: domain.HolderMatch, Reference: "B-1"}, false},
		{"no match", http.StatusOK, `{"result": "no_match"}`, domain.HolderCheck{Result: domain.HolderNoMatch}, false},
		{"a match without reference", http.StatusOK, `{"result": "match"}`, domain.HolderCheck{}, true},
		{"an undefined answer", http.StatusOK, `{"result": "yes", "reference": "B-2"}`, domain.HolderCheck{}, true},
		{"not JSON", http.StatusOK, `match`, domain.HolderCheck{}, true},
		{"unavailable", http.StatusServiceUnavailable, `{"result": "match", "reference": "B-3"}`, domain.HolderCheck{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bank := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost || r.URL.Path != "/v1/account-holder-verifications" {
					http.NotFound(w, r)
					return
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer bank.Close()
			got, err := adapters.NewHolderHTTP(bank.URL+"/", &http.Client{Timeout: 5 * time.Second}).Verify(context.Background(), "6216600000000000456", "李四")
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v, error %v", got, err, tc.want, tc.err)
			}
		})
	}
}

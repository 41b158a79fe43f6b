package holdercheck_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"claims.local/pkg/holdercheck"
)

// TestTheBanksVerificationServiceAnswersOnlyMatchOrNoMatch: the HTTP
// client takes a match with its reference and a no match as answers, and
// anything else (an error status, a match without reference, an answer it
// does not define, a body it cannot read) as no answer.
func TestTheBanksVerificationServiceAnswersOnlyMatchOrNoMatch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		body   string
		want   holdercheck.Answer
		err    bool
	}{
		{"match", http.StatusOK, `{"result": "match", "reference": "B-1"}`, holdercheck.Answer{Result: holdercheck.Match, Reference: "B-1"}, false},
		{"no match", http.StatusOK, `{"result": "no_match"}`, holdercheck.Answer{Result: holdercheck.NoMatch}, false},
		{"a match without reference", http.StatusOK, `{"result": "match"}`, holdercheck.Answer{}, true},
		{"an undefined answer", http.StatusOK, `{"result": "yes", "reference": "B-2"}`, holdercheck.Answer{}, true},
		{"not JSON", http.StatusOK, `match`, holdercheck.Answer{}, true},
		{"unavailable", http.StatusServiceUnavailable, `{"result": "match", "reference": "B-3"}`, holdercheck.Answer{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var asked map[string]string
			bank := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost || r.URL.Path != "/v1/account-holder-verifications" {
					http.NotFound(w, r)
					return
				}
				_ = json.NewDecoder(r.Body).Decode(&asked)
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer bank.Close()
			q := holdercheck.Query{AccountNumber: "6216600000000000456", Name: "李四", IDNumber: "11010519491231002X"}
			got, err := holdercheck.NewHTTP(bank.URL+"/", &http.Client{Timeout: 5 * time.Second}).Verify(context.Background(), q)
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v, error %v", got, err, tc.want, tc.err)
			}
			want := map[string]string{"account_number": q.AccountNumber, "name": q.Name, "id_number": q.IDNumber}
			for k, v := range want {
				if asked[k] != v {
					t.Fatalf("the bank was asked %s = %q, want %q", k, asked[k], v)
				}
			}
		})
	}
}

// TestASettingNamesTheBankTheSimulatorOrNobody: a service's setting of
// whom it asks is an http(s) URL, the simulator, or nobody; anything else
// (a bare host, another scheme, a typo of the simulator) stops start-up.
func TestASettingNamesTheBankTheSimulatorOrNobody(t *testing.T) {
	t.Parallel()
	cases := []struct {
		value, want string
		err         bool
	}{
		{"", "", false},
		{"none", "", false},
		{"simulator", holdercheck.Simulator, false},
		{"https://bank.example/verify", "https://bank.example/verify", false},
		{"http://127.0.0.1:9000", "http://127.0.0.1:9000", false},
		{"bank.example", "", true},
		{"ftp://bank.example", "", true},
		{"simulater", "", true},
	}
	for _, tc := range cases {
		got, err := holdercheck.ParseSetting("X_HOLDER_CHECK", tc.value)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("ParseSetting(%q): got %q, %v; want %q, error %v", tc.value, got, err, tc.want, tc.err)
		}
	}
}

package adapters_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/payout/internal/adapters"
)

// TestPaymentAuthorisationsAreAskedAtMost31DaysACall plays adjudication,
// which refuses a window longer than 31 days: a year looked back is asked
// window by window, and every window's items come back once.
func TestPaymentAuthorisationsAreAskedAtMost31DaysACall(t *testing.T) {
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		from, err1 := time.Parse(time.RFC3339, r.URL.Query().Get("from"))
		to, err2 := time.Parse(time.RFC3339, r.URL.Query().Get("to"))
		if err1 != nil || err2 != nil || !from.Before(to) || to.Sub(from) > 31*24*time.Hour {
			http.Error(w, `{"error":{"code":"invalid_argument"}}`, http.StatusBadRequest)
			return
		}
		calls++
		item := map[string]any{"kind": "agreement", "claim_id": "c", "reference_id": from.Format(time.RFC3339),
			"amount_fen": 100, "account_fingerprint": "v1:Fp-2:AB", "authorised_at": from}
		_ = json.NewEncoder(w).Encode(map[string]any{"items": []any{item}})
	}))
	defer srv.Close()
	a := adapters.NewAdjudication(srv.URL, func(context.Context) (string, error) { return "service-token", nil })

	to := time.Date(2026, 12, 5, 16, 0, 0, 0, time.UTC)
	got, err := a.PaymentAuthorisations(context.Background(), to.Add(-366*24*time.Hour), to)
	require.NoError(t, err)
	if calls != 12 || len(got) != 12 {
		t.Fatalf("got %d calls and %d authorisations, want 12 and 12 (366 days in windows of 31)", calls, len(got))
	}
	if got[0].AccountFingerprint != "v1:Fp-2:AB" {
		t.Fatalf("got fingerprint %q, want it as adjudication answered (its key id kept as it is)", got[0].AccountFingerprint)
	}
}

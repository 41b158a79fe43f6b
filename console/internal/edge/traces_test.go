package edge

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func traceLink(t *testing.T, tracesURL, claimID string) *httptest.ResponseRecorder {
	t.Helper()
	h := Handler(Config{SignIn: func(*gin.Context) {}, TracesURL: tracesURL}, discard())
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/traces/claims/"+claimID, nil))
	return w
}

// TestClaimTraceLinkRefusesWhatIsNoClaimID is the attack: a claim id
// quoting its way out of the tag query's JSON, padded, or too long never
// reaches the trace store.
func TestClaimTraceLinkRefusesWhatIsNoClaimID(t *testing.T) {
	for name, id := range map[string]string{
		"quote":     url.PathEscape(`c1","service":"payout`),
		"padded":    url.PathEscape(" 0b7c-11 "),
		"too long":  strings.Repeat("a", 65),
		"other url": url.PathEscape("http://evil.example"),
	} {
		// A slash in the id does not even match the route (404).
		if w := traceLink(t, "http://127.0.0.1:16686", id); w.Code < 400 || w.Header().Get("Location") != "" {
			t.Errorf("%s: got %d to %q, want a refusal (4xx) and no redirect", name, w.Code, w.Header().Get("Location"))
		}
	}
}

func TestClaimTraceLinkSearchesTheClaimsTag(t *testing.T) {
	w := traceLink(t, "http://127.0.0.1:16686/", "5f0c2a3e-1b2c-4d5e-8f90-123456789abc")
	if w.Code != http.StatusFound {
		t.Fatalf("got %d, want 302", w.Code)
	}
	loc, err := url.Parse(w.Header().Get("Location"))
	if err != nil || loc.Scheme+"://"+loc.Host+loc.Path != "http://127.0.0.1:16686/search" {
		t.Fatalf("got redirect to %q, want the trace store's /search", w.Header().Get("Location"))
	}
	var tags map[string]string
	if err := json.Unmarshal([]byte(loc.Query().Get("tags")), &tags); err != nil || tags["claim_id"] != "5f0c2a3e-1b2c-4d5e-8f90-123456789abc" {
		t.Fatalf("got tags %q, want claim_id of the claim", loc.Query().Get("tags"))
	}
	if w := traceLink(t, "", "5f0c2a3e"); w.Code != http.StatusNotFound {
		t.Fatalf("without a trace store: got %d, want 404", w.Code)
	}
}

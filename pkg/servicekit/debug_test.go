package servicekit_test

import (
	"net/http"
	"strings"
	"testing"

	"claims.local/pkg/auth"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/servicekit/servicekittest"
)

// TestProfilerOnlyForAdmins: the profiler shows what the process holds
// (R11), so a handler's token, no token and a forged one are refused, and
// an admin gets the profiles.
func TestProfilerOnlyForAdmins(t *testing.T) {
	t.Parallel()
	r := servicekittest.Start(t)
	handler := r.Client.As(t, r.Keys, auth.Principal{Subject: "h-1", Roles: []auth.Role{auth.Handler}})
	senior := r.Client.As(t, r.Keys, auth.Principal{Subject: "s-1", Roles: []auth.Role{auth.SeniorHandler, auth.Auditor, auth.Finance}})
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/goroutine?debug=1", "/debug/pprof/cmdline"} {
		if a := r.Client.Do(t, http.MethodGet, path, ""); a.Status != http.StatusUnauthorized {
			t.Errorf("GET %s without a token: got %d, want 401", path, a.Status)
		}
		if a := r.Client.WithToken("not-a-token").Do(t, http.MethodGet, path, ""); a.Status != http.StatusUnauthorized {
			t.Errorf("GET %s with a forged token: got %d, want 401", path, a.Status)
		}
		if a := handler.Do(t, http.MethodGet, path, ""); a.Status != http.StatusForbidden {
			t.Errorf("GET %s as a handler: got %d (%s), want 403", path, a.Status, a.Body)
		}
		if a := senior.Do(t, http.MethodGet, path, ""); a.Status != http.StatusForbidden {
			t.Errorf("GET %s as senior handler, auditor and finance: got %d, want 403", path, a.Status)
		}
	}
	a := r.Admin.Do(t, http.MethodGet, "/debug/pprof/goroutine?debug=1", "")
	if a.Status != http.StatusOK || !strings.Contains(string(a.Body), "goroutine profile:") {
		t.Fatalf("GET goroutine profile as admin: got %d %.200s, want 200 with the profile", a.Status, a.Body)
	}
	if a := r.Admin.Do(t, http.MethodGet, "/debug/pprof/heap", ""); a.Status != http.StatusOK || len(a.Body) == 0 {
		t.Fatalf("GET heap profile as admin: got %d with %d bytes, want 200 with the profile", a.Status, len(a.Body))
	}
}

// TestAttackProfilerPathVariants: the profiler is not reached without the
// admin role by another spelling of its path (no trailing slash, doubled
// or encoded slashes, a percent-encoded letter, dot segments, upper case)
// or another method (HEAD, POST to symbol): every such request is refused
// or not found, and no profile is in the answer.
func TestAttackProfilerPathVariants(t *testing.T) {
	t.Parallel()
	r := servicekittest.Start(t)
	handler := r.Client.As(t, r.Keys, auth.Principal{Subject: "h-1", Roles: []auth.Role{auth.Handler}})
	paths := []string{"/debug/pprof", "/debug/pprof/heap/", "/debug//pprof/heap", "/debug/pprof//heap", "/debug/%70prof/heap",
		"/debug/pprof/%68eap", "/debug%2Fpprof%2Fheap", "/debug/pprof/./heap", "/debug/x/../pprof/heap", "/DEBUG/pprof/heap",
		"/debug/pprof/goroutine?debug=2", "/debug/pprof/symbol", "/debug/pprof/trace?seconds=1"}
	for _, path := range paths {
		for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodOptions} {
			for who, c := range map[string]interface {
				Do(testing.TB, string, string, string) apitest.Answer
			}{"no token": r.Client, "a handler": handler} {
				a := c.Do(t, method, path, "")
				if a.Status < 300 || strings.Contains(string(a.Body), "goroutine") || strings.Contains(string(a.Body), "heap profile") {
					t.Errorf("%s %s with %s: got %d %.120s, want it refused or not found", method, path, who, a.Status, a.Body)
				}
			}
		}
	}
}

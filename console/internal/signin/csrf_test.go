package signin

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// crossSite posts body to path from the address ip as a page on another
// site makes the victim's browser do it: a form (enctype text/plain, the
// JSON split as name=value around its last '=') or fetch in no-cors mode,
// both with the browser's Origin and Sec-Fetch-Site.
func (l *lockout) crossSite(ip, path, contentType, body string) int {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	r.Header.Set("Origin", "https://attacker.example")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	r.Header.Set("Sec-Fetch-Mode", "no-cors")
	r.RemoteAddr = ip + ":40000"
	l.e.ServeHTTP(w, r)
	return w.Code
}

// TestAttackAPageElsewhereCannotLockAUserOutFromTheirOwnBrowser: issue 20
// made a lock hold the name at the address the guesses came from, so a
// stranger typing a colleague's name locks only the stranger's address. A
// page on another site that the colleague opens makes the colleague's own
// browser send the wrong passwords (a form posts text/plain, which a JSON
// body survives: the password ends in "="), from the colleague's address:
// the colleague was locked out at their own desk for as long as the page
// kept posting. Sign-in, refresh and sign-out take only a JSON body sent
// from the console's own pages.
func TestAttackAPageElsewhereCannotLockAUserOutFromTheirOwnBrowser(t *testing.T) {
	l := newLockout(t)
	const desk = "192.0.2.10"
	forged := []struct{ contentType, body string }{
		{"text/plain", "{\"username\":\"handler-1\",\"password\":\"guess=\"}\r\n"},
		{"text/plain;charset=UTF-8", `{"username":"handler-1","password":"guess"}`},
		{"application/x-www-form-urlencoded", `{"username":"handler-1","password":"guess"}`},
		{"", `{"username":"handler-1","password":"guess"}`},
	}
	for i := range 8 {
		f := forged[i%len(forged)]
		if got := l.crossSite(desk, "/api/auth/sign-in", f.contentType, f.body); got == http.StatusUnauthorized || got == http.StatusTooManyRequests || got == http.StatusOK {
			t.Errorf("forged sign-in %d (%q): got %d, want it refused before it counts", i+1, f.contentType, got)
		}
	}
	if got := l.crossSite(desk, "/api/auth/sign-in", "application/json", `{"username":"handler-1","password":"right-pass"}`); got == http.StatusOK {
		t.Errorf("a cross-site JSON sign-in (what CORS would stop in a browser): got 200, want it refused")
	}
	if got := l.from(desk, "handler-1", "right-pass"); got != http.StatusOK {
		t.Fatalf("the colleague signing in at their own desk: got %d, want 200", got)
	}
	for _, path := range []string{"/api/auth/refresh", "/api/auth/sign-out"} {
		if got := l.crossSite(desk, path, "text/plain", `{"refresh_token":"rt"}`); got < 400 || got == http.StatusUnauthorized {
			t.Errorf("forged %s: got %d, want it refused before the token is looked at", path, got)
		}
	}
}

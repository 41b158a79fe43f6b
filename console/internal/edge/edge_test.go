package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"claims.local/console/internal/signin"
	"claims.local/pkg/auth"
	"claims.local/pkg/httpapi"
	"claims.local/pkg/postgres/pgtest"
)

// testDB returns a migrated console database of its own, opened as its
// run-time role (the console's rights: rows only).
func testDB(t *testing.T) *gorm.DB {
	t.Helper()
	return pgtest.NewMigrated(t, 10, signin.Migrations)
}

const testIssuer = "http://console.test"

// fixture is an edge in front of fake services.
type fixture struct {
	edge  *httptest.Server
	clock *time.Time
	key   auth.SigningKey
}

// upstreamSeen is what a fake service saw of a forwarded request.
type upstreamSeen struct {
	Path, Query, Authorization, RequestID, Cookie, Body string
}

// fakeService answers every request with what it saw.
func fakeService(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/slow" {
			time.Sleep(300 * time.Millisecond)
		}
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set(httpapi.RequestIDHeader, "from-upstream")
		w.WriteHeader(http.StatusTeapot)
		_ = json.NewEncoder(w).Encode(upstreamSeen{Path: r.URL.Path, Query: r.URL.RawQuery,
			Authorization: r.Header.Get("Authorization"), RequestID: r.Header.Get(httpapi.RequestIDHeader),
			Cookie: r.Header.Get("Cookie"), Body: string(body)})
	}))
	t.Cleanup(s.Close)
	return s
}

// closedURL is an address nothing listens on.
func closedURL(t *testing.T) *url.URL {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return &url.URL{Scheme: "http", Host: addr}
}

// newFixture starts an edge with a static dir holding a built console, a
// user handler-1 (password right-pass) and the given upstreams.
func newFixture(t *testing.T, staticDir string, upstreams ...Upstream) *fixture {
	t.Helper()
	return newFixtureBehind(t, nil, staticDir, upstreams...)
}

// newFixtureBehind is newFixture with the proxies given trusted.
func newFixtureBehind(t *testing.T, proxies []string, staticDir string, upstreams ...Upstream) *fixture {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte("right-pass"), bcrypt.MinCost)
	if err != nil {
		t.Fatalf("hash: %v", err)
	}
	users, err := signin.ParseUsers(strings.NewReader(`{"users": [{"username": "handler-1", "name": "韩立", "roles": ["handler"], "password_bcrypt": "` + string(h) + `"}]}`))
	if err != nil {
		t.Fatalf("users: %v", err)
	}
	clock := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	key, err := auth.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{clock: &clock, key: key}
	now := func() time.Time { return *f.clock }
	signer, err := auth.NewSigner(key, testIssuer, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	policy := signin.LimitPolicy{MaxFailures: 3, Window: time.Minute, Lockout: 5 * time.Minute}
	sh := signin.NewHandler(signin.Config{NameKey: bytes.Repeat([]byte{7}, 32), Users: users, Signer: signer, DB: testDB(t),
		PerUser: policy, PerClient: signin.LimitPolicy{MaxFailures: 6, Window: time.Minute, Lockout: time.Minute}, Now: now}, discard())
	pub := signin.NewPublisher(testIssuer, []auth.SigningKey{key})
	e := Handler(Config{StaticDir: staticDir, Upstreams: upstreams, SignIn: sh.SignIn, MaxBodyBytes: 1 << 10,
		WellKnown:      map[string]gin.HandlerFunc{signin.DiscoveryPath: pub.Discovery, signin.JWKSPath: pub.JWKS},
		TrustedProxies: proxies, Transport: NewTransport(time.Second, 100*time.Millisecond)}, discard())
	f.edge = httptest.NewServer(e)
	t.Cleanup(f.edge.Close)
	return f
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// builtConsole writes a small build: index.html and one hashed asset.
func builtConsole(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "assets"), 0o755); err != nil {
		t.Fatalf("mkdir: %v", err)
	}
	for name, body := range map[string]string{
		"index.html":              `<!doctype html><div id="root"></div>`,
		"assets/index-4f2a9c.js":  `console.log("app")`,
		"favicon.svg":             `<svg/>`,
		"../outside-the-root.txt": `secret`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatalf("write %s: %v", name, err)
		}
	}
	return dir
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (f *fixture) do(t *testing.T, method, path, body string, header map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(method, f.edge.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json") // as the console's pages send it
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := f.edge.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: raw}
}

// wantError checks an answer has status and the platform's error shape
// with code and a request id.
func wantError(t *testing.T, a answer, status int, code string) {
	t.Helper()
	var e httpapi.ErrorBody
	if err := json.Unmarshal(a.body, &e); err != nil {
		t.Fatalf("got body %q, want an error body: %v", a.body, err)
	}
	if a.status != status || e.Error.Code != code || e.Error.Message == "" || e.Error.RequestID == "" {
		t.Fatalf("got %d %+v, want %d with code %s, a message and a request id", a.status, e.Error, status, code)
	}
}

func TestProxyForwardsToTheServiceWithoutThePrefix(t *testing.T) {
	svc := fakeService(t)
	u, _ := url.Parse(svc.URL)
	f := newFixture(t, builtConsole(t), Upstream{Name: "adjudication", URL: u})

	a := f.do(t, http.MethodPost, "/api/adjudication/v1/cases/c-1/decision?x=1&y=%E4%B8%AD", `{"outcome":"approve"}`,
		map[string]string{"Authorization": "Bearer tok", "Cookie": "session=leak", httpapi.RequestIDHeader: "req-42"})
	if a.status != http.StatusTeapot {
		t.Fatalf("got status %d, want the service's 418", a.status)
	}
	var seen upstreamSeen
	if err := json.Unmarshal(a.body, &seen); err != nil {
		t.Fatalf("decode %q: %v", a.body, err)
	}
	want := upstreamSeen{Path: "/v1/cases/c-1/decision", Query: "x=1&y=%E4%B8%AD", Authorization: "Bearer tok",
		RequestID: "req-42", Body: `{"outcome":"approve"}`}
	if seen != want {
		t.Fatalf("the service saw %+v, want %+v", seen, want)
	}
	if got := a.header.Values(httpapi.RequestIDHeader); len(got) != 1 || got[0] != "req-42" {
		t.Fatalf("got request ids %v, want the one [req-42]", got)
	}
}

func TestProxyKeepsTheServicesOperationalRoutesInside(t *testing.T) {
	svc := fakeService(t)
	u, _ := url.Parse(svc.URL)
	f := newFixture(t, builtConsole(t), Upstream{Name: "payout", URL: u})
	for _, p := range []string{"/api/payout/metrics", "/api/payout/readyz", "/api/payout/", "/api/payout/v1x"} {
		wantError(t, f.do(t, http.MethodGet, p, "", nil), http.StatusNotFound, "not_found")
	}
	if a := f.do(t, http.MethodGet, "/api/payout/openapi.json", "", nil); a.status != http.StatusTeapot {
		t.Fatalf("openapi.json: got %d, want it forwarded", a.status)
	}
}

func TestProxyAnswersBadGatewayWhenTheServiceIsDown(t *testing.T) {
	f := newFixture(t, builtConsole(t), Upstream{Name: "intake", URL: closedURL(t)})
	wantError(t, f.do(t, http.MethodGet, "/api/intake/v1/reports/r-1", "", nil), http.StatusBadGateway, "unavailable")
}

func TestProxyAnswersGatewayTimeoutWhenTheServiceIsSlow(t *testing.T) {
	svc := fakeService(t)
	u, _ := url.Parse(svc.URL)
	f := newFixture(t, builtConsole(t), Upstream{Name: "intake", URL: u})
	wantError(t, f.do(t, http.MethodGet, "/api/intake/v1/slow", "", nil), http.StatusGatewayTimeout, "unavailable")
}

func TestProxyRefusesATooLargeBody(t *testing.T) {
	svc := fakeService(t)
	u, _ := url.Parse(svc.URL)
	f := newFixture(t, builtConsole(t), Upstream{Name: "intake", URL: u})
	wantError(t, f.do(t, http.MethodPost, "/api/intake/v1/reports", strings.Repeat("x", 4<<10), nil),
		http.StatusRequestEntityTooLarge, "payload_too_large")
}

func TestSignInAnswersATokenTheServicesAccept(t *testing.T) {
	f := newFixture(t, builtConsole(t))
	a := f.do(t, http.MethodPost, "/api/auth/sign-in", `{"username": "handler-1", "password": "right-pass"}`, nil)
	if a.status != http.StatusOK {
		t.Fatalf("got %d %s, want 200", a.status, a.body)
	}
	var s signin.Response
	if err := json.Unmarshal(a.body, &s); err != nil {
		t.Fatalf("decode %q: %v", a.body, err)
	}
	if want := f.clock.Add(time.Hour); !s.ExpiresAt.Equal(want) {
		t.Fatalf("got expires_at %v, want %v", s.ExpiresAt, want)
	}
	if s.User.Subject != "handler-1" || s.User.Name != "韩立" || len(s.User.Roles) != 1 || s.User.Roles[0] != "handler" {
		t.Fatalf("got user %+v, want handler-1 韩立 [handler]", s.User)
	}
	var jwks auth.JWKSet
	if a := f.do(t, http.MethodGet, signin.JWKSPath, "", nil); a.status != http.StatusOK || json.Unmarshal(a.body, &jwks) != nil {
		t.Fatalf("GET %s: got %d %s, want the JWKS", signin.JWKSPath, a.status, a.body)
	}
	var p auth.Principal
	for _, aud := range auth.Services() {
		v, err := auth.NewVerifier(auth.VerifierConfig{Issuer: testIssuer, Audience: aud, Keys: auth.StaticKeys(jwks.PublicKeys()...),
			Now: func() time.Time { return *f.clock }})
		if err != nil {
			t.Fatal(err)
		}
		if p, err = v.Verify(context.Background(), s.Token); err != nil {
			t.Fatalf("token for %s: got %v, want it valid with the published keys", aud, err)
		}
	}
	if p.Subject != "handler-1" || !p.Has(auth.Handler) || p.Has(auth.Finance) {
		t.Fatalf("token: got %+v, want a valid token of handler-1 with the handler role only", p)
	}
	if got := a.header.Get("Cache-Control"); got != "no-store" {
		t.Fatalf("got Cache-Control %q, want no-store", got)
	}
}

func TestSignInRefusesWrongCredentialsAndBadInput(t *testing.T) {
	f := newFixture(t, builtConsole(t))
	for _, c := range []struct {
		body, code string
		status     int
	}{
		{`{"username": "handler-1", "password": "wrong-pass"}`, "unauthenticated", http.StatusUnauthorized},
		{`{"username": "nobody", "password": "right-pass"}`, "unauthenticated", http.StatusUnauthorized},
		{`{"username": "handler-1"}`, "invalid_argument", http.StatusBadRequest},
		{`{"username": "handler-1", "password": "x", "role": "admin"}`, "invalid_argument", http.StatusBadRequest},
		{`not json`, "invalid_argument", http.StatusBadRequest},
	} {
		wantError(t, f.do(t, http.MethodPost, "/api/auth/sign-in", c.body, nil), c.status, c.code)
	}
}

func TestSignInLocksAUserAfterTooManyFailures(t *testing.T) {
	f := newFixture(t, builtConsole(t))
	wrong := `{"username": "handler-1", "password": "wrong-pass"}`
	right := `{"username": "handler-1", "password": "right-pass"}`
	for range 3 {
		wantError(t, f.do(t, http.MethodPost, "/api/auth/sign-in", wrong, nil), http.StatusUnauthorized, "unauthenticated")
	}
	a := f.do(t, http.MethodPost, "/api/auth/sign-in", right, nil)
	wantError(t, a, http.StatusTooManyRequests, signin.CodeRateLimited)
	if got := a.header.Get("Retry-After"); got != "300" {
		t.Fatalf("got Retry-After %q, want 300", got)
	}
	*f.clock = f.clock.Add(5*time.Minute + time.Second)
	if a := f.do(t, http.MethodPost, "/api/auth/sign-in", right, nil); a.status != http.StatusOK {
		t.Fatalf("after the lockout: got %d %s, want 200", a.status, a.body)
	}
}

func TestStaticServesTheConsoleWithFallbackAndCacheHeaders(t *testing.T) {
	f := newFixture(t, builtConsole(t))
	for _, c := range []struct {
		path, wantBody, wantCache string
	}{
		{"/", `<!doctype html><div id="root"></div>`, cacheRevalidate},
		{"/claims/c-123", `<!doctype html><div id="root"></div>`, cacheRevalidate},
		{"/payouts?state=failed", `<!doctype html><div id="root"></div>`, cacheRevalidate},
		{"/index.html", `<!doctype html><div id="root"></div>`, cacheRevalidate},
		{"/assets/index-4f2a9c.js", `console.log("app")`, cacheImmutable},
		{"/favicon.svg", `<svg/>`, cacheRevalidate},
	} {
		a := f.do(t, http.MethodGet, c.path, "", nil)
		if a.status != http.StatusOK || string(a.body) != c.wantBody {
			t.Fatalf("GET %s: got %d %q, want 200 %q", c.path, a.status, a.body, c.wantBody)
		}
		if got := a.header.Get("Cache-Control"); got != c.wantCache {
			t.Fatalf("GET %s: got Cache-Control %q, want %q", c.path, got, c.wantCache)
		}
		if a.header.Get("Content-Security-Policy") == "" || a.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("GET %s: got headers %v, want the security headers", c.path, a.header)
		}
	}
}

func TestStaticRefusesWhatIsNotThere(t *testing.T) {
	f := newFixture(t, builtConsole(t))
	for _, c := range []struct {
		method, path, code string
		status             int
	}{
		{http.MethodGet, "/assets/index-old.js", "not_found", http.StatusNotFound},
		{http.MethodGet, "/api/nothing", "not_found", http.StatusNotFound},
		{http.MethodGet, "/api/auth/other", "not_found", http.StatusNotFound},
		{http.MethodPost, "/claims/c-1", "not_found", http.StatusNotFound},
		{http.MethodGet, "/../outside-the-root.txt", "not_found", http.StatusNotFound},
		{http.MethodGet, "/%2e%2e/outside-the-root.txt", "not_found", http.StatusNotFound},
	} {
		wantError(t, f.do(t, c.method, c.path, "", nil), c.status, c.code)
	}
}

func TestReadyOnlyWithTheBuiltConsole(t *testing.T) {
	if a := newFixture(t, builtConsole(t)).do(t, http.MethodGet, "/readyz", "", nil); a.status != http.StatusOK {
		t.Fatalf("built: got /readyz %d, want 200", a.status)
	}
	f := newFixture(t, t.TempDir())
	if a := f.do(t, http.MethodGet, "/readyz", "", nil); a.status != http.StatusServiceUnavailable {
		t.Fatalf("not built: got /readyz %d, want 503", a.status)
	}
	wantError(t, f.do(t, http.MethodGet, "/claims/c-1", "", nil), http.StatusServiceUnavailable, "unavailable")
	if a := f.do(t, http.MethodGet, "/healthz", "", nil); a.status != http.StatusOK {
		t.Fatalf("got /healthz %d, want 200", a.status)
	}
}

// Issue 15: the client address is the connection's unless the peer is a
// trusted proxy; an X-Forwarded-For written by the client itself neither
// resets nor shifts its counter.
func TestForwardedForFromAnUntrustedPeerDoesNotShiftTheClientCounter(t *testing.T) {
	f := newFixture(t, builtConsole(t))
	for i := range 6 {
		a := f.doHeader(t, "/api/auth/sign-in", `{"username": "nobody-`+strconv.Itoa(i)+`", "password": "wrong-pass"}`,
			"X-Forwarded-For", "198.51.100."+strconv.Itoa(i))
		wantError(t, a, http.StatusUnauthorized, "unauthenticated")
	}
	a := f.doHeader(t, "/api/auth/sign-in", `{"username": "handler-1", "password": "right-pass"}`, "X-Forwarded-For", "203.0.113.9")
	wantError(t, a, http.StatusTooManyRequests, signin.CodeRateLimited)
}

func TestForwardedForFromATrustedProxyNamesTheClient(t *testing.T) {
	f := newFixtureBehind(t, []string{"127.0.0.1/32"}, builtConsole(t))
	for i := range 6 {
		f.doHeader(t, "/api/auth/sign-in", `{"username": "nobody-`+strconv.Itoa(i)+`", "password": "wrong-pass"}`, "X-Forwarded-For", "198.51.100.7")
	}
	if a := f.doHeader(t, "/api/auth/sign-in", `{"username": "handler-1", "password": "right-pass"}`, "X-Forwarded-For", "203.0.113.9"); a.status != http.StatusOK {
		t.Fatalf("another client behind the proxy: got %d %s, want 200", a.status, a.body)
	}
}

// doHeader posts body to path with one extra header.
func (f *fixture) doHeader(t *testing.T, path, body, name, value string) answer {
	t.Helper()
	return f.do(t, http.MethodPost, path, body, map[string]string{name: value})
}

// TestAttackAServicesAnswerIsNotKeptByTheBrowser: the console's browser
// on a shared counter PC keeps in its disk cache every answer that does
// not forbid it: a claim's names, a document's file. Through the edge, an
// API answer says Cache-Control: no-store and nosniff, once each, whether
// the service said so (a document's file) or not.
func TestAttackAServicesAnswerIsNotKeptByTheBrowser(t *testing.T) {
	plain := fakeService(t)
	careful := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "private, no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write([]byte("\x89PNG"))
	}))
	t.Cleanup(careful.Close)
	pu, _ := url.Parse(plain.URL)
	cu, _ := url.Parse(careful.URL)
	f := newFixture(t, builtConsole(t), Upstream{Name: "intake", URL: pu}, Upstream{Name: "payout", URL: cu})
	for _, path := range []string{"/api/intake/v1/reports/r-1", "/api/payout/v1/reports/r-1/documents/d-1/content", "/api/intake/metrics"} {
		a := f.do(t, http.MethodGet, path, "", map[string]string{"Authorization": "Bearer tok"})
		if got := a.header.Values("Cache-Control"); len(got) != 1 || !strings.Contains(got[0], "no-store") {
			t.Errorf("GET %s (%d): got Cache-Control %q, want one no-store", path, a.status, got)
		}
		if got := a.header.Values("X-Content-Type-Options"); len(got) != 1 || got[0] != "nosniff" {
			t.Errorf("GET %s (%d): got X-Content-Type-Options %q, want one nosniff", path, a.status, got)
		}
	}
}

// TestAttackTheServicesOperationalRoutesStayInsideWhateverThePath: through
// the edge, a path that climbs out of /v1/ (dot segments, encoded dots and
// slashes, doubled slashes) reaches a service's /metrics, /readyz or
// /debug/pprof (goroutines and heap: claimants' details, R11) nowhere. The
// service behind is a real httpapi engine, which would answer them.
func TestAttackTheServicesOperationalRoutesStayInsideWhateverThePath(t *testing.T) {
	engine := httpapi.NewEngine(httpapi.Options{Log: discard(), Registry: prometheus.NewRegistry(), OpenAPI: []byte(`{}`)})
	engine.GET("/debug/pprof/*profile", func(c *gin.Context) { c.String(http.StatusOK, "goroutine profile") })
	engine.GET("/v1/reports/:id", func(c *gin.Context) { c.String(http.StatusOK, "report") })
	svc := httptest.NewServer(engine)
	t.Cleanup(svc.Close)
	u, _ := url.Parse(svc.URL)
	f := newFixture(t, builtConsole(t), Upstream{Name: "intake", URL: u})
	for _, p := range []string{
		"/api/intake/v1/../metrics", "/api/intake/v1/%2e%2e/metrics", "/api/intake/v1/..%2fmetrics", "/api/intake/v1/%2e%2e%2fmetrics",
		"/api/intake/v1/../debug/pprof/goroutine", "/api/intake/v1/%2E%2E/debug/pprof/heap", "/api/intake//metrics",
		"/api/intake/v1/..;/metrics", "/api/intake/v1/./../readyz", "/api/intake/openapi.json/../metrics",
	} {
		a := f.do(t, http.MethodGet, p, "", map[string]string{"Authorization": "Bearer tok"})
		body := string(a.body)
		if a.status == http.StatusOK || strings.Contains(body, "go_goroutines") || strings.Contains(body, "goroutine profile") || strings.Contains(body, `"ready"`) {
			t.Errorf("GET %s: got %d %.120q, want no operational route", p, a.status, body)
		}
	}
	if a := f.do(t, http.MethodGet, "/api/intake/v1/reports/r-1", "", nil); a.status != http.StatusOK || string(a.body) != "report" {
		t.Fatalf("GET a report: got %d %q, want it forwarded", a.status, a.body)
	}
}

// Package apitest helps the component tests of a service built on httpapi:
// it starts the service in-process, sends it HTTP requests, checks the
// answers against the service's OpenAPI document, feeds it Kafka messages
// and waits for what it does in the background.
package apitest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/pkg/auth"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/outbox"
)

// RequestTimeout bounds each request a Client sends.
const RequestTimeout = 15 * time.Second

// StopTimeout is how long a service Start started may take to stop.
const StopTimeout = 30 * time.Second

// Service is a service started in-process: it serves HTTP on Addr until Run
// returns.
type Service interface {
	Addr() string
	Run(ctx context.Context) error
}

// Start starts a service with start(ctx, cfg, log), logging nowhere, and runs
// it until the test ends; at cleanup it cancels ctx and waits for Run to
// return nil. It returns the service and a Client for its HTTP address; name
// names the service in failure messages.
func Start[C any, S Service](t testing.TB, name string, start func(context.Context, C, *slog.Logger) (S, error), cfg C) (S, *Client) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := start(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		cancel()
		t.Fatalf("start %s: got %v, want no error", name, err)
	}
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: got %v after cancel, want nil", err)
			}
		case <-time.After(StopTimeout):
			t.Errorf("Run: got still running %v after cancel, want it stopped", StopTimeout)
		}
	})
	return svc, NewClient("http://" + svc.Addr())
}

// Answer is an HTTP answer, its body read in full.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Client sends requests to one service.
type Client struct {
	base  string
	http  *http.Client
	token string
}

// NewClient returns a Client for the service at base, such as
// "http://127.0.0.1:8080".
func NewClient(base string) *Client {
	return &Client{base: base, http: &http.Client{Timeout: RequestTimeout}}
}

// Do sends method path with body, as JSON unless body is empty, and returns
// the answer. A request that gets no answer fails the test.
func (c *Client) Do(t testing.TB, method, path, body string) Answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	require.NoError(t, err, "%s %s", method, path)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return Answer{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// WantHealthy checks that GET /healthz answers 200 and GET /readyz answers
// 200 with the JSON readyz.
func (c *Client) WantHealthy(t testing.TB, readyz string) {
	t.Helper()
	if a := c.Do(t, http.MethodGet, "/healthz", ""); a.Status != http.StatusOK {
		t.Fatalf("GET /healthz: got status %d, want 200", a.Status)
	}
	a := c.Do(t, http.MethodGet, "/readyz", "")
	if a.Status != http.StatusOK {
		t.Fatalf("GET /readyz: got status %d (%s), want 200", a.Status, a.Body)
	}
	require.JSONEq(t, readyz, string(a.Body))
}

// Eventually polls cond every 50ms until it holds, and fails the test when
// within has passed first; what names what cond waits for.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("got no %s within %v, want it", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Publish sends raw messages to Kafka as the cluster's principal and, like an outbox relay,
// tries again every 200ms for up to 30s while the broker is not ready for
// them (a partition just created may answer "not leader" for a moment).
func Publish(t testing.TB, cluster kafkabus.Cluster, msgs ...outbox.Message) {
	t.Helper()
	pub := kafkabus.NewPublisher(cluster)
	defer pub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		err := pub.Publish(ctx, msgs)
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("publish to Kafka: got %v, want the messages sent within 30s", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestKeys is the token issuer of one test: an Ed25519 key the test signs
// with, and the JWKS and discovery documents a test HTTP server publishes
// for it. The service under test holds only the public key (Config), as a
// real service holds only the sign-in component's JWKS.
type TestKeys struct {
	key    auth.SigningKey
	issuer string
	// clientSecret is the secret of every service client of the token
	// endpoint (POST /api/auth/token), as the console's serves them.
	clientSecret string
}

// Keys returns a fresh issuer for the services of one test; its JWKS is
// served until the test ends.
func Keys(t testing.TB) *TestKeys {
	t.Helper()
	key, err := auth.GenerateSigningKey()
	require.NoError(t, err)
	k := &TestKeys{key: key, clientSecret: hex.EncodeToString(randomBytes(t, 24))}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeTestJSON(w, auth.Discovery{Issuer: k.issuer, JWKSURI: k.issuer + "/.well-known/jwks.json",
			ResponseTypesSupported: []string{"token"}, SubjectTypesSupported: []string{"public"}, IDTokenSigningAlgValuesSupported: []string{"EdDSA"}})
	})
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		writeTestJSON(w, auth.JWKS(key.Public()))
	})
	// The client credentials grant of a service principal (system:<client
	// id>, role auditor), for the audience asked.
	mux.HandleFunc("POST /api/auth/token", func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		if !ok || secret != k.clientSecret || r.PostFormValue("grant_type") != "client_credentials" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		s, err := auth.NewSigner(key, k.issuer, 10*time.Minute)
		if err == nil {
			var token string
			if token, err = s.Issue(auth.Principal{Subject: "system:" + id, Roles: []auth.Role{auth.Auditor}}, []string{r.PostFormValue("audience")}, time.Now()); err == nil {
				writeTestJSON(w, map[string]any{"access_token": token, "token_type": "Bearer", "expires_in": 600})
				return
			}
		}
		http.Error(w, err.Error(), http.StatusInternalServerError)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	k.issuer = srv.URL
	return k
}

func writeTestJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// ClientSecret is the secret the issuer's token endpoint accepts from every
// service client (PAYOUT_CLIENT_SECRET of a payout under test).
func (k *TestKeys) ClientSecret() string { return k.clientSecret }

// TokenSource returns a source of tokens of the service principal
// system:<client> (role auditor) for audience, as a service's client
// credentials give it.
func (k *TestKeys) TokenSource(t testing.TB, client, audience string) func(context.Context) (string, error) {
	t.Helper()
	token := k.Sign(t, auth.Principal{Subject: "system:" + client, Roles: []auth.Role{auth.Auditor}}, audience)
	return func(context.Context) (string, error) { return token, nil }
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

// Issuer is the issuer's URL (AUTH_ISSUER of a service under test); its
// discovery document and JWKS are served there.
func (k *TestKeys) Issuer() string { return k.issuer }

// Config is the token verification of a service under test: this issuer,
// its public key given directly (the audience is left to the service).
func (k *TestKeys) Config() auth.VerifierConfig {
	return auth.VerifierConfig{Issuer: k.issuer, Keys: auth.StaticKeys(k.key.Public())}
}

// KeyFile writes the private key as a PEM file in a folder of the test and
// returns its path: the CONSOLE_SIGNING_KEY_FILE of a console that signs
// as this issuer.
func (k *TestKeys) KeyFile(t testing.TB) string {
	t.Helper()
	raw, err := auth.EncodeSigningKeys(k.key)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "signing-key.pem")
	require.NoError(t, os.WriteFile(path, raw, 0o600))
	return path
}

// Sign signs p in for the audiences given, for an hour.
func (k *TestKeys) Sign(t testing.TB, p auth.Principal, audiences ...string) string {
	t.Helper()
	s, err := auth.NewSigner(k.key, k.issuer, time.Hour)
	require.NoError(t, err)
	token, err := s.Issue(p, audiences, time.Now())
	require.NoError(t, err)
	return token
}

// Everyone is a principal holding every role, for tests about something
// other than permissions.
func Everyone() auth.Principal {
	return auth.Principal{Subject: "tester", Name: "测试员", Roles: auth.Roles()}
}

// Token signs p in with keys for an hour, for every service (as the
// console's sign-in does).
func Token(t testing.TB, keys *TestKeys, p auth.Principal) string {
	t.Helper()
	return keys.Sign(t, p, auth.Services()...)
}

// As returns a copy of c that calls as p, signed by keys.
func (c *Client) As(t testing.TB, keys *TestKeys, p auth.Principal) *Client {
	t.Helper()
	return c.WithToken(Token(t, keys, p))
}

// WithToken returns a copy of c that sends token as its bearer token; an
// empty token sends none.
func (c *Client) WithToken(token string) *Client {
	cp := *c
	cp.token = token
	return &cp
}

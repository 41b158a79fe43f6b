package signin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"claims.local/pkg/auth"
)

func TestAServicePrincipalGetsATokenForItsOwnAudiencesOnly(t *testing.T) {
	secret := "4f1c2d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e"
	sum := sha256.Sum256([]byte(secret))
	clients, err := ParseClients(strings.NewReader(`{"clients": [{"client_id": "payout", "secret_sha256": "` + hex.EncodeToString(sum[:]) +
		`", "subject": "system:payout", "roles": ["finance"], "audiences": ["adjudication"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	signer, key := testSigner(t, 10*time.Minute)
	h := NewHandler(Config{NameKey: testNameKey(), Signer: signer, DB: testDB(t), Clients: clients,
		PerUser:   LimitPolicy{MaxFailures: 3, Window: time.Minute, Lockout: time.Minute},
		PerClient: LimitPolicy{MaxFailures: 100, Window: time.Minute, Lockout: time.Minute}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e := gin.New()
	e.POST("/api/auth/token", h.Token)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)

	cc := auth.NewClientCredentials(auth.ClientCredentialsConfig{TokenURL: srv.URL + "/api/auth/token", ClientID: "payout", Secret: secret, Audience: "adjudication"})
	token, err := cc.Token(context.Background())
	if err != nil {
		t.Fatalf("client credentials: got %v, want a token", err)
	}
	again, err := cc.Token(context.Background())
	if err != nil || again != token {
		t.Fatalf("second call: got a new token or %v, want the cached one", err)
	}
	verify := func(aud string) (auth.Principal, error) {
		v, err := auth.NewVerifier(auth.VerifierConfig{Issuer: "http://console.test", Audience: aud, Keys: auth.StaticKeys(key.Public())})
		if err != nil {
			t.Fatal(err)
		}
		return v.Verify(context.Background(), token)
	}
	p, err := verify("adjudication")
	if err != nil || p.Subject != "system:payout" || !p.Has(auth.Finance) {
		t.Fatalf("adjudication: got %+v %v, want system:payout with finance", p, err)
	}
	if _, err := verify("payout"); err == nil {
		t.Fatalf("payout: got the token accepted, want it refused (not its audience)")
	}
	for name, c := range map[string]struct {
		form url.Values
		want int
	}{
		"wrong secret":     {url.Values{"grant_type": {"client_credentials"}, "client_id": {"payout"}, "client_secret": {secret + "x"}, "audience": {"adjudication"}}, http.StatusUnauthorized},
		"unknown client":   {url.Values{"grant_type": {"client_credentials"}, "client_id": {"intake"}, "client_secret": {secret}, "audience": {"adjudication"}}, http.StatusUnauthorized},
		"another audience": {url.Values{"grant_type": {"client_credentials"}, "client_id": {"payout"}, "client_secret": {secret}, "audience": {"payout"}}, http.StatusForbidden},
		"another grant":    {url.Values{"grant_type": {"password"}, "client_id": {"payout"}, "client_secret": {secret}, "audience": {"adjudication"}}, http.StatusBadRequest},
	} {
		resp, err := http.PostForm(srv.URL+"/api/auth/token", c.form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s: got %d, want %d", name, resp.StatusCode, c.want)
		}
	}
}

// A service client holds one factor, its secret: it is refused the admin
// role (which unlocks users, revokes sessions, writes product rules and
// reads profiles, and needs a one-time code from a person) and the
// console's own audience (unlock and revocation are for people), so that
// a leaked service secret never acts as an admin without the second factor.
func TestAttackAServiceClientCannotBeAnAdminOrCallTheConsole(t *testing.T) {
	sum := sha256.Sum256([]byte("4f1c2d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e"))
	for _, c := range []struct{ name, roles, audiences string }{
		{"the admin role", `["auditor", "admin"]`, `["adjudication"]`},
		{"the console's audience", `["auditor"]`, `["adjudication", "console"]`},
	} {
		_, err := ParseClients(strings.NewReader(`{"clients": [{"client_id": "payout", "secret_sha256": "` + hex.EncodeToString(sum[:]) +
			`", "subject": "system:payout", "roles": ` + c.roles + `, "audiences": ` + c.audiences + `}]}`))
		if err == nil {
			t.Errorf("a client with %s: got it accepted, want it refused", c.name)
		}
	}
}

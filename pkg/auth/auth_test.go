package auth_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/auth"
)

const issuer = "https://signin.test"

// newKey returns a fresh Ed25519 signing key.
func newKey(t *testing.T) auth.SigningKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return auth.NewSigningKey(priv)
}

func verifier(t *testing.T, keys auth.PublicKeys, audience string, now func() time.Time) *auth.Verifier {
	t.Helper()
	return verifierOf(t, issuer, keys, audience, now)
}

func verifierOf(t *testing.T, iss string, keys auth.PublicKeys, audience string, now func() time.Time) *auth.Verifier {
	t.Helper()
	v, err := auth.NewVerifier(auth.VerifierConfig{Issuer: iss, Audience: audience, Keys: keys, Now: now})
	require.NoError(t, err)
	return v
}

func handler() auth.Principal {
	return auth.Principal{Subject: "handler-1", Name: "韩立", Roles: []auth.Role{auth.Handler}}
}

func TestATokenSignedByTheIssuerIsAcceptedWithItsRoles(t *testing.T) {
	key := newKey(t)
	s, err := auth.NewSigner(key, issuer, time.Hour)
	require.NoError(t, err)
	token, err := s.Issue(handler(), []string{"intake", "payout"}, time.Now())
	require.NoError(t, err)
	p, err := verifier(t, auth.StaticKeys(key.Public()), "payout", nil).Verify(context.Background(), token)
	require.NoError(t, err)
	if p.Subject != "handler-1" || p.Name != "韩立" || !p.Has(auth.Handler) || p.Has(auth.Finance) {
		t.Fatalf("got %+v, want handler-1 with the handler role only", p)
	}
}

func TestATokenForAnotherServicesAudienceIsRefused(t *testing.T) {
	key := newKey(t)
	s, err := auth.NewSigner(key, issuer, time.Hour)
	require.NoError(t, err)
	token, err := s.Issue(handler(), []string{"intake"}, time.Now())
	require.NoError(t, err)
	if p, err := verifier(t, auth.StaticKeys(key.Public()), "payout", nil).Verify(context.Background(), token); err == nil {
		t.Fatalf("got %+v accepted by payout, want a token for intake refused", p)
	}
	if _, err := s.Issue(handler(), nil, time.Now()); err == nil {
		t.Fatalf("got a token without an audience, want it refused")
	}
}

// rawToken signs claims with key as the attacker or a careless issuer
// would, bypassing the Signer's own limits.
func rawToken(t *testing.T, key auth.SigningKey, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	tok.Header["kid"] = key.ID
	s, err := tok.SignedString(key.Private)
	require.NoError(t, err)
	return s
}

func TestATokenLivingLongerThanAnHourIsRefused(t *testing.T) {
	key := newKey(t)
	now := time.Now()
	for name, life := range map[string]time.Duration{"24h": 24 * time.Hour, "1h and a second": time.Hour + time.Second} {
		t.Run(name, func(t *testing.T) {
			token := rawToken(t, key, jwt.MapClaims{"iss": issuer, "sub": "handler-1", "aud": "intake", "roles": []string{"admin"},
				"iat": now.Unix(), "exp": now.Add(life).Unix()})
			if p, err := verifier(t, auth.StaticKeys(key.Public()), "intake", nil).Verify(context.Background(), token); err == nil {
				t.Fatalf("got %+v accepted, want a token living %s refused", p, life)
			}
		})
	}
	noIat := rawToken(t, key, jwt.MapClaims{"iss": issuer, "sub": "h", "aud": "intake", "roles": []string{"admin"}, "exp": now.Add(time.Minute).Unix()})
	if _, err := verifier(t, auth.StaticKeys(key.Public()), "intake", nil).Verify(context.Background(), noIat); err == nil {
		t.Fatalf("got a token without iat accepted, want it refused: its lifetime is unknown")
	}
	if _, err := auth.NewSigner(key, issuer, 2*time.Hour); err == nil {
		t.Fatalf("got a signer of 2h tokens, want it refused")
	}
}

func TestAnHMACTokenSignedWithAnExampleSecretIsRefused(t *testing.T) {
	key := newKey(t)
	for _, secret := range []string{"change-me-change-me-change-me-0000", "replace-with-32-or-more-random-bytes-000000"} {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": issuer, "sub": "attacker", "aud": "payout",
			"roles": []string{"finance"}, "iat": time.Now().Unix(), "exp": time.Now().Add(time.Minute).Unix()})
		tok.Header["kid"] = key.ID
		s, err := tok.SignedString([]byte(secret))
		require.NoError(t, err)
		if p, err := verifier(t, auth.StaticKeys(key.Public()), "payout", nil).Verify(context.Background(), s); err == nil {
			t.Fatalf("got %+v accepted, want an HS256 token refused", p)
		}
	}
}

func TestATokenOfAnotherIssuerOrKeyIsRefused(t *testing.T) {
	key, other := newKey(t), newKey(t)
	s, err := auth.NewSigner(other, issuer, time.Hour)
	require.NoError(t, err)
	token, err := s.Issue(handler(), []string{"intake"}, time.Now())
	require.NoError(t, err)
	if _, err := verifier(t, auth.StaticKeys(key.Public()), "intake", nil).Verify(context.Background(), token); err == nil {
		t.Fatalf("got a token of an unknown key accepted, want it refused")
	}
	elsewhere, err := auth.NewSigner(key, "https://evil.test", time.Hour)
	require.NoError(t, err)
	token, err = elsewhere.Issue(handler(), []string{"intake"}, time.Now())
	require.NoError(t, err)
	if _, err := verifier(t, auth.StaticKeys(key.Public()), "intake", nil).Verify(context.Background(), token); err == nil {
		t.Fatalf("got a token of another issuer accepted, want it refused")
	}
}

// jwksServer serves the public keys of *keys at /.well-known/jwks.json,
// discovery at /.well-known/openid-configuration, and counts fetches.
func jwksServer(t *testing.T, keys *[]auth.SigningKey, fetches *atomic.Int32) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": srv.URL, "jwks_uri": srv.URL + "/.well-known/jwks.json"})
	})
	mux.HandleFunc("/.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		var pubs []auth.PublicKey
		for _, k := range *keys {
			pubs = append(pubs, k.Public())
		}
		_ = json.NewEncoder(w).Encode(auth.JWKS(pubs...))
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestTheJWKSIsCachedAndFetchedAgainForANewKeyAtMostOncePerInterval(t *testing.T) {
	first := newKey(t)
	keys := []auth.SigningKey{first}
	var fetches atomic.Int32
	srv := jwksServer(t, &keys, &fetches)
	remote, err := auth.NewRemoteKeys(auth.RemoteKeysConfig{Issuer: srv.URL, MinRefetch: time.Hour})
	require.NoError(t, err)
	v := verifierOf(t, srv.URL, remote, "intake", nil)
	sign := func(k auth.SigningKey) string {
		s, err := auth.NewSigner(k, srv.URL, time.Hour)
		require.NoError(t, err)
		tok, err := s.Issue(handler(), []string{"intake"}, time.Now())
		require.NoError(t, err)
		return tok
	}
	for range 3 {
		_, err := v.Verify(context.Background(), sign(first))
		require.NoError(t, err)
	}
	if got := fetches.Load(); got != 1 {
		t.Fatalf("got %d JWKS fetches for 3 tokens of one key, want 1", got)
	}
	// A forged kid must not make the verifier hammer the issuer.
	forged := newKey(t)
	for range 5 {
		if _, err := v.Verify(context.Background(), sign(forged)); err == nil {
			t.Fatalf("got a token of an unpublished key accepted, want it refused")
		}
	}
	if got := fetches.Load(); got > 2 {
		t.Fatalf("got %d JWKS fetches after 5 unknown kids, want at most 2 (refetch rate-limited)", got)
	}
}

func TestARotatedKeyIsPickedUpByItsKid(t *testing.T) {
	first, second := newKey(t), newKey(t)
	keys := []auth.SigningKey{first}
	var fetches atomic.Int32
	srv := jwksServer(t, &keys, &fetches)
	remote, err := auth.NewRemoteKeys(auth.RemoteKeysConfig{Issuer: srv.URL, MinRefetch: time.Millisecond})
	require.NoError(t, err)
	v := verifierOf(t, srv.URL, remote, "intake", nil)
	s1, _ := auth.NewSigner(first, srv.URL, time.Hour)
	t1, _ := s1.Issue(handler(), []string{"intake"}, time.Now())
	_, err = v.Verify(context.Background(), t1)
	require.NoError(t, err)
	keys = []auth.SigningKey{second, first}
	time.Sleep(5 * time.Millisecond)
	s2, _ := auth.NewSigner(second, srv.URL, time.Hour)
	t2, _ := s2.Issue(handler(), []string{"intake"}, time.Now())
	if _, err := v.Verify(context.Background(), t2); err != nil {
		t.Fatalf("got %v for a token of the new key, want it accepted after a refetch", err)
	}
}

func TestRolesComeFromTheConfiguredClaim(t *testing.T) {
	key := newKey(t)
	now := time.Now()
	token := rawToken(t, key, jwt.MapClaims{"iss": issuer, "sub": "u-1", "aud": []string{"account", "intake"},
		"realm_access": map[string]any{"roles": []string{"finance", "offline_access"}}, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()})
	v, err := auth.NewVerifier(auth.VerifierConfig{Issuer: issuer, Audience: "intake", Keys: auth.StaticKeys(key.Public()), RolesClaim: "realm_access.roles"})
	require.NoError(t, err)
	p, err := v.Verify(context.Background(), token)
	require.NoError(t, err)
	if !p.Has(auth.Finance) || len(p.Roles) != 1 {
		t.Fatalf("got roles %v, want [finance] from realm_access.roles", p.Roles)
	}
}

// publishedKey is a key and the issuer publishing it.
func publishedKey(t *testing.T) (auth.SigningKey, *httptest.Server) {
	t.Helper()
	key := newKey(t)
	keys := []auth.SigningKey{key}
	var fetches atomic.Int32
	return key, jwksServer(t, &keys, &fetches)
}

// TestACallerThatGoesAwayDoesNotPoisonTheKeyCache is the chaos test's stall:
// the first request after a service started came from a client that was
// killed at once, its context was cancelled during the JWKS fetch, and the
// service then refused every token for the whole refetch interval.
func TestACallerThatGoesAwayDoesNotPoisonTheKeyCache(t *testing.T) {
	key, srv := publishedKey(t)
	remote, err := auth.NewRemoteKeys(auth.RemoteKeysConfig{Issuer: srv.URL, MinRefetch: time.Hour})
	require.NoError(t, err)
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	_, _ = remote.Lookup(gone, key.Public().ID)
	if _, err := remote.Lookup(context.Background(), key.Public().ID); err != nil {
		t.Fatalf("got %v after a caller went away during the first fetch, want the published key", err)
	}
}

// TestAFailedFetchIsTriedAgainSoon: an issuer that failed once (down for a
// moment, or slow) must not leave a service without keys for the refetch
// interval meant for unknown key ids.
func TestAFailedFetchIsTriedAgainSoon(t *testing.T) {
	key, srv := publishedKey(t)
	var failing atomic.Bool
	failing.Store(true)
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		srv.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(flaky.Close)
	remote, err := auth.NewRemoteKeys(auth.RemoteKeysConfig{JWKSURL: flaky.URL + "/.well-known/jwks.json", MinRefetch: time.Hour,
		RetryFailed: 10 * time.Millisecond})
	require.NoError(t, err)
	if _, err := remote.Lookup(context.Background(), key.Public().ID); err == nil {
		t.Fatalf("got a key from an issuer answering 503, want an error")
	}
	failing.Store(false)
	time.Sleep(20 * time.Millisecond)
	if _, err := remote.Lookup(context.Background(), key.Public().ID); err != nil {
		t.Fatalf("got %v once the issuer answers again, want the key (a failed fetch is retried after RetryFailed, not MinRefetch)", err)
	}
}

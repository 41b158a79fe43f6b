package auth_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/auth"
)

// TestAttackTokensBentOutOfShapeAreRefused is someone on the network (or a
// claimant's app) who holds a genuine token of the issuer, or its public
// key, and bends a token: expired, its algorithm switched to none, to HMAC
// keyed with the public key, or its header's alg changed over a genuine
// EdDSA signature, issued in the future, without expiry or subject, and a
// role written where the provider does not put roles. Each is refused, and
// the role claimed outside the realm's claim grants nothing (red team,
// session 12: the control held; it had no attack test for these shapes).
func TestAttackTokensBentOutOfShapeAreRefused(t *testing.T) {
	key := newKey(t)
	now := time.Now()
	claims := func(change func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"iss": issuer, "sub": "claimant-app", "aud": "payout", "roles": []string{"finance"},
			"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
		if change != nil {
			change(c)
		}
		return c
	}
	genuine := rawToken(t, key, claims(nil))
	_, err := verifier(t, auth.StaticKeys(key.Public()), "payout", nil).Verify(context.Background(), genuine)
	require.NoError(t, err, "the genuine token the attacker starts from")

	none := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil))
		tok.Header["kid"] = key.ID
		s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
		require.NoError(t, err)
		return s
	}()
	hmacWithPublicKey := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims(nil))
		tok.Header["kid"] = key.ID
		s, err := tok.SignedString([]byte(key.Private.Public().(ed25519.PublicKey)))
		require.NoError(t, err)
		return s
	}
	switchedHeader := func(alg string) string {
		parts := strings.Split(genuine, ".")
		head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"` + alg + `","kid":"` + key.ID + `","typ":"JWT"}`))
		return head + "." + parts[1] + "." + parts[2]
	}
	for _, tt := range []struct{ name, token string }{
		{"expired", rawToken(t, key, claims(func(c jwt.MapClaims) {
			c["iat"], c["exp"] = now.Add(-time.Hour).Unix(), now.Add(-5*time.Minute).Unix()
		}))},
		{"alg none", none},
		{"alg none, signature dropped", strings.Join(strings.Split(none, ".")[:2], ".") + "."},
		{"HS256 keyed with the public key", hmacWithPublicKey()},
		{"header says RS256 over an EdDSA signature", switchedHeader("RS256")},
		{"header says ES256 over an EdDSA signature", switchedHeader("ES256")},
		{"issued an hour from now", rawToken(t, key, claims(func(c jwt.MapClaims) {
			c["iat"], c["exp"] = now.Add(time.Hour).Unix(), now.Add(70*time.Minute).Unix()
		}))},
		{"no expiry", rawToken(t, key, claims(func(c jwt.MapClaims) { delete(c, "exp") }))},
		{"no subject", rawToken(t, key, claims(func(c jwt.MapClaims) { delete(c, "sub") }))},
		{"audience in another claim", rawToken(t, key, claims(func(c jwt.MapClaims) { c["aud"], c["azp"] = "intake", "payout" }))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if p, err := verifier(t, auth.StaticKeys(key.Public()), "payout", nil).Verify(context.Background(), tt.token); err == nil {
				t.Fatalf("got %+v accepted, want the token refused", p)
			}
		})
	}

	// A provider whose roles are the realm's: a "roles" claim the client
	// added (a protocol mapper of the claimant's app, a user attribute)
	// grants nothing.
	v, err := auth.NewVerifier(auth.VerifierConfig{Issuer: issuer, Audience: "payout", Keys: auth.StaticKeys(key.Public()), RolesClaim: "realm_access.roles"})
	require.NoError(t, err)
	p, err := v.Verify(context.Background(), rawToken(t, key, claims(func(c jwt.MapClaims) {
		c["roles"] = []string{"finance", "admin"}
		c["realm_access"] = map[string]any{"roles": []string{"claimant_channel"}}
	})))
	require.NoError(t, err)
	if p.Has(auth.Finance) || p.Has(auth.Admin) || !p.Has(auth.ClaimantChannel) {
		t.Fatalf("got roles %v, want claimant_channel only (the realm's)", p.Roles)
	}
}

package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MaxLifetime is the longest an access token may live (exp - iat). The
// Verifier enforces it, so a token minted with a longer life by anyone,
// an external provider included, is refused. Revocation of a session
// therefore reaches every service within MaxLifetime at the latest: the
// services do not ask the issuer on every call, and a revoked session
// cannot refresh (console/internal/signin).
const MaxLifetime = time.Hour

// Audiences of the platform's services: a service accepts only tokens
// naming it.
const (
	AudienceIntake       = "intake"
	AudienceAdjudication = "adjudication"
	AudiencePayout       = "payout"
)

// Services lists the services' audiences.
func Services() []string { return []string{AudienceIntake, AudienceAdjudication, AudiencePayout} }

// claims is the payload of the tokens the platform signs.
type claims struct {
	Name  string   `json:"name,omitempty"`
	Roles []string `json:"roles"`
	jwt.RegisteredClaims
}

// Signer issues access tokens; only the sign-in component has one.
type Signer struct {
	key    SigningKey
	issuer string
	ttl    time.Duration
}

// NewSigner returns a signer of tokens valid for ttl (at most MaxLifetime)
// under issuer, signed with key.
func NewSigner(key SigningKey, issuer string, ttl time.Duration) (*Signer, error) {
	if ttl <= 0 || ttl > MaxLifetime {
		return nil, fmt.Errorf("auth: token lifetime %s, want positive and at most %s", ttl, MaxLifetime)
	}
	if issuer == "" || key.Private == nil {
		return nil, errors.New("auth: a signer needs an issuer and a key")
	}
	return &Signer{key: key, issuer: issuer, ttl: ttl}, nil
}

// TTL is how long the signer's tokens live.
func (s *Signer) TTL() time.Duration { return s.ttl }

// Issue returns a token for p valid from now for the signer's ttl, for the
// audiences named (at least one).
func (s *Signer) Issue(p Principal, audiences []string, now time.Time) (string, error) {
	if p.Subject == "" || len(p.Roles) == 0 {
		return "", errors.New("auth: a token needs a subject and at least one role")
	}
	if len(audiences) == 0 {
		return "", errors.New("auth: a token needs an audience")
	}
	roles := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		roles[i] = string(r)
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims{Name: p.Name, Roles: roles, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: s.issuer, Subject: p.Subject, Audience: audiences, IssuedAt: jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)), ExpiresAt: jwt.NewNumericDate(now.Add(s.ttl)),
	}})
	t.Header["kid"] = s.key.ID
	return t.SignedString(s.key.Private)
}

// VerifierConfig says whose tokens a service accepts.
type VerifierConfig struct {
	// Issuer is the "iss" tokens must carry: the console's sign-in URL, or
	// an external OpenID Connect provider's issuer.
	Issuer string
	// Audience is this service's name; tokens must list it in "aud".
	Audience string
	// Keys are the issuer's public keys: StaticKeys, or nil to fetch them
	// (RemoteKeys) from JWKSURL, or when that is empty from the JWKS that
	// the issuer's OpenID Connect discovery document names.
	Keys    PublicKeys
	JWKSURL string
	// RolesClaim is the claim holding the roles, a dotted path into nested
	// objects ("realm_access.roles" for Keycloak, "scp" for scopes): an
	// array of strings or a space-separated string. Default "roles".
	RolesClaim string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Verifier checks tokens. It remembers the tokens it verified for a
// minute at most, never past their expiry (tokenMemory).
type Verifier struct {
	cfg    VerifierConfig
	memory *tokenMemory
}

// NewVerifier returns a verifier of cfg.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("auth: a verifier needs the issuer and the audience")
	}
	if cfg.Keys == nil {
		remote, err := NewRemoteKeys(RemoteKeysConfig{Issuer: cfg.Issuer, JWKSURL: cfg.JWKSURL})
		if err != nil {
			return nil, err
		}
		cfg.Keys = remote
	}
	if cfg.RolesClaim == "" {
		cfg.RolesClaim = "roles"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Verifier{cfg: cfg, memory: newTokenMemory()}, nil
}

// ErrInvalidToken is any token that does not verify; the reason is wrapped.
var ErrInvalidToken = errors.New("invalid token")

// leeway is the clock skew tolerated on exp and nbf.
const leeway = 30 * time.Second

// Verify checks the token's signature (an asymmetric algorithm, by a key
// of the issuer), issuer, audience, times and lifetime, and returns its
// principal. A token it verified less than a minute ago, and not yet
// expired, is not checked again (tokenMemory).
func (v *Verifier) Verify(ctx context.Context, token string) (Principal, error) {
	now := v.cfg.Now()
	if p, ok := v.memory.recall(token, now); ok {
		return p, nil
	}
	p, exp, err := v.verify(ctx, token)
	if err != nil {
		return Principal{}, err
	}
	v.memory.remember(token, p, now, exp.Add(leeway))
	return p, nil
}

// verify checks token as Verify says and returns its principal and expiry.
func (v *Verifier) verify(ctx context.Context, token string) (Principal, time.Time, error) {
	c := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k, err := v.cfg.Keys.Lookup(ctx, kid)
		if err != nil {
			return nil, err
		}
		if k.Alg != "" && k.Alg != t.Method.Alg() {
			return nil, fmt.Errorf("key %q is for %s, the token says %s", kid, k.Alg, t.Method.Alg())
		}
		return k.Key, nil
	}, jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg(), jwt.SigningMethodRS256.Alg(), jwt.SigningMethodES256.Alg()}),
		jwt.WithIssuer(v.cfg.Issuer), jwt.WithAudience(v.cfg.Audience), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithLeeway(leeway), jwt.WithTimeFunc(v.cfg.Now))
	if err != nil {
		return Principal{}, time.Time{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	iat, err1 := c.GetIssuedAt()
	exp, err2 := c.GetExpirationTime()
	if err1 != nil || err2 != nil || iat == nil || exp == nil {
		return Principal{}, time.Time{}, fmt.Errorf("%w: no iat or exp", ErrInvalidToken)
	}
	if life := exp.Sub(iat.Time); life > MaxLifetime {
		return Principal{}, time.Time{}, fmt.Errorf("%w: lives %s, more than %s", ErrInvalidToken, life, MaxLifetime)
	}
	sub, _ := c.GetSubject()
	p := Principal{Subject: sub}
	if n, ok := c["name"].(string); ok {
		p.Name = n
	} else if n, ok := c["preferred_username"].(string); ok {
		p.Name = n
	}
	for _, r := range stringsAt(c, v.cfg.RolesClaim) {
		role, err := ParseRole(r)
		if err != nil || slices.Contains(p.Roles, role) {
			continue // a role this version does not know grants nothing
		}
		p.Roles = append(p.Roles, role)
	}
	if p.Subject == "" {
		return Principal{}, time.Time{}, fmt.Errorf("%w: no subject", ErrInvalidToken)
	}
	return p, exp.Time, nil
}

// stringsAt reads the strings at a dotted path of c: an array of strings,
// or one space-separated string (OAuth's "scope").
func stringsAt(c map[string]any, path string) []string {
	var cur any = c
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	switch x := cur.(type) {
	case string:
		return strings.Fields(x)
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

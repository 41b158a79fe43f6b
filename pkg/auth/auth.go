// Package auth is sign-in and permission for every service: a short-lived
// signed token names the person and their roles, and every service checks
// the token and the role on every call of its API against a written
// permission table (deny by default), not only the console.
//
// Tokens are JWTs signed with HMAC-SHA256 by a key from configuration. Keys
// rotate without downtime: a Verifier accepts the current key and the keys
// before it, each named by its key id ("kid"), while a Signer signs with the
// current one. Production sign-in through an OpenID Connect provider replaces
// the Signer; the services only need a Verifier for the provider's tokens.
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

// Role is what a person may do.
type Role string

// The roles of the platform (product.md, "users").
const (
	Handler                Role = "handler"
	SeniorHandler          Role = "senior_handler"
	CatastropheCoordinator Role = "catastrophe_coordinator"
	Finance                Role = "finance"
	Auditor                Role = "auditor"
	Admin                  Role = "admin"
)

// Roles lists every role, for permission tables and tests.
func Roles() []Role {
	return []Role{Handler, SeniorHandler, CatastropheCoordinator, Finance, Auditor, Admin}
}

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	if r := Role(s); slices.Contains(Roles(), r) {
		return r, nil
	}
	return "", fmt.Errorf("auth: unknown role %q", s)
}

// Principal is the person behind a request.
type Principal struct {
	// Subject is the stable user id, recorded as "who" in every audit.
	Subject string
	Name    string
	Roles   []Role
}

// Has reports whether p holds any of roles.
func (p Principal) Has(roles ...Role) bool {
	for _, r := range roles {
		if slices.Contains(p.Roles, r) {
			return true
		}
	}
	return false
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal of a request, if it was signed in.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Key is one signing key with its id.
type Key struct {
	ID     string
	Secret []byte
}

// MinSecretBytes is the shortest secret accepted: HMAC-SHA256 keys shorter
// than the hash are weaker than they look.
const MinSecretBytes = 32

// ParseKeys reads keys written as "id:secret,id:secret", current first.
func ParseKeys(s string) ([]Key, error) {
	var keys []Key
	for _, part := range strings.Split(s, ",") {
		id, secret, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok || id == "" {
			return nil, errors.New("auth: keys are written id:secret, separated by commas")
		}
		if len(secret) < MinSecretBytes {
			return nil, fmt.Errorf("auth: key %q is shorter than %d bytes", id, MinSecretBytes)
		}
		keys = append(keys, Key{ID: id, Secret: []byte(secret)})
	}
	return keys, nil
}

// claims is the token's payload.
type claims struct {
	Name  string   `json:"name"`
	Roles []string `json:"roles"`
	jwt.RegisteredClaims
}

// Issuer is the "iss" of tokens signed by the platform itself.
const Issuer = "claims-platform"

// Signer issues tokens with the current key.
type Signer struct {
	key Key
	ttl time.Duration
}

// NewSigner returns a signer of tokens valid for ttl.
func NewSigner(current Key, ttl time.Duration) *Signer { return &Signer{key: current, ttl: ttl} }

// Issue returns a token for p, valid from now for the signer's ttl.
func (s *Signer) Issue(p Principal, now time.Time) (string, error) {
	if p.Subject == "" || len(p.Roles) == 0 {
		return "", errors.New("auth: a token needs a subject and at least one role")
	}
	roles := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		roles[i] = string(r)
	}
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, claims{Name: p.Name, Roles: roles, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: Issuer, Subject: p.Subject, IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
		ExpiresAt: jwt.NewNumericDate(now.Add(s.ttl)),
	}})
	t.Header["kid"] = s.key.ID
	return t.SignedString(s.key.Secret)
}

// Verifier checks tokens against a set of keys.
type Verifier struct {
	keys map[string][]byte
	now  func() time.Time
}

// NewVerifier accepts tokens signed by any of keys; now is the clock
// (time.Now when nil).
func NewVerifier(keys []Key, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	m := make(map[string][]byte, len(keys))
	for _, k := range keys {
		m[k.ID] = k.Secret
	}
	return &Verifier{keys: m, now: now}
}

// ErrInvalidToken is any token that does not verify; the reason is wrapped.
var ErrInvalidToken = errors.New("invalid token")

// Verify checks the token's signature, key, issuer and times, and returns
// its principal.
func (v *Verifier) Verify(token string) (Principal, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		secret, ok := v.keys[kid]
		if !ok {
			return nil, fmt.Errorf("unknown key id %q", kid)
		}
		return secret, nil
	}, jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithIssuer(Issuer),
		jwt.WithExpirationRequired(), jwt.WithTimeFunc(v.now))
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	p := Principal{Subject: c.Subject, Name: c.Name}
	for _, r := range c.Roles {
		role, err := ParseRole(r)
		if err != nil {
			continue // a role this version does not know grants nothing
		}
		p.Roles = append(p.Roles, role)
	}
	if p.Subject == "" {
		return Principal{}, fmt.Errorf("%w: no subject", ErrInvalidToken)
	}
	return p, nil
}

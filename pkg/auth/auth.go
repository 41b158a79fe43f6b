// Package auth is sign-in and permission for every service: a short-lived
// signed token names the person and their roles, and every service checks
// the token and the role on every call of its API against a written
// permission table (deny by default), not only the console.
//
// Tokens are JWTs signed asymmetrically (EdDSA with Ed25519 keys). Only the
// sign-in component holds a private key (a Signer); the services hold a
// Verifier with public keys only, read from the issuer's JWKS document
// (RemoteKeys) and named by key id ("kid"), so keys rotate by publishing a
// new one before signing with it. A service cannot mint a token, and a
// service that parses hostile uploads (intake) holds nothing that would let
// it speak for a finance user.
//
// Every token names its audiences ("aud"): a service accepts only tokens
// that carry its own name. An access token lives at most MaxLifetime (one
// hour); the Verifier refuses a longer-lived one whoever signed it.
//
// The Verifier also accepts tokens of an external OpenID Connect provider
// (an insurer's Keycloak, Hydra, ...): its issuer, its JWKS (found through
// OpenID Connect discovery), the audience and the claim that carries the
// roles are configuration (VerifierConfig); RS256 and ES256 are accepted
// besides EdDSA because providers sign with them by default. HMAC is never
// accepted: a shared secret would let every holder mint tokens.
package auth

import (
	"context"
	"fmt"
	"slices"
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
	// ClaimantChannel is the claimant's own channel (the insurer's app or
	// web portal, signed in as its service account): it files reports,
	// uploads the documents the claimant sends and makes the claim request,
	// and nothing else. What it enters is the claimant's, not staff's
	// (issue 19: straight-through adjudication pays on it without a
	// person); see Principal.ClaimantChannelOnly.
	ClaimantChannel Role = "claimant_channel"
)

// Roles lists every role, for permission tables and tests.
func Roles() []Role { return append(StaffRoles(), ClaimantChannel) }

// StaffRoles lists the roles of the insurer's people: every role but the
// claimant's channel, which reads nothing of other claims.
func StaffRoles() []Role {
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

// ClaimantChannelOnly reports whether p is the claimant's own channel and
// no member of staff: it holds ClaimantChannel and no other role. An
// account of staff that was also given ClaimantChannel stays staff's, so
// that nobody who handles claims can pass what they enter off as the
// claimant's.
func (p Principal) ClaimantChannelOnly() bool {
	return len(p.Roles) > 0 && !slices.ContainsFunc(p.Roles, func(r Role) bool { return r != ClaimantChannel })
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

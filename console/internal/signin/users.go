// Package signin is the console's own sign-in: a directory of users with
// bcrypt-hashed passwords read from a file, a limiter of attempts shared by
// every replica in PostgreSQL, and the HTTP handler that exchanges a user
// name and password for a short-lived token the services verify (package
// auth), signed with the console's private key and published as a JWKS.
//
// It serves development and small installations. Production sign-in goes
// through an OpenID Connect provider instead (console/README.md).
package signin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"claims.local/pkg/auth"
)

// User is a person who may sign in to the console.
type User struct {
	// Subject is the user name typed at sign-in and the token's subject.
	Subject string
	Name    string
	Roles   []auth.Role
	hash    []byte
	// totp is the second factor's secret; nil for a user without one.
	totp auth.TOTPSecret
}

// Principal returns the principal a token for u names.
func (u User) Principal() auth.Principal {
	return auth.Principal{Subject: u.Subject, Name: u.Name, Roles: u.Roles}
}

// Directory holds the users, by subject.
type Directory struct {
	// users are keyed by NormalizeUsername of their user name.
	users map[string]User
	// checks counts the passwords compared, for the throttling tests and
	// as evidence that guesses stop before bcrypt.
	checks atomic.Int64
	// decoy is compared against when the user is unknown, so that an
	// unknown name takes as long to refuse as a wrong password.
	decoy []byte
}

// fileUser is one entry of the users file.
type fileUser struct {
	Username       string   `json:"username"`
	Name           string   `json:"name"`
	Roles          []string `json:"roles"`
	PasswordBcrypt string   `json:"password_bcrypt"`
	// TOTPSecret is the base32 one-time password secret (console
	// enrol-totp); required for the roles of auth.SecondFactorRoles.
	TOTPSecret string `json:"totp_secret,omitempty"`
}

// usersFile is the users file: {"users": [...]}; other top-level fields
// (a comment) are ignored.
type usersFile struct {
	Users []fileUser `json:"users"`
}

// LoadUsers reads the users file at path.
func LoadUsers(path string) (*Directory, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("users file: %w", err)
	}
	d, err := ParseUsers(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("users file %s: %w", path, err)
	}
	return d, nil
}

// ParseUsers reads a users file. Every user needs a user name, a known role
// and a bcrypt hash; a user name may appear once. No user holds
// auth.ClaimantChannel: it is the claimant's channel's service account (a
// client), and what a person holding it uploaded would pass for the
// claimant's own (issue 19).
func ParseUsers(r io.Reader) (*Directory, error) {
	var f usersFile
	dec := json.NewDecoder(r)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if len(f.Users) == 0 {
		return nil, errors.New("no users")
	}
	d := &Directory{users: make(map[string]User, len(f.Users))}
	for i, fu := range f.Users {
		name := strings.TrimSpace(fu.Username)
		if name == "" {
			return nil, fmt.Errorf("user %d has no username", i+1)
		}
		if _, dup := d.users[NormalizeUsername(name)]; dup {
			return nil, fmt.Errorf("user %q appears twice", name)
		}
		if len(fu.Roles) == 0 {
			return nil, fmt.Errorf("user %q has no role", name)
		}
		u := User{Subject: name, Name: fu.Name, hash: []byte(fu.PasswordBcrypt)}
		var err error
		for _, r := range fu.Roles {
			role, perr := auth.ParseRole(r)
			if perr != nil {
				return nil, fmt.Errorf("user %q: %w", name, perr)
			}
			if role == auth.ClaimantChannel {
				return nil, fmt.Errorf("user %q may not hold the %s role: it is the claimant's channel's service account, a client, never a person", name, role)
			}
			u.Roles = append(u.Roles, role)
		}
		if fu.TOTPSecret != "" {
			if u.totp, err = auth.ParseTOTPSecret(fu.TOTPSecret); err != nil {
				return nil, fmt.Errorf("user %q: %w", name, err)
			}
		} else if u.Principal().Has(auth.SecondFactorRoles()...) {
			return nil, fmt.Errorf("user %q holds %v and needs a totp_secret (console enrol-totp)", name, auth.SecondFactorRoles())
		}
		cost, err := bcrypt.Cost(u.hash)
		if err != nil {
			return nil, fmt.Errorf("user %q: password_bcrypt is not a bcrypt hash", name)
		}
		if d.decoy == nil {
			// The decoy costs what the real hashes cost.
			if d.decoy, err = bcrypt.GenerateFromPassword([]byte("decoy password for unknown users"), cost); err != nil {
				return nil, fmt.Errorf("make decoy hash: %w", err)
			}
		}
		d.users[NormalizeUsername(name)] = u
	}
	return d, nil
}

// Len is the number of users.
func (d *Directory) Len() int { return len(d.users) }

// Authenticate returns the user whose name and password these are. An
// unknown name and a wrong password are refused alike, in about the same
// time.
func (d *Directory) Authenticate(username, password string) (User, bool) {
	d.checks.Add(1)
	u, known := d.users[NormalizeUsername(username)]
	hash := u.hash
	if !known {
		hash = d.decoy
	}
	if err := bcrypt.CompareHashAndPassword(hash, []byte(password)); err != nil || !known {
		return User{}, false
	}
	return u, true
}

// Lookup returns the user of a subject, for a refresh: roles as the file
// says now.
func (d *Directory) Lookup(subject string) (User, bool) {
	u, ok := d.users[NormalizeUsername(subject)]
	return u, ok
}

// PasswordChecks is how many passwords Authenticate has compared.
func (d *Directory) PasswordChecks() int64 { return d.checks.Load() }

// NormalizeUsername is the form of a user name that sign-in looks up and
// counts attempts under: Unicode NFKC (full-width letters become ASCII),
// surrounding spaces trimmed, case folded. " handler-1", "HANDLER-1" and
// "ｈａｎｄｌｅｒ－１" are one user, and one counter (issue 15: a padded
// name walked around the lockout).
func NormalizeUsername(s string) string {
	return cases.Fold().String(strings.TrimSpace(norm.NFKC.String(s)))
}

// HashPassword returns the bcrypt hash of password to write in a users file.
func HashPassword(password string) (string, error) {
	if len(password) < 8 {
		return "", errors.New("a password needs 8 characters or more")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"

	"claims.local/pkg/secrets"
)

// totpStep is the time step of the one-time codes (RFC 6238's default), and
// totpDigits their length.
const (
	totpStep   = 30 * time.Second
	totpDigits = 6
)

// SecondFactorRoles are the roles that sign in with a one-time code besides
// the password: they move money (finance) or grant rights (admin).
func SecondFactorRoles() []Role { return []Role{Finance, Admin} }

// TOTPSecret is a user's time-based one-time password secret (RFC 6238,
// HMAC-SHA1, 6 digits, 30 seconds), as authenticator apps use it.
type TOTPSecret []byte

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret makes a secret of 32 random bytes.
func NewTOTPSecret() (TOTPSecret, error) {
	s := make([]byte, 32)
	if _, err := rand.Read(s); err != nil {
		return nil, err
	}
	return s, nil
}

// ParseTOTPSecret reads a base32 secret (as the console's users file holds it) and
// refuses one that is short or not random (secrets.Key).
func ParseTOTPSecret(s string) (TOTPSecret, error) {
	raw, err := b32.DecodeString(strings.ToUpper(strings.TrimRight(strings.ReplaceAll(s, " ", ""), "=")))
	if err != nil {
		return nil, fmt.Errorf("totp_secret is not base32: %w", err)
	}
	if err := secrets.Key("totp_secret", raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// String is the secret in base32, without padding.
func (s TOTPSecret) String() string { return b32.EncodeToString(s) }

// URI is the otpauth:// URI an authenticator app enrols from.
func (s TOTPSecret) URI(issuer, account string) string {
	q := url.Values{"secret": {s.String()}, "issuer": {issuer}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	return "otpauth://totp/" + url.PathEscape(issuer+":"+account) + "?" + q.Encode()
}

// Code is the code of the step holding t.
func (s TOTPSecret) Code(t time.Time) string { return TOTPCode(s, t, totpDigits) }

// Verify reports whether code is the code of the step of now or of the
// step before or after it (clock drift), and which step it matched.
func (s TOTPSecret) Verify(code string, now time.Time) (int64, bool) {
	if len(code) != totpDigits {
		return 0, false
	}
	for _, d := range []time.Duration{0, -totpStep, totpStep} {
		t := now.Add(d)
		if subtle.ConstantTimeCompare([]byte(s.Code(t)), []byte(code)) == 1 {
			return t.Unix() / int64(totpStep/time.Second), true
		}
	}
	return 0, false
}

// TOTPCode is RFC 6238's TOTP with HMAC-SHA1 (RFC 4226's dynamic
// truncation) of the step holding t.
func TOTPCode(secret []byte, t time.Time, digits int) string {
	var counter [8]byte
	binary.BigEndian.PutUint64(counter[:], uint64(t.Unix()/int64(totpStep/time.Second)))
	m := hmac.New(sha1.New, secret)
	m.Write(counter[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

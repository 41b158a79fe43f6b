package auth_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/pkg/auth"
)

// clock is a settable time source for a verifier.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// droppableKeys is a key set from which a key can be withdrawn, as an
// issuer withdraws a compromised key from its JWKS.
type droppableKeys struct {
	mu   sync.Mutex
	keys map[string]auth.PublicKey
}

func (d *droppableKeys) Lookup(_ context.Context, kid string) (auth.PublicKey, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	k, ok := d.keys[kid]
	if !ok {
		return auth.PublicKey{}, auth.ErrInvalidToken
	}
	return k, nil
}

func (d *droppableKeys) Drop(kid string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.keys, kid)
}

// issued returns a handler's token for intake living ttl from c's time.
func issued(t *testing.T, key auth.SigningKey, c *clock, ttl time.Duration) string {
	t.Helper()
	s, err := auth.NewSigner(key, issuer, ttl)
	require.NoError(t, err)
	token, err := s.Issue(handler(), []string{"intake"}, c.Now())
	require.NoError(t, err)
	return token
}

// TestARememberedTokenIsRefusedOnceItExpires: the verifier remembers the
// tokens it verified, but never past their expiry (with the same leeway a
// first verification gives).
func TestARememberedTokenIsRefusedOnceItExpires(t *testing.T) {
	key := newKey(t)
	c := &clock{now: time.Now()}
	v := verifier(t, auth.StaticKeys(key.Public()), "intake", c.Now)
	token := issued(t, key, c, 5*time.Minute)
	for range 3 {
		_, err := v.Verify(context.Background(), token)
		require.NoError(t, err)
	}
	c.Advance(5*time.Minute + 31*time.Second)
	if p, err := v.Verify(context.Background(), token); err == nil {
		t.Fatalf("got %+v accepted 31 s after its expiry, want the remembered token refused", p)
	}
}

// TestATamperedCopyOfARememberedTokenIsRefused: what is remembered is the
// exact token verified; a copy with its roles raised or its signature
// changed is verified afresh, and fails.
func TestATamperedCopyOfARememberedTokenIsRefused(t *testing.T) {
	key := newKey(t)
	c := &clock{now: time.Now()}
	v := verifier(t, auth.StaticKeys(key.Public()), "intake", c.Now)
	token := issued(t, key, c, 5*time.Minute)
	_, err := v.Verify(context.Background(), token)
	require.NoError(t, err)
	forged := map[string]string{
		"signature changed": token[:len(token)-2] + flip(token[len(token)-2:]),
		"roles raised":      withPayload(t, token, `"roles":["admin"]`),
		"padded":            token + " ",
	}
	for name, f := range forged {
		if p, err := v.Verify(context.Background(), f); err == nil {
			t.Errorf("%s: got %+v accepted, want refused", name, p)
		}
	}
}

// TestARememberedTokenIsCheckedAgainAfterAMinute: a key the issuer
// withdraws stops its tokens within a minute, remembered or not.
func TestARememberedTokenIsCheckedAgainAfterAMinute(t *testing.T) {
	key := newKey(t)
	c := &clock{now: time.Now()}
	keys := &droppableKeys{keys: map[string]auth.PublicKey{key.ID: key.Public()}}
	v := verifier(t, keys, "intake", c.Now)
	token := issued(t, key, c, 30*time.Minute)
	_, err := v.Verify(context.Background(), token)
	require.NoError(t, err)
	keys.Drop(key.ID)
	c.Advance(time.Minute + time.Second)
	if p, err := v.Verify(context.Background(), token); err == nil {
		t.Fatalf("got %+v accepted a minute after its key was withdrawn, want refused", p)
	}
}

// TestAPrincipalFromTheMemoryCannotBeChangedByItsCaller: a caller that
// appends to the roles it was given changes nothing for the next caller.
func TestAPrincipalFromTheMemoryCannotBeChangedByItsCaller(t *testing.T) {
	key := newKey(t)
	c := &clock{now: time.Now()}
	v := verifier(t, auth.StaticKeys(key.Public()), "intake", c.Now)
	token := issued(t, key, c, 5*time.Minute)
	p, err := v.Verify(context.Background(), token)
	require.NoError(t, err)
	p.Roles = append(p.Roles[:0], auth.Admin)
	again, err := v.Verify(context.Background(), token)
	require.NoError(t, err)
	if again.Has(auth.Admin) || !again.Has(auth.Handler) {
		t.Fatalf("got roles %v the second time, want [handler]", again.Roles)
	}
}

// flip changes every character of s into another one of base64url.
func flip(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if ch == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
	}
	return string(b)
}

// withPayload returns token with its payload's roles replaced by roles (a
// JSON member), its header and signature kept.
func withPayload(t *testing.T, token, roles string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var c map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &c))
	var r map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte("{"+roles+"}"), &r))
	c["roles"] = r["roles"]
	out, err := json.Marshal(c)
	require.NoError(t, err)
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(out) + "." + parts[2]
}

// BenchmarkVerifyARememberedToken reports the time of verifying the token a
// client calls with again, against verifying it the first time (a verifier
// that has not seen it), measured in the same run: `speedup`.
func BenchmarkVerifyARememberedToken(b *testing.B) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(b, err)
	key := auth.NewSigningKey(priv)
	s, err := auth.NewSigner(key, issuer, time.Hour)
	require.NoError(b, err)
	token, err := s.Issue(handler(), []string{"intake"}, time.Now())
	require.NoError(b, err)
	newVerifier := func() *auth.Verifier {
		v, err := auth.NewVerifier(auth.VerifierConfig{Issuer: issuer, Audience: "intake", Keys: auth.StaticKeys(key.Public())})
		require.NoError(b, err)
		return v
	}
	ctx := context.Background()
	const firsts = 500
	vs := make([]*auth.Verifier, firsts)
	for i := range vs {
		vs[i] = newVerifier()
	}
	start := time.Now()
	for _, v := range vs {
		if _, err := v.Verify(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
	first := float64(time.Since(start).Nanoseconds()) / firsts
	v := newVerifier()
	b.ResetTimer()
	for range b.N {
		if _, err := v.Verify(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	remembered := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(first, "first-ns/op")
	b.ReportMetric(first/remembered, "speedup")
}

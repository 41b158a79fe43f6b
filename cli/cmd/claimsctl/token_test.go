package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"claims.local/pkg/auth"
)

const testIssuer = "http://127.0.0.1:8080"

// devKey writes a development signing key file as `make run` does and
// returns its path and key.
func devKey(t *testing.T) (string, auth.SigningKey) {
	t.Helper()
	k, err := auth.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := auth.EncodeSigningKeys(k)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "signing-key.pem")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, k
}

func signIn(t *testing.T, keyFile string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := env{stdout: &stdout, stderr: &stderr, readFile: os.ReadFile, getenv: func(k string) string {
		if k == "CLAIMS_SIGNING_KEY_FILE" {
			return keyFile
		}
		return ""
	}, now: func() time.Time { return time.Now() }}
	code := runWith(e, append([]string{"token"}, args...))
	return code, stdout.String(), stderr.String()
}

func verifyFor(t *testing.T, k auth.SigningKey, aud, token string) (auth.Principal, error) {
	t.Helper()
	v, err := auth.NewVerifier(auth.VerifierConfig{Issuer: testIssuer, Audience: aud, Keys: auth.StaticKeys(k.Public())})
	if err != nil {
		t.Fatal(err)
	}
	return v.Verify(context.Background(), token)
}

func TestTokenSignsAUserInThatTheServicesAccept(t *testing.T) {
	path, key := devKey(t)
	code, stdout, stderr := signIn(t, path, "--sub", "handler-1", "--name", "王芳", "--roles", "handler,senior_handler", "--ttl", "1h")
	if code != exitOK {
		t.Fatalf("got exit %d (%s), want 0", code, stderr)
	}
	token, _ := decodeObject(t, stdout)["token"].(string)
	for _, aud := range auth.Services() {
		p, err := verifyFor(t, key, aud, token)
		if err != nil {
			t.Fatalf("%s: got %v verifying the printed token, want it valid", aud, err)
		}
		if p.Subject != "handler-1" || p.Name != "王芳" || !p.Has(auth.SeniorHandler) || p.Has(auth.Finance) {
			t.Fatalf("got principal %+v, want handler-1 with handler and senior_handler only", p)
		}
	}
}

func TestTokenForOneAudienceIsRefusedByTheOthers(t *testing.T) {
	path, key := devKey(t)
	code, stdout, stderr := signIn(t, path, "--sub", "h", "--roles", "finance", "--aud", "intake")
	if code != exitOK {
		t.Fatalf("got exit %d (%s), want 0", code, stderr)
	}
	token, _ := decodeObject(t, stdout)["token"].(string)
	if _, err := verifyFor(t, key, "intake", token); err != nil {
		t.Fatalf("intake: got %v, want accepted", err)
	}
	if _, err := verifyFor(t, key, "payout", token); err == nil {
		t.Fatalf("payout: got an intake token accepted, want it refused")
	}
}

func TestTokenRefusesBadArguments(t *testing.T) {
	path, _ := devKey(t)
	tests := []struct {
		name, keyFile string
		args          []string
	}{
		{"no subject", path, []string{"--roles", "handler"}},
		{"unknown role", path, []string{"--sub", "u", "--roles", "root"}},
		{"no role", path, []string{"--sub", "u"}},
		{"ttl longer than an hour", path, []string{"--sub", "u", "--roles", "handler", "--ttl", "24h"}},
		{"no key file", "", []string{"--sub", "u", "--roles", "handler"}},
		{"missing key file", filepath.Join(t.TempDir(), "none.pem"), []string{"--sub", "u", "--roles", "handler"}},
		{"stray argument", path, []string{"--sub", "u", "--roles", "handler", "extra"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := signIn(t, tc.keyFile, tc.args...)
			if code != exitUsage || stdout != "" || stderr == "" {
				t.Fatalf("got exit %d, stdout %q, stderr %q; want 2 with a message and no output", code, stdout, stderr)
			}
		})
	}
}

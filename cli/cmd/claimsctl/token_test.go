package main

import (
	"bytes"
	"testing"
	"time"

	"claims.local/pkg/auth"
)

const testKeys = "k1:0123456789abcdef0123456789abcdef"

func signIn(t *testing.T, keys string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := env{stdout: &stdout, stderr: &stderr, getenv: func(k string) string {
		if k == "AUTH_KEYS" {
			return keys
		}
		return ""
	}, now: func() time.Time { return time.Now() }}
	code := runWith(e, append([]string{"token"}, args...))
	return code, stdout.String(), stderr.String()
}

func TestTokenSignsAUserInThatTheServicesAccept(t *testing.T) {
	code, stdout, stderr := signIn(t, testKeys, "--sub", "handler-1", "--name", "王芳", "--roles", "handler,senior_handler", "--ttl", "1h")
	if code != exitOK {
		t.Fatalf("got exit %d (%s), want 0", code, stderr)
	}
	obj := decodeObject(t, stdout)
	token, _ := obj["token"].(string)
	keys, err := auth.ParseKeys(testKeys)
	if err != nil {
		t.Fatal(err)
	}
	p, err := auth.NewVerifier(keys, nil).Verify(token)
	if err != nil {
		t.Fatalf("got %v verifying the printed token, want it valid", err)
	}
	if p.Subject != "handler-1" || p.Name != "王芳" || !p.Has(auth.SeniorHandler) || p.Has(auth.Finance) {
		t.Fatalf("got principal %+v, want handler-1 with handler and senior_handler only", p)
	}
}

func TestTokenRefusesBadArguments(t *testing.T) {
	tests := []struct {
		name string
		keys string
		args []string
	}{
		{"no subject", testKeys, []string{"--roles", "handler"}},
		{"unknown role", testKeys, []string{"--sub", "u", "--roles", "root"}},
		{"no role", testKeys, []string{"--sub", "u"}},
		{"ttl too long", testKeys, []string{"--sub", "u", "--roles", "handler", "--ttl", "720h"}},
		{"no keys", "", []string{"--sub", "u", "--roles", "handler"}},
		{"short key", "k:short", []string{"--sub", "u", "--roles", "handler"}},
		{"stray argument", testKeys, []string{"--sub", "u", "--roles", "handler", "extra"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := signIn(t, tc.keys, tc.args...)
			if code != exitUsage || stdout != "" || stderr == "" {
				t.Fatalf("got exit %d, stdout %q, stderr %q; want 2 with a message and no output", code, stdout, stderr)
			}
		})
	}
}

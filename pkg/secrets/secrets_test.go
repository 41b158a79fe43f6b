package secrets_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"testing"

	"claims.local/pkg/secrets"
)

func random(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestKeyRefusesExampleShortAndLowEntropyKeys(t *testing.T) {
	published, _ := base64.StdEncoding.DecodeString("Y2hhbmdlLW1lLWNoYW5nZS1tZS1jaGFuZ2UtbWUtMDA=")
	k8s, _ := base64.StdEncoding.DecodeString("cmVwbGFjZS13aXRoLTMyLXJhbmRvbS1ieXRlcy0wMDA=")
	for name, key := range map[string][]byte{
		"compose's example data key": published,
		"k8s example data key":       k8s,
		"short":                      random(t, 16),
		"zeros":                      make([]byte, 32),
		"a repeated pattern":         []byte("\x01\x02\x03\x04\x01\x02\x03\x04\x01\x02\x03\x04\x01\x02\x03\x04\x01\x02\x03\x04\x01\x02\x03\x04\x01\x02\x03\x04\x01\x02\x03\x04"),
		"printable text":             []byte("Tr0ub4dor&3-correct-horse-battery"),
	} {
		t.Run(name, func(t *testing.T) {
			if err := secrets.Key("TEST_KEY", key); err == nil {
				t.Fatalf("got %q accepted, want it refused", key)
			}
		})
	}
	if err := secrets.Key("TEST_KEY", random(t, 32)); err != nil {
		t.Fatalf("got %v for 32 random bytes, want them accepted", err)
	}
}

func TestTextRefusesPlaceholdersAndWeakValues(t *testing.T) {
	for _, v := range []string{
		"compose:change-me-change-me-change-me-0000", "change-me-change-me-change-me-0000",
		"k1:replace-with-32-or-more-random-bytes-000000", "replace-with-32-or-more-random-bytes-000000",
		"postgres", "replace", "", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "abababababababababababababababababab",
		"CHANGEME-0123456789abcdef0123456789", "example-secret-for-the-intake-service-x9",
	} {
		if err := secrets.Text("TEST_SECRET", v); err == nil {
			t.Errorf("got %q accepted, want it refused", v)
		}
	}
	for _, v := range []string{hex.EncodeToString(random(t, 16)), base64.RawURLEncoding.EncodeToString(random(t, 24))} {
		if err := secrets.Text("TEST_SECRET", v); err != nil {
			t.Errorf("got %v for %q, want a random value accepted", err, v)
		}
	}
}

package sealed_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"claims.local/pkg/sealed"
)

func key(id string, fill byte) sealed.Key {
	return sealed.Key{ID: id, Secret: bytes.Repeat([]byte{fill}, sealed.KeyBytes)}
}

func keyring(t *testing.T, keys ...sealed.Key) *sealed.Keyring {
	t.Helper()
	k, err := sealed.New(keys)
	if err != nil {
		t.Fatalf("New: got %v, want no error", err)
	}
	return k
}

func TestSealOpenRoundTripHidesThePlaintext(t *testing.T) {
	t.Parallel()
	k := keyring(t, key("k1", 1))
	plain := []byte(`{"account_number":"6222020200112233445","name":"李四"}`)
	box, err := k.Seal(plain, []byte("obligation-1"))
	if err != nil {
		t.Fatalf("Seal: got %v, want no error", err)
	}
	if bytes.Contains(box, []byte("6222020200112233445")) || bytes.Contains(box, []byte("李四")) {
		t.Fatalf("got box %q holding the plaintext, want ciphertext only", box)
	}
	again, err := k.Seal(plain, []byte("obligation-1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(box, again) {
		t.Fatalf("got the same box twice, want a fresh nonce each time")
	}
	got, err := k.Open(box, []byte("obligation-1"))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open: got %q, %v; want %q", got, err, plain)
	}
	if id, err := sealed.KeyID(box); err != nil || id != "k1" {
		t.Fatalf("KeyID: got %q, %v; want k1", id, err)
	}
}

func TestOpenRefusesWhatItCannotAuthenticate(t *testing.T) {
	t.Parallel()
	k := keyring(t, key("k1", 1))
	box, err := k.Seal([]byte("secret"), []byte("row-1"))
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(box)
	flipped[len(flipped)-1] ^= 1
	other := keyring(t, key("k2", 2))
	tests := []struct {
		name string
		ring *sealed.Keyring
		box  []byte
		aad  string
	}{
		{"other row", k, box, "row-2"},
		{"tampered", k, flipped, "row-1"},
		{"unknown key", other, box, "row-1"},
		{"truncated", k, box[:10], "row-1"},
		{"empty", k, nil, "row-1"},
		{"not a box", k, []byte("6222020200112233445"), "row-1"},
	}
	for _, tt := range tests {
		if got, err := tt.ring.Open(tt.box, []byte(tt.aad)); !errors.Is(err, sealed.ErrOpen) {
			t.Errorf("%s: got %q, %v; want ErrOpen", tt.name, got, err)
		}
	}
}

func TestRotationSealsWithTheNewKeyAndOpensWithTheOld(t *testing.T) {
	t.Parallel()
	old := keyring(t, key("2026-01", 1))
	box, err := old.Seal([]byte("6222020200112233445"), []byte("o1"))
	if err != nil {
		t.Fatal(err)
	}
	rotated := keyring(t, key("2026-07", 7), key("2026-01", 1))
	if !rotated.Stale(box) || old.Stale(box) {
		t.Fatalf("Stale: got %v under the rotated ring and %v under the old, want true and false", rotated.Stale(box), old.Stale(box))
	}
	resealed, err := rotated.Reseal(box, []byte("o1"))
	if err != nil {
		t.Fatalf("Reseal: got %v, want no error", err)
	}
	if id, _ := sealed.KeyID(resealed); id != "2026-07" || rotated.Stale(resealed) {
		t.Fatalf("got resealed box under key %q, want 2026-07", id)
	}
	// Once every row is resealed the old key can go.
	only := keyring(t, key("2026-07", 7))
	if got, err := only.Open(resealed, []byte("o1")); err != nil || string(got) != "6222020200112233445" {
		t.Fatalf("Open with the new key alone: got %q, %v; want the account number", got, err)
	}
	if _, err := only.Open(box, []byte("o1")); !errors.Is(err, sealed.ErrOpen) {
		t.Fatalf("Open of an old box without the old key: got %v, want ErrOpen", err)
	}
}

func TestParseKeysAndNewCheckTheConfiguration(t *testing.T) {
	t.Parallel()
	b64 := func(fill byte, n int) string {
		b := make([]byte, n)
		_, _ = rand.Read(b)
		b[0] = fill
		return base64.StdEncoding.EncodeToString(b)
	}
	keys, err := sealed.ParseKeys("new:" + b64(2, 32) + ", old:" + b64(1, 32))
	if err != nil {
		t.Fatalf("ParseKeys: got %v, want no error", err)
	}
	if len(keys) != 2 || keys[0].ID != "new" || keys[1].ID != "old" || keys[0].Secret[0] != 2 {
		t.Fatalf("got keys %+v, want new then old", keys)
	}
	k, err := sealed.New(keys)
	if err != nil || k.Current() != "new" {
		t.Fatalf("New: got %v, %v; want current key new", k, err)
	}
	bad := []struct {
		name, config string
	}{
		{"empty", ""},
		{"no id", ":" + b64(1, 32)},
		{"no colon", "k1"},
		{"not base64", "k1:***"},
		{"short key", "k1:" + b64(1, 16)},
		{"twice", "k1:" + b64(1, 32) + ",k1:" + b64(2, 32)},
		{"long id", strings.Repeat("k", 65) + ":" + b64(1, 32)},
		// Issue 15: the example keys of deployments/ were valid keys.
		{"compose's example key", "compose:Y2hhbmdlLW1lLWNoYW5nZS1tZS1jaGFuZ2UtbWUtMDA="},
		{"k8s example key", "d1:cmVwbGFjZS13aXRoLTMyLXJhbmRvbS1ieXRlcy0wMDA="},
		{"zeros", "k1:" + base64.StdEncoding.EncodeToString(make([]byte, 32))},
	}
	for _, tt := range bad {
		keys, err := sealed.ParseKeys(tt.config)
		if err == nil {
			_, err = sealed.New(keys)
		}
		if err == nil {
			t.Errorf("%s: got no error for %q, want one", tt.name, tt.config)
		}
	}
}

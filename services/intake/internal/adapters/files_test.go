package adapters_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"claims.local/intake/internal/adapters"
	"claims.local/pkg/apperr"
	"claims.local/pkg/sealed"
)

// keyring returns a keyring of keys named ids, the first current; key id
// always has the same secret.
func keyring(t *testing.T, ids ...string) *sealed.Keyring {
	t.Helper()
	var keys []sealed.Key
	for _, id := range ids {
		keys = append(keys, sealed.Key{ID: id, Secret: bytes.Repeat([]byte(id[:1]), sealed.KeyBytes)})
	}
	k, err := sealed.New(keys)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Issue 17: a stored document is encrypted at rest under the current data
// key, its key id stored with it; after a rotation the old files still
// open while the old key is listed, new files are sealed with the new key,
// Reseal moves the old ones to it, and then the old key may go.
func TestLocalFilesAreEncryptedAtRestWithRotatingKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	old, err := adapters.NewLocalFiles(dir, keyring(t, "a-2026"))
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("公民身份号码 110105198506150014")
	sum, err := old.Put(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "sha256", sum[:2], sum[2:4], sum)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("110105198506150014")) {
		t.Fatalf("got the file stored in clear: %q, want it encrypted", raw)
	}
	if id, err := sealed.KeyID(raw); err != nil || id != "a-2026" {
		t.Fatalf("got key id %q, %v stored with the file, want a-2026", id, err)
	}

	rotated, err := adapters.NewLocalFiles(dir, keyring(t, "b-2027", "a-2026"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Get(ctx, sum); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("got %q, %v after the rotation, want the old file opened with the old key", got, err)
	}
	other := []byte("another document")
	otherSum, err := rotated.Put(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := os.ReadFile(filepath.Join(dir, "sha256", otherSum[:2], otherSum[2:4], otherSum)); !keyIs(raw, "b-2027") {
		t.Fatalf("got a new file sealed with another key than the current b-2027")
	}
	n, err := rotated.Reseal(ctx)
	if err != nil || n != 1 {
		t.Fatalf("got %d files resealed, %v; want the one under the old key", n, err)
	}
	onlyNew, err := adapters.NewLocalFiles(dir, keyring(t, "b-2027"))
	if err != nil {
		t.Fatal(err)
	}
	for s, want := range map[string][]byte{sum: data, otherSum: other} {
		if got, err := onlyNew.Get(ctx, s); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("got %q, %v without the old key after the reseal, want %q", got, err, want)
		}
	}
	// Attack: a file sealed under a key that is no longer listed does not
	// open, and one moved to another name does not open there.
	if _, err := adapters.NewLocalFiles(dir, keyring(t, "c-2028")); err != nil {
		t.Fatal(err)
	}
	stranger, _ := adapters.NewLocalFiles(dir, keyring(t, "c-2028"))
	if _, err := stranger.Get(ctx, sum); err == nil {
		t.Fatalf("got the file opened with a keyring that lacks its key, want an error")
	}
	moved, _ := os.ReadFile(filepath.Join(dir, "sha256", otherSum[:2], otherSum[2:4], otherSum))
	if err := os.WriteFile(path, moved, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := onlyNew.Get(ctx, sum); err == nil {
		t.Fatalf("got another file's box opened under this file's name, want an error")
	}
}

func keyIs(box []byte, id string) bool {
	got, err := sealed.KeyID(box)
	return err == nil && got == id
}

func TestLocalFilesAreContentAddressed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	files, err := adapters.NewLocalFiles(dir, keyring(t, "k1"))
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("%PDF-1.4 a claim document")
	sum, err := files.Put(ctx, data)
	if h := sha256.Sum256(data); err != nil || sum != hex.EncodeToString(h[:]) {
		t.Fatalf("got %s, %v; want the SHA-256 of the bytes", sum, err)
	}
	again, err := files.Put(ctx, data)
	if err != nil || again != sum {
		t.Fatalf("got %s, %v storing the same bytes again, want %s", again, err, sum)
	}
	path := filepath.Join(dir, "sha256", sum[:2], sum[2:4], sum)
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil || len(entries) != 1 {
		t.Fatalf("got %d files (%v) in %s, want the one file, no temporary left", len(entries), err, filepath.Dir(path))
	}
	got, err := files.Get(ctx, sum)
	if err != nil || string(got) != string(data) {
		t.Fatalf("got %q, %v; want the bytes stored", got, err)
	}
	if _, err := files.Get(ctx, hex.EncodeToString(make([]byte, 32))); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("got %v for a file never stored, want not_found", err)
	}
	if _, err := files.Get(ctx, "../../etc/passwd"); err == nil {
		t.Fatal("got no error for a name that is no SHA-256, want one")
	}
	if err := os.WriteFile(path, []byte("tampered"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := files.Get(ctx, sum); err == nil {
		t.Fatal("got no error reading a file whose bytes changed, want one")
	}
}

func TestLocalFilesNeedsAWritableFolder(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "not-a-folder")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := adapters.NewLocalFiles(file, keyring(t, "k1")); err == nil {
		t.Fatal("got no error for a storage folder that is a file, want one")
	}
	if _, err := adapters.NewLocalFiles("", keyring(t, "k1")); err == nil {
		t.Fatal("got no error without a storage folder, want one")
	}
}

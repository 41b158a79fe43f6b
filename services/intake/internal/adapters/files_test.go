package adapters_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"claims.local/intake/internal/adapters"
	"claims.local/pkg/apperr"
)

func TestLocalFilesAreContentAddressed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	files, err := adapters.NewLocalFiles(dir)
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
	if _, err := adapters.NewLocalFiles(file); err == nil {
		t.Fatal("got no error for a storage folder that is a file, want one")
	}
	if _, err := adapters.NewLocalFiles(""); err == nil {
		t.Fatal("got no error without a storage folder, want one")
	}
}

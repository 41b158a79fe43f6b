package adapters

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"claims.local/pkg/apperr"
)

// sha256Hex matches a SHA-256 in lower-case hex, the name of a stored file.
var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// LocalFiles stores uploaded files in a folder, content-addressed: a file
// is named by the SHA-256 of its bytes (sha256/ab/cd/abcd…), so storing the
// same bytes twice stores them once, and a stored file never changes. It is
// the development implementation of app.Files; an object store (S3, OSS)
// implements the same two calls with the hash as the object key.
type LocalFiles struct {
	dir string
}

// NewLocalFiles returns the store in dir, creating the folder; it fails
// when the folder cannot be written, so that a misconfigured instance stops
// at start-up rather than at the first upload.
func NewLocalFiles(dir string) (*LocalFiles, error) {
	if dir == "" {
		return nil, errors.New("files: no storage folder configured")
	}
	if err := os.MkdirAll(filepath.Join(dir, "sha256"), 0o750); err != nil {
		return nil, fmt.Errorf("files: storage folder: %w", err)
	}
	probe, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return nil, fmt.Errorf("files: storage folder %s is not writable: %w", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return &LocalFiles{dir: dir}, nil
}

func (s *LocalFiles) path(sum string) string {
	return filepath.Join(s.dir, "sha256", sum[:2], sum[2:4], sum)
}

// Put stores data and returns its SHA-256 in hex. The bytes are written to
// a temporary file, synced and renamed into place, so a crash leaves either
// the whole file or none; a file already stored is left as it is.
func (s *LocalFiles) Put(ctx context.Context, data []byte) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	h := sha256.Sum256(data)
	sum := hex.EncodeToString(h[:])
	dst := s.path(sum)
	if _, err := os.Stat(dst); err == nil {
		return sum, nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return "", fmt.Errorf("files: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".upload-*")
	if err != nil {
		return "", fmt.Errorf("files: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", fmt.Errorf("files: write %s: %w", sum, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("files: sync %s: %w", sum, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("files: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", fmt.Errorf("files: store %s: %w", sum, err)
	}
	return sum, nil
}

// Get returns the stored file of SHA-256 sum, after checking that its bytes
// still have that hash.
func (s *LocalFiles) Get(ctx context.Context, sum string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !sha256Hex.MatchString(sum) {
		return nil, fmt.Errorf("files: %q is not a SHA-256", sum)
	}
	data, err := os.ReadFile(s.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, apperr.New(apperr.NotFound, "the file %s is not stored", sum)
	}
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	if h := sha256.Sum256(data); hex.EncodeToString(h[:]) != sum {
		return nil, fmt.Errorf("files: the stored file %s is corrupt", sum)
	}
	return data, nil
}

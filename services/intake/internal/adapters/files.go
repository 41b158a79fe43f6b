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
	"claims.local/pkg/sealed"
)

// sha256Hex matches a SHA-256 in lower-case hex, the name of a stored file.
var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// LocalFiles stores uploaded files in a folder, content-addressed: a file
// is named by the SHA-256 of its bytes (sha256/ab/cd/abcd…), so storing the
// same bytes twice stores them once, and a stored file never changes. It is
// the development implementation of app.Files; an object store (S3, OSS)
// implements the same two calls with the hash as the object key.
//
// Files are encrypted at rest (R11, issue 17: ID cards and bank cards are
// personal data) with the keyring's current key, the key id stored in the
// file and the name bound as associated data, so that a file copied under
// another name does not open. Old keys still open what they sealed; Reseal
// moves every file to the current key. A file stored in clear before
// encryption was configured still reads (its hash is checked) until Reseal
// seals it.
type LocalFiles struct {
	dir  string
	keys *sealed.Keyring
}

// NewLocalFiles returns the store in dir sealing with keys, creating the
// folder; it fails when the folder cannot be written or there are no keys,
// so that a misconfigured instance stops at start-up rather than at the
// first upload.
func NewLocalFiles(dir string, keys *sealed.Keyring) (*LocalFiles, error) {
	if dir == "" {
		return nil, errors.New("files: no storage folder configured")
	}
	if keys == nil {
		return nil, errors.New("files: no data keys to encrypt documents with")
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
	return &LocalFiles{dir: dir, keys: keys}, nil
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
	if err := s.write(sum, data); err != nil {
		return "", err
	}
	return sum, nil
}

// write seals data, the file of SHA-256 sum, into a temporary file, syncs
// it and renames it into place.
func (s *LocalFiles) write(sum string, data []byte) error {
	dst := s.path(sum)
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return fmt.Errorf("files: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".upload-*")
	if err != nil {
		return fmt.Errorf("files: %w", err)
	}
	defer os.Remove(tmp.Name())
	box, err := s.keys.Seal(data, []byte(sum))
	if err != nil {
		tmp.Close()
		return fmt.Errorf("files: seal %s: %w", sum, err)
	}
	if _, err := tmp.Write(box); err != nil {
		tmp.Close()
		return fmt.Errorf("files: write %s: %w", sum, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("files: sync %s: %w", sum, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("files: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("files: store %s: %w", sum, err)
	}
	return nil
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
	if _, err := sealed.KeyID(data); err == nil {
		if data, err = s.keys.Open(data, []byte(sum)); err != nil {
			return nil, fmt.Errorf("files: the stored file %s: %w", sum, err)
		}
	}
	if h := sha256.Sum256(data); hex.EncodeToString(h[:]) != sum {
		return nil, fmt.Errorf("files: the stored file %s is corrupt", sum)
	}
	return data, nil
}

// Reseal seals again with the current key every stored file sealed with
// another key or stored in clear, and returns how many it rewrote. Each is
// rewritten like a Put (temporary file, sync, rename), so a crash leaves
// the old or the new box, both readable while the old key is listed.
func (s *LocalFiles) Reseal(ctx context.Context) (int, error) {
	n := 0
	err := filepath.WalkDir(filepath.Join(s.dir, "sha256"), func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !sha256Hex.MatchString(e.Name()) {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("files: %w", err)
		}
		if !s.keys.Stale(raw) {
			return nil
		}
		data, err := s.Get(ctx, e.Name())
		if err != nil {
			return err
		}
		if err := s.write(e.Name(), data); err != nil {
			return err
		}
		n++
		return nil
	})
	return n, err
}

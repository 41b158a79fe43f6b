// Package sealed encrypts small pieces of personal data at rest (R11: payee
// names and bank account numbers are not disclosed without consent) with
// AES-256-GCM under named keys, so that keys rotate without downtime: a
// Keyring seals with its current key and opens with any key it lists. A
// service rotates by putting a new key first and keeping the old ones until
// every row has been sealed again with the new key (Keyring.Stale tells
// which rows still need it).
//
// A sealed box is self-describing: a format byte, the key id, a random
// 96-bit nonce, then the ciphertext with its 128-bit tag. The caller passes
// associated data (such as the id of the row) that is authenticated but not
// stored, so that a box copied into another row does not open there.
package sealed

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"claims.local/pkg/secrets"
)

// KeyBytes is the length of an AES-256 key.
const KeyBytes = 32

// format is the first byte of every box; a new layout gets a new value.
const format byte = 1

// maxKeyID bounds key ids so that their length fits the one-byte prefix.
const maxKeyID = 64

// Key is one named data key.
type Key struct {
	ID     string
	Secret []byte
}

// ErrOpen is returned when a box cannot be opened: it is damaged, was sealed
// for other associated data, or under a key the keyring does not hold.
var ErrOpen = errors.New("sealed: cannot open")

// ParseKeys reads keys written as id:base64key[,id:base64key...], current
// key first, each key 32 random bytes of standard base64 (secrets.Key). Configuration hands the
// result to New; nothing in this package reads the environment.
func ParseKeys(s string) ([]Key, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("sealed: no data keys: write them as id:base64key[,id:base64key], current first")
	}
	var keys []Key
	for _, part := range strings.Split(s, ",") {
		id, b64, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok || id == "" {
			return nil, errors.New("sealed: keys are written id:base64key, separated by commas")
		}
		secret, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("sealed: key %q is not standard base64: %v", id, err)
		}
		// Example, short and low-entropy keys are refused (issue 15).
		if err := secrets.Key("sealed: key "+strconv.Quote(id), secret); err != nil {
			return nil, err
		}
		keys = append(keys, Key{ID: id, Secret: secret})
	}
	return keys, nil
}

// Keyring seals with its current key and opens with any of its keys. It is
// safe for concurrent use.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
}

// New returns a keyring sealing with keys[0]. Every key must be 32 bytes
// with a distinct id of at most 64 bytes without a comma or colon.
func New(keys []Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("sealed: a keyring needs at least one key")
	}
	k := &Keyring{current: keys[0].ID, aeads: make(map[string]cipher.AEAD, len(keys))}
	for _, key := range keys {
		switch {
		case key.ID == "" || len(key.ID) > maxKeyID || strings.ContainsAny(key.ID, ",:"):
			return nil, fmt.Errorf("sealed: key id %q must be 1 to %d bytes without ',' or ':'", key.ID, maxKeyID)
		case len(key.Secret) != KeyBytes:
			return nil, fmt.Errorf("sealed: key %q has %d bytes, want %d", key.ID, len(key.Secret), KeyBytes)
		}
		if _, dup := k.aeads[key.ID]; dup {
			return nil, fmt.Errorf("sealed: key id %q is listed twice", key.ID)
		}
		block, err := aes.NewCipher(key.Secret)
		if err != nil {
			return nil, fmt.Errorf("sealed: key %q: %w", key.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("sealed: key %q: %w", key.ID, err)
		}
		k.aeads[key.ID] = aead
	}
	return k, nil
}

// Current is the id of the key new boxes are sealed with.
func (k *Keyring) Current() string { return k.current }

// Seal encrypts plaintext with the current key, binding it to aad.
func (k *Keyring) Seal(plaintext, aad []byte) ([]byte, error) {
	aead := k.aeads[k.current]
	box := make([]byte, 0, 2+len(k.current)+aead.NonceSize()+len(plaintext)+aead.Overhead())
	box = append(box, format, byte(len(k.current)))
	box = append(box, k.current...)
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("sealed: nonce: %w", err)
	}
	box = append(box, nonce...)
	return aead.Seal(box, nonce, plaintext, aad), nil
}

// Open decrypts a box sealed with any key of the keyring for aad.
func (k *Keyring) Open(box, aad []byte) ([]byte, error) {
	id, rest, err := split(box)
	if err != nil {
		return nil, err
	}
	aead, ok := k.aeads[id]
	if !ok {
		return nil, fmt.Errorf("%w: key %q is not configured", ErrOpen, id)
	}
	if len(rest) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("%w: box too short", ErrOpen)
	}
	plain, err := aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], aad)
	if err != nil {
		return nil, fmt.Errorf("%w: sealed with key %q: authentication failed", ErrOpen, id)
	}
	return plain, nil
}

// KeyID returns the id of the key box was sealed with.
func KeyID(box []byte) (string, error) {
	id, _, err := split(box)
	return id, err
}

// Stale tells whether box was sealed with a key other than the current one
// and should be sealed again.
func (k *Keyring) Stale(box []byte) bool {
	id, err := KeyID(box)
	return err != nil || id != k.current
}

// Reseal opens box and seals its plaintext again with the current key.
func (k *Keyring) Reseal(box, aad []byte) ([]byte, error) {
	plain, err := k.Open(box, aad)
	if err != nil {
		return nil, err
	}
	return k.Seal(plain, aad)
}

func split(box []byte) (id string, rest []byte, err error) {
	if len(box) < 2 || box[0] != format {
		return "", nil, fmt.Errorf("%w: not a sealed box", ErrOpen)
	}
	n := int(box[1])
	if len(box) < 2+n {
		return "", nil, fmt.Errorf("%w: box too short", ErrOpen)
	}
	return string(box[2 : 2+n]), box[2+n:], nil
}

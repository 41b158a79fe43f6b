package sealed

import (
	"crypto/ecdh"
	"crypto/hpke"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"claims.local/pkg/secrets"
)

// envelopeFormat is the first byte of every public-key envelope.
const envelopeFormat byte = 2

// Public-key envelopes (issue 17) seal a value for one recipient service
// with HPKE (RFC 9180: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM,
// base mode). The sender holds only the recipient's public key, so a
// producer, the broker, its outbox table and any reader of the topic cannot
// open what it sealed (R11: payee names and bank account numbers reach only
// payout). An envelope is self-describing: the format byte, the length and
// id of the recipient key, then the HPKE encapsulated key and ciphertext.
// The info the caller passes (such as the claim id) is bound into the key
// schedule and not stored, so an envelope moved into another claim does not
// open there.

func hpkeSuite() (hpke.KDF, hpke.AEAD) { return hpke.HKDFSHA256(), hpke.AES256GCM() }

// Sealer seals values for the holder of one public key. It is safe for
// concurrent use.
type Sealer struct {
	id  string
	key hpke.PublicKey
}

// Opener opens envelopes sealed for any of its private keys. It is safe for
// concurrent use.
type Opener struct {
	keys map[string]hpke.PrivateKey
}

// KeyPair is a new recipient key written as the configuration reads it:
// Private for ParseOpener (the recipient only), Public for ParseSealer.
type KeyPair struct {
	ID      string
	Private string
	Public  string
}

// GenerateKeyPair makes a new X25519 recipient key named id.
func GenerateKeyPair(id string) (KeyPair, error) {
	if err := checkEnvelopeID(id); err != nil {
		return KeyPair{}, err
	}
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return KeyPair{}, fmt.Errorf("sealed: new key: %w", err)
	}
	return KeyPair{
		ID:      id,
		Private: id + ":" + base64.StdEncoding.EncodeToString(priv.Bytes()),
		Public:  id + ":" + base64.StdEncoding.EncodeToString(priv.PublicKey().Bytes()),
	}, nil
}

// ParseSealer reads the recipient's public key written id:base64key
// (standard base64 of the 32-byte X25519 public key).
func ParseSealer(s string) (*Sealer, error) {
	id, raw, err := parseEnvelopeKey(strings.TrimSpace(s))
	if err != nil {
		return nil, err
	}
	pub, err := ecdh.X25519().NewPublicKey(raw)
	if err != nil {
		return nil, fmt.Errorf("sealed: public key %q: %w", id, err)
	}
	pk, err := hpke.NewDHKEMPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("sealed: public key %q: %w", id, err)
	}
	return &Sealer{id: id, key: pk}, nil
}

// ParseOpener reads the recipient's private keys written
// id:base64key[,id:base64key] (standard base64 of the 32-byte X25519
// private keys). Several keys allow a rotation: senders seal for the new
// public key while envelopes already sealed for the old one still open.
func ParseOpener(s string) (*Opener, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("sealed: no private keys: write them as id:base64key[,id:base64key]")
	}
	o := &Opener{keys: map[string]hpke.PrivateKey{}}
	for _, part := range strings.Split(s, ",") {
		id, raw, err := parseEnvelopeKey(strings.TrimSpace(part))
		if err != nil {
			return nil, err
		}
		if _, dup := o.keys[id]; dup {
			return nil, fmt.Errorf("sealed: private key id %q given twice", id)
		}
		// Example, short and low-entropy private keys are refused (issue 15).
		if err := secrets.Key("sealed: private key "+strconv.Quote(id), raw); err != nil {
			return nil, err
		}
		priv, err := ecdh.X25519().NewPrivateKey(raw)
		if err != nil {
			return nil, fmt.Errorf("sealed: private key %q: %w", id, err)
		}
		k, err := hpke.NewDHKEMPrivateKey(priv)
		if err != nil {
			return nil, fmt.Errorf("sealed: private key %q: %w", id, err)
		}
		o.keys[id] = k
	}
	return o, nil
}

// KeyID is the id of the recipient key the sealer seals for.
func (s *Sealer) KeyID() string { return s.id }

// Seal encrypts plaintext for the recipient, bound to info.
func (s *Sealer) Seal(plaintext, info []byte) ([]byte, error) {
	kdf, aead := hpkeSuite()
	ct, err := hpke.Seal(s.key, kdf, aead, info, plaintext)
	if err != nil {
		return nil, fmt.Errorf("sealed: seal for %q: %w", s.id, err)
	}
	box := make([]byte, 0, 2+len(s.id)+len(ct))
	box = append(box, envelopeFormat, byte(len(s.id)))
	box = append(box, s.id...)
	return append(box, ct...), nil
}

// SealString seals plaintext and returns the envelope in standard base64,
// the form carried in JSON.
func (s *Sealer) SealString(plaintext, info []byte) (string, error) {
	box, err := s.Seal(plaintext, info)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(box), nil
}

// Open decrypts an envelope sealed for one of the opener's keys with info.
func (o *Opener) Open(box, info []byte) ([]byte, error) {
	if len(box) < 2 || box[0] != envelopeFormat || len(box) < 2+int(box[1]) {
		return nil, fmt.Errorf("%w: not a sealed envelope", ErrOpen)
	}
	id := string(box[2 : 2+int(box[1])])
	key, ok := o.keys[id]
	if !ok {
		return nil, fmt.Errorf("%w: envelope sealed for key %q, which is not configured", ErrOpen, id)
	}
	kdf, aead := hpkeSuite()
	plain, err := hpke.Open(key, kdf, aead, info, box[2+int(box[1]):])
	if err != nil {
		return nil, fmt.Errorf("%w: envelope for key %q: authentication failed", ErrOpen, id)
	}
	return plain, nil
}

// OpenString opens an envelope given in standard base64.
func (o *Opener) OpenString(b64 string, info []byte) ([]byte, error) {
	box, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("%w: envelope is not standard base64", ErrOpen)
	}
	return o.Open(box, info)
}

func parseEnvelopeKey(s string) (string, []byte, error) {
	id, b64, ok := strings.Cut(s, ":")
	if !ok {
		return "", nil, errors.New("sealed: keys are written id:base64key, separated by commas")
	}
	if err := checkEnvelopeID(id); err != nil {
		return "", nil, err
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", nil, fmt.Errorf("sealed: key %q is not standard base64: %v", id, err)
	}
	if len(raw) != 32 {
		return "", nil, fmt.Errorf("sealed: key %q: got %d bytes, want a 32-byte X25519 key", id, len(raw))
	}
	return id, raw, nil
}

func checkEnvelopeID(id string) error {
	if id == "" || len(id) > maxKeyID || strings.ContainsAny(id, ",: \t\n") {
		return fmt.Errorf("sealed: key id %q: want 1 to %d characters without commas, colons or spaces", id, maxKeyID)
	}
	return nil
}

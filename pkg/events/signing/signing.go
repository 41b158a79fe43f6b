// Package signing signs and verifies the events a consumer acts on without
// a person: payment instructions, the events that move money
// (adjudication's agreement-reached and advance-approved, issue 15), and
// intake's claim requests, on which adjudication decides and pays with no
// person (claim-requested, the attack review of issue 19). The producer signs the canonical form of the envelope with its own
// Ed25519 key; the consumer accepts it only with a valid signature by one of
// the producer's keys it was configured to trust. Authorisation on the
// broker and a signature on the instruction are two locks on the money path:
// a client that may write the topic still cannot make payout pay.
//
// The signature covers every field of the envelope that payout reads (see
// Canonical), the event id included, so a signed instruction replayed under
// a new event id is refused; one replayed under its own id is absorbed by
// the consumer's inbox.
package signing

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"claims.local/pkg/events"
)

// domain separates these signatures from any other use of the key.
const domain = "claims.signed-envelope.v1"

// Canonical returns the bytes signed for e under key id keyID: a domain
// string, then the key id, specversion, id, type, source, subject, claimid,
// time (UTC, RFC 3339 with nanoseconds), datacontenttype, schemaversion and
// the exact bytes of data, each as its length in decimal, a colon, the
// bytes and a newline. Lengths make the form unambiguous: no two envelopes
// that differ in any of these fields have the same canonical form. Data is
// taken as received, so a change of its spacing breaks the signature too.
func Canonical(e events.Envelope, keyID string) []byte {
	fields := []string{domain, keyID, e.SpecVersion, e.ID, e.Type, e.Source, e.Subject, e.ClaimID,
		e.Time.UTC().Format(time.RFC3339Nano), e.DataContentType, strconv.Itoa(e.SchemaVersion), string(e.Data)}
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteByte(':')
		b.WriteString(f)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// Signer signs envelopes with one Ed25519 private key. It is safe for
// concurrent use.
type Signer struct {
	id  string
	key ed25519.PrivateKey
}

// NewSigner returns the signer of key id with the 32-byte Ed25519 seed.
func NewSigner(id string, seed []byte) (*Signer, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("signing: key %q: got a %d-byte seed, want %d bytes", id, len(seed), ed25519.SeedSize)
	}
	return &Signer{id: id, key: ed25519.NewKeyFromSeed(seed)}, nil
}

// Generate returns a signer with a fresh random key named id.
func Generate(id string) (*Signer, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, fmt.Errorf("signing: random seed: %w", err)
	}
	return NewSigner(id, seed)
}

// ParseSigner reads a signing key written id:base64seed (standard base64 of
// the 32-byte Ed25519 seed), as in ADJUDICATION_SIGNING_KEY and
// INTAKE_SIGNING_KEY.
func ParseSigner(s string) (*Signer, error) {
	id, b64, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return nil, errors.New("signing: write the signing key as id:base64seed")
	}
	seed, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("signing: key %q is not standard base64: %v", id, err)
	}
	return NewSigner(id, seed)
}

// KeyID is the id of the signer's key.
func (s *Signer) KeyID() string { return s.id }

// Private is the key written as ParseSigner reads it: id:base64seed.
func (s *Signer) Private() string {
	return s.id + ":" + base64.StdEncoding.EncodeToString(s.key.Seed())
}

// Public is the public key written as ParseTrusted reads it:
// id:base64key.
func (s *Signer) Public() string {
	return s.id + ":" + base64.StdEncoding.EncodeToString(s.key.Public().(ed25519.PublicKey))
}

// Sign returns e with its signature and key id set.
func (s *Signer) Sign(e events.Envelope) (events.Envelope, error) {
	e.SignatureKeyID = s.id
	e.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(s.key, Canonical(e, s.id)))
	return e, nil
}

// Reason says why a signed event was refused; it is the label of the
// refusal metric and a member of the alarm.
type Reason string

// The reasons of a refusal.
const (
	// Unsigned: no signature or no key id.
	Unsigned Reason = "unsigned"
	// UnknownKey: signed with a key id that is not one of the owner's
	// trusted keys.
	UnknownKey Reason = "unknown_key"
	// BadSignature: the signature does not verify with the trusted key of
	// that id: another key made it, or a field was changed after signing.
	BadSignature Reason = "bad_signature"
	// WrongSource: the envelope names another producer than the keys'
	// owner.
	WrongSource Reason = "wrong_source"
)

// Refusal is the error of an envelope that is not a valid signed event of
// the trusted producer.
type Refusal struct {
	Reason Reason
	// KeyID is the key id the envelope named, if any.
	KeyID  string
	Detail string
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("signed event refused (%s): %s", r.Reason, r.Detail)
}

// Verifier checks that envelopes were signed by one of owner's trusted
// keys. It is safe for concurrent use.
type Verifier struct {
	owner string
	keys  map[string]ed25519.PublicKey
}

// ParseTrusted reads the trusted public keys of owner written
// id:base64key[,id:base64key] (standard base64 of the 32-byte Ed25519
// public keys), as in PAYOUT_TRUSTED_INSTRUCTION_KEYS and
// ADJUDICATION_TRUSTED_INTAKE_KEYS. Several keys allow a
// rotation: the producer signs with the new one while the old one is still
// trusted.
func ParseTrusted(owner, s string) (*Verifier, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("signing: no trusted keys: write them as id:base64key[,id:base64key]")
	}
	keys := map[string]ed25519.PublicKey{}
	for _, part := range strings.Split(s, ",") {
		id, b64, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			return nil, errors.New("signing: trusted keys are written id:base64key, separated by commas")
		}
		if err := checkID(id); err != nil {
			return nil, err
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("signing: trusted key %q is not standard base64: %v", id, err)
		}
		if len(raw) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("signing: trusted key %q: got %d bytes, want a %d-byte Ed25519 public key", id, len(raw), ed25519.PublicKeySize)
		}
		if _, dup := keys[id]; dup {
			return nil, fmt.Errorf("signing: trusted key id %q given twice", id)
		}
		keys[id] = ed25519.PublicKey(raw)
	}
	return &Verifier{owner: owner, keys: keys}, nil
}

// Verify returns nil when e names the owner as its source and carries a
// valid signature by one of the owner's trusted keys, else a *Refusal.
func (v *Verifier) Verify(e events.Envelope) error {
	if e.Signature == "" || e.SignatureKeyID == "" {
		return &Refusal{Reason: Unsigned, KeyID: e.SignatureKeyID, Detail: "the event carries no signature"}
	}
	if e.Source != v.owner {
		return &Refusal{Reason: WrongSource, KeyID: e.SignatureKeyID, Detail: fmt.Sprintf("source %q, want %q", e.Source, v.owner)}
	}
	key, ok := v.keys[e.SignatureKeyID]
	if !ok {
		return &Refusal{Reason: UnknownKey, KeyID: e.SignatureKeyID, Detail: fmt.Sprintf("key %q is not a trusted key of %s", e.SignatureKeyID, v.owner)}
	}
	sig, err := base64.StdEncoding.DecodeString(e.Signature)
	if err != nil || !ed25519.Verify(key, Canonical(e, e.SignatureKeyID), sig) {
		return &Refusal{Reason: BadSignature, KeyID: e.SignatureKeyID, Detail: fmt.Sprintf("the signature does not verify with %s's key %q", v.owner, e.SignatureKeyID)}
	}
	return nil
}

// Trusts reports whether v trusts the public key of s under any key id: a
// service's own signing key trusted as another producer's would let
// whoever holds it sign as both (the attack review of issue 19).
func (v *Verifier) Trusts(s *Signer) bool {
	pub := s.key.Public().(ed25519.PublicKey)
	for _, k := range v.keys {
		if k.Equal(pub) {
			return true
		}
	}
	return false
}

// Check returns why v refuses e, nil when v accepts it: v's refusal, or,
// when v is nil (no key trusted) or fails otherwise, an unknown_key
// refusal. A consumer refuses what Check does not return nil for.
func Check(v interface{ Verify(events.Envelope) error }, e events.Envelope) *Refusal {
	err := errors.New("no key is trusted")
	if v != nil {
		err = v.Verify(e)
	}
	if err == nil {
		return nil
	}
	var r *Refusal
	if !errors.As(err, &r) {
		r = &Refusal{Reason: UnknownKey, KeyID: e.SignatureKeyID, Detail: err.Error()}
	}
	return r
}

// checkID refuses a key id that cannot be written in the key lists.
func checkID(id string) error {
	if id == "" || len(id) > 64 || strings.ContainsAny(id, ",: \t\n") {
		return fmt.Errorf("signing: key id %q: want 1 to 64 characters without commas, colons or spaces", id)
	}
	return nil
}

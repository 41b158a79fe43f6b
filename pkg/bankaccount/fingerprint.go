package bankaccount

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"claims.local/pkg/sealed"
)

// FingerprintVersion begins every keyed fingerprint: "v1:<key id>:<hex>".
// A fingerprint without it is a legacy, unkeyed one (LegacyFingerprint).
const FingerprintVersion = "v1"

// keyID is what a fingerprint key's id may hold: it is written into every
// fingerprint made under it, between colons.
var keyID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Fingerprints makes and compares the keyed fingerprints by which intake,
// adjudication and payout tell a claim's accounts and payees' names apart
// without carrying them (R11, issues 17 and 19): the HMAC-SHA-256, under a
// key only those three services hold, of "account:" or "name:", the claim
// id, ":" and the account's digits or the normalised name, written
// "v1:<key id>:<lowercase hex>". The fingerprints travel on the topics
// beside the account's last four digits; without the key, a reader of the
// topic can no longer try the numbers a bank's card prefix leaves, or a
// dictionary of names, against them (the attack review of issue 19).
//
// It makes fingerprints under its current key and compares those made
// under any key it holds, so a key rotates: every service first holds the
// new key beside the current one, then makes it current, and drops the old
// one once no fingerprint stored under it is still compared. A nil
// *Fingerprints makes none and matches none. It is safe for concurrent use.
type Fingerprints struct {
	current string
	keys    map[string][]byte
}

// NewFingerprints returns the fingerprints under keys, the first current.
// Each key must be 32 random bytes (sealed.ParseKeys checks them) with an
// id of letters, digits, ".", "_" or "-", and no id may repeat.
func NewFingerprints(keys []sealed.Key) (*Fingerprints, error) {
	if len(keys) == 0 {
		return nil, errors.New("bankaccount: no fingerprint key")
	}
	f := &Fingerprints{current: keys[0].ID, keys: make(map[string][]byte, len(keys))}
	for _, k := range keys {
		switch {
		case !keyID.MatchString(k.ID):
			return nil, fmt.Errorf("bankaccount: fingerprint key id %q must be 1 to 64 letters, digits, '.', '_' or '-'", k.ID)
		case len(k.Secret) != sealed.KeyBytes:
			return nil, fmt.Errorf("bankaccount: fingerprint key %q must be %d bytes", k.ID, sealed.KeyBytes)
		case f.keys[k.ID] != nil:
			return nil, fmt.Errorf("bankaccount: fingerprint key id %q given twice", k.ID)
		}
		f.keys[k.ID] = k.Secret
	}
	return f, nil
}

// ParseFingerprints reads fingerprint keys written as id:base64key[,…],
// current first, as the services' *_FINGERPRINT_KEYS give them.
func ParseFingerprints(s string) (*Fingerprints, error) {
	keys, err := sealed.ParseKeys(s)
	if err != nil {
		return nil, err
	}
	return NewFingerprints(keys)
}

// Account returns the fingerprint of account (its digits) on claimID under
// the current key; "" without digits or keys.
func (f *Fingerprints) Account(claimID, account string) string {
	digits := digitsOf(account)
	if f == nil || digits == "" {
		return ""
	}
	return f.make(f.current, "account:"+claimID+":"+digits)
}

// Holder returns the fingerprint of a payee's or a card holder's name on
// claimID, normalised as NormalizeName does, under the current key; ""
// for an empty name or without keys.
func (f *Fingerprints) Holder(claimID, name string) string {
	n := NormalizeName(name)
	if f == nil || n == "" {
		return ""
	}
	return f.make(f.current, "name:"+claimID+":"+n)
}

// MatchAccount reports whether fingerprint is account's on claimID under
// the key it names. A legacy (unkeyed) fingerprint, one under a key not
// held, or an empty one never matches: an unkeyed fingerprint anyone could
// have computed, for any account, proves nothing.
func (f *Fingerprints) MatchAccount(fingerprint, claimID, account string) bool {
	digits := digitsOf(account)
	return digits != "" && f.match(fingerprint, "account:"+claimID+":"+digits)
}

// MatchHolder reports whether fingerprint is name's on claimID under the
// key it names (MatchAccount).
func (f *Fingerprints) MatchHolder(fingerprint, claimID, name string) bool {
	n := NormalizeName(name)
	return n != "" && f.match(fingerprint, "name:"+claimID+":"+n)
}

// MatchStoredAccount is MatchAccount that also compares a legacy
// fingerprint, under the unkeyed scheme, with the account. It is only for
// fingerprints a service stored before it held the key: since then a
// consumer keeps no unkeyed fingerprint of an event (FromEvent), so a
// legacy one in a database was stored before, and there is no account
// number left to fingerprint it again with.
func (f *Fingerprints) MatchStoredAccount(fingerprint, claimID, account string) bool {
	if f == nil {
		return false
	}
	if !strings.Contains(fingerprint, ":") {
		return digitsOf(account) != "" && hmac.Equal([]byte(strings.ToLower(fingerprint)), []byte(LegacyFingerprint(claimID, account)))
	}
	return f.MatchAccount(fingerprint, claimID, account)
}

// Held reports whether fingerprint is keyed under a key f holds: two such
// fingerprints made by intake compare as strings.
func (f *Fingerprints) Held(fingerprint string) bool {
	id, _, ok := parse(fingerprint)
	return ok && f != nil && f.keys[id] != nil
}

// FromEvent is the fingerprint a consumer keeps of one an event carries: a
// keyed one as it is, nothing for anything else. A legacy fingerprint
// anyone can compute, so one arriving on a topic counts as none (the
// checks it would have passed send the claim to a person), and none is
// stored after the key is held (MatchStoredAccount).
func FromEvent(fingerprint string) string {
	if _, _, ok := parse(fingerprint); !ok {
		return ""
	}
	return fingerprint
}

// make returns the fingerprint of message under key id.
func (f *Fingerprints) make(id, message string) string {
	m := hmac.New(sha256.New, f.keys[id])
	m.Write([]byte(message))
	return FingerprintVersion + ":" + id + ":" + hex.EncodeToString(m.Sum(nil))
}

// match reports whether fingerprint is message's under the key it names.
func (f *Fingerprints) match(fingerprint, message string) bool {
	id, sum, ok := parse(fingerprint)
	if !ok || f == nil || f.keys[id] == nil {
		return false
	}
	want := f.make(id, message)
	return hmac.Equal([]byte(FingerprintVersion+":"+id+":"+strings.ToLower(sum)), []byte(want))
}

// parse splits a keyed fingerprint into its key id and digest; false for
// any other form.
func parse(fingerprint string) (id, sum string, ok bool) {
	parts := strings.Split(fingerprint, ":")
	if len(parts) != 3 || parts[0] != FingerprintVersion || !keyID.MatchString(parts[1]) || len(parts[2]) != 2*sha256.Size {
		return "", "", false
	}
	if _, err := hex.DecodeString(parts[2]); err != nil {
		return "", "", false
	}
	return parts[1], parts[2], true
}

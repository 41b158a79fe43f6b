package bankaccount_test

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"claims.local/pkg/bankaccount"
)

// fingerprints returns fingerprints under keys named ids, the first
// current; a key's bytes follow from its id.
func fingerprints(t *testing.T, ids ...string) *bankaccount.Fingerprints {
	t.Helper()
	var parts []string
	for _, id := range ids {
		key := sha256.Sum256([]byte("fingerprint key " + id))
		parts = append(parts, id+":"+base64.StdEncoding.EncodeToString(key[:]))
	}
	f, err := bankaccount.ParseFingerprints(strings.Join(parts, ","))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

const account = "6222027182635542"

// TestAKeyedFingerprintNamesItsKeyAndMatchesOnlyItsAccount: a fingerprint
// is "v1:<key id>:<hex>", another for each claim, account and name, and
// matches only the account or name it was made of.
func TestAKeyedFingerprintNamesItsKeyAndMatchesOnlyItsAccount(t *testing.T) {
	f := fingerprints(t, "k1")
	fp := f.Account("claim-1", "6222 0271-8263 5542")
	if !strings.HasPrefix(fp, "v1:k1:") || len(fp) != len("v1:k1:")+64 {
		t.Fatalf("got %q, want v1:k1: and 64 hex digits", fp)
	}
	if !f.MatchAccount(fp, "claim-1", account) {
		t.Errorf("got %q not matching its account, want a match", fp)
	}
	if !f.MatchAccount("v1:k1:"+strings.ToUpper(fp[6:]), "claim-1", account) {
		t.Errorf("got the digest in capitals not matching, want hex compared in any case")
	}
	for name, other := range map[string]bool{
		"another account": f.MatchAccount(fp, "claim-1", "6222027182635559"),
		"another claim":   f.MatchAccount(fp, "claim-2", account),
		"a name":          f.MatchHolder(fp, "claim-1", account),
		"empty":           f.MatchAccount("", "claim-1", account),
	} {
		if other {
			t.Errorf("%s: got a match, want none", name)
		}
	}
	if f.Account("claim-1", "") != "" || f.Holder("claim-1", " ") != "" {
		t.Error("got a fingerprint of nothing, want none")
	}
	var none *bankaccount.Fingerprints
	if none.Account("claim-1", account) != "" || none.MatchAccount(fp, "claim-1", account) || none.MatchStoredAccount(fp, "claim-1", account) {
		t.Error("without keys: got a fingerprint or a match, want none")
	}
}

// TestAnUnkeyedFingerprintIsNeverAMatch is the attack of the review: an
// outsider computes the unkeyed fingerprint (SHA-256 of claim:digits) of
// an account of their choosing and puts it on an event. It matches
// nothing once the key is held, and a consumer keeps none of it
// (FromEvent); only MatchStoredAccount, for fingerprints stored before the
// key, compares it under the old scheme.
func TestAnUnkeyedFingerprintIsNeverAMatch(t *testing.T) {
	f := fingerprints(t, "k1")
	legacy := bankaccount.LegacyFingerprint("claim-1", account)
	if f.MatchAccount(legacy, "claim-1", account) || f.MatchHolder(bankaccount.LegacyHolderFingerprint("claim-1", "张三"), "claim-1", "张三") {
		t.Error("got an unkeyed fingerprint matching, want none")
	}
	if got := bankaccount.FromEvent(legacy); got != "" {
		t.Errorf("FromEvent(unkeyed): got %q, want none kept", got)
	}
	for _, forged := range []string{"v1:k1:" + legacy[:63], "v1:k1:" + legacy + "00", "v2:k1:" + legacy, "v1::" + legacy, "v1:k1:" + strings.Repeat("zz", 32), "v1:k1:x:" + legacy} {
		if bankaccount.FromEvent(forged) != "" || f.MatchAccount(forged, "claim-1", account) {
			t.Errorf("%q: got it kept or matching, want neither", forged)
		}
	}
	if !f.MatchStoredAccount(legacy, "claim-1", account) || f.MatchStoredAccount(legacy, "claim-1", "6222027182635559") {
		t.Error("MatchStoredAccount: got the stored unkeyed fingerprint compared wrongly, want it matching its account only")
	}
	if fp := f.Account("claim-1", account); bankaccount.FromEvent(fp) != fp || !f.MatchStoredAccount(fp, "claim-1", account) {
		t.Errorf("got the keyed %q dropped or not matching, want it kept and matching", fp)
	}
}

// TestFingerprintKeysRotate: fingerprints made under the old key still
// match while it is held beside the new current one, and no longer once it
// is dropped; a key not held matches nothing.
func TestFingerprintKeysRotate(t *testing.T) {
	old := fingerprints(t, "k1")
	made := old.Account("claim-1", account)
	rotating := fingerprints(t, "k2", "k1")
	if fp := rotating.Account("claim-1", account); !strings.HasPrefix(fp, "v1:k2:") || fp == made {
		t.Errorf("got %q under the new key, want v1:k2:…", fp)
	}
	if !rotating.MatchAccount(made, "claim-1", account) || !rotating.Held(made) {
		t.Error("got a fingerprint under the old key not matching while it is held, want a match")
	}
	if dropped := fingerprints(t, "k2"); dropped.MatchAccount(made, "claim-1", account) || dropped.Held(made) {
		t.Error("got a fingerprint under a dropped key matching, want none")
	}
}

func TestParseFingerprintsRefusesBadKeys(t *testing.T) {
	good := base64.StdEncoding.EncodeToString(func() []byte { k := sha256.Sum256([]byte("x")); return k[:] }())
	for name, s := range map[string]string{
		"none":          "",
		"short":         "k1:" + base64.StdEncoding.EncodeToString([]byte("short")),
		"an id twice":   "k1:" + good + ",k1:" + good,
		"an odd id":     "k 1:" + good,
		"no id":         ":" + good,
		"patterned key": "k1:" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("a", 32))),
	} {
		if _, err := bankaccount.ParseFingerprints(s); err == nil {
			t.Errorf("%s: got no error, want the keys refused", name)
		}
	}
}

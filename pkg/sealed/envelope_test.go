package sealed_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"claims.local/pkg/sealed"
)

func newPair(t *testing.T, id string) (*sealed.Sealer, sealed.KeyPair) {
	t.Helper()
	kp, err := sealed.GenerateKeyPair(id)
	require.NoError(t, err)
	s, err := sealed.ParseSealer(kp.Public)
	require.NoError(t, err)
	return s, kp
}

func TestEnvelopeOpensOnlyForTheRecipient(t *testing.T) {
	s, kp := newPair(t, "payout-1")
	_, other := newPair(t, "payout-1")
	secret := []byte(`{"account_number":"6222021234567890123"}`)
	box, err := s.Seal(secret, []byte("claim-1"))
	require.NoError(t, err)
	if bytes.Contains(box, []byte("6222021234567890123")) {
		t.Fatalf("got the account number in clear in the envelope, want it sealed")
	}
	o, err := sealed.ParseOpener(kp.Private)
	require.NoError(t, err)
	plain, err := o.Open(box, []byte("claim-1"))
	require.NoError(t, err)
	if !bytes.Equal(plain, secret) {
		t.Errorf("got %q, want %q", plain, secret)
	}

	// Attacks: another claim's info, another private key of the same id,
	// a flipped byte, and the public key passed as a private key.
	if _, err := o.Open(box, []byte("claim-2")); !errors.Is(err, sealed.ErrOpen) {
		t.Errorf("opened for another claim: got %v, want ErrOpen", err)
	}
	wrong, err := sealed.ParseOpener(other.Private)
	require.NoError(t, err)
	if _, err := wrong.Open(box, []byte("claim-1")); !errors.Is(err, sealed.ErrOpen) {
		t.Errorf("opened with another private key: got %v, want ErrOpen", err)
	}
	flipped := bytes.Clone(box)
	flipped[len(flipped)-1] ^= 1
	if _, err := o.Open(flipped, []byte("claim-1")); !errors.Is(err, sealed.ErrOpen) {
		t.Errorf("opened a changed envelope: got %v, want ErrOpen", err)
	}
}

func TestEnvelopeRotation(t *testing.T) {
	oldS, oldKP := newPair(t, "payout-old")
	newS, newKP := newPair(t, "payout-new")
	oldBox, err := oldS.SealString([]byte("old"), nil)
	require.NoError(t, err)
	newBox, err := newS.SealString([]byte("new"), nil)
	require.NoError(t, err)
	o, err := sealed.ParseOpener(newKP.Private + "," + oldKP.Private)
	require.NoError(t, err)
	for box, want := range map[string]string{oldBox: "old", newBox: "new"} {
		got, err := o.OpenString(box, nil)
		require.NoError(t, err)
		if string(got) != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	onlyNew, err := sealed.ParseOpener(newKP.Private)
	require.NoError(t, err)
	if _, err := onlyNew.OpenString(oldBox, nil); err == nil || !strings.Contains(err.Error(), "payout-old") {
		t.Errorf("got %v, want a refusal naming the missing key payout-old", err)
	}
}

func TestParseEnvelopeKeysRefusesBadInput(t *testing.T) {
	_, kp := newPair(t, "k")
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"no id", "AAAA"},
		{"short key", "k:AAAA"},
		{"not base64", "k:***"},
		{"duplicate", kp.Private + "," + kp.Private},
		// Attack (issue 15): a patterned private key, as an example in a
		// manifest would be, is refused, not used.
		{"patterned key", "k:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := sealed.ParseOpener(tc.in); err == nil {
				t.Errorf("ParseOpener(%q): got nil, want an error", tc.in)
			}
		})
	}
	if _, err := sealed.ParseSealer("k:AAAA"); err == nil {
		t.Errorf("ParseSealer with a short key: got nil, want an error")
	}
}

// Package eventstest helps tests stand in for adjudication's payment
// instructions and intake's claim requests: a fixed payout payee key pair,
// a fixed fingerprint key, the sealing of an instruction's payee as
// adjudication seals it (issue 17), and intake's key signing claim
// requests (the attack review of issue 19).
package eventstest

import (
	"crypto/ecdh"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"claims.local/pkg/bankaccount"
	"claims.local/pkg/events"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/sealed"
)

// PayeeKeyID is the id of the test's payout payee key.
const PayeeKeyID = "test-payout"

// PayeeKeys returns the test's payout payee key pair: Private for payout
// (PAYOUT_PAYEE_OPEN_KEYS), Public for adjudication (ADJUDICATION_PAYEE_SEAL_KEY).
// The private key is fixed but not patterned (a SHA-256), so that payout's
// check of its secrets takes it.
func PayeeKeys(t testing.TB) sealed.KeyPair {
	t.Helper()
	key := sha256.Sum256([]byte("eventstest payout payee key"))
	priv, err := ecdh.X25519().NewPrivateKey(key[:])
	require.NoError(t, err)
	return sealed.KeyPair{ID: PayeeKeyID,
		Private: PayeeKeyID + ":" + base64.StdEncoding.EncodeToString(priv.Bytes()),
		Public:  PayeeKeyID + ":" + base64.StdEncoding.EncodeToString(priv.PublicKey().Bytes())}
}

// FingerprintKeyID is the id of the test's fingerprint key.
const FingerprintKeyID = "test-fp"

// FingerprintKeys returns the test's fingerprint key as the services'
// *_FINGERPRINT_KEYS give it (id:base64key): fixed, so that tests standing
// in for one service fingerprint as the others compare, but not patterned
// (a SHA-256), so that the services' check of their secrets takes it.
func FingerprintKeys() string {
	key := sha256.Sum256([]byte("eventstest fingerprint key"))
	return FingerprintKeyID + ":" + base64.StdEncoding.EncodeToString(key[:])
}

// Fingerprints makes and compares fingerprints under FingerprintKeys.
func Fingerprints() *bankaccount.Fingerprints {
	f, err := bankaccount.ParseFingerprints(FingerprintKeys())
	if err != nil {
		panic(err) // a fixed key of 32 random-looking bytes: never
	}
	return f
}

// PayeeSealer seals for PayeeKeys.
func PayeeSealer(t testing.TB) *sealed.Sealer {
	t.Helper()
	s, err := sealed.ParseSealer(PayeeKeys(t).Public)
	require.NoError(t, err)
	return s
}

// PayeeOpener opens what PayeeSealer sealed.
func PayeeOpener(t testing.TB) *sealed.Opener {
	t.Helper()
	o, err := sealed.ParseOpener(PayeeKeys(t).Private)
	require.NoError(t, err)
	return o
}

// SealPayee returns e with the payee of an agreement-reached or
// advance-approved event sealed with s and fingerprinted under
// FingerprintKeys, as adjudication publishes it; other
// events, and payees already sealed, are returned as they are. Sign after
// sealing: the signature covers the sealed form.
func SealPayee(t testing.TB, s *sealed.Sealer, e events.Envelope) events.Envelope {
	t.Helper()
	switch e.Type {
	case events.AgreementReached.Name:
		e.Data = sealIn(t, s, e, func(d *events.AgreementReachedData) *events.Payee { return &d.Payee })
	case events.AdvanceApproved.Name:
		e.Data = sealIn(t, s, e, func(d *events.AdvanceApprovedData) *events.Payee { return &d.Payee })
	}
	return e
}

// sealIn decodes e's data as a T, seals the payee payee points to unless it
// is sealed already, and returns the data encoded again.
func sealIn[T any](t testing.TB, s *sealed.Sealer, e events.Envelope, payee func(*T) *events.Payee) []byte {
	t.Helper()
	var d T
	require.NoError(t, json.Unmarshal(e.Data, &d))
	if p := payee(&d); p.Sealed == "" {
		sealedPayee, err := p.SealFor(s, Fingerprints(), e.ClaimID)
		require.NoError(t, err)
		*p = sealedPayee
	}
	data, err := json.Marshal(d)
	require.NoError(t, err)
	return data
}

// IntakeKeyID is the id of the test's intake key signing claim requests.
const IntakeKeyID = "test-intake"

// IntakeSigner returns the test's intake key signing claim requests
// (INTAKE_SIGNING_KEY): fixed, so that tests standing in for intake sign
// as adjudication verifies.
func IntakeSigner(t testing.TB) *signing.Signer {
	t.Helper()
	seed := sha256.Sum256([]byte("eventstest intake signing key"))
	s, err := signing.NewSigner(IntakeKeyID, seed[:])
	require.NoError(t, err)
	return s
}

// IntakeVerifier trusts IntakeSigner's public key for intake
// (ADJUDICATION_TRUSTED_INTAKE_KEYS).
func IntakeVerifier(t testing.TB) *signing.Verifier {
	t.Helper()
	v, err := signing.ParseTrusted("intake", IntakeSigner(t).Public())
	require.NoError(t, err)
	return v
}

// SignRequest returns e signed with IntakeSigner, as intake signs a claim
// request.
func SignRequest(t testing.TB, e events.Envelope) events.Envelope {
	t.Helper()
	signed, err := IntakeSigner(t).Sign(e)
	require.NoError(t, err)
	return signed
}

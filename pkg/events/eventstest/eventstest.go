// Package eventstest helps tests stand in for adjudication's payment
// instructions: a fixed payout payee key pair, and the sealing of an
// instruction's payee as adjudication seals it (issue 17).
package eventstest

import (
	"bytes"
	"crypto/ecdh"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"claims.local/pkg/events"
	"claims.local/pkg/sealed"
)

// PayeeKeyID is the id of the test's payout payee key.
const PayeeKeyID = "test-payout"

// PayeeKeys returns the test's payout payee key pair: Private for payout
// (PAYOUT_PAYEE_OPEN_KEYS), Public for adjudication (ADJUDICATION_PAYEE_SEAL_KEY).
func PayeeKeys(t testing.TB) sealed.KeyPair {
	t.Helper()
	priv, err := ecdh.X25519().NewPrivateKey(bytes.Repeat([]byte{3}, 32))
	require.NoError(t, err)
	return sealed.KeyPair{ID: PayeeKeyID,
		Private: PayeeKeyID + ":" + base64.StdEncoding.EncodeToString(priv.Bytes()),
		Public:  PayeeKeyID + ":" + base64.StdEncoding.EncodeToString(priv.PublicKey().Bytes())}
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
// advance-approved event sealed with s, as adjudication publishes it; other
// events, and payees already sealed, are returned as they are. Sign after
// sealing: the signature covers the sealed form.
func SealPayee(t testing.TB, s *sealed.Sealer, e events.Envelope) events.Envelope {
	t.Helper()
	var err error
	switch e.Type {
	case events.AgreementReached.Name:
		var d events.AgreementReachedData
		require.NoError(t, json.Unmarshal(e.Data, &d))
		if d.Payee.Sealed == "" {
			d.Payee, err = d.Payee.SealFor(s, e.ClaimID)
			require.NoError(t, err)
		}
		e.Data, err = json.Marshal(d)
	case events.AdvanceApproved.Name:
		var d events.AdvanceApprovedData
		require.NoError(t, json.Unmarshal(e.Data, &d))
		if d.Payee.Sealed == "" {
			d.Payee, err = d.Payee.SealFor(s, e.ClaimID)
			require.NoError(t, err)
		}
		e.Data, err = json.Marshal(d)
	}
	require.NoError(t, err)
	return e
}

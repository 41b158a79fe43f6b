package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/sealed"
)

// Attack (issue 15): payment instructions that adjudication did not sign
// create no obligation; each is parked (ErrMalformed) and raises one alarm,
// however often it is redelivered. A genuine one is paid once, and a replay
// of it under a new event id is refused.
func TestAttackAnInstructionNotSignedByAdjudicationIsRefusedAndAlarmedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.service(e.bank)
	stranger, err := signing.NewSigner("test-adjudication", bytes.Repeat([]byte{8}, 32))
	require.NoError(t, err)
	genuine := agreement(t, "claim-ok", 5000)
	replay := genuine
	replay.ID = "replayed-" + genuine.ID
	unsigned := agreement(t, "claim-1", 5000)
	unsigned.Signature, unsigned.SignatureKeyID = "", ""
	tampered := agreement(t, "claim-2", 5000)
	tampered.Data = bytes.Replace(tampered.Data, []byte(`"amount_fen":5000`), []byte(`"amount_fen":500000`), 1)
	foreign, err := stranger.Sign(agreement(t, "claim-3", 5000))
	require.NoError(t, err)
	unsignedAdvance := advance(t, "claim-4", 3000)
	unsignedAdvance.Signature = ""

	tests := []struct {
		name   string
		e      events.Envelope
		handle func(context.Context, events.Envelope) error
		want   signing.Reason
	}{
		{"unsigned agreement", unsigned, a.HandleAgreement, signing.Unsigned},
		{"amount changed after signing", tampered, a.HandleAgreement, signing.BadSignature},
		{"adjudication's key id, another key", foreign, a.HandleAgreement, signing.BadSignature},
		{"genuine replayed under a new event id", replay, a.HandleAgreement, signing.BadSignature},
		{"unsigned advance", unsignedAdvance, a.HandleAdvance, signing.Unsigned},
	}
	for _, tt := range tests {
		for range 2 { // the second time is a redelivery
			if err := tt.handle(ctx, tt.e); !errors.Is(err, events.ErrMalformed) {
				t.Errorf("%s: got %v, want ErrMalformed so that it is parked", tt.name, err)
			}
		}
	}
	require.NoError(t, a.HandleAgreement(ctx, genuine))
	if got := count(t, e.db, "SELECT count(*) FROM obligations"); got != 1 {
		t.Fatalf("got %d obligations, want only the genuine agreement's", got)
	}
	var alarms []events.InstructionRefusedData
	rows, err := e.db.Raw("SELECT payload FROM outbox WHERE event_type = ? ORDER BY id", events.InstructionRefused.Name).Rows()
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var payload []byte
		require.NoError(t, rows.Scan(&payload))
		ev, err := events.Decode(payload)
		require.NoError(t, err)
		var d events.InstructionRefusedData
		require.NoError(t, events.DecodeData(ev, events.InstructionRefused, &d))
		alarms = append(alarms, d)
	}
	if len(alarms) != len(tests) {
		t.Fatalf("got %d alarms %+v, want one per refused event (%d)", len(alarms), alarms, len(tests))
	}
	for i, tt := range tests {
		if got := alarms[i]; got.EventID != tt.e.ID || got.Reason != string(tt.want) || got.ClaimID != tt.e.ClaimID {
			t.Errorf("%s: got alarm %+v, want event %s, reason %s", tt.name, got, tt.e.ID, tt.want)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	want := []signing.Reason{signing.Unsigned, signing.BadSignature, signing.BadSignature, signing.BadSignature, signing.Unsigned}
	if !slices.Equal(e.refused, want) {
		t.Errorf("got refusals counted %v, want %v (once per event)", e.refused, want)
	}
}

// Without trusted keys payout pays nothing: it fails closed.
func TestAttackWithoutTrustedKeysEveryInstructionIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.trusted = nil
	a := e.service(e.bank)
	if err := a.HandleAgreement(context.Background(), agreement(t, "claim-1", 5000)); !errors.Is(err, events.ErrMalformed) {
		t.Fatalf("got %v, want ErrMalformed", err)
	}
	if got := count(t, e.db, "SELECT count(*) FROM obligations"); got != 0 {
		t.Fatalf("got %d obligations, want none", got)
	}
}

// Attack (issue 17, R11): a signed instruction whose payee is in clear, or
// whose sealed payee belongs to another claim or was sealed for another
// key, pays nothing: it is parked (ErrMalformed).
func TestAttackAPayeeNotSealedForPayoutIsParked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.service(e.bank)
	sign := func(ev events.Envelope) events.Envelope {
		t.Helper()
		ev, err := instructionKey(t).Sign(ev)
		require.NoError(t, err)
		return ev
	}
	// In clear: built and signed without sealing.
	clear, err := events.New(events.AgreementReached, "adjudication", "claim-clear", time.Now(), events.AgreementReachedData{
		ClaimID: "claim-clear", AmountFen: 5000, Currency: "CNY", AgreedAt: time.Now(),
		Payee: events.Payee{Name: "李四", Role: "beneficiary", BankName: "中国工商银行", AccountNumber: account}})
	require.NoError(t, err)
	clear = sign(clear)
	// Sealed for claim-x, moved into claim-moved's event.
	var d events.AgreementReachedData
	require.NoError(t, json.Unmarshal(agreement(t, "claim-x", 5000).Data, &d))
	d.ClaimID = "claim-moved"
	moved, err := events.New(events.AgreementReached, "adjudication", "claim-moved", time.Now(), d)
	require.NoError(t, err)
	moved = sign(moved)
	// Sealed for another public key of the same id.
	other, err := sealed.GenerateKeyPair(eventstest.PayeeKeyID)
	require.NoError(t, err)
	otherSealer, err := sealed.ParseSealer(other.Public)
	require.NoError(t, err)
	unsealed, err := events.New(events.AgreementReached, "adjudication", "claim-other", time.Now(), events.AgreementReachedData{
		ClaimID: "claim-other", AmountFen: 5000, Currency: "CNY", AgreedAt: time.Now(),
		Payee: events.Payee{Name: "李四", Role: "beneficiary", BankName: "中国工商银行", AccountNumber: account}})
	require.NoError(t, err)
	foreign := sign(eventstest.SealPayee(t, otherSealer, unsealed))

	// Its sealed payee altered, or its fingerprints made another
	// account's and another person's: what adjudication checked is not
	// what the envelope holds.
	resealed := func(claimID string, change func(p *events.Payee)) events.Envelope {
		t.Helper()
		var d events.AgreementReachedData
		require.NoError(t, json.Unmarshal(agreement(t, claimID, 5000).Data, &d))
		change(&d.Payee)
		ev, err := events.New(events.AgreementReached, "adjudication", claimID, time.Now(), d)
		require.NoError(t, err)
		return sign(ev)
	}
	tampered := resealed("claim-tampered", func(p *events.Payee) {
		b := []byte(p.Sealed)
		i := len(b) / 2
		b[i] = map[bool]byte{true: 'B', false: 'A'}[b[i] == 'A']
		p.Sealed = string(b)
	})
	otherAccount := resealed("claim-fp", func(p *events.Payee) {
		p.AccountFingerprint = eventstest.Fingerprints().Account("claim-fp", "6217000010009999")
	})
	otherName := resealed("claim-name", func(p *events.Payee) {
		p.NameFingerprint = eventstest.Fingerprints().Holder("claim-name", "钱多多")
	})

	for name, ev := range map[string]events.Envelope{"in clear": clear, "moved to another claim": moved, "sealed for another key": foreign,
		"tampered with": tampered, "fingerprinted as another account": otherAccount, "fingerprinted as another person": otherName} {
		if err := a.HandleAgreement(ctx, ev); !errors.Is(err, events.ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed so that it is parked", name, err)
		}
	}
	if got := count(t, e.db, "SELECT count(*) FROM obligations"); got != 0 {
		t.Errorf("got %d obligations, want none", got)
	}
	if bytes.Contains(agreement(t, "claim-y", 5000).Data, []byte(account)) {
		t.Errorf("got the account number in clear in a sealed agreement, want it sealed")
	}
}

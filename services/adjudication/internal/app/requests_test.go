package app_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/app"
	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/postgres/pgtest"
)

// TestAttackAClaimRequestIntakeDidNotSignOpensNothing: a writer of intake's
// topic other than intake (the attack review of issue 19) publishes claim
// requests saying a clerk's bank card came through the claimant's channel.
// Unsigned, signed with another key, changed after intake signed it, or
// naming another source, none opens a case (so nothing is decided or
// paid): each is parked (ErrMalformed) and raises one alarm however often
// it is delivered. A genuine request under the id of a refused forgery
// still opens its case.
func TestAttackAClaimRequestIntakeDidNotSignOpensNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	at := time.Date(2026, 9, 30, 8, 20, 0, 0, time.UTC)
	byStaff := func(claimID string) events.ClaimRequestedData {
		d := request(claimID, at)
		d.Documents = []events.ClaimDocument{{DocumentID: "card-" + claimID, Type: "bank_card", SHA256: "cc", HolderName: "张三",
			EnteredBy: "clerk-1", EnteredVia: events.EnteredViaStaff}}
		return d
	}
	unsigned := func(d events.ClaimRequestedData) events.Envelope {
		e, err := events.New(events.ClaimRequested, "intake", d.ClaimID, d.FirstReceivedAt, d)
		require.NoError(t, err)
		return e
	}
	stranger, err := signing.Generate(eventstest.IntakeKeyID)
	require.NoError(t, err)
	otherID, err := signing.Generate("leaked-elsewhere")
	require.NoError(t, err)
	sign := func(s *signing.Signer, e events.Envelope) events.Envelope {
		signed, err := s.Sign(e)
		require.NoError(t, err)
		return signed
	}
	// The claimant's channel, as the forger claims: the request intake
	// signed says staff; the forger rewrote it.
	tampered := claimRequested(t, byStaff("claim-tampered"))
	tampered.Data = bytes.Replace(tampered.Data, []byte(`"entered_via":"staff"`), []byte(`"entered_via":"claimant"`), 1)
	require.NotEqual(t, claimRequested(t, byStaff("claim-tampered")).Data, tampered.Data)
	fromAdjudication := unsigned(byStaff("claim-source"))
	fromAdjudication.Source = "adjudication"
	fromAdjudication = sign(eventstest.IntakeSigner(t), fromAdjudication)
	genuine := claimRequested(t, request("claim-genuine", at))
	squatter := unsigned(byStaff("claim-genuine"))
	squatter.ID = genuine.ID
	// A forger probing the topic with what is no claim request is told as
	// a forger, not parked unseen as a malformed event.
	garbled := unsigned(byStaff("claim-garbled"))
	garbled.Data = []byte(`{"claimed_amount_fen":"all of it"}`)

	tests := []struct {
		name string
		e    events.Envelope
		want signing.Reason
	}{
		{"unsigned", unsigned(byStaff("claim-unsigned")), signing.Unsigned},
		{"signed with a key intake's id names but intake does not hold", sign(stranger, unsigned(byStaff("claim-stranger"))), signing.BadSignature},
		{"signed with a key adjudication does not trust", sign(otherID, unsigned(byStaff("claim-other-key"))), signing.UnknownKey},
		{"entered_via changed after intake signed it", tampered, signing.BadSignature},
		{"signed with intake's key, naming another source", fromAdjudication, signing.WrongSource},
		{"unsigned, under a genuine request's id", squatter, signing.Unsigned},
		{"unsigned, its data no claim request", garbled, signing.Unsigned},
	}
	for _, tt := range tests {
		for range 2 { // the second time is a redelivery
			err := f.app.OpenCase(ctx, tt.e)
			var r *signing.Refusal
			if !errors.Is(err, events.ErrMalformed) || !errors.As(err, &r) || r.Reason != tt.want {
				t.Errorf("%s: got %v, want ErrMalformed refusing it as %s", tt.name, err, tt.want)
			}
		}
	}
	if got := pgtest.Count(t, f.db, "SELECT count(*) FROM cases"); got != 0 {
		t.Fatalf("got %d cases, want none opened on a request intake did not sign", got)
	}
	require.NoError(t, f.app.OpenCase(ctx, genuine))
	if _, err := f.app.Case(ctx, "claim-genuine"); err != nil {
		t.Fatalf("genuine request under a refused forgery's id: got %v, want its case opened", err)
	}

	alarms := refusalAlarms(t, f)
	if len(alarms) != len(tests) {
		t.Fatalf("got %d alarms %+v, want one per refused event (%d)", len(alarms), alarms, len(tests))
	}
	var want []signing.Reason
	for i, tt := range tests {
		want = append(want, tt.want)
		if got := alarms[i]; got.EventID != tt.e.ID || got.Reason != string(tt.want) || got.ClaimID != tt.e.ClaimID || got.EventType != events.ClaimRequested.Name {
			t.Errorf("%s: got alarm %+v, want event %s of claim %s, reason %s", tt.name, got, tt.e.ID, tt.e.ClaimID, tt.want)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !slices.Equal(f.refused, want) {
		t.Errorf("got refusals told %v, want %v (once per event)", f.refused, want)
	}
}

// refusalAlarms are the claim-request-refused alarms in f's outbox, in order.
func refusalAlarms(t *testing.T, f *fixture) []events.InstructionRefusedData {
	t.Helper()
	var alarms []events.InstructionRefusedData
	var payloads [][]byte
	require.NoError(t, f.db.Raw("SELECT payload FROM outbox WHERE event_type = ? ORDER BY id", events.ClaimRequestRefused.Name).Scan(&payloads).Error)
	for _, p := range payloads {
		e, err := events.Decode(p)
		require.NoError(t, err)
		var d events.InstructionRefusedData
		require.NoError(t, events.DecodeData(e, events.ClaimRequestRefused, &d))
		alarms = append(alarms, d)
	}
	return alarms
}

// TestAClaimRequestOfAnUnknownSchemaVersionIsParkedWithTheAlarm: a claim
// request intake signed, of a schema version adjudication cannot read (a
// newer intake deployed first, or a writer of the topic probing it), opens
// no case and is parked like a forgery, and raises the same alarm, once
// however often it is delivered, under a reason of its own.
func TestAClaimRequestOfAnUnknownSchemaVersionIsParkedWithTheAlarm(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	d := request("claim-v2", time.Date(2026, 9, 30, 8, 20, 0, 0, time.UTC))
	e, err := events.New(events.ClaimRequested, "intake", d.ClaimID, d.FirstReceivedAt, d)
	require.NoError(t, err)
	e.SchemaVersion = events.ClaimRequested.Version + 1
	e = eventstest.SignRequest(t, e)
	for range 2 { // the second time is a redelivery
		err := f.app.OpenCase(ctx, e)
		var r *signing.Refusal
		if !errors.Is(err, events.ErrMalformed) || !errors.As(err, &r) || r.Reason != app.UnknownSchemaVersion {
			t.Fatalf("got %v, want ErrMalformed refusing it as %s", err, app.UnknownSchemaVersion)
		}
	}
	if got := pgtest.Count(t, f.db, "SELECT count(*) FROM cases"); got != 0 {
		t.Fatalf("got %d cases, want none opened on a request adjudication cannot read", got)
	}
	alarms := refusalAlarms(t, f)
	if len(alarms) != 1 {
		t.Fatalf("got %d alarms, want 1", len(alarms))
	}
	if got := alarms[0]; got.EventID != e.ID || got.ClaimID != d.ClaimID || got.Reason != string(app.UnknownSchemaVersion) || !strings.Contains(got.Detail, "version 2") {
		t.Fatalf("got alarm %+v, want event %s of claim %s refused as %s naming version 2", got, e.ID, d.ClaimID, app.UnknownSchemaVersion)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !slices.Equal(f.refused, []signing.Reason{app.UnknownSchemaVersion}) {
		t.Errorf("got refusals told %v, want %v once", f.refused, app.UnknownSchemaVersion)
	}
}

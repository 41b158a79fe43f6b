package signing_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/pkg/events"
	"claims.local/pkg/events/signing"
)

func instruction(t *testing.T) events.Envelope {
	t.Helper()
	at := time.Date(2026, 10, 10, 2, 0, 0, 123456000, time.UTC)
	e, err := events.New(events.AgreementReached, "adjudication", "claim-1", at, events.AgreementReachedData{
		ClaimID: "claim-1", CaseID: "case-1", PolicyNumber: "P-1", AmountFen: 90000, Currency: "CNY",
		Payee:   events.Payee{Name: "李四", Role: "beneficiary", BankName: "中国工商银行", AccountNumber: "6222020200112233445"},
		Channel: "signed_form", RecordedBy: "handler-1", AgreedAt: at})
	require.NoError(t, err)
	return e
}

func generate(t *testing.T, id string) *signing.Signer {
	t.Helper()
	s, err := signing.Generate(id)
	require.NoError(t, err)
	return s
}

func trusted(t *testing.T, keys ...*signing.Signer) *signing.Verifier {
	t.Helper()
	var pub []string
	for _, k := range keys {
		pub = append(pub, k.Public())
	}
	v, err := signing.ParseTrusted("adjudication", strings.Join(pub, ","))
	require.NoError(t, err)
	return v
}

func sign(t *testing.T, s *signing.Signer, e events.Envelope) events.Envelope {
	t.Helper()
	signed, err := s.Sign(e)
	require.NoError(t, err)
	return signed
}

// TestCanonicalChangesWithEveryField: no field payout reads can be changed
// without changing the bytes signed.
func TestCanonicalChangesWithEveryField(t *testing.T) {
	base := instruction(t)
	want := signing.Canonical(base, "k1")
	for name, change := range map[string]func(*events.Envelope){
		"specversion":     func(e *events.Envelope) { e.SpecVersion = "1.1" },
		"id":              func(e *events.Envelope) { e.ID = "another-id" },
		"type":            func(e *events.Envelope) { e.Type = events.AdvanceApproved.Name },
		"source":          func(e *events.Envelope) { e.Source = "intake" },
		"subject":         func(e *events.Envelope) { e.Subject = "claim-2" },
		"claimid":         func(e *events.Envelope) { e.ClaimID = "claim-2" },
		"time":            func(e *events.Envelope) { e.Time = e.Time.Add(time.Microsecond) },
		"datacontenttype": func(e *events.Envelope) { e.DataContentType = "text/plain" },
		"schemaversion":   func(e *events.Envelope) { e.SchemaVersion = 2 },
		"data":            func(e *events.Envelope) { e.Data = bytes.Replace(e.Data, []byte("90000"), []byte("90001"), 1) },
		"data spacing":    func(e *events.Envelope) { e.Data = append([]byte(" "), e.Data...) },
		// Moving a byte from one field to the next keeps the concatenation;
		// the lengths tell them apart.
		"field boundary": func(e *events.Envelope) { e.Source, e.Subject = "adjudicationc", e.Subject[1:] },
	} {
		e := base
		e.Data = bytes.Clone(base.Data)
		change(&e)
		if got := signing.Canonical(e, "k1"); bytes.Equal(got, want) {
			t.Errorf("%s changed: got the same canonical form, want another", name)
		}
	}
	if got := signing.Canonical(base, "k2"); bytes.Equal(got, want) {
		t.Errorf("key id changed: got the same canonical form, want another")
	}
	other := base
	other.Time = base.Time.In(time.FixedZone("CST", 8*3600))
	if got := signing.Canonical(other, "k1"); !bytes.Equal(got, want) {
		t.Errorf("the same instant in +08:00: got canonical %q, want %q", got, want)
	}
}

// TestVerify is the table of instructions payout is sent: only the
// genuine one, or one signed with a key still trusted in a rotation, is
// accepted; each other one is refused with its reason.
func TestVerify(t *testing.T) {
	adjudication, old, stranger := generate(t, "adj-2"), generate(t, "adj-1"), generate(t, "adj-2")
	v := trusted(t, adjudication, old)
	genuine := sign(t, adjudication, instruction(t))
	tests := []struct {
		name string
		e    func() events.Envelope
		want signing.Reason // empty: accepted
	}{
		{"genuine", func() events.Envelope { return genuine }, ""},
		{"signed with the older trusted key", func() events.Envelope { return sign(t, old, instruction(t)) }, ""},
		{"survives JSON", func() events.Envelope {
			raw, err := json.Marshal(genuine)
			require.NoError(t, err)
			e, err := events.Decode(raw)
			require.NoError(t, err)
			return e
		}, ""},
		{"unsigned", func() events.Envelope { return instruction(t) }, signing.Unsigned},
		{"signature without key id", func() events.Envelope { e := genuine; e.SignatureKeyID = ""; return e }, signing.Unsigned},
		{"fresh key of its own id", func() events.Envelope { return sign(t, generate(t, "attacker"), instruction(t)) }, signing.UnknownKey},
		{"trusted key id, another key's signature", func() events.Envelope { return sign(t, stranger, instruction(t)) }, signing.BadSignature},
		{"relabelled with the other trusted key id", func() events.Envelope { e := genuine; e.SignatureKeyID = "adj-1"; return e }, signing.BadSignature},
		{"amount altered", func() events.Envelope {
			e := genuine
			e.Data = bytes.Replace(genuine.Data, []byte(`"amount_fen":90000`), []byte(`"amount_fen":9000000`), 1)
			require.NotEqual(t, genuine.Data, e.Data)
			return e
		}, signing.BadSignature},
		{"account altered", func() events.Envelope {
			e := genuine
			e.Data = bytes.Replace(genuine.Data, []byte("6222020200112233445"), []byte("6222020200199999999"), 1)
			require.NotEqual(t, genuine.Data, e.Data)
			return e
		}, signing.BadSignature},
		{"replayed under a new event id", func() events.Envelope { e := genuine; e.ID = "0b1e5f9a-new"; return e }, signing.BadSignature},
		{"replayed for another claim", func() events.Envelope { e := genuine; e.ClaimID, e.Subject = "claim-2", "claim-2"; return e }, signing.BadSignature},
		{"type changed to an advance", func() events.Envelope { e := genuine; e.Type = events.AdvanceApproved.Name; return e }, signing.BadSignature},
		{"signature not base64", func() events.Envelope { e := genuine; e.Signature = "!!"; return e }, signing.BadSignature},
		{"signature truncated", func() events.Envelope { e := genuine; e.Signature = e.Signature[:20]; return e }, signing.BadSignature},
		{"another source", func() events.Envelope {
			e := instruction(t)
			e.Source = "intake"
			return sign(t, adjudication, e)
		}, signing.WrongSource},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := v.Verify(tt.e())
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got %v, want accepted", err)
				}
				return
			}
			var r *signing.Refusal
			if !errors.As(err, &r) {
				t.Fatalf("got %v, want a refusal (%s)", err, tt.want)
			}
			if r.Reason != tt.want {
				t.Fatalf("got reason %s (%v), want %s", r.Reason, err, tt.want)
			}
		})
	}
}

func TestParseSignerAndTrustedRefuseBadKeys(t *testing.T) {
	k := generate(t, "adj-1")
	s, err := signing.ParseSigner(k.Private())
	require.NoError(t, err)
	if s.Public() != k.Public() {
		t.Fatalf("got public key %s after a round trip, want %s", s.Public(), k.Public())
	}
	seed := base64.StdEncoding.EncodeToString(make([]byte, 31))
	for _, bad := range []string{"", "adj-1", "adj-1:not base64", "adj-1:" + seed, ":" + strings.Repeat("A", 44)} {
		if _, err := signing.ParseSigner(bad); err == nil {
			t.Errorf("ParseSigner(%q): got no error, want a refusal", bad)
		}
	}
	for _, bad := range []string{"", " ", "adj-1", "adj-1:***", "adj-1:" + seed, k.Public() + "," + k.Public(), "a b:" + strings.Split(k.Public(), ":")[1]} {
		if _, err := signing.ParseTrusted("adjudication", bad); err == nil {
			t.Errorf("ParseTrusted(%q): got no error, want a refusal", bad)
		}
	}
}

// TestVerifyAClaimRequest is the table of claim requests adjudication is
// sent (the attack review of issue 19): only one intake signed with a key
// adjudication trusts for intake is accepted; a forged one saying a clerk's
// bank card came from the claimant is refused with its reason.
func TestVerifyAClaimRequest(t *testing.T) {
	intake, adjudication := generate(t, "intake-2"), generate(t, "adj-1")
	v, err := signing.ParseTrusted("intake", intake.Public())
	require.NoError(t, err)
	request := func(source string) events.Envelope {
		at := time.Date(2026, 10, 10, 2, 0, 0, 0, time.UTC)
		e, err := events.New(events.ClaimRequested, source, "claim-1", at, events.ClaimRequestedData{ClaimID: "claim-1", ReportID: "r-1",
			PolicyNumber: "P-1", InsuredName: "张三", IncidentType: "medical", IncidentTime: at, FirstReceivedAt: at,
			Documents: []events.ClaimDocument{{DocumentID: "card-1", Type: "bank_card", HolderName: "张三", EnteredBy: "clerk-1", EnteredVia: events.EnteredViaStaff}}})
		require.NoError(t, err)
		return e
	}
	genuine := sign(t, intake, request("intake"))
	tests := []struct {
		name string
		e    events.Envelope
		want signing.Reason // empty: accepted
	}{
		{"genuine", genuine, ""},
		{"unsigned", request("intake"), signing.Unsigned},
		{"signed with a key not trusted for intake", sign(t, generate(t, "attacker"), request("intake")), signing.UnknownKey},
		{"signed with adjudication's key", sign(t, adjudication, request("intake")), signing.UnknownKey},
		{"entered_via changed to claimant", func() events.Envelope {
			e := genuine
			e.Data = bytes.Replace(genuine.Data, []byte(`"entered_via":"staff"`), []byte(`"entered_via":"claimant"`), 1)
			require.NotEqual(t, genuine.Data, e.Data)
			return e
		}(), signing.BadSignature},
		{"entered_by changed", func() events.Envelope {
			e := genuine
			e.Data = bytes.Replace(genuine.Data, []byte(`"entered_by":"clerk-1"`), []byte(`"entered_by":"claimant-app"`), 1)
			require.NotEqual(t, genuine.Data, e.Data)
			return e
		}(), signing.BadSignature},
		{"signed with intake's key, naming adjudication as source", sign(t, intake, request("adjudication")), signing.WrongSource},
		// On the wire: a member repeated after the signed one, or spelt in
		// another case, is what the decoder keeps (the last, matched without
		// case); the verifier checks the envelope as decoded, so it sees
		// what adjudication acts on and the signature breaks.
		{"data repeated on the wire", onTheWire(t, genuine, `,"data":{"claim_id":"claim-1","documents":[]}}`), signing.BadSignature},
		{"data spelt Data on the wire", onTheWire(t, genuine, `,"Data":{"claim_id":"claim-1","documents":[]}}`), signing.BadSignature},
		{"claim id repeated on the wire", onTheWire(t, genuine, `,"claimid":"claim-2"}`), signing.BadSignature},
		{"source spelt SOURCE on the wire", onTheWire(t, sign(t, intake, request("adjudication")), `,"SOURCE":"intake"}`), signing.BadSignature},
	}
	for _, tt := range tests {
		err := v.Verify(tt.e)
		var r *signing.Refusal
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: got %v, want accepted", tt.name, err)
		case tt.want != "" && (!errors.As(err, &r) || r.Reason != tt.want):
			t.Errorf("%s: got %v, want a refusal (%s)", tt.name, err, tt.want)
		}
	}
}

// onTheWire returns e as adjudication decodes it from Kafka after a writer
// of the topic appended extra, which closes the JSON object, to its
// encoding.
func onTheWire(t *testing.T, e events.Envelope, extra string) events.Envelope {
	t.Helper()
	raw, err := json.Marshal(e)
	require.NoError(t, err)
	got, err := events.Decode(append(raw[:len(raw)-1], extra...))
	require.NoError(t, err)
	return got
}

// TestCheckRefusesWhatNoTrustedKeySigned: with no verifier every event is
// refused (a consumer fails closed); with one, Check is its verdict.
func TestCheckRefusesWhatNoTrustedKeySigned(t *testing.T) {
	adjudication := generate(t, "adj-1")
	genuine := sign(t, adjudication, instruction(t))
	if r := signing.Check(nil, genuine); r == nil || r.Reason != signing.UnknownKey {
		t.Errorf("no verifier: got %v, want an unknown_key refusal", r)
	}
	if r := signing.Check(trusted(t, adjudication), genuine); r != nil {
		t.Errorf("genuine: got %v, want accepted", r)
	}
	if r := signing.Check(trusted(t, adjudication), instruction(t)); r == nil || r.Reason != signing.Unsigned {
		t.Errorf("unsigned: got %v, want an unsigned refusal", r)
	}
}

// TestAForgedHolderVerificationIsRefused is the attack on the bank's
// account-holder verification (issue 19): adjudication counts a bank card
// misread one character off as the insured's when the claim request says
// the bank verified the payee's account. That flag, added to a genuine
// request, or sent in a request intake did not sign, is refused.
func TestAForgedHolderVerificationIsRefused(t *testing.T) {
	intake := generate(t, "intake-3")
	v, err := signing.ParseTrusted("intake", intake.Public())
	require.NoError(t, err)
	request := func(verified bool) events.Envelope {
		at := time.Date(2026, 10, 10, 2, 0, 0, 0, time.UTC)
		p := &events.Payee{Role: "insured", BankName: "中国工商银行", AccountLast4: "0128", AccountFingerprint: "v1:k:aa", NameFingerprint: "v1:k:bb", Sealed: "sealed"}
		if verified {
			p.HolderVerified, p.HolderVerificationRef = true, "BV-1"
		}
		e, err := events.New(events.ClaimRequested, "intake", "claim-1", at, events.ClaimRequestedData{ClaimID: "claim-1", ReportID: "r-1",
			PolicyNumber: "P-1", InsuredName: "张三", IncidentType: "medical", IncidentTime: at, FirstReceivedAt: at, Payee: p,
			AdvanceAgreement: &events.AdvanceAgreement{Channel: "app", AgreedAt: at}})
		require.NoError(t, err)
		return e
	}
	genuine := sign(t, intake, request(false))
	added := genuine
	added.Data = bytes.Replace(genuine.Data, []byte(`"sealed":"sealed"`), []byte(`"sealed":"sealed","holder_verified":true,"holder_verification_ref":"BV-1"`), 1)
	require.NotEqual(t, genuine.Data, added.Data)
	var d events.ClaimRequestedData
	require.NoError(t, json.Unmarshal(added.Data, &d))
	require.True(t, d.Payee.HolderVerified, "the tampered request must say verified, or the test proves nothing")
	for _, tc := range []struct {
		name string
		e    events.Envelope
		want signing.Reason
	}{
		{"holder_verified added to a request intake signed", added, signing.BadSignature},
		{"a request saying verified that intake did not sign", request(true), signing.Unsigned},
		{"a request saying verified signed by another key", sign(t, generate(t, "attacker"), request(true)), signing.UnknownKey},
	} {
		var r *signing.Refusal
		if err := v.Verify(tc.e); !errors.As(err, &r) || r.Reason != tc.want {
			t.Errorf("%s: got %v, want a refusal (%s)", tc.name, err, tc.want)
		}
	}
	if err := v.Verify(sign(t, intake, request(true))); err != nil {
		t.Fatalf("a verified payee intake signed: got %v, want accepted", err)
	}
}

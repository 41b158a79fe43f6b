package e2e

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus/kafkatest"
)

// Attack (issue 15): payment instructions written to claims.adjudication.v1
// by someone who can write the topic but does not hold adjudication's
// signing key. Each is parked as a dead letter, nothing is paid, and each
// raises the alarm (claims.payout.instruction-refused, an error log line,
// payout_instructions_refused_total); the genuine signed agreement beside
// them is paid once, and a replay of it under a new event id is refused.
// Every amount is below the payee-confirmation threshold, so that without
// the signature check each forged instruction would be paid at once.
func TestAttackForgedPaymentInstructionsAreParkedNeverPaidAndAlarmed(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.start("payout")
	sys.waitReady("payout")

	payee := beneficiary("6222020200112233445")
	signer := func(id string) *signing.Signer {
		s, err := signing.Generate(id)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	sign := func(s *signing.Signer, e events.Envelope) events.Envelope {
		signed, err := s.Sign(e)
		if err != nil {
			t.Fatal(err)
		}
		return signed
	}
	// attacker has a key of its own; impostor one under adjudication's key id.
	attacker, impostor := signer("attacker"), signer(sys.instructions.KeyID())
	altered := func(old, new string) events.Envelope {
		e := sign(sys.instructions, agreementEvent(t, uuid.NewString(), 90_000, payee))
		e.Data = bytes.Replace(e.Data, []byte(old), []byte(new), 1)
		if !bytes.Contains(e.Data, []byte(new)) {
			t.Fatalf("data %s: got no %q after the change, want it", e.Data, new)
		}
		return e
	}
	unsignedAdvance := func() events.Envelope {
		claim := uuid.NewString()
		e, err := events.New(events.AdvanceApproved, "adjudication", claim, time.Now().UTC(), events.AdvanceApprovedData{
			AdvanceID: uuid.NewString(), ClaimID: claim, CaseID: "case-" + claim, PolicyNumber: "P-E2E-PAY", Ground: "sixty-days",
			AmountFen: 80_000, Currency: "CNY", ExpectedBenefitFen: 200_000, Payee: payee, ApprovedBy: "handler-e2e", ApprovedAt: time.Now().UTC()})
		if err != nil {
			t.Fatal(err)
		}
		return eventstest.SealPayee(t, eventstest.PayeeSealer(t), e)
	}
	genuineClaim := uuid.NewString()
	genuine := sign(sys.instructions, agreementEvent(t, genuineClaim, 90_000, payee))
	replay := genuine
	replay.ID = uuid.NewString()

	forged := []forgery{
		{"no signature", agreementEvent(t, uuid.NewString(), 90_000, payee), signing.Unsigned},
		{"unsigned advance", unsignedAdvance(), signing.Unsigned},
		{"a fresh key", sign(attacker, agreementEvent(t, uuid.NewString(), 90_000, payee)), signing.UnknownKey},
		{"adjudication's key id, another key", sign(impostor, agreementEvent(t, uuid.NewString(), 90_000, payee)), signing.BadSignature},
		{"amount altered after signing", altered(`"amount_fen":90000`, `"amount_fen":99000`), signing.BadSignature},
		{"account altered after signing", altered(`"account_last4":"3445"`, `"account_last4":"6666"`), signing.BadSignature},
		{"genuine replayed under a new event id", replay, signing.BadSignature},
	}
	for _, f := range forged {
		sys.publishInstruction(t, f.e)
	}
	sys.publishInstruction(t, genuine)

	db := openDB(t, sys.dsn["payout"])
	apitest.Eventually(t, 60*time.Second, "every forged instruction parked", func() bool {
		return count(t, db, "SELECT count(*) FROM dead_letters WHERE consumer = 'payout.agreements'") == len(forged)
	})
	es := sys.payouts(t, func(es []events.Envelope) bool {
		return countOf(es, genuineClaim, events.PayoutCompleted) == 1 && len(refusals(t, es, events.InstructionRefused)) == len(forged)
	})
	sys.wantRefused(t, "payout", forged, es, events.InstructionRefused, "payout_instructions_refused_total", "payment instruction refused")
	for _, f := range forged {
		if f.e.ClaimID == genuineClaim {
			continue
		}
		var list struct {
			Obligations []struct {
				ID string `json:"id"`
			} `json:"obligations"`
		}
		if status := sys.call(t, http.MethodGet, sys.url("payout", "/v1/obligations?claim_id="+f.e.ClaimID), nil, &list); status != http.StatusOK || len(list.Obligations) != 0 {
			t.Errorf("%s: got %d obligations (status %d), want none", f.name, len(list.Obligations), status)
		}
		if n := countOf(es, f.e.ClaimID, events.PayoutScheduled) + countOf(es, f.e.ClaimID, events.PayoutCompleted); n != 0 {
			t.Errorf("%s: got %d finance events, want none", f.name, n)
		}
	}
	if got := countOfPayouts(sys, t, genuineClaim); got != 1 {
		t.Errorf("genuine agreement: got %d completed payments, want 1", got)
	}
	if got := count(t, db, "SELECT count(*) FROM banksim.transfers"); got != 1 {
		t.Errorf("got %d transfers asked of the bank, want 1 (the genuine agreement's)", got)
	}
}

// forgery is an event written to a topic by someone who does not hold its
// producer's signing key, and the reason it is refused for.
type forgery struct {
	name   string
	e      events.Envelope
	reason signing.Reason
}

// wantRefused checks that service told of each forgery: one alarm of type
// typ among es naming the event, its claim and the reason; the refusals
// counted by reason in metric; an error log line saying line and naming
// the event.
func (s *system) wantRefused(t *testing.T, service string, forged []forgery, es []events.Envelope, typ events.Type, metric, line string) {
	t.Helper()
	alarms := refusals(t, es, typ)
	counts := map[signing.Reason]float64{}
	logs := s.procs[service].out.String()
	for _, f := range forged {
		counts[f.reason]++
		a, ok := alarms[f.e.ID]
		switch {
		case !ok:
			t.Errorf("%s: got no %s alarm for event %s, want one", f.name, typ.Name, f.e.ID)
		case a.Reason != string(f.reason) || a.ClaimID != f.e.ClaimID || a.EventType != f.e.Type:
			t.Errorf("%s: got alarm %+v, want reason %s for claim %s (%s)", f.name, a, f.reason, f.e.ClaimID, f.e.Type)
		}
		if !strings.Contains(logs, `"event_id":"`+f.e.ID+`"`) || !strings.Contains(logs, line) {
			t.Errorf("%s: got no error log line naming event %s, want one", f.name, f.e.ID)
		}
	}
	for reason, want := range counts {
		series := metric + `{reason="` + string(reason) + `"}`
		if got := metricValue(t, s.url(service, "/metrics"), series); got != want {
			t.Errorf("got %s %v, want %v", series, got, want)
		}
	}
}

// refusals returns the alarms of type typ (instruction-refused,
// claim-request-refused) among es by the id of the refused event.
func refusals(t *testing.T, es []events.Envelope, typ events.Type) map[string]events.InstructionRefusedData {
	t.Helper()
	out := map[string]events.InstructionRefusedData{}
	for _, e := range es {
		if e.Type != typ.Name {
			continue
		}
		var d events.InstructionRefusedData
		if err := events.DecodeData(e, typ, &d); err != nil {
			t.Fatal(err)
		}
		out[d.EventID] = d
	}
	return out
}

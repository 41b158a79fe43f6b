package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"claims.local/pkg/events"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox"
)

// Attack (the attack review of issue 19): claim requests written to
// claims.intake.v1 by someone who can write the topic but does not hold
// intake's signing key (a leaked intake Kafka credential, a bug elsewhere).
// Each looks like a clean claim the claimant's own channel sent, with the
// claimant's advance agreement: without the signature check each would be
// approved and paid with no person. Each is parked as a dead letter; no
// case is opened, nothing is decided or paid; each raises the alarm
// (claims.adjudication.claim-request-refused, an error log line,
// adjudication_claim_requests_refused_total), and so does a request intake
// signed of a schema version adjudication cannot read. The genuine request beside
// them, signed with intake's key, is paid with no person; published again
// under its own id it changes nothing (the inbox), and under a new id it
// is refused.
func TestAttackForgedClaimRequestsAreParkedNeverDecidedAndAlarmed(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	for _, name := range []string{"adjudication", "payout"} {
		sys.start(name)
	}
	for _, name := range []string{"adjudication", "payout"} {
		sys.waitReady(name)
	}
	sys.importSTP(t)
	// clean is a clean claim of its own policy, as the claimant's channel
	// sends it, with the advance agreement.
	seq := 0
	clean := func() events.ClaimRequestedData {
		seq++
		policy, insured := "P-SIG-"+uuid.NewString()[:8], "孙签名"
		sys.stpPolicy(t, policy, insured)
		return sys.inAdvance(t, stpRequest(policy, insured, "SIG-"+uuid.NewString()[:8], stpAccount(300+seq), defectNone), insured, stpAccount(300+seq))
	}
	envelope := func(d events.ClaimRequestedData) events.Envelope {
		e, err := events.New(events.ClaimRequested, "intake", d.ClaimID, d.FirstReceivedAt, d)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	sign := func(s *signing.Signer, e events.Envelope) events.Envelope {
		signed, err := s.Sign(e)
		if err != nil {
			t.Fatal(err)
		}
		return signed
	}
	generate := func(id string) *signing.Signer {
		s, err := signing.Generate(id)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// A clerk's bank card that intake signed as the staff's entry, then
	// rewritten as the claimant's.
	staffCard := clean()
	staffCard.Documents[2].EnteredBy, staffCard.Documents[2].EnteredVia = "clerk-1", events.EnteredViaStaff
	rewritten := sign(sys.requests, envelope(staffCard))
	rewritten.Data = bytes.Replace(rewritten.Data, []byte(`"entered_via":"staff"`), []byte(`"entered_via":"claimant"`), 1)
	rewritten.Data = bytes.Replace(rewritten.Data, []byte(`"clerk-1"`), []byte(`"`+claimantApp.Subject+`"`), 1)
	if bytes.Contains(rewritten.Data, []byte("staff")) || bytes.Contains(rewritten.Data, []byte("clerk-1")) {
		t.Fatalf("data %s: got the clerk's entry still, want it rewritten as the claimant's", rewritten.Data)
	}
	// Signed by intake, of a schema version adjudication cannot read.
	newer := envelope(clean())
	newer.SchemaVersion = events.ClaimRequested.Version + 1
	newer = sign(sys.requests, newer)
	genuineData := clean()
	genuine := sign(sys.requests, envelope(genuineData))
	replay := genuine
	replay.ID = uuid.NewString()

	forged := []forgery{
		{"no signature", envelope(clean()), signing.Unsigned},
		{"a fresh key", sign(generate("attacker"), envelope(clean())), signing.UnknownKey},
		{"intake's key id, another key", sign(generate(sys.requests.KeyID()), envelope(clean())), signing.BadSignature},
		{"a clerk's card rewritten as the claimant's after signing", rewritten, signing.BadSignature},
		{"the genuine request replayed under a new event id", replay, signing.BadSignature},
		{"intake's signature, a schema version adjudication cannot read", newer, "unknown_schema_version"},
	}
	msgs := []outbox.Message{}
	publish := func(e events.Envelope) {
		v, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, outbox.Message{Topic: sys.topics.Intake(), Key: e.ClaimID, EventID: e.ID, Type: e.Type, Value: v})
	}
	for _, f := range forged {
		publish(f.e)
	}
	publish(genuine)
	publish(genuine) // redelivered under its own id: the inbox absorbs it
	apitest.Publish(t, sys.brokers, msgs...)

	sys.paidAutomatically(t, genuineData.ClaimID)
	db := openDB(t, sys.dsn["adjudication"])
	apitest.Eventually(t, 60*time.Second, "every forged claim request parked", func() bool {
		return count(t, db, "SELECT count(*) FROM dead_letters WHERE consumer = 'adjudication.claim-requests'") == len(forged)
	})
	es := readTopic(t, sys.brokers, sys.topics.Adjudication(), 60*time.Second, func(es []events.Envelope) bool {
		return len(refusals(t, es, events.ClaimRequestRefused)) == len(forged)
	})
	sys.wantRefused(t, "adjudication", forged, es, events.ClaimRequestRefused, "adjudication_claim_requests_refused_total", "claim request refused")
	for _, f := range forged {
		if f.e.ClaimID == genuineData.ClaimID {
			continue
		}
		if status := sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/cases/"+f.e.ClaimID), nil, nil); status != http.StatusNotFound {
			t.Errorf("%s: got case status %d, want 404: no case opened", f.name, status)
		}
		if n := countOf(es, f.e.ClaimID, events.ClaimDecided) + countOf(es, f.e.ClaimID, events.AgreementReached); n != 0 {
			t.Errorf("%s: got %d decisions and agreements, want none", f.name, n)
		}
	}
	if got := count(t, db, "SELECT count(*) FROM cases"); got != 1 {
		t.Errorf("got %d cases, want 1 (the genuine request's)", got)
	}
	if got := countOfPayouts(sys, t, genuineData.ClaimID); got != 1 {
		t.Errorf("genuine request: got %d completed payments, want 1", got)
	}
	if got := count(t, openDB(t, sys.dsn["payout"]), "SELECT count(*) FROM banksim.transfers"); got != 1 {
		t.Errorf("got %d transfers asked of the bank, want 1 (the genuine request's)", got)
	}
}

package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"claims.local/pkg/calendar"
	"claims.local/pkg/calendar/calendartest"
	"claims.local/pkg/events"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox"
)

// TestAttackAForgedCalendarForDaysToComeIsAppliedByNoService is an insider
// with one service's Kafka credential (the red team of session 12, left
// open): a calendar version declaring the next fifteen working days
// holidays, which a State Council notice could announce, so the rule that a
// version changes only days to come lets it through, and every open
// deadline would move out by three weeks. It is written on
// claims.calendar.v1 as intake, as payout and as adjudication: unsigned,
// signed with a fresh key, with adjudication's key id and another key, and
// signed with intake's own signing key (a service that does not publish
// calendars). Each write is refused by the broker or parked as a dead
// letter by every service; no service stores or counts with it, and the
// claim's deadlines stay where they were. A genuine version submitted to
// adjudication afterwards (a holiday months ahead) is applied by all three,
// which shows each consumer read past the forgeries; intake's API no longer
// takes a calendar (adjudication publishes them).
func TestAttackAForgedCalendarForDaysToComeIsAppliedByNoService(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.startAll()

	r := sys.reportAndRequest(t, "P-E2E-CALFORGE")
	var before []deadlineJSON
	apitest.Eventually(t, 60*time.Second, "decision deadline tracked", func() bool {
		before = sys.deadlinesOf(t, "adjudication", r.ClaimID)
		return len(before) == 2
	})

	cal := calendar.Default()
	today := calendar.DateOf(time.Now())
	forgedData := calendar.EmbeddedData()
	for day, n := today.AddDays(1), 0; n < 15; day = day.AddDays(1) {
		if cal.IsWorkingDay(day) {
			forgedData = calendartest.AddOffDays(t, forgedData, "e2e holiday", day)
			n++
		}
	}
	forgedCal, err := calendar.Parse(forgedData)
	if err != nil {
		t.Fatalf("the forged calendar: %v", err)
	}
	envelope := func(source string) events.Envelope {
		e, err := events.New(events.CalendarUpdated, source, events.CalendarKey, time.Now(), events.CalendarUpdatedData{
			Version: forgedCal.Version(), Calendar: forgedData, Reason: "国务院办公厅关于部分节假日安排的通知",
			SubmittedBy: "admin-1", SubmittedAt: time.Now().UTC()})
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
	forgeries := []struct {
		name string
		as   string
		e    events.Envelope
	}{
		{"intake's credential, unsigned", kafkabus.IntakeUser, envelope("intake")},
		{"payout's credential, unsigned", kafkabus.PayoutUser, envelope("payout")},
		{"adjudication's credential, unsigned", kafkabus.AdjudicationUser, envelope("adjudication")},
		{"adjudication's credential, a fresh key", kafkabus.AdjudicationUser, sign(generate("attacker"), envelope("adjudication"))},
		{"adjudication's credential, its key id and another key", kafkabus.AdjudicationUser, sign(generate(sys.instructions.KeyID()), envelope("adjudication"))},
		{"intake's credential and intake's signing key", kafkabus.IntakeUser, sign(sys.requests, envelope("intake"))},
		{"adjudication's credential and intake's signing key", kafkabus.AdjudicationUser, sign(sys.requests, envelope("intake"))},
	}
	written := 0
	for _, f := range forgeries {
		v, err := json.Marshal(f.e)
		if err != nil {
			t.Fatal(err)
		}
		err = produce(t, kafkatest.As(t, f.as), sys.topics.Calendar(), outbox.Message{Topic: sys.topics.Calendar(),
			Key: events.CalendarKey, EventID: f.e.ID, Type: f.e.Type, Value: v})
		switch {
		case err == nil:
			written++
		case kafkaCode(err, kafka.TopicAuthorizationFailed):
			t.Logf("%s: refused by the broker", f.name)
		default:
			t.Fatalf("%s: got %v, want the write refused by the ACLs or accepted", f.name, err)
		}
	}

	// A genuine version, submitted to adjudication after the forgeries: a
	// holiday four months ahead, past every deadline of the claim.
	far := today.AddDays(120)
	for !cal.IsWorkingDay(far) {
		far = far.AddDays(1)
	}
	submit := map[string]any{"calendar": json.RawMessage(calendartest.WithOffDays(t, "e2e holiday", far)), "reason": "e2e: State Council notice adding " + far.String()}
	var accepted struct {
		Version string `json:"version"`
	}
	if status := sys.call(t, http.MethodPost, sys.url("adjudication", "/v1/calendar/versions"), submit, &accepted); status != http.StatusAccepted {
		t.Fatalf("submit the genuine calendar to adjudication: got status %d, want 202", status)
	}
	for _, name := range []string{"intake", "adjudication", "payout"} {
		apitest.Eventually(t, 60*time.Second, name+" counts with the genuine calendar", func() bool {
			var active struct {
				Version string `json:"version"`
			}
			sys.call(t, http.MethodGet, sys.url(name, "/v1/calendar"), nil, &active)
			return active.Version == accepted.Version
		})
		db := openDB(t, sys.dsn[name])
		if got := count(t, db, "SELECT count(*) FROM calendar_versions"); got != 1 {
			t.Errorf("%s: got %d calendar versions stored, want 1 (the genuine one)", name, got)
		}
		if got := count(t, db, "SELECT count(*) FROM calendar_versions WHERE version = $1", forgedCal.Version()); got != 0 {
			t.Errorf("%s: got the forged calendar stored %d times, want 0", name, got)
		}
		parked := count(t, db, "SELECT count(*) FROM dead_letters WHERE topic = $1 AND error LIKE '%signed event refused%'", sys.topics.Calendar())
		if parked != written {
			t.Errorf("%s: got %d forged calendars parked as refused, want %d (every one the broker took)", name, parked, written)
		}
	}
	var after []deadlineJSON
	apitest.Eventually(t, 60*time.Second, "adjudication's deadlines counted with the genuine calendar", func() bool {
		after = sys.deadlinesOf(t, "adjudication", r.ClaimID)
		return len(after) > 0 && !slices.ContainsFunc(after, func(d deadlineJSON) bool { return d.CalendarVersion != accepted.Version })
	})
	if got := count(t, openDB(t, sys.dsn["adjudication"]), "SELECT count(*) FROM outbox WHERE event_type = $1 AND msg_key = $2",
		events.DeadlineMoved.Name, r.ClaimID); got != 0 {
		t.Errorf("got %d deadline-moved events of the claim, want none", got)
	}
	if len(after) != len(before) {
		t.Fatalf("got %d deadlines after the forgeries, want %d", len(after), len(before))
	}
	for i := range before {
		if after[i].Rule != before[i].Rule || after[i].DueDate != before[i].DueDate {
			t.Errorf("deadline %s: got due %s, want %s as before the forgeries", before[i].Rule, after[i].DueDate, before[i].DueDate)
		}
	}

	var refused struct {
		Error struct{ Code, Message string }
	}
	other := map[string]any{"calendar": json.RawMessage(forgedData), "reason": "国务院办公厅关于部分节假日安排的通知"}
	if status := sys.call(t, http.MethodPost, sys.url("intake", "/v1/calendar/versions"), other, &refused); status != http.StatusConflict ||
		!strings.Contains(refused.Error.Message, "adjudication") {
		t.Errorf("a calendar submitted to intake: got %d %+v, want 409 naming adjudication, the calendar's one publisher", status, refused)
	}
}

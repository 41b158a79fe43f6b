package e2e

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"claims.local/pkg/calendar"
	"claims.local/pkg/calendar/calendartest"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus/kafkatest"
)

type deadlineJSON struct {
	ID              string `json:"id"`
	ClaimID         string `json:"claim_id"`
	Rule            string `json:"rule"`
	State           string `json:"state"`
	Risk            string `json:"risk"`
	DueDate         string `json:"due_date"`
	DelaySeconds    int64  `json:"delay_seconds"`
	Explanation     string `json:"explanation"`
	CalendarVersion string `json:"calendar_version"`
}

// deadlinesOf lists a claim's deadlines in service name.
func (s *system) deadlinesOf(t testing.TB, name, claimID string) []deadlineJSON {
	t.Helper()
	var page struct {
		Deadlines []deadlineJSON `json:"deadlines"`
	}
	if status := s.call(t, http.MethodGet, s.url(name, "/v1/deadlines?claim_id="+claimID), nil, &page); status != http.StatusOK {
		t.Fatalf("GET %s deadlines: got status %d, want 200", name, status)
	}
	return page.Deadlines
}

// reportReceivedAt files a report, marks every item of its checklist
// satisfied, and makes a claim request that was received on paper at
// receivedAt. The checklist is satisfied first so that intake meets its
// missing-documents obligation (R3) in the request's own transaction: the
// only deadline events of the claim are adjudication's.
func (s *system) reportReceivedAt(t testing.TB, policy string, receivedAt time.Time) report {
	t.Helper()
	r := s.newReport(t, policy, "赵六", receivedAt.Add(-5*24*time.Hour))
	s.satisfyChecklist(t, r.ID)
	body := map[string]any{"received_at": receivedAt.Format(time.RFC3339)}
	if status := s.call(t, http.MethodPost, s.url("intake", "/v1/reports/"+r.ID+"/claim-request"), body, nil); status != http.StatusCreated {
		t.Fatalf("POST claim-request: got status %d, want 201", status)
	}
	return r
}

// deadlineEvents returns the events of type typ about claimID on the
// deadlines topic, waiting until there is at least one.
func (s *system) deadlineEvents(t testing.TB, claimID string, typ events.Type) []events.DeadlineData {
	t.Helper()
	got := readTopic(t, s.brokers, s.topics.Deadlines(), 60*time.Second, func(es []events.Envelope) bool {
		return countOf(es, claimID, typ) >= 1
	})
	var out []events.DeadlineData
	for _, e := range got {
		if e.ClaimID != claimID || e.Type != typ.Name {
			continue
		}
		var d events.DeadlineData
		if err := json.Unmarshal(e.Data, &d); err != nil {
			t.Fatalf("decode %s: %v", e.Type, err)
		}
		out = append(out, d)
	}
	return out
}

// TestALateDecisionIsBreachedAnnouncedAndReported: a claim request received
// on paper three weeks before it was entered is past its R4 deadline when
// adjudication opens the case. The monitor raises the breach once, the
// decision made afterwards is recorded as missed, and the compliance report
// counts it with its delay, in JSON and CSV.
func TestALateDecisionIsBreachedAnnouncedAndReported(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.startAll()

	received := time.Now().Add(-21 * 24 * time.Hour).Truncate(time.Second)
	r := sys.reportReceivedAt(t, "P-E2E-LATE", received)
	breached := sys.deadlineEvents(t, r.ClaimID, events.DeadlineBreached)
	if len(breached) != 1 || breached[0].Rule != "decision" || breached[0].RNumber != "R4" || breached[0].Service != "adjudication" {
		t.Fatalf("got breached events %+v, want one for R4 decision from adjudication", breached)
	}
	var decision deadlineJSON
	for _, d := range sys.deadlinesOf(t, "adjudication", r.ClaimID) {
		if d.Rule == "decision" {
			decision = d
		}
	}
	if decision.State != "open" || decision.Risk != "breached" || decision.DueDate != breached[0].DueDate {
		t.Fatalf("got decision deadline %+v, want open and breached, due %s", decision, breached[0].DueDate)
	}

	sys.approve(t, r.ClaimID, 120000)
	var after deadlineJSON
	sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/deadlines/"+decision.ID), nil, &after)
	if after.State != "missed" || after.DelaySeconds <= 0 {
		t.Fatalf("got decision deadline %+v after the decision, want missed with a delay", after)
	}

	// The report of the period in which the deadline fell due.
	from := calendar.DateOf(received).String()
	to := calendar.DateOf(time.Now()).String()
	var report struct {
		Service string `json:"service"`
		Rules   []struct {
			Rule   string `json:"rule"`
			Missed int    `json:"missed"`
			Worst  []struct {
				ClaimID      string `json:"claim_id"`
				DelaySeconds int64  `json:"delay_seconds"`
			} `json:"worst"`
		} `json:"rules"`
	}
	path := fmt.Sprintf("/v1/compliance-report?from=%s&to=%s", from, to)
	if status := sys.call(t, http.MethodGet, sys.url("adjudication", path), nil, &report); status != http.StatusOK {
		t.Fatalf("compliance report: got status %d, want 200", status)
	}
	found := false
	for _, l := range report.Rules {
		if l.Rule == "decision" {
			found = l.Missed == 1 && len(l.Worst) == 1 && l.Worst[0].ClaimID == r.ClaimID && l.Worst[0].DelaySeconds == after.DelaySeconds
		}
	}
	if report.Service != "adjudication" || !found {
		t.Fatalf("got compliance report %+v, want decision missed once, worst being claim %s", report, r.ClaimID)
	}
	req, err := http.NewRequest(http.MethodGet, sys.url("adjudication", path+"&format=csv"), nil)
	if err != nil {
		t.Fatalf("compliance CSV: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+sys.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("compliance CSV: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if err != nil || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("compliance CSV: got %q (%s, %v), want CSV", raw, resp.Header.Get("Content-Type"), err)
	}
	var decisionRow []string
	for _, row := range rows[1:] {
		if row[3] == "decision" {
			decisionRow = row
		}
	}
	// service,from,to,rule,r_number,total,met,missed,open,open_breached,on_time_rate,worst_delay_seconds,worst_claim_id
	if len(decisionRow) != 13 || decisionRow[7] != "1" || decisionRow[12] != r.ClaimID {
		t.Fatalf("got CSV decision row %q, want missed 1 and the claim as the worst", decisionRow)
	}

	// The agreement owes a payment within 10 days (R6), met when paid.
	sys.agree(t, r.ClaimID)
	apitest.Eventually(t, 60*time.Second, "payment deadline met", func() bool {
		for _, d := range sys.deadlinesOf(t, "payout", r.ClaimID) {
			if d.Rule == "payment" && d.State == "met" {
				return true
			}
		}
		return false
	})
	if n := len(sys.deadlineEvents(t, r.ClaimID, events.DeadlineBreached)); n != 1 {
		t.Fatalf("got %d breached events for the claim, want exactly 1", n)
	}
}

// TestACalendarUpdateMovesOpenDeadlines: a new working-day calendar that
// declares the next working day a holiday, submitted to one service, reaches
// every tracking service through Kafka; each recomputes its open deadlines
// and announces the moved ones.
func TestACalendarUpdateMovesOpenDeadlines(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.startAll()

	r := sys.reportAndRequest(t, "P-E2E-CAL")
	var before []deadlineJSON
	apitest.Eventually(t, 60*time.Second, "decision deadline tracked", func() bool {
		before = sys.deadlinesOf(t, "adjudication", r.ClaimID)
		return len(before) == 2
	})

	cal := calendar.Default()
	holiday := cal.NextWorkingDay(calendar.DateOf(time.Now()))
	data := calendartest.WithOffDays(t, "e2e holiday", holiday)
	submit := map[string]any{"calendar": json.RawMessage(data), "reason": "e2e: State Council notice adding " + holiday.String()}
	var accepted struct {
		Version string `json:"version"`
	}
	if status := sys.call(t, http.MethodPost, sys.url("adjudication", "/v1/calendar/versions"), submit, &accepted); status != http.StatusAccepted {
		t.Fatalf("submit calendar: got status %d, want 202", status)
	}
	moved := sys.deadlineEvents(t, r.ClaimID, events.DeadlineMoved)
	want := cal.NextWorkingDay(mustDate(t, before[0].DueDate)).String()
	if len(moved) != 1 || moved[0].PreviousDueDate != before[0].DueDate || moved[0].DueDate != want || moved[0].CalendarVersion != accepted.Version {
		t.Fatalf("got moved events %+v, want one from %s to %s with calendar %s", moved, before[0].DueDate, want, accepted.Version)
	}
	if !strings.Contains(sys.deadlinesOf(t, "adjudication", r.ClaimID)[0].Explanation, holiday.String()) {
		t.Fatalf("got an explanation without the new holiday %s, want it named", holiday)
	}
	apitest.Eventually(t, 30*time.Second, "payout counts with the new calendar", func() bool {
		var active struct {
			Version string `json:"version"`
		}
		sys.call(t, http.MethodGet, sys.url("payout", "/v1/calendar"), nil, &active)
		return active.Version == accepted.Version
	})
	var versions struct {
		Versions []struct {
			SubmittedBy string `json:"submitted_by"`
			Version     string `json:"version"`
		} `json:"versions"`
	}
	sys.call(t, http.MethodGet, sys.url("payout", "/v1/calendar/versions"), nil, &versions)
	if len(versions.Versions) != 1 || versions.Versions[0].SubmittedBy != apitest.Everyone().Subject {
		t.Fatalf("got calendar versions %+v in payout, want the one submitted by the signed-in tester", versions)
	}

	var refused struct {
		Error struct{ Code, Field string }
	}
	bad := map[string]any{"calendar": map[string]any{"years": map[string]any{"20x6": map[string]any{}}}, "reason": "typo"}
	if status := sys.call(t, http.MethodPost, sys.url("adjudication", "/v1/calendar/versions"), bad, &refused); status != http.StatusBadRequest || refused.Error.Field != "calendar" {
		t.Fatalf("bad calendar: got %d %+v, want 400 on field calendar", status, refused)
	}
}

func mustDate(t testing.TB, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatalf("parse date %q: %v", s, err)
	}
	return d
}

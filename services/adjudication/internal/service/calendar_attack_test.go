package service_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/calendar"
	"claims.local/pkg/calendar/calendartest"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/outbox"
)

// TestAttackACalendarCannotRewriteDaysAlreadyCounted is an insider who is
// behind on claims: a calendar version declaring the working days just
// gone holidays moves every open decision deadline out (a breached one
// comes back on time, its alarm withdrawn), whether submitted through the
// API by an admin or written straight on claims.calendar.v1, even signed
// with adjudication's own key (since session 12 only adjudication writes
// the topic, and only a version it signed is applied: the e2e
// TestAttackAForgedCalendarForDaysToComeIsAppliedByNoService). A State
// Council notice announces days to come: a version that changes a day up
// to today is refused (400 on the field calendar), and one read from the
// topic is parked with the dead-letter alarm, never applied. The next working day
// can still be declared a holiday (the e2e TestACalendarUpdateMovesOpenDeadlines).
func TestAttackACalendarCannotRewriteDaysAlreadyCounted(t *testing.T) {
	t.Parallel()
	r := start(t)
	d := requestData()
	d.FirstReceivedAt = time.Now().AddDate(0, 0, -20).UTC().Truncate(time.Microsecond)
	r.openCases(t, d)
	due := dueDate(t, r, d.ClaimID)

	cal := calendar.Default()
	today := calendar.DateOf(time.Now())
	var gone []calendar.Date
	for day := today; len(gone) < 10; day = day.AddDays(-1) {
		if cal.IsWorkingDay(day) {
			gone = append(gone, day)
		}
	}
	for _, days := range [][]calendar.Date{gone, {today}} {
		body, err := json.Marshal(map[string]any{"calendar": json.RawMessage(calendartest.WithOffDays(t, "红队假日", days...)), "reason": "国务院办公厅通知"})
		require.NoError(t, err)
		a := r.Do(t, http.MethodPost, "/v1/calendar/versions", string(body))
		if a.Status != http.StatusBadRequest || !strings.Contains(string(a.Body), `"field":"calendar"`) {
			t.Errorf("a calendar making %s holidays: got %d %s, want 400 on field calendar", days[0], a.Status, a.Body)
		}
	}

	forged, err := events.New(events.CalendarUpdated, "adjudication", events.CalendarKey, time.Now(), events.CalendarUpdatedData{
		Version: "forged", Calendar: calendartest.WithOffDays(t, "红队假日", gone...), Reason: "国务院办公厅通知", SubmittedBy: "admin-1", SubmittedAt: time.Now().AddDate(0, -1, 0)})
	require.NoError(t, err)
	forged, err = instructionKey(t).Sign(forged)
	require.NoError(t, err)
	v, err := json.Marshal(forged)
	require.NoError(t, err)
	topic := events.Topics{Prefix: r.prefix}.Calendar()
	apitest.Publish(t, r.brokers, outbox.Message{Topic: topic, Key: events.CalendarKey,
		EventID: forged.ID, Type: forged.Type, Value: v})
	apitest.Eventually(t, 45*time.Second, "the forged calendar parked or applied", func() bool {
		return r.count(t, `SELECT count(*) FROM dead_letters WHERE topic = ?`, topic)+r.count(t, `SELECT count(*) FROM calendar_versions`) > 0
	})
	assert.Equal(t, int64(1), r.count(t, `SELECT count(*) FROM dead_letters WHERE topic = ? AND error LIKE '%a day already counted%'`, topic),
		"the signed calendar rewriting days gone parked for that")
	assert.Equal(t, int64(0), r.count(t, `SELECT count(*) FROM calendar_versions`), "calendar versions stored")
	assert.Equal(t, due, dueDate(t, r, d.ClaimID), "the decision's due date")
}

// dueDate is the due date of the claim's decision deadline.
func dueDate(t *testing.T, r *running, claimID string) string {
	t.Helper()
	var due string
	apitest.Eventually(t, 30*time.Second, "decision deadline of "+claimID, func() bool {
		var page struct {
			Deadlines []struct {
				Rule    string `json:"rule"`
				DueDate string `json:"due_date"`
			} `json:"deadlines"`
		}
		a := r.Do(t, http.MethodGet, "/v1/deadlines?claim_id="+claimID, "")
		if a.Status != http.StatusOK || json.Unmarshal(a.Body, &page) != nil {
			return false
		}
		for _, dl := range page.Deadlines {
			if dl.Rule == "decision" {
				due = dl.DueDate
			}
		}
		return due != ""
	})
	return due
}

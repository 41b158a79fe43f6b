package service_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/auth"
	"claims.local/pkg/calendar"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/outbox"
)

func TestIndicatorsCountPayoutsCompletedOnTheTopicInJSONAndCSV(t *testing.T) {
	t.Parallel()
	r, path := startWithCase(t)
	claimID := path[len("/v1/cases/"):]
	handler := r.as(t, "handler-1", auth.Handler)
	want(t, handler.Do(t, http.MethodPost, path+"/decision", `{"outcome":"approve","acknowledge_unknown":"保单系统已人工核对",
		"lines":[{"benefit":"medical_expense","claimed_fen":120000,"approved_fen":120000}]}`), http.StatusOK, nil)

	// Payout completes the payment: the event reaches adjudication over
	// Kafka, twice (a redelivery), and is kept once.
	paid := time.Now().UTC().Truncate(time.Microsecond)
	e, err := events.New(events.PayoutCompleted, "payout", claimID, paid, events.PayoutData{ObligationID: "ob-1", ClaimID: claimID,
		PayoutType: events.PayoutTypeFinal, AmountFen: 120000, Currency: "CNY", Status: "completed", CompletedAt: &paid})
	require.NoError(t, err)
	v, err := json.Marshal(e)
	require.NoError(t, err)
	msg := outbox.Message{Topic: events.Topics{Prefix: r.prefix}.Payout(), Key: claimID, EventID: e.ID, Type: e.Type, Value: v}
	apitest.Publish(t, r.brokers, msg, msg)
	apitest.Eventually(t, 45*time.Second, "payout completion kept", func() bool {
		return r.count(t, `SELECT count(*) FROM payout_completions WHERE claim_id = ?`, claimID) == 1
	})

	today := calendar.DateOf(time.Now()).String()
	senior := r.as(t, "senior-1", auth.SeniorHandler)
	var report struct {
		GroupBy string `json:"group_by"`
		Lines   []struct {
			Group             string  `json:"group"`
			Decided           int     `json:"decided"`
			PaymentsCompleted int     `json:"payments_completed"`
			PaidShare         float64 `json:"paid_share"`
			SmallDecided      int     `json:"small_decided"`
		} `json:"lines"`
		Total struct {
			Decided int `json:"decided"`
		} `json:"total"`
	}
	want(t, senior.Do(t, http.MethodGet, "/v1/indicators?from="+today+"&to="+today+"&group=handler", ""), http.StatusOK, &report)
	require.Len(t, report.Lines, 1)
	assert.Equal(t, "handler", report.GroupBy)
	assert.Equal(t, "handler-1", report.Lines[0].Group)
	assert.Equal(t, 1, report.Lines[0].Decided)
	assert.Equal(t, 1, report.Lines[0].PaymentsCompleted)
	assert.Equal(t, 1.0, report.Lines[0].PaidShare)
	assert.Equal(t, 1, report.Lines[0].SmallDecided, "RMB 1,200 is a small claim")

	csv := senior.Do(t, http.MethodGet, "/v1/indicators?from="+today+"&to="+today+"&format=csv", "")
	want(t, csv, http.StatusOK, nil)
	rows := strings.Split(strings.TrimSpace(string(csv.Body)), "\n")
	require.Len(t, rows, 3, "header, the branch (none: the policy is not imported), total")
	assert.True(t, strings.HasPrefix(rows[0], "from,to,group_by,group,decided,"), "got header %q", rows[0])
	assert.True(t, strings.HasPrefix(rows[2], today+","+today+",branch,total,1,0,"), "got total %q", rows[2])

	// Bad input says which field; a handler does not read the indicators.
	for _, q := range []string{"?from=" + today, "?from=" + today + "&to=" + today + "&group=region", "?from=2026-13-01&to=" + today,
		"?from=" + today + "&to=" + today + "&format=xml"} {
		want(t, senior.Do(t, http.MethodGet, "/v1/indicators"+q, ""), http.StatusBadRequest, nil)
	}
	want(t, handler.Do(t, http.MethodGet, "/v1/indicators?from="+today+"&to="+today, ""), http.StatusForbidden, nil)
	want(t, senior.Do(t, http.MethodGet, "/v1/catastrophes/NO-SUCH/daily-report?from="+today+"&to="+today, ""), http.StatusNotFound, nil)
}

func TestTheCatastropheDailyReportCountsTaggedCasesPerPersonAndTheAdvancesPaid(t *testing.T) {
	t.Parallel()
	r := start(t)
	r.importCover(t)
	team := r.as(t, "coordinator-1", auth.CatastropheCoordinator)
	want(t, team.Do(t, http.MethodPost, "/v1/catastrophes", declaration), 201, nil)
	want(t, team.Do(t, http.MethodPost, "/v1/catastrophes/TY-2026-09/activation", `{"active":true,"reason":"台风登陆"}`), 200, nil)
	death, medical1, medical2, plain := requestData(), requestData(), requestData(), requestData()
	death.IncidentType, death.CatastropheCode, death.InsuredName = "death", "TY-2026-09", "王五"
	medical1.CatastropheCode, medical1.ClaimedAmountFen = "TY-2026-09", 300_000
	medical2.CatastropheCode, medical2.ClaimedAmountFen = "TY-2026-09", 200_000 // the same insured, 张三
	r.openCases(t, death, medical1, medical2, plain)

	paid := time.Now().UTC().Truncate(time.Microsecond)
	e, err := events.New(events.PayoutCompleted, "payout", medical1.ClaimID, paid, events.PayoutData{ObligationID: "adv-1",
		ClaimID: medical1.ClaimID, PayoutType: events.PayoutTypeAdvance, AmountFen: 90_000, Currency: "CNY", Status: "completed", CompletedAt: &paid})
	require.NoError(t, err)
	v, err := json.Marshal(e)
	require.NoError(t, err)
	apitest.Publish(t, r.brokers, outbox.Message{Topic: events.Topics{Prefix: r.prefix}.Payout(), Key: medical1.ClaimID, EventID: e.ID, Type: e.Type, Value: v})
	apitest.Eventually(t, 45*time.Second, "advance kept", func() bool {
		return r.count(t, `SELECT count(*) FROM payout_completions WHERE obligation_id = 'adv-1'`) == 1
	})

	// The claims came an hour ago: near midnight that is yesterday.
	first, today := calendar.DateOf(death.FirstReceivedAt), calendar.DateOf(time.Now())
	var report struct {
		Days []struct {
			Date            string  `json:"date"`
			ValidCases      int     `json:"valid_cases"`
			Deaths          int     `json:"deaths"`
			Medical         int     `json:"medical"`
			Closed          int     `json:"closed"`
			AdvancesPaid    int     `json:"advances_paid"`
			AdvancesPaidFen int64   `json:"advances_paid_fen"`
			EstimatedFen    int64   `json:"estimated_fen"`
			HandlingRate    float64 `json:"handling_rate"`
		} `json:"days"`
	}
	want(t, team.Do(t, http.MethodGet, "/v1/catastrophes/TY-2026-09/daily-report?from="+first.String()+"&to="+today.String(), ""), http.StatusOK, &report)
	require.Len(t, report.Days, first.DaysUntil(today)+1)
	d := report.Days[len(report.Days)-1]
	assert.Equal(t, 3, d.ValidCases, "the untagged claim is not the catastrophe's")
	assert.Equal(t, 1, d.Deaths)
	assert.Equal(t, 1, d.Medical, "two medical claims of one person are one medical case")
	assert.Equal(t, 0, d.Closed)
	assert.Equal(t, 1, d.AdvancesPaid)
	assert.Equal(t, int64(90_000), d.AdvancesPaidFen)
	assert.Equal(t, int64(500_000), d.EstimatedFen, "the amounts claimed of the open claims (the death claim names none)")

	csv := team.Do(t, http.MethodGet, "/v1/catastrophes/TY-2026-09/daily-report?from="+first.AddDays(-1).String()+"&to="+today.String()+"&format=csv", "")
	want(t, csv, http.StatusOK, nil)
	rows := strings.Split(strings.TrimSpace(string(csv.Body)), "\n")
	require.Len(t, rows, first.DaysUntil(today)+3, "the header and a line a day")
	assert.True(t, strings.HasPrefix(rows[1], "TY-2026-09,"+first.AddDays(-1).String()+",0,0,"), "got %q: nothing the day before", rows[1])
}

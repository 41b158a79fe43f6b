package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"claims.local/pkg/calendar"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus/kafkatest"
)

// catastropheName is the name of the catastrophes the tests declare.
const catastropheName = "台风“海葵”"

// fastReport is the part of intake's answer to a report the catastrophe
// tests read.
type fastReport struct {
	ID          string `json:"id"`
	ClaimID     string `json:"claim_id"`
	FastChannel *struct {
		CatastropheCode string `json:"catastrophe_code"`
		CatastropheName string `json:"catastrophe_name"`
		Points          []struct {
			Text   string `json:"text"`
			TextEN string `json:"text_en"`
		} `json:"points"`
	} `json:"fast_channel"`
	Checklist struct {
		Variant string   `json:"variant"`
		Version string   `json:"version"`
		Missing []string `json:"missing"`
	} `json:"checklist"`
}

// declareCatastrophe declares a typhoon with code over Guangzhou (4401)
// for the ten days before today (Asia/Shanghai) and tomorrow, advancing
// 30 % of the expected benefit of medical claims, at most CNY 50,000, and
// switches its fast-track mode on, through adjudication's API as the
// catastrophe team does (R8).
func (s *system) declareCatastrophe(t testing.TB, code string) {
	t.Helper()
	today := calendar.DateOf(time.Now())
	body := map[string]any{"code": code, "name": catastropheName, "peril": "typhoon", "regions": []string{"4401"},
		"window_start": today.AddDays(-10).String(), "window_end": today.AddDays(1).String(),
		"advance_policy": map[string]any{"share_bps": 3000, "cap_fen": 5_000_000, "incident_types": []string{"medical"}}}
	if status := s.call(t, http.MethodPost, s.url("adjudication", "/v1/catastrophes"), body, nil); status != http.StatusCreated {
		t.Fatalf("POST /v1/catastrophes: got status %d, want 201", status)
	}
	s.switchCatastrophe(t, code, true)
}

// switchCatastrophe switches the fast-track mode of code on or off.
func (s *system) switchCatastrophe(t testing.TB, code string, active bool) {
	t.Helper()
	body := map[string]any{"active": active, "reason": "台风登陆，启动应急预案 (e2e)"}
	if status := s.call(t, http.MethodPost, s.url("adjudication", "/v1/catastrophes/"+code+"/activation"), body, nil); status != http.StatusOK {
		t.Fatalf("switch %s to %v: got status %d, want 200", code, active, status)
	}
}

// placedReport files the report of a medical incident of 王五 two days ago
// at place (none when empty), reported by the insured.
func (s *system) placedReport(t testing.TB, policy, place string) fastReport {
	t.Helper()
	body := map[string]any{"policy_number": policy, "insured_name": "王五", "incident_type": "medical",
		"incident_time": time.Now().Add(-48 * time.Hour).Format(time.RFC3339),
		"reporter":      map[string]string{"name": "王五", "role": "insured"}}
	if place != "" {
		body["incident_place"] = place
	}
	var r fastReport
	if status := s.call(t, http.MethodPost, s.url("intake", "/v1/reports"), body, &r); status != http.StatusCreated {
		t.Fatalf("POST /v1/reports: got status %d, want 201", status)
	}
	return r
}

// reportUntil files reports of a matching incident (Tianhe, Guangzhou),
// each of a new policy named after prefix, until one takes the fast channel
// (tagged) or the normal path, and returns it: a switch of the mode reaches
// the running intake through the compacted catastrophes topic.
func (s *system) reportUntil(t testing.TB, prefix string, tagged bool) fastReport {
	t.Helper()
	var r fastReport
	n := 0
	apitest.Eventually(t, 60*time.Second, fmt.Sprintf("report with fast channel %v", tagged), func() bool {
		n++
		r = s.placedReport(t, fmt.Sprintf("%s-%04d", prefix, n), "440106")
		return (r.FastChannel != nil) == tagged
	})
	return r
}

// handOver satisfies the checklist of a report and makes its claim request.
func (s *system) handOver(t testing.TB, r fastReport) {
	t.Helper()
	s.satisfyChecklist(t, r.ID)
	if status := s.call(t, http.MethodPost, s.url("intake", "/v1/reports/"+r.ID+"/claim-request"), nil, nil); status != http.StatusCreated {
		t.Fatalf("POST claim-request: got status %d, want 201", status)
	}
}

// caseTag returns the catastrophe code of adjudication's case of claimID,
// empty when untagged, once the case is open.
func (s *system) caseTag(t testing.TB, claimID string) string {
	t.Helper()
	s.caseOpened(t, claimID)
	var c struct {
		Catastrophe *struct {
			Code string `json:"code"`
		} `json:"catastrophe"`
	}
	if status := s.call(t, http.MethodGet, s.url("adjudication", "/v1/cases/"+claimID), nil, &c); status != http.StatusOK {
		t.Fatalf("GET case %s: got status %d, want 200", claimID, status)
	}
	if c.Catastrophe == nil {
		return ""
	}
	return c.Catastrophe.Code
}

// TestCatastropheReportsTakeTheFastChannel drives the intake side of the
// catastrophe fast-track mode through the built services (R8): the team
// declares and activates a catastrophe in adjudication; the state reaches
// intake through Kafka; a report matching it is tagged, gets the
// simplified checklist and is told what the fast channel means; its claim
// request carries the code to adjudication, whose case is tagged. A report
// elsewhere takes the normal path, and so does a matching one once the
// mode is switched off.
func TestCatastropheReportsTakeTheFastChannel(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.startAll()
	const code = "TY-E2E-01"
	sys.declareCatastrophe(t, code)

	tagged := sys.reportUntil(t, "P-CAT-ON", true)
	fc := tagged.FastChannel
	var said []string
	for _, p := range fc.Points {
		said = append(said, p.Text, p.TextEN)
	}
	if fc.CatastropheCode != code || fc.CatastropheName != catastropheName || !strings.Contains(strings.Join(said, "\n"), "预付部分赔款") ||
		!strings.Contains(strings.Join(said, "\n"), "on-site service") {
		t.Fatalf("got fast channel %+v, want %s with the advance and on-site service explained", fc, code)
	}
	if tagged.Checklist.Variant != "catastrophe" || tagged.Checklist.Version != "catastrophe/medical@2026.1" || len(tagged.Checklist.Missing) != 2 {
		t.Fatalf("got checklist %+v, want the simplified medical one, two items to provide", tagged.Checklist)
	}
	elsewhere := sys.placedReport(t, "P-CAT-ELSEWHERE", "310115")
	unplaced := sys.placedReport(t, "P-CAT-UNPLACED", "")
	for _, r := range []fastReport{elsewhere, unplaced} {
		if r.FastChannel != nil || r.Checklist.Version != "medical@2026.1" {
			t.Fatalf("report %s: got fast channel %+v and checklist %s, want the normal path", r.ID, r.FastChannel, r.Checklist.Version)
		}
	}

	sys.handOver(t, tagged)
	sys.handOver(t, elsewhere)
	want := map[string]string{tagged.ClaimID: code, elsewhere.ClaimID: ""}
	got := readTopic(t, sys.brokers, sys.topics.Intake(), 60*time.Second, func(es []events.Envelope) bool {
		return countOf(es, tagged.ClaimID, events.ClaimRequested) == 1 && countOf(es, elsewhere.ClaimID, events.ClaimRequested) == 1
	})
	for _, e := range got {
		wantCode, ours := want[e.ClaimID]
		if !ours || e.Type != events.ClaimRequested.Name {
			continue
		}
		var d events.ClaimRequestedData
		if err := events.DecodeData(e, events.ClaimRequested, &d); err != nil {
			t.Fatalf("decode claim-requested: %v", err)
		}
		if d.CatastropheCode != wantCode {
			t.Fatalf("claim %s: got catastrophe_code %q on claim-requested, want %q", e.ClaimID, d.CatastropheCode, wantCode)
		}
	}
	for claimID, wantCode := range want {
		if got := sys.caseTag(t, claimID); got != wantCode {
			t.Fatalf("case of claim %s: got catastrophe %q, want %q", claimID, got, wantCode)
		}
	}

	sys.switchCatastrophe(t, code, false)
	after := sys.reportUntil(t, "P-CAT-OFF", false)
	if after.Checklist.Version != "medical@2026.1" {
		t.Fatalf("after the switch-off: got checklist %s, want the standard medical@2026.1", after.Checklist.Version)
	}
	sys.handOver(t, after)
	if got := sys.caseTag(t, after.ClaimID); got != "" {
		t.Fatalf("case of a report after the switch-off: got catastrophe %q, want none", got)
	}
}

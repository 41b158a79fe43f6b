package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/intake/internal/service"
	"claims.local/pkg/calendar"
	"claims.local/pkg/catastrophe"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres/pgtest"
)

// fastChannel is the fast_channel of a report (R8).
type fastChannel struct {
	CatastropheCode string     `json:"catastrophe_code"`
	CatastropheName string     `json:"catastrophe_name"`
	Title           string     `json:"title"`
	TitleEN         string     `json:"title_en"`
	Points          []textPair `json:"points"`
	Advance         struct {
		ShareBps int   `json:"share_bps"`
		CapFen   int64 `json:"cap_fen"`
	} `json:"advance"`
	Basis string `json:"basis"`
}

// typhoonName is the name of the catastrophe the tests declare.
const typhoonName = "台风“海葵”"

// declareTyphoon declares TY-2026-09 over Guangzhou (4401) and Shenzhen's Bao'an
// district (440306), its window the ten days before today (Asia/Shanghai)
// and tomorrow, advancing 30 % of the expected benefit of deaths,
// disabilities and medical claims, at most CNY 50,000. It is declared,
// not yet active.
func declareTyphoon(t *testing.T) catastrophe.Catastrophe {
	t.Helper()
	today := calendar.DateOf(time.Now())
	c, err := catastrophe.Declare(catastrophe.Declaration{Code: "TY-2026-09", Name: typhoonName, Peril: "typhoon",
		Regions: []string{"4401", "440306"}, WindowStart: today.AddDays(-10).String(), WindowEnd: today.AddDays(1).String(),
		ShareBps: 3000, CapFen: 5_000_000, IncidentTypes: []string{"death", "disability", "medical"}}, "coordinator-1", time.Now())
	require.NoError(t, err)
	return c
}

// switchTo returns c with its mode switched on or off.
func switchTo(t *testing.T, c catastrophe.Catastrophe, active bool) catastrophe.Catastrophe {
	t.Helper()
	next, err := c.Switch(active, "台风登陆 landfall", "coordinator-1", time.Now())
	require.NoError(t, err)
	return next
}

// publishStates publishes the states of catastrophes on the catastrophes
// topic of topics, as adjudication's relay does.
func publishStates(t *testing.T, brokers kafkabus.Cluster, topics events.Topics, states ...catastrophe.Catastrophe) {
	t.Helper()
	var msgs []outbox.Message
	for _, c := range states {
		e, err := events.New(events.CatastropheState, "adjudication", c.Key(), time.Now(), c.State())
		require.NoError(t, err)
		v, err := json.Marshal(e)
		require.NoError(t, err)
		msgs = append(msgs, outbox.Message{Topic: topics.Catastrophes(), Key: c.Key(), EventID: e.ID, Type: e.Type, Value: v})
	}
	apitest.Publish(t, brokers, msgs...)
}

// placed is a report of an incident of kind two days ago at place (none
// when empty), reported by the insured (by the spouse for a death).
func placed(policy, kind, place string) map[string]any {
	reporter := map[string]string{"name": "张三", "role": "insured"}
	if kind == "death" {
		reporter = map[string]string{"name": "李四", "role": "beneficiary", "relation": "spouse"}
	}
	body := reportBody(policy, "张三", reporter)
	body["incident_type"] = kind
	if place != "" {
		body["incident_place"] = place
	}
	return body
}

// reportUntil files reports of a matching incident, each of a new policy,
// until one takes the fast channel (tagged) or the normal path (not
// tagged), and returns it: the state of a catastrophe reaches a running
// instance through Kafka.
func (r *running) reportUntil(t *testing.T, tagged bool) fullReport {
	t.Helper()
	var rep fullReport
	n := 0
	apitest.Eventually(t, 60*time.Second, fmt.Sprintf("report with fast channel %v", tagged), func() bool {
		n++
		rep = r.report(t, placed(fmt.Sprintf("P-WAIT-%v-%06d", tagged, n), "medical", "440106"))
		return (rep.FastChannel != nil) == tagged
	})
	return rep
}

// wantFastChannel checks that rep took the fast channel of the typhoon
// with the simplified medical checklist.
func wantFastChannel(t *testing.T, rep fullReport) {
	t.Helper()
	fc := rep.FastChannel
	if fc == nil || fc.CatastropheCode != "TY-2026-09" || fc.CatastropheName != typhoonName || !strings.Contains(fc.Title, typhoonName) ||
		!strings.Contains(fc.TitleEN, typhoonName) || fc.Advance.ShareBps != 3000 || fc.Advance.CapFen != 5_000_000 ||
		!strings.Contains(fc.Basis, "第二十七条") {
		t.Fatalf("got fast channel %+v, want the typhoon's, with its advance policy and R8's basis", fc)
	}
	var all []string
	for _, p := range fc.Points {
		if p.Text == "" || p.TextEN == "" {
			t.Fatalf("got point %+v, want Chinese and English", p)
		}
		all = append(all, p.Text, p.TextEN)
	}
	for _, w := range []string{"优先", "预付部分赔款", "预计赔款的30%", "上门或现场服务", "in advance", "on-site service"} {
		if !strings.Contains(strings.Join(all, "\n"), w) {
			t.Errorf("got points %q, want them to say %q", all, w)
		}
	}
	c := rep.Checklist
	if c.Variant != "catastrophe" || c.Version != "catastrophe/medical@2026.1" || !slices.Equal(c.ids(), []string{"insured_id", "treatment_proof"}) {
		t.Fatalf("got checklist %s (variant %q) with items %v; want the simplified medical one of 2 items", c.Version, c.Variant, c.ids())
	}
}

// wantNormalPath checks that rep took the normal path: no fast channel,
// the standard checklist.
func wantNormalPath(t *testing.T, what string, rep fullReport) {
	t.Helper()
	if rep.FastChannel != nil || rep.Checklist.Variant != "" || strings.HasPrefix(rep.Checklist.Version, "catastrophe/") {
		t.Fatalf("%s: got fast channel %+v and checklist %s, want the normal path", what, rep.FastChannel, rep.Checklist.Version)
	}
}

// handOver satisfies every item of a report and makes the claim request,
// and returns the claim-requested event it stored.
func (r *running) handOver(t *testing.T, id, claimID string) events.ClaimRequestedData {
	t.Helper()
	r.satisfyAll(t, id)
	want(t, "claim request", r.Do(t, http.MethodPost, "/v1/reports/"+id+"/claim-request", ""), http.StatusCreated)
	sent := claimRequested(t, pgtest.Open(t, r.dsn, 2), claimID)
	if len(sent) != 1 {
		t.Fatalf("got %d claim-requested events for claim %s, want 1", len(sent), claimID)
	}
	return sent[0]
}

// TestReportsMatchingAnActiveCatastropheTakeTheFastChannel: while a
// catastrophe is active, a report whose place, date and incident type
// match it is tagged, gets the simplified checklist and is told at once
// what the fast channel means; its claim request carries the tag to
// adjudication. Reports that do not match, and matching ones after the
// mode is switched off, take the normal path (R8).
func TestReportsMatchingAnActiveCatastropheTakeTheFastChannel(t *testing.T) {
	t.Parallel()
	r := start(t)
	wantNormalPath(t, "before any catastrophe", r.report(t, placed("P-BEFORE-1", "medical", "440106")))

	declared := declareTyphoon(t)
	active := switchTo(t, declared, true)
	publishStates(t, r.brokers, r.topics, declared, active)
	rep := r.reportUntil(t, true)
	wantFastChannel(t, rep)
	if got := rep.Checklist.Missing; len(got) != 2 {
		t.Fatalf("got missing %v, want both simplified items to provide", got)
	}
	again := r.get(t, rep.ID)
	wantFastChannel(t, again)
	a := r.Do(t, http.MethodGet, "/v1/reports/"+rep.ID+"/checklist.html", "")
	want(t, "printable checklist", a, http.StatusOK)
	if page := string(a.Body); !strings.Contains(page, "巨灾快速理赔通道："+typhoonName) || !strings.Contains(page, "预付部分赔款") {
		t.Fatalf("got page %s, want the fast channel on the printed checklist", page)
	}

	death := r.report(t, placed("P-DEATH-1", "death", "440306"))
	if death.FastChannel == nil || death.Checklist.Version != "catastrophe/death@2026.1" ||
		!slices.Equal(death.Checklist.ids(), []string{"claimant_id", "death_certificate"}) {
		t.Fatalf("death in Bao'an: got fast channel %+v, checklist %s %v; want the simplified death checklist", death.FastChannel, death.Checklist.Version, death.Checklist.ids())
	}
	for i, tt := range []struct{ name, kind, place string }{
		{"no place", "medical", ""},
		{"another city", "medical", "310115"},
		{"another district of Shenzhen", "medical", "440305"},
		{"an incident type the advance does not cover", "critical_illness", "440106"},
	} {
		wantNormalPath(t, tt.name, r.report(t, placed(fmt.Sprintf("P-OTHER-%d", i), tt.kind, tt.place)))
	}

	// The claim request of the tagged report carries the catastrophe's code
	// once its two items are satisfied; an untagged one carries none.
	if sent := r.handOver(t, rep.ID, rep.ClaimID); sent.CatastropheCode != "TY-2026-09" || sent.IncidentPlace != "440106" {
		t.Fatalf("got claim-requested %+v, want catastrophe_code TY-2026-09 and the place", sent)
	}
	plain := r.report(t, placed("P-PLAIN-1", "medical", "310115"))
	if sent := r.handOver(t, plain.ID, plain.ClaimID); sent.CatastropheCode != "" {
		t.Fatalf("got catastrophe_code %q on an untagged claim, want none", sent.CatastropheCode)
	}

	// Switched off: a matching report takes the normal path; the tagged
	// one keeps its channel.
	publishStates(t, r.brokers, r.topics, switchTo(t, active, false))
	after := r.reportUntil(t, false)
	if got := after.Checklist.ids(); !slices.Equal(got[:3], []string{"insured_id", "medical_invoices", "treatment_record"}) {
		t.Fatalf("after the switch-off: got items %v, want the standard medical checklist", got)
	}
	wantFastChannel(t, r.get(t, rep.ID))
}

// TestAnInstanceStartedWhileACatastropheIsActiveTagsItsFirstReport: the
// mode survives restarts. An intake started after the catastrophe's state
// is on the topic knows it before it takes traffic, so its first matching
// report is tagged; restarted after the mode was switched off, its first
// matching report takes the normal path, and the report tagged before
// keeps its channel.
func TestAnInstanceStartedWhileACatastropheIsActiveTagsItsFirstReport(t *testing.T) {
	t.Parallel()
	brokers, topics, dsn := kafkatest.Cluster(t), events.Topics{Prefix: kafkatest.Prefix(t)}, pgtest.NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, kafkabus.EnsureTopics(ctx, brokers, topics.All()))
	declared := declareTyphoon(t)
	active := switchTo(t, declared, true)
	publishStates(t, brokers, topics, declared, active)
	sameDeployment := func(c *service.Config) {
		c.DatabaseDSN, c.MigrationDSN, c.TopicPrefix, c.Kafka = dsn.DSN, dsn.OwnerDSN, topics.Prefix, brokers
	}

	var tagged fullReport
	t.Run("started while active", func(t *testing.T) {
		r := startWith(t, sameDeployment)
		tagged = r.report(t, placed("P-FIRST-1", "medical", "440106"))
		wantFastChannel(t, tagged)
	})

	publishStates(t, brokers, topics, switchTo(t, active, false))
	t.Run("restarted after the switch-off", func(t *testing.T) {
		r := startWith(t, sameDeployment)
		wantNormalPath(t, "first report after the restart", r.report(t, placed("P-FIRST-2", "medical", "440106")))
		wantFastChannel(t, r.get(t, tagged.ID))
	})
}

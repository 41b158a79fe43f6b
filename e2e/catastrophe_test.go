package e2e

import (
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox"
)

// catastropheCode is the catastrophe of these tests: a typhoon over
// Guangzhou (4401) and Shenzhen (4403) in early September 2026.
const catastropheCode = "TY-2026-09"

// claimsctl runs bin/claimsctl against the system's adjudication, signed
// in with every role, and returns what it printed; a failure fails the test.
func (s *system) claimsctl(t *testing.T, args ...string) map[string]any {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir(t), "claimsctl"), args...)
	cmd.Env = append(cmd.Environ(), "ADJUDICATION_URL=http://"+s.addr["adjudication"], "CLAIMS_TOKEN="+s.token)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("claimsctl %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("claimsctl %s printed %q, want one JSON object: %v", strings.Join(args, " "), out, err)
	}
	return v
}

// declareTyphoon declares the typhoon with claimsctl and switches its mode on.
func (s *system) declareTyphoon(t *testing.T) {
	t.Helper()
	s.claimsctl(t, "catastrophe", "declare", "--code", catastropheCode, "--name", "台风“海葵”", "--peril", "typhoon",
		"--regions", "4401,4403", "--from", "2026-09-01", "--to", "2026-09-10", "--share-bps", "3000", "--cap-fen", "5000000",
		"--types", "death,disability,medical", "--target-days", "1")
	if got := s.claimsctl(t, "catastrophe", "activate", "--code", catastropheCode, "--reason", "台风登陆，启动应急预案"); got["active"] != true {
		t.Fatalf("activate: got %v, want the mode on", got)
	}
}

// importCover imports a product paying deaths (sum insured 200000 yuan)
// and medical expenses, and policy number on it for 2026.
func (s *system) importCover(t *testing.T, number string) {
	t.Helper()
	product := map[string]any{"name": "示例综合意外保险", "notice_kind": "benefit", "benefits": []map[string]any{
		{"code": "death", "name": "身故保险金", "incident_types": []string{"death"}, "clause": "《示例综合意外保险条款》第五条"},
		{"code": "medical_expense", "name": "医疗费用保险金", "incident_types": []string{"medical"}, "per_claim_limit_fen": 2_000_000,
			"clause": "《示例综合意外保险条款》第六条"}}}
	if status := s.call(t, http.MethodPut, s.url("adjudication", "/v1/products/ACC-E2E"), product, nil); status != http.StatusCreated {
		t.Fatalf("PUT product: got status %d, want 201", status)
	}
	policy := map[string]any{"product_code": "ACC-E2E", "policyholder_name": "王五", "insured_name": "王五",
		"effective_from": "2026-01-01", "effective_to": "2026-12-31", "coverages": []map[string]any{
			{"benefit": "death", "sum_insured_fen": 20_000_000}, {"benefit": "medical_expense", "sum_insured_fen": 5_000_000}}}
	if status := s.call(t, http.MethodPut, s.url("adjudication", "/v1/policies/"+number), policy, nil); status != http.StatusCreated {
		t.Fatalf("PUT policy: got status %d, want 201", status)
	}
}

// requested publishes intake's claim-requested for a new claim on policy,
// signed with intake's key,
// tagged with code when not empty (what intake does for a report whose
// place, date and type match an active catastrophe), and waits for its case.
func (s *system) requested(t *testing.T, policy, incidentType, place, code string, claimedFen int64) string {
	t.Helper()
	id := uuid.NewString()
	at := time.Now().UTC().Truncate(time.Microsecond)
	d := events.ClaimRequestedData{ClaimID: id, ReportID: "report-" + id, PolicyNumber: policy, InsuredName: "王五",
		IncidentType: incidentType, IncidentTime: time.Date(2026, 9, 5, 2, 0, 0, 0, time.UTC), FirstReceivedAt: at,
		IncidentPlace: place, ClaimedAmountFen: claimedFen, Beneficiary: &events.Person{Name: "李四", Relation: "spouse"},
		CatastropheCode: code,
		// The policy names no beneficiary: 李四 is paid as a legal heir.
		Documents: []events.ClaimDocument{{DocumentID: "doc-rel-" + id, Type: "relationship_proof", SHA256: "ab"}}}
	e, err := events.New(events.ClaimRequested, "intake", id, at, d)
	if err != nil {
		t.Fatal(err)
	}
	if e, err = s.requests.Sign(e); err != nil {
		t.Fatal(err)
	}
	v, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	apitest.Publish(t, s.brokers, outbox.Message{Topic: s.topics.Intake(), Key: id, EventID: e.ID, Type: e.Type, Value: v})
	s.caseOpened(t, id)
	return id
}

type trackedCase struct {
	State       string `json:"state"`
	Version     int    `json:"version"`
	AdvancedFen int64  `json:"advanced_fen"`
	Catastrophe *struct {
		Code        string `json:"code"`
		TargetState string `json:"target_state"`
	} `json:"catastrophe"`
	Advances []struct {
		ID        string `json:"id"`
		AmountFen int64  `json:"amount_fen"`
		State     string `json:"state"`
	} `json:"advances"`
}

func (s *system) trackedCase(t *testing.T, claimID string) trackedCase {
	t.Helper()
	return getJSON[trackedCase](t, s, "adjudication", "/v1/cases/"+claimID)
}

var e2ePayee = map[string]any{"name": "李四", "role": "beneficiary", "bank_name": "中国工商银行", "account_number": "6222020200112233445"}

// approveAdvance records the payee of the advance offered on claimID.
func (s *system) approveAdvance(t *testing.T, claimID string) {
	t.Helper()
	if status := s.call(t, http.MethodPost, s.url("adjudication", "/v1/cases/"+claimID+"/advance"), map[string]any{"payee": e2ePayee}, nil); status != http.StatusOK {
		t.Fatalf("POST advance of %s: got %d, want 200", claimID, status)
	}
}

// payouts returns the finance events of claimID once stop holds.
func (s *system) payouts(t *testing.T, stop func([]events.Envelope) bool) []events.Envelope {
	t.Helper()
	return readTopic(t, s.brokers, s.topics.Payout(), 90*time.Second, stop)
}

func payoutsOf(t *testing.T, es []events.Envelope, claimID string, typ events.Type) []events.PayoutData {
	t.Helper()
	var out []events.PayoutData
	for _, e := range es {
		if e.ClaimID != claimID || e.Type != typ.Name {
			continue
		}
		var d events.PayoutData
		if err := events.DecodeData(e, typ, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// TestCatastropheFastTrackFromDeclarationToSettlement declares a typhoon
// and switches its mode on with claimsctl; a tagged claim takes the fast
// track (tag, internal target, first in the queue, an advance paid with
// priority), and its final settlement deducts the advance: the total paid
// is the amount agreed. A tagged claim rejected after its advance owes the
// advance back and finance is told. A claim without the tag takes the
// normal path, and so do new ones after the mode is switched off.
func TestCatastropheFastTrackFromDeclarationToSettlement(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.start("adjudication")
	sys.start("payout")
	sys.waitReady("adjudication")
	sys.waitReady("payout")
	sys.importCover(t, "P-E2E-CAT")
	sys.declareTyphoon(t)

	plain := sys.requested(t, "P-E2E-CAT", "medical", "110105", "", 100_000)
	death := sys.requested(t, "P-E2E-CAT", "death", "440106", catastropheCode, 0)
	medical := sys.requested(t, "P-E2E-CAT", "medical", "440305", catastropheCode, 300_000)

	c := sys.trackedCase(t, death)
	if c.Catastrophe == nil || c.Catastrophe.Code != catastropheCode || len(c.Advances) != 1 || c.Advances[0].AmountFen != 5_000_000 {
		t.Fatalf("got case %+v, want tagged %s with an advance of 5000000 fen offered (30%% of 200000 yuan, capped)", c, catastropheCode)
	}
	if p := sys.trackedCase(t, plain); p.Catastrophe != nil || len(p.Advances) != 0 {
		t.Fatalf("got untagged case %+v, want the normal path", p)
	}
	var q struct {
		Items []struct {
			ClaimID string `json:"claim_id"`
		} `json:"items"`
	}
	sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/queue"), nil, &q)
	if len(q.Items) != 3 || q.Items[2].ClaimID != plain {
		t.Fatalf("got queue %+v, want the two tagged cases before %s", q.Items, plain)
	}
	var visits struct {
		Visits []struct {
			ClaimID string `json:"claim_id"`
		} `json:"visits"`
	}
	sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/visits?state=to_arrange"), nil, &visits)
	if len(visits.Visits) != 1 || visits.Visits[0].ClaimID != death {
		t.Fatalf("got visits %+v, want one to arrange for the death %s", visits.Visits, death)
	}

	// The advance is paid with priority, then the final settlement less it.
	sys.approveAdvance(t, death)
	sys.approveAdvance(t, medical)
	// Above RMB 5,000 a second senior confirms the payee (issue 14).
	sys.confirmPayees(t, death, 1)
	got := sys.payouts(t, func(es []events.Envelope) bool {
		return countOf(es, death, events.PayoutCompleted) == 1 && countOf(es, medical, events.PayoutCompleted) == 1
	})
	if adv := payoutsOf(t, got, death, events.PayoutCompleted); adv[0].PayoutType != events.PayoutTypeAdvance || adv[0].AmountFen != 5_000_000 {
		t.Fatalf("got %+v, want the advance of 5000000 fen completed", adv[0])
	}
	var obligations struct {
		Obligations []struct {
			Priority bool `json:"priority"`
		} `json:"obligations"`
	}
	sys.call(t, http.MethodGet, sys.url("payout", "/v1/obligations?claim_id="+death), nil, &obligations)
	if len(obligations.Obligations) != 1 || !obligations.Obligations[0].Priority {
		t.Fatalf("got obligations %+v, want the advance paid with priority", obligations.Obligations)
	}
	decide := map[string]any{"outcome": "approve", "lines": []map[string]any{{"benefit": "death", "claimed_fen": 20_000_000, "approved_fen": 20_000_000}},
		"acknowledge_unknown": acknowledgement}
	if status := sys.call(t, http.MethodPost, sys.url("adjudication", "/v1/cases/"+death+"/decision"), decide, nil); status != http.StatusOK {
		t.Fatalf("decide: got %d, want 200", status)
	}
	agree := map[string]any{"agreed_by": "李四", "channel": "signed_form", "payee": e2ePayee}
	if status := sys.call(t, http.MethodPost, sys.url("adjudication", "/v1/cases/"+death+"/agreement"), agree, nil); status != http.StatusOK {
		t.Fatalf("agreement: got %d, want 200", status)
	}
	sys.confirmPayees(t, death, 1)
	reject := map[string]any{"outcome": "reject", "reasons": []map[string]any{{"code": "EXCLUSION", "text": "事故不属于保险责任范围。",
		"clause": "《示例综合意外保险条款》第七条"}}}
	if status := sys.call(t, http.MethodPost, sys.url("adjudication", "/v1/cases/"+medical+"/decision"), reject, nil); status != http.StatusOK {
		t.Fatalf("reject: got %d, want 200", status)
	}
	got = sys.payouts(t, func(es []events.Envelope) bool {
		return countOf(es, death, events.PayoutCompleted) == 2 && countOf(es, medical, events.RecoveryDue) == 1
	})
	var total int64
	for _, d := range payoutsOf(t, got, death, events.PayoutCompleted) {
		total += d.AmountFen
		if d.PayoutType == events.PayoutTypeFinal && (d.AmountFen != 15_000_000 || d.AdvancedFen != 5_000_000 || d.AgreedAmountFen != 20_000_000) {
			t.Fatalf("got the final settlement %+v, want 20000000 agreed less 5000000 advanced", d)
		}
	}
	if total != 20_000_000 {
		t.Fatalf("got %d fen paid on %s, want exactly the 20000000 agreed", total, death)
	}
	for _, e := range got {
		if e.ClaimID == medical && e.Type == events.RecoveryDue.Name {
			var d events.RecoveryDueData
			if err := events.DecodeData(e, events.RecoveryDue, &d); err != nil {
				t.Fatal(err)
			}
			if d.AmountFen != 90_000 || d.CatastropheCode != catastropheCode {
				t.Fatalf("got recovery %+v, want the 90000 fen advanced on %s", d, catastropheCode)
			}
		}
	}

	// The mode off: new claims take the normal path; the switches are audited.
	if got := sys.claimsctl(t, "catastrophe", "deactivate", "--code", catastropheCode, "--reason", "灾情结束"); got["active"] != false {
		t.Fatalf("deactivate: got %v, want the mode off", got)
	}
	after := sys.requested(t, "P-E2E-CAT", "death", "440106", "", 0)
	if c := sys.trackedCase(t, after); c.Catastrophe != nil || len(c.Advances) != 0 {
		t.Fatalf("got %+v after the mode was switched off, want the normal path", c)
	}
	var audit struct {
		Switches []struct {
			Action string `json:"action"`
			Reason string `json:"reason"`
		} `json:"switches"`
	}
	sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/catastrophes/"+catastropheCode+"/switches"), nil, &audit)
	if len(audit.Switches) != 3 || audit.Switches[2].Action != "deactivated" || audit.Switches[2].Reason != "灾情结束" {
		t.Fatalf("got switches %+v, want declared, activated, deactivated with the reasons", audit.Switches)
	}
	list := sys.claimsctl(t, "catastrophe", "list")
	if cats, _ := list["catastrophes"].([]any); len(cats) != 1 {
		t.Fatalf("claimsctl catastrophe list: got %v, want the typhoon", list)
	}
}

// TestCatastropheModeSurvivesARestart stops adjudication (SIGTERM) while
// the mode is on and starts it again: it reads the compacted catastrophes
// topic before it takes traffic, and a tagged claim requested afterwards is
// tagged and its advance paid.
func TestCatastropheModeSurvivesARestart(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	first := sys.start("adjudication")
	sys.start("payout")
	sys.waitReady("adjudication")
	sys.waitReady("payout")
	sys.importCover(t, "P-E2E-RST")
	sys.declareTyphoon(t)
	// The state is on the topic before the restart.
	readTopic(t, sys.brokers, sys.topics.Catastrophes(), 60*time.Second, func(es []events.Envelope) bool {
		for _, e := range es {
			var d events.CatastropheStateData
			if events.DecodeData(e, events.CatastropheState, &d) == nil && d.Active {
				return true
			}
		}
		return false
	})
	first.stop()

	again := sys.start("adjudication")
	sys.waitReady("adjudication")
	loaded := false
	for _, line := range strings.Split(again.out.String(), "\n") {
		loaded = loaded || strings.Contains(line, `"msg":"catastrophes loaded"`) && strings.Contains(line, `"active":1`)
	}
	if log := again.out.String(); !loaded {
		t.Fatalf("restarted adjudication's log:\n%s\nwant the active catastrophe loaded before it served", lastLines(log, 30))
	}
	claim := sys.requested(t, "P-E2E-RST", "death", "440306", catastropheCode, 0)
	c := sys.trackedCase(t, claim)
	if c.Catastrophe == nil || len(c.Advances) != 1 || c.Advances[0].State != "offered" {
		t.Fatalf("got %+v, want the claim tagged with its advance offered after the restart", c)
	}
	sys.approveAdvance(t, claim)
	sys.confirmPayees(t, claim, 1)
	got := sys.payouts(t, func(es []events.Envelope) bool { return countOf(es, claim, events.PayoutCompleted) == 1 })
	if d := payoutsOf(t, got, claim, events.PayoutCompleted); d[0].PayoutType != events.PayoutTypeAdvance || d[0].AmountFen != 5_000_000 {
		t.Fatalf("got %+v, want the advance of 5000000 fen paid", d[0])
	}
}

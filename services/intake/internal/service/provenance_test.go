package service_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/intake/internal/service"
	"claims.local/pkg/auth"
	"claims.local/pkg/document/scantest"
	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/postgres/pgtest"
)

// TestWhatTheClaimantsChannelSentIsToldFromWhatStaffEntered is the attack
// of an insider on the straight-through path (issue 19): a member of staff
// uploads a bank card and names the payee of an advance agreement, saying
// in the request that the claimant agreed through the app, with a token
// that carries the claimant channel's role besides their own. The claim
// request tells adjudication that staff entered both (entered_via staff,
// entered_by the subject), and that the identity card the claimant's own
// channel uploaded came from the claimant, with the name it prints. The
// channel files reports, uploads and requests, and reads nothing.
func TestWhatTheClaimantsChannelSentIsToldFromWhatStaffEntered(t *testing.T) {
	t.Parallel()
	r := startWith(t, func(c *service.Config) { c.OCRWorkers, c.Payees = 1, eventstest.PayeeSealer(t) })
	appAccount := auth.Principal{Subject: "claimant-app", Roles: []auth.Role{auth.ClaimantChannel}}
	app := r.Client.As(t, r.keys, appAccount)
	a := app.Do(t, http.MethodPost, "/v1/reports", newReportJSON("P-PROV-1"))
	want(t, "report by the claimant's channel", a, http.StatusCreated)
	rep := decode[report](t, a)
	if a := app.Do(t, http.MethodGet, "/v1/reports/"+rep.ID, ""); a.Status != http.StatusForbidden {
		t.Fatalf("the claimant's channel reading a report: got %d, want 403", a.Status)
	}

	set := scantest.ClaimSet{Insured: "张三", IDNumber: scantest.IDNumber(7), CardHolder: "张三", CardNumber: scantest.CardNumber(7)}
	uploadAs(t, r, apitest.Token(t, r.keys, appAccount), rep.ID, "id.pdf", scantest.TextPDF(set.IDCardLines()))
	uploadAs(t, r, apitest.Token(t, r.keys, apitest.Everyone()), rep.ID, "card.pdf", scantest.TextPDF(set.BankCardLines()))
	apitest.Eventually(t, 2*time.Minute, "both documents read", func() bool {
		got := r.get(t, rep.ID)
		return len(got.Documents) == 2 && !slices.ContainsFunc(got.Documents, func(d documentJSON) bool { return d.State != "read" })
	})
	r.satisfyAll(t, rep.ID)
	body := `{"agree_in_advance": true, "channel": "app", "payee": {"name": "张三", "role": "insured", "bank_name": "中国建设银行", "account_number": "` + set.CardNumber + `"}}`
	want(t, "claim request by staff", r.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/claim-request", body), http.StatusCreated)

	sent := claimRequested(t, pgtest.Open(t, r.dsn, 2), rep.ClaimID)
	if len(sent) != 1 || sent[0].AdvanceAgreement == nil {
		t.Fatalf("got %+v, want one claim-requested with the advance agreement", sent)
	}
	if adv := sent[0].AdvanceAgreement; adv.EnteredVia != events.EnteredViaStaff || adv.EnteredBy != "tester" || adv.Channel != "app" {
		t.Errorf("got agreement entered by %q via %q (channel %q), want by tester via staff whatever the body's channel", adv.EnteredBy, adv.EnteredVia, adv.Channel)
	}
	byType := map[string]events.ClaimDocument{}
	for _, d := range sent[0].Documents {
		byType[d.Type] = d
	}
	if id := byType["id_card"]; id.EnteredVia != events.EnteredViaClaimant || id.EnteredBy != "claimant-app" || id.HolderName != "张三" || id.IDNumberMasked == "" {
		t.Errorf("got identity card %+v, want it from the claimant's channel (claimant-app), naming 张三, its number masked", id)
	}
	if card := byType["bank_card"]; card.EnteredVia != events.EnteredViaStaff || card.EnteredBy != "tester" {
		t.Errorf("got bank card entered by %q via %q, want by tester via staff", card.EnteredBy, card.EnteredVia)
	}
}

// uploadAs uploads data as the file name to a report with token.
func uploadAs(t *testing.T, r *running, token, reportID, name string, data []byte) {
	t.Helper()
	if a := r.upload(t, reportID, name, data, "Authorization", "Bearer "+token); a.Status != http.StatusCreated {
		t.Fatalf("upload %s: got %d %s, want 201", name, a.Status, a.Body)
	}
}

// TestTheClaimantsChannelReadsNoReportThroughAClaimRequest is the attack of
// the claimant's channel (or a claimant who has it call for them) on a
// report it did not file: the claim request it may make on any report id
// must not answer with the report, its insured, its documents or what
// staff read of them, the first time or again.
func TestTheClaimantsChannelReadsNoReportThroughAClaimRequest(t *testing.T) {
	t.Parallel()
	r := start(t)
	a := r.Do(t, http.MethodPost, "/v1/reports", newReportJSON("P-PROV-2"))
	want(t, "report at the counter", a, http.StatusCreated)
	rep := decode[report](t, a)
	app := r.Client.As(t, r.keys, auth.Principal{Subject: "claimant-app", Roles: []auth.Role{auth.ClaimantChannel}})
	for i, status := range []int{http.StatusCreated, http.StatusOK} {
		got := app.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/claim-request", "")
		var body map[string]any
		if err := json.Unmarshal(got.Body, &body); err != nil || got.Status != status {
			t.Fatalf("claim request %d: got %d %s, want %d with a JSON body", i+1, got.Status, got.Body, status)
		}
		for _, field := range []string{"insured_name", "policy_number", "documents", "reporter", "description", "contact", "checklist"} {
			if _, ok := body[field]; ok {
				t.Errorf("claim request %d by the claimant's channel: got %s in %s, want the report's content untold", i+1, field, got.Body)
			}
		}
		if body["id"] != rep.ID || body["claim_id"] != rep.ClaimID || body["claim_requested_at"] == nil {
			t.Errorf("claim request %d: got %s, want its id, claim id and when the claim was requested", i+1, got.Body)
		}
	}
}

// TestTheClaimantsChannelReadsNoReportThroughAPossibleDuplicate is the
// attack of the claimant's channel on another claimant's report through
// the possible-duplicate answer (issue 20): a report of the same policy,
// insured, incident type and day as one filed at the counter. The channel
// is one client serving every claimant, so intake cannot tell the
// claimant's own earlier report from another person's: it is told only
// that a possible duplicate exists, never the report's id, claim, reporter,
// description or amount, and it cannot link to a report by its id (which
// would answer with that report). It may still confirm a new incident.
// Staff keep the full answer.
func TestTheClaimantsChannelReadsNoReportThroughAPossibleDuplicate(t *testing.T) {
	t.Parallel()
	r := start(t)
	const description, reporter = "夜间在家中摔倒，右腕骨折，已住院", "钱秘密"
	counter := reportBody("P-PROV-DUP", "张三", map[string]string{"name": reporter, "role": "beneficiary"})
	counter["description"], counter["claimed_amount_fen"], counter["contact"] = description, 654321, "13800138000"
	a := r.send(t, http.MethodPost, "/v1/reports", "application/json", jsonBody(t, counter))
	want(t, "report at the counter", a, http.StatusCreated)
	first := decode[report](t, a)

	app := r.Client.As(t, r.keys, auth.Principal{Subject: "claimant-app", Roles: []auth.Role{auth.ClaimantChannel}})
	filed := reportBody("P-PROV-DUP", "张三", map[string]string{"name": "张三", "role": "insured"})
	body, err := json.Marshal(filed)
	require.NoError(t, err)
	got := app.Do(t, http.MethodPost, "/v1/reports", string(body))
	var answer map[string]any
	if err := json.Unmarshal(got.Body, &answer); err != nil || got.Status != http.StatusConflict {
		t.Fatalf("the channel's report: got %d %s, want 409 with a JSON body", got.Status, got.Body)
	}
	if e, _ := answer["error"].(map[string]any); e["code"] != "possible_duplicate" || e["message"] == "" {
		t.Errorf("the channel's report: got %s, want the error possible_duplicate with a message", got.Body)
	}
	if _, ok := answer["candidate"]; ok {
		t.Errorf("the channel's report: got a candidate in %s, want none", got.Body)
	}
	for _, secret := range []string{first.ID, first.ClaimID, description, reporter, "654321", "13800138000"} {
		if strings.Contains(string(got.Body), secret) {
			t.Errorf("the channel's report: got %q in %s, want the other report untold", secret, got.Body)
		}
	}
	// A report id it learnt elsewhere links nothing and tells nothing.
	filed["link_to"] = first.ID
	body, err = json.Marshal(filed)
	require.NoError(t, err)
	linked := app.Do(t, http.MethodPost, "/v1/reports", string(body))
	r.Spec(t).WantError(t, "POST /v1/reports", linked, http.StatusForbidden, "forbidden", "link_to")
	for _, secret := range []string{description, reporter, first.ClaimID} {
		if strings.Contains(string(linked.Body), secret) {
			t.Errorf("the channel linking: got %q in %s, want the other report untold", secret, linked.Body)
		}
	}
	if got := r.get(t, first.ID); len(got.LinkedReports) != 0 {
		t.Errorf("got %d reports linked to the counter's, want none", len(got.LinkedReports))
	}
	// It may say this is another incident: a report of its own.
	delete(filed, "link_to")
	filed["confirm_new"] = true
	body, err = json.Marshal(filed)
	require.NoError(t, err)
	own := app.Do(t, http.MethodPost, "/v1/reports", string(body))
	want(t, "the channel confirming a new incident", own, http.StatusCreated)
	if id := decode[report](t, own).ID; id == first.ID || strings.Contains(string(own.Body), description) {
		t.Errorf("the channel confirming a new incident: got %s, want a report of its own", own.Body)
	}
	// Staff are told the candidate.
	staff := r.send(t, http.MethodPost, "/v1/reports", "application/json", jsonBody(t, reportBody("P-PROV-DUP", "张三", map[string]string{"name": "张三", "role": "insured"})))
	if c := decode[possibleDuplicate](t, staff); staff.Status != http.StatusConflict || c.Candidate.ID == "" {
		t.Errorf("staff's report: got %d %s, want 409 with the candidate", staff.Status, staff.Body)
	}
}

package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus/kafkatest"
)

// importPolicy imports a medical product and policy number into adjudication,
// as the policy system (or deployments/local/seed.sh) does.
func (s *system) importPolicy(t testing.TB, number string) {
	t.Helper()
	product := map[string]any{"name": "示例医疗保险", "notice_kind": "indemnity",
		"benefits": []map[string]any{{"code": "medical_expense", "name": "医疗费用保险金", "incident_types": []string{"medical"},
			"clause": "《示例医疗保险条款》第五条"}},
		"waiting_periods":    []map[string]any{{"incident_type": "medical", "days": 30, "clause": "《示例医疗保险条款》第四条"}},
		"deadline_overrides": []map[string]any{{"rule": "payment", "length": 7, "unit": "days"}}}
	if status := s.call(t, http.MethodPut, s.url("adjudication", "/v1/products/MED-E2E"), product, nil); status != http.StatusCreated {
		t.Fatalf("PUT product: got status %d, want 201", status)
	}
	policy := map[string]any{"product_code": "MED-E2E", "policyholder_name": "王五", "insured_name": "王五",
		"effective_from": "2026-01-01", "effective_to": "2026-12-31",
		"coverages": []map[string]any{{"benefit": "medical_expense", "sum_insured_fen": 20_000_000}}}
	if status := s.call(t, http.MethodPut, s.url("adjudication", "/v1/policies/"+number), policy, nil); status != http.StatusCreated {
		t.Fatalf("PUT policy: got status %d, want 201", status)
	}
}

// caseOpened waits until adjudication has opened the case of claimID.
func (s *system) caseOpened(t testing.TB, claimID string) {
	t.Helper()
	apitest.Eventually(t, 60*time.Second, "case opened", func() bool {
		return s.call(t, http.MethodGet, s.url("adjudication", "/v1/cases/"+claimID), nil, nil) == http.StatusOK
	})
}

// download GETs url signed in and returns the status, content type and body.
func (s *system) download(t testing.TB, url string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), body
}

// TestARejectionLetterIsSentWithinItsDeadline takes a claim from the request
// to a rejection whose written notice (R5) is downloaded, read and sent
// within its three days, and a second claim from its approval to the
// agreement announced to payout.
func TestARejectionLetterIsSentWithinItsDeadline(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.startAll()
	sys.importPolicy(t, "P-E2E-ADJ-1")

	rejected := sys.reportAndRequest(t, "P-E2E-ADJ-1")
	approved := sys.reportAndRequest(t, "P-E2E-ADJ-1")
	sys.caseOpened(t, rejected.ClaimID)
	sys.caseOpened(t, approved.ClaimID)
	adj := func(claimID, path string) string { return sys.url("adjudication", "/v1/cases/"+claimID+path) }

	var checks struct {
		Checks []struct{ Check, Result string } `json:"checks"`
	}
	if status := sys.call(t, http.MethodGet, adj(rejected.ClaimID, "/checks"), nil, &checks); status != http.StatusOK || len(checks.Checks) != 6 {
		t.Fatalf("checks: got %d %+v, want 200 and six checks", status, checks)
	}
	for _, c := range checks.Checks {
		if c.Check == "policy_in_force" && c.Result != "pass" {
			t.Fatalf("got policy_in_force %s, want pass: the policy was imported", c.Result)
		}
	}

	reason := map[string]string{"code": "PRE_EXISTING", "text": "投保前已患有的疾病未如实告知，不属于保险责任。", "clause": "《中华人民共和国保险法》第十六条"}
	decision := map[string]any{"outcome": "reject", "reasons": []map[string]string{reason}}
	if status := sys.call(t, http.MethodPost, adj(rejected.ClaimID, "/decision"), decision, nil); status != http.StatusOK {
		t.Fatalf("reject: got status %d, want 200", status)
	}
	status, contentType, pdf := sys.download(t, adj(rejected.ClaimID, "/rejection-letter"))
	if status != http.StatusOK || contentType != "application/pdf" {
		t.Fatalf("download the letter: got %d %s, want 200 application/pdf", status, contentType)
	}
	path := filepath.Join(t.TempDir(), "letter.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := strings.Join(strings.Fields(string(out)), "")
	// The claim by its short reference, never its UUID (issue 20).
	for _, want := range []string{"拒绝赔偿通知书", reason["text"], "依据：" + reason["clause"], "理赔案号：" + strings.ToUpper(rejected.ClaimID[:8])} {
		if !strings.Contains(text, want) {
			t.Errorf("the letter lacks %q; got %s", want, text)
		}
	}
	if strings.Contains(text, rejected.ClaimID) {
		t.Errorf("the letter has the claim's UUID %s, want its short reference only; got %s", rejected.ClaimID, text)
	}
	if status := sys.call(t, http.MethodPost, adj(rejected.ClaimID, "/rejection-letter"), map[string]string{"channel": "post"}, nil); status != http.StatusOK {
		t.Fatalf("record the letter sent: got status %d, want 200", status)
	}
	var letter *deadlineJSON
	for _, d := range sys.deadlinesOf(t, "adjudication", rejected.ClaimID) {
		if d.Rule == "rejection-notice" {
			letter = &d
		}
	}
	if letter == nil || letter.State != "met" {
		t.Fatalf("got rejection-notice deadline %+v, want it met", letter)
	}

	approve := map[string]any{"outcome": "approve", "lines": []map[string]any{{"benefit": "medical_expense", "claimed_fen": 456_789, "approved_fen": 456_789}},
		"acknowledge_unknown": acknowledgement}
	if status := sys.call(t, http.MethodPost, adj(approved.ClaimID, "/decision"), approve, nil); status != http.StatusOK {
		t.Fatalf("approve: got status %d, want 200", status)
	}
	agreement := map[string]any{"agreed_by": "王五", "channel": "signed_form", "payee": map[string]any{
		"name": "王五", "role": "insured", "bank_name": "中国建设银行", "account_number": "6217000010001234567"}}
	var agreed struct {
		State     string `json:"state"`
		Agreement struct {
			Payee struct {
				AccountNumber string `json:"account_number"`
			} `json:"payee"`
		} `json:"agreement"`
	}
	if status := sys.call(t, http.MethodPost, adj(approved.ClaimID, "/agreement"), agreement, &agreed); status != http.StatusOK {
		t.Fatalf("agreement: got status %d, want 200", status)
	}
	if agreed.State != "agreed" || agreed.Agreement.Payee.AccountNumber != "****4567" {
		t.Fatalf("got %+v, want agreed with the account masked", agreed)
	}
	got := readTopic(t, sys.brokers, sys.topics.Adjudication(), 60*time.Second, func(es []events.Envelope) bool {
		return countOf(es, approved.ClaimID, events.AgreementReached) >= 1
	})
	for _, e := range got {
		if e.ClaimID != approved.ClaimID || e.Type != events.AgreementReached.Name {
			continue
		}
		var d events.AgreementReachedData
		if err := json.Unmarshal(e.Data, &d); err != nil {
			t.Fatalf("decode agreement-reached: %v", err)
		}
		if strings.Contains(string(e.Data), "6217000010001234567") {
			t.Fatalf("got the account in clear on the topic: %s, want it sealed for payout (issue 17)", e.Data)
		}
		payee, err := d.Payee.Open(eventstest.PayeeOpener(t), eventstest.Fingerprints(), e.ClaimID)
		if err != nil {
			t.Fatalf("open the payee with payout's key: %v", err)
		}
		if d.AmountFen != 456_789 || payee.AccountNumber != "6217000010001234567" || d.PaymentPeriodDays != 7 || d.AgreedAt.IsZero() {
			t.Fatalf("got agreement %+v to %q, want 456789 fen to the full account, 7 days from the agreement", d, payee.AccountNumber)
		}
	}
}

package service_test

import (
	"bytes"
	"encoding/json"
	"image"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/intake/internal/service"
	"claims.local/pkg/document"
	"claims.local/pkg/document/scantest"
	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres/pgtest"
)

type textPair struct {
	Text   string `json:"text"`
	TextEN string `json:"text_en"`
}

type checklistItem struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	TitleEN     string    `json:"title_en"`
	AnyOf       bool      `json:"any_of"`
	State       string    `json:"state"`
	Condition   *textPair `json:"condition"`
	Reminder    *textPair `json:"reminder"`
	SatisfiedBy []struct {
		DocumentID string `json:"document_id"`
		Type       string `json:"type"`
	} `json:"satisfied_by"`
	Waiver *struct {
		Reason string `json:"reason"`
		By     string `json:"by"`
	} `json:"waiver"`
}

type checklistJSON struct {
	IncidentType string          `json:"incident_type"`
	Product      string          `json:"product"`
	Variant      string          `json:"variant"`
	Version      string          `json:"version"`
	Complete     *bool           `json:"complete"`
	Missing      []string        `json:"missing"`
	Items        []checklistItem `json:"items"`
}

func (c checklistJSON) item(t *testing.T, id string) checklistItem {
	t.Helper()
	for _, it := range c.Items {
		if it.ID == id {
			return it
		}
	}
	t.Fatalf("got no checklist item %q in %+v, want one", id, c.Items)
	return checklistItem{}
}

func (c checklistJSON) ids() []string {
	var out []string
	for _, it := range c.Items {
		out = append(out, it.ID)
	}
	return out
}

type fields struct {
	IDNumber       string   `json:"id_number"`
	TotalAmountFen *int64   `json:"total_amount_fen"`
	EventDate      string   `json:"event_date"`
	InvoiceNumber  string   `json:"invoice_number"`
	Names          []string `json:"names"`
	AccountNumber  string   `json:"account_number"`
	AccountHolder  string   `json:"account_holder"`
}

type documentJSON struct {
	ID        string   `json:"id"`
	SHA256    string   `json:"sha256"`
	Media     string   `json:"media"`
	Pages     int      `json:"pages"`
	State     string   `json:"state"`
	Type      string   `json:"type"`
	Fields    fields   `json:"fields"`
	Satisfies []string `json:"satisfies"`
	Text      string   `json:"text"`
	Reading   *struct {
		Type string `json:"type"`
	} `json:"reading"`
}

type noticeJSON struct {
	Seq     int  `json:"seq"`
	OneTime bool `json:"one_time"`
	Items   []struct {
		ItemID   string    `json:"item_id"`
		Why      *textPair `json:"why"`
		Reminder *textPair `json:"reminder"`
	} `json:"items"`
	Reason string    `json:"reason"`
	SentBy string    `json:"sent_by"`
	SentAt time.Time `json:"sent_at"`
	Letter string    `json:"letter"`
	// DeliveredAt, Receipt and DeliveryRecordedBy are the notice's recorded
	// arrival at the claimant.
	DeliveredAt        *time.Time `json:"delivered_at"`
	Receipt            string     `json:"receipt"`
	DeliveryRecordedBy string     `json:"delivery_recorded_by"`
}

func (n noticeJSON) itemIDs() []string {
	var out []string
	for _, it := range n.Items {
		out = append(out, it.ItemID)
	}
	return out
}

type fullReport struct {
	report
	Description   string         `json:"description"`
	HandedOverAt  *time.Time     `json:"handed_over_at"`
	Linked        bool           `json:"linked"`
	DuplicateOf   string         `json:"duplicate_of"`
	LinkedReports []any          `json:"linked_reports"`
	FastChannel   *fastChannel   `json:"fast_channel"`
	Checklist     checklistJSON  `json:"checklist"`
	Documents     []documentJSON `json:"documents"`
	Notices       []noticeJSON   `json:"missing_documents_notices"`
	Supplements   []struct {
		NoticeSentAt time.Time  `json:"notice_sent_at"`
		ReceivedAt   *time.Time `json:"received_at"`
	} `json:"supplements"`
}

func decode[T any](t *testing.T, a apitest.Answer) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(a.Body, &v), "decode %s", a.Body)
	return v
}

// want checks an answer's status.
func want(t *testing.T, what string, a apitest.Answer, status int) {
	t.Helper()
	if a.Status != status {
		t.Fatalf("%s: got status %d (%s), want %d", what, a.Status, a.Body, status)
	}
}

// post reports an incident described by body and returns the answer.
func (r *running) report(t *testing.T, body map[string]any) fullReport {
	t.Helper()
	b, err := json.Marshal(body)
	require.NoError(t, err)
	a := r.Do(t, http.MethodPost, "/v1/reports", string(b))
	want(t, "POST /v1/reports", a, http.StatusCreated)
	return decode[fullReport](t, a)
}

func (r *running) get(t *testing.T, id string) fullReport {
	t.Helper()
	a := r.Do(t, http.MethodGet, "/v1/reports/"+id, "")
	want(t, "GET report", a, http.StatusOK)
	return decode[fullReport](t, a)
}

// reportBody is a report of a medical incident two days ago.
func reportBody(policy, insured string, reporter map[string]string) map[string]any {
	return map[string]any{
		"policy_number": policy, "insured_name": insured, "incident_type": "medical",
		"incident_time": time.Now().Add(-48 * time.Hour).UTC().Format(time.RFC3339), "reporter": reporter,
	}
}

// satisfyAll marks every missing item of a report satisfied, as a handler
// who saw the originals at the counter.
func (r *running) satisfyAll(t *testing.T, id string) fullReport {
	t.Helper()
	rep := r.get(t, id)
	for _, item := range rep.Checklist.Missing {
		a := r.Do(t, http.MethodPost, "/v1/reports/"+id+"/checklist/items/"+item+"/satisfy", `{"reason":"原件已在柜面核验 original seen at the counter"}`)
		want(t, "satisfy "+item, a, http.StatusCreated)
		rep = decode[fullReport](t, a)
	}
	return rep
}

// upload sends data as a multipart upload of a file called name, with
// headers given as name, value pairs (an Authorization replaces the
// tester's).
func (r *running) upload(t *testing.T, reportID, name string, data []byte, headers ...string) apitest.Answer {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile("file", name)
	require.NoError(t, err)
	_, err = part.Write(data)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return r.send(t, http.MethodPost, "/v1/reports/"+reportID+"/documents", w.FormDataContentType(), &body, headers...)
}

// send sends a request with a body of any type and headers given as
// name, value pairs.
func (r *running) send(t *testing.T, method, path, contentType string, body io.Reader, headers ...string) apitest.Answer {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+r.svc.Addr()+path, body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+apitest.Token(t, r.keys, apitest.Everyone()))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := (&http.Client{Timeout: apitest.RequestTimeout}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return apitest.Answer{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// claimRequested returns the claim-requested events stored for a claim,
// failing unless each is signed with intake's key as adjudication verifies
// it (the attack review of issue 19).
func claimRequested(t *testing.T, db *gorm.DB, claimID string) []events.ClaimRequestedData {
	t.Helper()
	var payloads [][]byte
	require.NoError(t, db.Raw("SELECT payload FROM outbox WHERE event_type = ? AND msg_key = ? ORDER BY id", events.ClaimRequested.Name, claimID).Scan(&payloads).Error)
	var out []events.ClaimRequestedData
	for _, p := range payloads {
		e, err := events.Decode(p)
		require.NoError(t, err)
		if err := eventstest.IntakeVerifier(t).Verify(e); err != nil {
			t.Fatalf("claim-requested %s: got %v, want it signed with intake's key", e.ID, err)
		}
		var d events.ClaimRequestedData
		require.NoError(t, events.DecodeData(e, events.ClaimRequested, &d))
		out = append(out, d)
	}
	return out
}

// wantNoAccountInClear fails when an event of the claim in the outbox
// carries the account number (issue 17: no personal data in clear on
// topics).
func wantNoAccountInClear(t *testing.T, db *gorm.DB, claimID, account string) {
	t.Helper()
	if n := pgtest.Count(t, db, "SELECT count(*) FROM outbox WHERE msg_key = ? AND position(? in convert_from(payload, 'UTF8')) > 0", claimID, account); n != 0 {
		t.Errorf("got %d events carrying the account number in clear, want 0", n)
	}
}

// grayPNG returns a small PNG whose pixels depend on seed, so that each
// seed is another file.
func grayPNG(t *testing.T, seed int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = byte(i*7 + seed*13)
	}
	data, err := scantest.PNG(img)
	require.NoError(t, err)
	return data
}

// TestTheReportCarriesItsChecklist: the answer to a report is the guidance
// checklist (R1) of its incident type and product, in Chinese and English,
// with any-of groups, conditional items that apply to this claim, and the
// disability appraisal reminder (R2); the same checklist is served alone
// and printable.
func TestTheReportCarriesItsChecklist(t *testing.T) {
	t.Parallel()
	r := start(t)
	body := reportBody("P-2026-000123", "张三", map[string]string{"name": "李四", "role": "beneficiary", "relation": "spouse"})
	body["claimed_amount_fen"] = 2_000_000
	body["incident_place"] = "310115"
	rep := r.report(t, body)
	c := rep.Checklist
	if got, want := c.ids(), []string{"insured_id", "medical_invoices", "treatment_record", "claimant_id", "relationship_proof", "bank_account"}; !slices.Equal(got, want) {
		t.Fatalf("got items %v, want %v", got, want)
	}
	if c.Version != "medical@2026.1" || c.Complete == nil || *c.Complete || len(c.Missing) != 6 {
		t.Fatalf("got version %s complete %v missing %v, want medical@2026.1, incomplete, all 6 missing (the spouse claims 20,000 yuan)", c.Version, c.Complete, c.Missing)
	}
	for _, it := range c.Items {
		if it.Title == "" || it.TitleEN == "" || it.State != "missing" {
			t.Errorf("item %s: got title %q / %q state %s, want both languages and missing", it.ID, it.Title, it.TitleEN, it.State)
		}
	}
	if !c.item(t, "treatment_record").AnyOf || c.item(t, "bank_account").Condition == nil {
		t.Errorf("got %+v, want the treatment record any-of and the bank account conditional", c.Items)
	}

	disability := reportBody("P-2026-000124", "张三", map[string]string{"name": "张三", "role": "insured"})
	disability["incident_type"] = "disability"
	d := r.report(t, disability).Checklist
	appraisal := d.item(t, "disability_appraisal")
	if appraisal.Reminder == nil || !strings.Contains(appraisal.Reminder.Text, "伤残鉴定") || !strings.Contains(appraisal.Reminder.TextEN, "disability appraisal") {
		t.Fatalf("got appraisal %+v, want the R2 reminder in both languages", appraisal)
	}
	if got := d.item(t, "relationship_proof").State; got != "not_applicable" {
		t.Fatalf("got relationship proof %s when the insured claims, want not_applicable", got)
	}

	a := r.Do(t, http.MethodGet, "/v1/checklists?incident_type=medical&product=PM-2026", "")
	want(t, "GET checklist", a, http.StatusOK)
	pm := decode[checklistJSON](t, a)
	if pm.Product != "PM-2026" || pm.Version != "medical@2026.1+PM-2026@2026.1" || pm.item(t, "bank_account").Condition != nil || pm.Complete != nil {
		t.Fatalf("got %+v, want the PM-2026 checklist asking for the bank account always, with no status", pm)
	}
	a = r.Do(t, http.MethodGet, "/v1/checklists?incident_type=medical&product=UNKNOWN", "")
	if got := decode[checklistJSON](t, a); got.Product != "" || got.Version != "medical@2026.1" {
		t.Fatalf("got %+v for an unknown product, want the standard checklist", got)
	}
	doc := r.Spec(t)
	doc.WantError(t, "GET /v1/checklists", r.Do(t, http.MethodGet, "/v1/checklists?incident_type=flood", ""), 400, "invalid_argument", "incident_type")
	doc.WantError(t, "GET /v1/checklists", r.Do(t, http.MethodGet, "/v1/checklists", ""), 400, "invalid_argument", "incident_type")

	a = r.Do(t, http.MethodGet, "/v1/reports/"+rep.ID+"/checklist.html", "")
	want(t, "printable checklist", a, http.StatusOK)
	page := string(a.Body)
	if ct := a.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" || !strings.Contains(page, "申请人与被保险人的关系证明") ||
		!strings.Contains(page, "Proof of the payee&#39;s bank account") || !strings.Contains(page, "待提供") ||
		!strings.Contains(page, strings.ToUpper(rep.ClaimID[:8])) || strings.Contains(page, rep.ClaimID) {
		t.Fatalf("got %s page %s, want the items, their status and the claim by its short reference (no UUID, issue 20) in HTML", ct, page)
	}
	doc.WantError(t, "GET /v1/reports/{id}/checklist.html", r.Do(t, http.MethodGet, "/v1/reports/nope/checklist.html", ""), 404, "not_found", "")
}

// TestRetriesAndDuplicatesMakeOneReport: a retry with the same
// Idempotency-Key gets the first answer; the key with another body is a
// conflict; another report of the same incident is linked to the first.
func TestRetriesAndDuplicatesMakeOneReport(t *testing.T) {
	t.Parallel()
	r := start(t)
	doc := r.Spec(t)
	body, err := json.Marshal(reportBody("P-2026-000555", "张三", map[string]string{"name": "李四", "role": "beneficiary"}))
	require.NoError(t, err)
	withKey := func(key, body string) apitest.Answer {
		return r.send(t, http.MethodPost, "/v1/reports", "application/json", strings.NewReader(body), "Idempotency-Key", key)
	}
	first := withKey("8b1c0f6e-retry", string(body))
	want(t, "first", first, http.StatusCreated)
	again := withKey("8b1c0f6e-retry", string(body))
	want(t, "retry", again, http.StatusCreated)
	if again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("got no Idempotent-Replayed header on the retry, want true")
	}
	require.JSONEq(t, string(first.Body), string(again.Body), "the retry gets the first answer")
	other := strings.Replace(string(body), "李四", "王五", 1)
	doc.WantError(t, "POST /v1/reports", withKey("8b1c0f6e-retry", other), 409, "conflict", "Idempotency-Key")
	doc.WantError(t, "POST /v1/reports", withKey("a key with spaces", string(body)), 400, "invalid_argument", "Idempotency-Key")

	// The insured's son reports the same incident later the same day, with
	// what he knows: his description and amount are kept on the link.
	var sons map[string]any
	require.NoError(t, json.Unmarshal([]byte(other), &sons))
	sons["description"], sons["claimed_amount_fen"] = "住院三天，已出院", 180000
	sonsBody, err := json.Marshal(sons)
	require.NoError(t, err)
	id := decode[report](t, first).ID
	// Issue 20: he sees the open report of the incident first and
	// confirms; nothing is linked before.
	asked := r.send(t, http.MethodPost, "/v1/reports", "application/json", strings.NewReader(string(sonsBody)))
	// The documented Error with the candidate beside it (the Error schema
	// of WantError lists no candidate).
	if c := decode[possibleDuplicate](t, asked); asked.Status != http.StatusConflict || c.Error.Code != "possible_duplicate" ||
		c.Error.Message == "" || c.Candidate.ID != id || c.Candidate.Reporter.Name != "李四" {
		t.Fatalf("got %d %s, want 409 possible_duplicate with candidate %s by 李四", asked.Status, asked.Body, id)
	}
	sons["link_to"] = id
	sonsBody, err = json.Marshal(sons)
	require.NoError(t, err)
	dup := decode[fullReport](t, r.send(t, http.MethodPost, "/v1/reports", "application/json", strings.NewReader(string(sonsBody))))
	if !dup.Linked || dup.DuplicateOf != id || dup.ID != id || len(dup.LinkedReports) != 1 {
		t.Fatalf("got %+v for the same incident, want the first report, linked", dup)
	}
	if l, _ := dup.LinkedReports[0].(map[string]any); l["description"] != "住院三天，已出院" || l["claimed_amount_fen"] != float64(180000) {
		t.Fatalf("got the link %+v, want the son's description and 180000 fen kept", dup.LinkedReports[0])
	}
	if got := r.get(t, id); len(got.LinkedReports) != 1 || got.Linked {
		t.Fatalf("got %+v, want the link recorded on the report and no linked flag on a read", got)
	}
	db := pgtest.Open(t, r.dsn, 2)
	if n := pgtest.Count(t, db, "SELECT count(*) FROM incident_reports"); n != 1 {
		t.Fatalf("got %d reports, want 1", n)
	}
	if n := pgtest.Count(t, db, "SELECT count(*) FROM outbox WHERE event_type = ?", events.IncidentReported.Name); n != 1 {
		t.Fatalf("got %d incident-reported events, want 1", n)
	}
}

// possibleDuplicate is the 409 answer of a report matching an open one.
type possibleDuplicate struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Candidate struct {
		ID       string   `json:"id"`
		ClaimID  string   `json:"claim_id"`
		Reporter reporter `json:"reporter"`
	} `json:"candidate"`
}

// Issue 20: a report of the same incident as one whose claim was rejected
// is a new report with its own details, never linked to the closed one;
// intake learns the rejection from adjudication's topic.
func TestAReportOfAClosedClaimsIncidentIsANewReport(t *testing.T) {
	t.Parallel()
	r := start(t)
	body := reportBody("P-2026-000777", "赵六", map[string]string{"name": "赵六", "role": "insured"})
	first := decode[report](t, r.send(t, http.MethodPost, "/v1/reports", "application/json", jsonBody(t, body)))
	e, err := events.New(events.ClaimDecided, "adjudication", first.ClaimID, time.Now(), events.ClaimDecidedData{
		ClaimID: first.ClaimID, CaseID: "case-1", Outcome: events.OutcomeRejected, Currency: "CNY", DecidedBy: "handler-1", DecidedAt: time.Now().UTC()})
	require.NoError(t, err)
	v, err := json.Marshal(e)
	require.NoError(t, err)
	msg := outbox.Message{Topic: r.topics.Adjudication(), Key: first.ClaimID, EventID: e.ID, Type: e.Type, Value: v}
	apitest.Publish(t, r.brokers, msg, msg)
	db := pgtest.Open(t, r.dsn, 1)
	require.Eventually(t, func() bool {
		return pgtest.Count(t, db, "SELECT count(*) FROM incident_reports WHERE claim_closure = 'rejected'") == 1
	}, 30*time.Second, 100*time.Millisecond, "the rejection recorded on the report")

	// The console finds the report by its claim number; an unknown claim
	// is not found at once.
	if got := decode[report](t, r.Do(t, http.MethodGet, "/v1/claims/"+first.ClaimID+"/report", "")); got.ID != first.ID {
		t.Fatalf("got report %s by claim, want %s", got.ID, first.ID)
	}
	r.Spec(t).WantError(t, "GET /v1/claims/{claimId}/report", r.Do(t, http.MethodGet, "/v1/claims/no-such-claim/report", ""), 404, "not_found", "")

	body["description"], body["claimed_amount_fen"] = "复发，再次住院", 420000
	body["link_to"] = first.ID
	doc := r.Spec(t)
	doc.WantError(t, "POST /v1/reports", r.send(t, http.MethodPost, "/v1/reports", "application/json", jsonBody(t, body)), 400, "invalid_argument", "link_to")
	delete(body, "link_to")
	again := r.send(t, http.MethodPost, "/v1/reports", "application/json", jsonBody(t, body))
	want(t, "the same incident after the rejection", again, http.StatusCreated)
	got := decode[fullReport](t, again)
	if got.ID == first.ID || got.Linked || got.Description != "复发，再次住院" {
		t.Fatalf("got %+v, want a new report with its own description", got)
	}
}

func jsonBody(t *testing.T, v any) io.Reader {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return strings.NewReader(string(b))
}

// storedFiles lists the files of a storage folder.
func storedFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, path)
		}
		return err
	}))
	sort.Strings(out)
	return out
}

// TestHostileUploadsAreRefusedAndLoseNothing uploads empty, unknown,
// truncated, huge and hostile files: each is refused with the documented
// error before anything is stored, and the claim's documents, its files
// and its events stay as they were.
func TestHostileUploadsAreRefusedAndLoseNothing(t *testing.T) {
	t.Parallel()
	r := startWith(t, func(c *service.Config) { c.UploadLimits = document.Limits{MaxBytes: 512 << 10} })
	doc := r.Spec(t)
	rep := r.report(t, reportBody("P-2026-000777", "张三", map[string]string{"name": "张三", "role": "insured"}))
	good := grayPNG(t, 1)
	a := r.upload(t, rep.ID, "scan.png", good)
	want(t, "good upload", a, http.StatusCreated)
	stored := decode[documentJSON](t, a)
	if stored.State != "pending" || stored.Media != "png" || stored.Pages != 1 || a.Header.Get("Location") != "/v1/reports/"+rep.ID+"/documents/"+stored.ID {
		t.Fatalf("got %+v (Location %s), want a pending one-page png", stored, a.Header.Get("Location"))
	}
	before := r.Do(t, http.MethodGet, "/v1/reports/"+rep.ID, "")
	files := storedFiles(t, r.storage)
	db := pgtest.Open(t, r.dsn, 2)
	events := pgtest.Count(t, db, "SELECT count(*) FROM outbox")

	truncated, err := scantest.TruncatedPNG()
	require.NoError(t, err)
	hugePage := strings.Replace(string(scantest.BlankPDF(1)), "[0 0 595.00 842.00]", "[0 0 14173 14173]", 1)
	const op = "POST /v1/reports/{id}/documents"
	tests := []struct {
		name    string
		data    []byte
		status  int
		code    string
		message string
	}{
		{"empty file", nil, 422, "unprocessable", "empty"},
		{"random bytes named .jpg", scantest.RandomBytes(4096, 1), 415, "unsupported_media_type", "not a JPEG"},
		{"truncated png", truncated, 422, "unprocessable", "truncated"},
		{"decompression bomb", scantest.PNGHeaderOnly(100000, 100000), 413, "payload_too_large", "100000x100000"},
		{"pdf of 2000 pages", scantest.BlankPDF(2000), 413, "payload_too_large", "2000 pages"},
		{"pdf header and garbage", []byte("%PDF-1.4\n" + strings.Repeat("garbage ", 100)), 422, "unprocessable", "PDF"},
		{"pdf page of 5 by 5 metres", []byte(hugePage), 413, "payload_too_large", "pixels"},
		{"over the upload limit", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 600<<10)...), 413, "payload_too_large", "larger than 524288 bytes"},
		{"over what the service reads", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 3<<20)...), 413, "payload_too_large", "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := r.upload(t, rep.ID, "photo.jpg", tt.data)
			doc.WantError(t, op, a, tt.status, tt.code, "")
			if msg := decode[struct{ Error struct{ Message string } }](t, a).Error.Message; !strings.Contains(msg, tt.message) {
				t.Fatalf("got message %q, want it to say %q", msg, tt.message)
			}
		})
	}
	doc.WantError(t, op, r.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/documents", `{"file":"x"}`), 415, "unsupported_media_type", "")
	var empty bytes.Buffer
	w := multipart.NewWriter(&empty)
	require.NoError(t, w.WriteField("note", "no file"))
	require.NoError(t, w.Close())
	doc.WantError(t, op, r.send(t, http.MethodPost, "/v1/reports/"+rep.ID+"/documents", w.FormDataContentType(), &empty), 400, "invalid_argument", "file")
	doc.WantError(t, op, r.upload(t, "no-such-report", "scan.png", good), 404, "not_found", "")

	after := r.Do(t, http.MethodGet, "/v1/reports/"+rep.ID, "")
	require.JSONEq(t, string(before.Body), string(after.Body), "the claim after the refusals")
	if got := storedFiles(t, r.storage); !slices.Equal(got, files) {
		t.Fatalf("got stored files %v, want %v", got, files)
	}
	if got := pgtest.Count(t, db, "SELECT count(*) FROM outbox"); got != events {
		t.Fatalf("got %d events, want %d", got, events)
	}
	content := r.Do(t, http.MethodGet, "/v1/reports/"+rep.ID+"/documents/"+stored.ID+"/content", "")
	if content.Status != http.StatusOK || !bytes.Equal(content.Body, good) || content.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("got %d %s, want the file stored first, unchanged", content.Status, content.Header.Get("Content-Type"))
	}
	// The same file again is the same document.
	a = r.upload(t, rep.ID, "scan again.png", good)
	want(t, "the same file again", a, http.StatusOK)
	if got := decode[documentJSON](t, a); got.ID != stored.ID {
		t.Fatalf("got document %s, want %s", got.ID, stored.ID)
	}
}

// TestNoticeSupplementAndHandOver follows a claim whose documents are
// incomplete at the claim request: the R3 obligation opens, the one-time
// notice lists every missing item and meets it, an invoice read later makes
// the bank account necessary (a later notice, with its reason), and the
// claim goes to adjudication when complete, with its supplement.
func TestNoticeSupplementAndHandOver(t *testing.T) {
	t.Parallel()
	r := start(t)
	doc := r.Spec(t)
	db := pgtest.Open(t, r.dsn, 2)
	rep := r.report(t, reportBody("P-2026-000888", "王五", map[string]string{"name": "王五", "role": "insured"}))
	base := "/v1/reports/" + rep.ID
	idCard := decode[documentJSON](t, r.upload(t, rep.ID, "id.png", grayPNG(t, 1)))
	want(t, "claim request", r.Do(t, http.MethodPost, base+"/claim-request", ""), http.StatusCreated)

	var deadlines struct {
		Deadlines []struct{ Rule, State string }
	}
	require.NoError(t, json.Unmarshal(r.Do(t, http.MethodGet, "/v1/deadlines?claim_id="+rep.ClaimID, "").Body, &deadlines))
	if len(deadlines.Deadlines) != 1 || deadlines.Deadlines[0].Rule != "missing-documents-notice" || deadlines.Deadlines[0].State != "open" {
		t.Fatalf("got deadlines %+v, want the R3 notice open", deadlines)
	}
	const noticeOp = "POST /v1/reports/{id}/missing-documents-notices"
	doc.WantError(t, noticeOp, r.Do(t, http.MethodPost, base+"/missing-documents-notices", `{"channel":"sms"}`), 409, "conflict", "")

	// No OCR here: the handler says what the upload is.
	want(t, "correction", r.Do(t, http.MethodPost, base+"/documents/"+idCard.ID+"/corrections",
		`{"type":"id_card","fields":{"names":["王五"],"id_number":"11010519491231002X"},"note":"身份证正面"}`), http.StatusCreated)
	a := r.Do(t, http.MethodPost, base+"/missing-documents-notices", `{"channel":"sms"}`)
	want(t, "one-time notice", a, http.StatusCreated)
	notice := decode[noticeJSON](t, a)
	if got := notice.itemIDs(); !notice.OneTime || !slices.Equal(got, []string{"medical_invoices", "treatment_record"}) || notice.SentBy != "tester" {
		t.Fatalf("got notice %+v, want the one-time notice of the invoices and the treatment record, sent by tester", notice)
	}
	letter := r.Do(t, http.MethodGet, notice.Letter, "")
	if letter.Status != http.StatusOK || !strings.Contains(string(letter.Body), "一次性补充通知书") || !strings.Contains(string(letter.Body), "医疗费用收据") {
		t.Fatalf("got letter %d %s, want the printable one-time notice", letter.Status, letter.Body)
	}
	// Names, not codes (issue 20): the channel as 短信, the claim by its
	// short reference, never its UUID or "sms".
	if page := string(letter.Body); !strings.Contains(page, "短信") || strings.Contains(page, "sms") || strings.Contains(page, rep.ClaimID) ||
		!strings.Contains(page, strings.ToUpper(rep.ClaimID[:8])) {
		t.Fatalf("got letter %s, want the channel as 短信 and the claim by its short reference, no sms and no UUID", page)
	}
	doc.WantError(t, noticeOp, r.Do(t, http.MethodPost, base+"/missing-documents-notices", `{"channel":"sms","reason":"again"}`), 409, "conflict", "")
	require.NoError(t, json.Unmarshal(r.Do(t, http.MethodGet, "/v1/deadlines?claim_id="+rep.ClaimID, "").Body, &deadlines))
	if deadlines.Deadlines[0].State != "met" {
		t.Fatalf("got the R3 deadline %+v after the notice, want met", deadlines.Deadlines[0])
	}

	// The invoice comes in: 15,000 yuan, above the bank account threshold.
	invoice := decode[documentJSON](t, r.upload(t, rep.ID, "invoice.png", grayPNG(t, 2)))
	want(t, "invoice correction", r.Do(t, http.MethodPost, base+"/documents/"+invoice.ID+"/corrections",
		`{"type":"medical_invoice","fields":{"total_amount_fen":1500000,"invoice_number":"0012345678","event_date":"2026-11-20"}}`), http.StatusCreated)
	doc.WantError(t, noticeOp, r.Do(t, http.MethodPost, base+"/missing-documents-notices", `{"channel":"letter"}`), 400, "invalid_argument", "reason")
	a = r.Do(t, http.MethodPost, base+"/missing-documents-notices", `{"channel":"letter","reason":"发票金额合计15,000元"}`)
	want(t, "later notice", a, http.StatusCreated)
	later := decode[noticeJSON](t, a)
	if got := later.itemIDs(); later.OneTime || !slices.Equal(got, []string{"bank_account"}) || later.Items[0].Why == nil || !strings.Contains(later.Items[0].Why.TextEN, "15,000.00") {
		t.Fatalf("got %+v, want a later notice of the bank account, why: the amount", later)
	}

	// The rest arrives: the discharge summary seen at the counter, the bank
	// card uploaded.
	want(t, "satisfy", r.Do(t, http.MethodPost, base+"/checklist/items/treatment_record/satisfy", `{"reason":"出院小结原件已在柜面核验"}`), http.StatusCreated)
	card := decode[documentJSON](t, r.upload(t, rep.ID, "card.png", grayPNG(t, 3)))
	if got := r.get(t, rep.ID); got.HandedOverAt != nil || len(claimRequested(t, db, rep.ClaimID)) != 0 {
		t.Fatalf("got handed over at %v while a document is to be read, want not yet", got.HandedOverAt)
	}
	a = r.Do(t, http.MethodPost, base+"/documents/"+card.ID+"/corrections",
		`{"type":"bank_card","fields":{"account_number":"6222 0212 3456 7890 128","account_holder":"李 四"}}`)
	want(t, "card correction", a, http.StatusCreated)
	if got := decode[documentJSON](t, a).Satisfies; !slices.Equal(got, []string{"bank_account"}) {
		t.Fatalf("got the card satisfying %v, want bank_account", got)
	}
	final := r.get(t, rep.ID)
	if final.HandedOverAt == nil || !*final.Checklist.Complete || len(final.Supplements) != 1 || final.Supplements[0].ReceivedAt == nil {
		t.Fatalf("got %+v, want a complete claim handed over with its supplement received", final)
	}
	if w := final.Checklist.item(t, "treatment_record").Waiver; w == nil || w.By != "tester" {
		t.Fatalf("got waiver %+v, want who and why", w)
	}
	sent := claimRequested(t, db, rep.ClaimID)
	if len(sent) != 1 {
		t.Fatalf("got %d claim-requested events, want 1", len(sent))
	}
	e := sent[0]
	if !e.FirstReceivedAt.Equal(*final.ClaimRequestedAt) {
		t.Errorf("got first received at %v, want the claim request's %v", e.FirstReceivedAt, final.ClaimRequestedAt)
	}
	if len(e.Supplements) != 1 || !e.Supplements[0].NoticeSentAt.Equal(notice.SentAt) || e.Supplements[0].ReceivedAt == nil ||
		!e.Supplements[0].ReceivedAt.Equal(*final.Supplements[0].ReceivedAt) {
		t.Errorf("got supplements %+v, want the one-time notice's, received", e.Supplements)
	}
	if e.ClaimedAmountFen != 1_500_000 || len(e.Documents) != 3 || e.Documents[1].Type != "medical_invoice" ||
		e.Documents[1].InvoiceNumber != "0012345678" || e.Documents[1].TotalAmountFen != 1_500_000 || e.Documents[1].EventDate != "2026-11-20" {
		t.Errorf("got claimed %d and documents %+v, want 1,500,000 fen and the three documents with the invoice's fields", e.ClaimedAmountFen, e.Documents)
	}
	// The handler's correction of the card is what goes out: the account
	// as its fingerprint and last four digits only (issue 17), the holder.
	if c := e.Documents[2]; c.Type != "bank_card" || !eventstest.Fingerprints().MatchAccount(c.AccountFingerprint, rep.ClaimID, "6222021234567890128") ||
		c.AccountLast4 != "0128" || c.HolderName != "李 四" {
		t.Errorf("got card %+v, want the corrected account's fingerprint, last4 0128 and holder 李 四 as corrected", c)
	}
	wantNoAccountInClear(t, db, rep.ClaimID, "6222021234567890128")
	// Issue 20: the identity card's number goes out masked only, for
	// adjudication's queue to find the claim by it.
	if c := e.Documents[0]; c.Type != "id_card" || c.IDNumberMasked != "110105********002X" {
		t.Errorf("got the identity card %+v, want its number masked as 110105********002X", c)
	}
	doc.WantError(t, noticeOp, r.Do(t, http.MethodPost, base+"/missing-documents-notices", `{"channel":"sms","reason":"x"}`), 409, "conflict", "")
	doc.WantError(t, "POST /v1/reports/{id}/checklist/items/{item}/satisfy",
		r.Do(t, http.MethodPost, base+"/checklist/items/nope/satisfy", `{"reason":"x"}`), 404, "not_found", "")
	doc.WantError(t, "POST /v1/reports/{id}/documents/{doc}/corrections",
		r.Do(t, http.MethodPost, base+"/documents/"+card.ID+"/corrections", `{"type":"passport"}`), 400, "invalid_argument", "type")
}

// TestCorrectionIsBoundToTheDocumentShown replays issue 20's data bug
// against the API: a correction form that kept the ID card's values sends
// them for the invoice. Intake refuses the re-type that does not name the
// type it changes from, and a correction made for another type, so the
// invoice keeps its type, amount and place in the checklist; the correction
// naming the invoice's type is recorded.
func TestCorrectionIsBoundToTheDocumentShown(t *testing.T) {
	t.Parallel()
	r := start(t)
	doc := r.Spec(t)
	rep := r.report(t, reportBody("P-2026-000889", "王五", map[string]string{"name": "王五", "role": "insured"}))
	base := "/v1/reports/" + rep.ID
	idCard := decode[documentJSON](t, r.upload(t, rep.ID, "id.png", grayPNG(t, 1)))
	invoice := decode[documentJSON](t, r.upload(t, rep.ID, "invoice.png", grayPNG(t, 2)))
	want(t, "ID card typed", r.Do(t, http.MethodPost, base+"/documents/"+idCard.ID+"/corrections",
		`{"expected_type":"","type":"id_card","fields":{"names":["王五"]}}`), http.StatusCreated)
	want(t, "invoice typed", r.Do(t, http.MethodPost, base+"/documents/"+invoice.ID+"/corrections",
		`{"type":"medical_invoice","fields":{"total_amount_fen":120000,"invoice_number":"0012345678"}}`), http.StatusCreated)

	const op = "POST /v1/reports/{id}/documents/{doc}/corrections"
	corrections := base + "/documents/" + invoice.ID + "/corrections"
	doc.WantError(t, op, r.Do(t, http.MethodPost, corrections,
		`{"type":"id_card","fields":{"names":["王五"],"total_amount_fen":130000}}`), 409, "conflict", "")
	doc.WantError(t, op, r.Do(t, http.MethodPost, corrections,
		`{"expected_type":"id_card","type":"id_card","fields":{"total_amount_fen":130000}}`), 409, "conflict", "")
	doc.WantError(t, op, r.Do(t, http.MethodPost, corrections,
		`{"fields":{"account_number":"6222021234567890128"}}`), 400, "invalid_argument", "fields.account_number")
	stored := decode[documentJSON](t, r.Do(t, http.MethodGet, base+"/documents/"+invoice.ID, ""))
	if stored.Type != "medical_invoice" || stored.Fields.TotalAmountFen == nil || *stored.Fields.TotalAmountFen != 120000 || !slices.Equal(stored.Satisfies, []string{"medical_invoices"}) {
		t.Fatalf("got the invoice as %s, %v, satisfying %v after refused corrections, want medical_invoice, 120000 fen, medical_invoices",
			stored.Type, stored.Fields.TotalAmountFen, stored.Satisfies)
	}

	a := r.Do(t, http.MethodPost, corrections, `{"expected_type":"medical_invoice","fields":{"total_amount_fen":130000}}`)
	want(t, "the amount alone", a, http.StatusCreated)
	got := decode[documentJSON](t, a)
	if got.Type != "medical_invoice" || got.Fields.TotalAmountFen == nil || *got.Fields.TotalAmountFen != 130000 || len(got.Fields.Names) != 0 ||
		!slices.Equal(got.Satisfies, []string{"medical_invoices"}) {
		t.Fatalf("got %s %+v satisfying %v, want the invoice with 130000 fen, no names, satisfying medical_invoices", got.Type, got.Fields, got.Satisfies)
	}
}

// TestDocumentsAreReadByOCR uploads three scanned-looking documents (a
// photo of an ID card as JPEG, an invoice as PNG, a discharge summary as
// TIFF) to an instance with one warm Tesseract worker: each is read off the
// request path, typed, its fields extracted, and the checklist satisfied, so
// that the claim request goes to adjudication with what was read.
func TestDocumentsAreReadByOCR(t *testing.T) {
	t.Parallel()
	r := startWith(t, func(c *service.Config) { c.OCRWorkers = 1 })
	db := pgtest.Open(t, r.dsn, 2)
	fonts, err := scantest.LoadFonts()
	require.NoError(t, err)
	samples := scantest.Samples()
	rep := r.report(t, reportBody("P-2026-000999", "张伟", map[string]string{"name": "张伟", "role": "insured"}))
	want(t, "claim request", r.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/claim-request", ""), http.StatusCreated)
	uploads := map[string]scantest.Sample{}
	for _, i := range []int{0, 2, 3, 7} { // ID card, invoice, discharge summary, bank card
		data, media, err := scantest.Scan(fonts, samples[i], uint64(i))
		require.NoError(t, err)
		a := r.upload(t, rep.ID, "scan."+string(media), data)
		want(t, "upload "+string(samples[i].Type), a, http.StatusCreated)
		d := decode[documentJSON](t, a)
		if d.Media != string(media) {
			t.Fatalf("got media %s, want %s", d.Media, media)
		}
		uploads[d.ID] = samples[i]
	}
	var got fullReport
	apitest.Eventually(t, 2*time.Minute, "every document read", func() bool {
		got = r.get(t, rep.ID)
		return !slices.ContainsFunc(got.Documents, func(d documentJSON) bool { return d.State == "pending" || d.State == "reading" })
	})
	for _, d := range got.Documents {
		s := uploads[d.ID]
		if d.State != "read" || d.Type != string(s.Type) || d.Reading == nil {
			t.Errorf("document %s: got %s %s, want read as %s", d.ID, d.State, d.Type, s.Type)
		}
	}
	invoice := samples[2].Want
	for _, d := range got.Documents {
		if d.Type != string(document.MedicalInvoice) {
			continue
		}
		if d.Fields.TotalAmountFen == nil || *d.Fields.TotalAmountFen != invoice.AmountFen || d.Fields.InvoiceNumber != invoice.InvoiceNumber || d.Fields.EventDate != invoice.EventDate {
			t.Errorf("invoice: got fields %+v, want %d fen, number %s, date %s", d.Fields, invoice.AmountFen, invoice.InvoiceNumber, invoice.EventDate)
		}
		one := decode[documentJSON](t, r.Do(t, http.MethodGet, "/v1/reports/"+rep.ID+"/documents/"+d.ID, ""))
		if !strings.Contains(one.Text, "0012345678") || !slices.Equal(one.Satisfies, []string{"medical_invoices"}) {
			t.Errorf("got text %q satisfying %v, want the text read and the invoices item", one.Text, one.Satisfies)
		}
	}
	for _, d := range got.Documents {
		if d.Type == string(document.IDCard) && d.Fields.IDNumber != "110105********0014" {
			t.Errorf("got ID number %q, want it masked", d.Fields.IDNumber)
		}
	}
	if got.HandedOverAt == nil || !*got.Checklist.Complete {
		t.Fatalf("got checklist %+v handed over at %v, want complete and handed over", got.Checklist, got.HandedOverAt)
	}
	card := samples[7].Want
	for _, d := range got.Documents {
		if d.Type == string(document.BankCard) && (d.Fields.AccountNumber != "****0128" || d.Fields.AccountHolder != card.AccountHolder) {
			t.Errorf("got card fields %+v, want the account masked ****0128 and the holder %s", d.Fields, card.AccountHolder)
		}
	}
	sent := claimRequested(t, db, rep.ClaimID)
	if len(sent) != 1 || len(sent[0].Documents) != 4 || sent[0].ClaimedAmountFen != invoice.AmountFen || len(sent[0].Supplements) != 0 {
		t.Fatalf("got claim-requested %+v, want one with the four documents, the invoice's amount and no supplement", sent)
	}
	i := slices.IndexFunc(sent[0].Documents, func(d events.ClaimDocument) bool { return d.Type == string(document.BankCard) })
	if i < 0 || !eventstest.Fingerprints().MatchAccount(sent[0].Documents[i].AccountFingerprint, rep.ClaimID, card.AccountNumber) ||
		sent[0].Documents[i].AccountLast4 != "0128" || sent[0].Documents[i].HolderName != card.AccountHolder {
		t.Errorf("got documents %+v, want the card's account fingerprint, last4 0128 and holder %s", sent[0].Documents, card.AccountHolder)
	}
	wantNoAccountInClear(t, db, rep.ClaimID, card.AccountNumber)
}

// TestReadingSurvivesACrashedReader: documents a reader took and never
// finished (the process died) are taken again by another instance once
// their lease ran out, and one that was taken MaxReadAttempts times is
// failed rather than read for ever; the claim stays consistent.
func TestReadingSurvivesACrashedReader(t *testing.T) {
	t.Parallel()
	storage := t.TempDir()
	first := startWith(t, func(c *service.Config) { c.StorageDir = storage })
	rep := first.report(t, reportBody("P-2026-000321", "张三", map[string]string{"name": "张三", "role": "insured"}))
	fonts, err := scantest.LoadFonts()
	require.NoError(t, err)
	data, _, err := scantest.Scan(fonts, scantest.Samples()[4], 4) // a diagnosis certificate
	require.NoError(t, err)
	once := decode[documentJSON](t, first.upload(t, rep.ID, "cert.png", data))
	poison := decode[documentJSON](t, first.upload(t, rep.ID, "poison.png", grayPNG(t, 9)))
	db := pgtest.Open(t, first.dsn, 2)
	// A reader of the first instance took each and died: once for the
	// certificate, the third time for the other.
	for id, attempts := range map[string]int{once.ID: 1, poison.ID: 3} {
		require.NoError(t, db.Exec(`UPDATE documents SET state = 'reading', attempts = ?, lease_until = now() - interval '1 second',
			version = version + 1 WHERE id = ?`, attempts, id).Error)
	}
	second := startWith(t, func(c *service.Config) {
		c.DatabaseDSN, c.StorageDir, c.OCRWorkers, c.ReadPoll = first.dsn, storage, 1, 100*time.Millisecond
	})
	var got fullReport
	apitest.Eventually(t, 2*time.Minute, "both documents settled", func() bool {
		got = second.get(t, rep.ID)
		return !slices.ContainsFunc(got.Documents, func(d documentJSON) bool { return d.State == "reading" || d.State == "pending" })
	})
	states := map[string]string{}
	for _, d := range got.Documents {
		states[d.ID] = d.State + " " + d.Type
	}
	if states[once.ID] != "read diagnosis_certificate" || states[poison.ID] != "failed " {
		t.Fatalf("got %v, want the certificate read and the other failed", states)
	}
	if n := pgtest.Count(t, db, "SELECT count(*) FROM documents WHERE id = ? AND failure_message LIKE '%started 3 times%'", poison.ID); n != 1 {
		t.Fatalf("got %d documents failed for their attempts, want 1", n)
	}
}

// TestAClaimCompleteAtItsRequestOwesNoNotice: a claim whose checklist is
// complete when it is requested goes to adjudication at once, and its R3
// notice obligation is stored met at the request, once.
func TestAClaimCompleteAtItsRequestOwesNoNotice(t *testing.T) {
	t.Parallel()
	r := start(t)
	db := pgtest.Open(t, r.dsn, 2)
	rep := r.report(t, reportBody("P-2026-000889", "王五", map[string]string{"name": "王五", "role": "insured"}))
	r.satisfyAll(t, rep.ID)
	want(t, "claim request", r.Do(t, http.MethodPost, "/v1/reports/"+rep.ID+"/claim-request", ""), http.StatusCreated)
	if n := len(claimRequested(t, db, rep.ClaimID)); n != 1 {
		t.Fatalf("got %d claim-requested events, want 1", n)
	}
	var deadlines struct {
		Deadlines []struct {
			Rule, State string
			DoneAt      *time.Time `json:"done_at"`
		}
	}
	require.NoError(t, json.Unmarshal(r.Do(t, http.MethodGet, "/v1/deadlines?claim_id="+rep.ClaimID, "").Body, &deadlines))
	got := r.get(t, rep.ID)
	if len(deadlines.Deadlines) != 1 || deadlines.Deadlines[0].Rule != "missing-documents-notice" || deadlines.Deadlines[0].State != "met" ||
		deadlines.Deadlines[0].DoneAt == nil || got.HandedOverAt == nil || !deadlines.Deadlines[0].DoneAt.Equal(*got.HandedOverAt) {
		t.Fatalf("got deadlines %+v, handed over at %v; want the R3 notice met when the claim was handed over", deadlines, got.HandedOverAt)
	}
}

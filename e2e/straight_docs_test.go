package e2e

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"claims.local/pkg/document/scantest"
	"claims.local/pkg/httpapi/apitest"
)

// The straight-through path fed by documents (issue 19): the claim's
// documents are made as a claimant sends them (an electronic receipt with
// a text layer, or scans read by Tesseract), uploaded to intake, read by
// its OCR pipeline and handed to adjudication with the claim request.

// stpClaimSet is the truth of claim i's documents for insured, of the
// visit on day (YYYY-MM-DD): a receipt of 1,000 yuan (600 paid by the
// fund, 400 in cash of which 300 self-pay and 100 self-funded), the
// insured's identity card and their bank card, the receipt and the
// diagnosis certificate printing the visit's number (门诊号, stpVisitNumber);
// defect spoils one thing
// (the scan of an unreadable page is made by stpFiles). MED-STP's rules
// compute (300 − 100) × 80% = 160 yuan.
func stpClaimSet(i int, insured, day, defect string) scantest.ClaimSet {
	c := scantest.ClaimSet{InvoiceCode: "31060119", InvoiceNumber: fmt.Sprintf("%010d", 7_000_000_000+i), CheckCode: fmt.Sprintf("c%05d", i%100_000),
		Institution: "上海市第六人民医院", Patient: insured, Date: day, FundPaidFen: 60_000, PersonalCashFen: 40_000, SelfPayFen: 30_000, SelfFundedFen: 10_000,
		Insured: insured, IDNumber: scantest.IDNumber(uint64(i + 1)), CardHolder: insured, CardNumber: stpCardNumber(i),
		VisitNumber: stpVisitNumber(i, false)}
	switch defect {
	case defectName:
		// Another person's visit: their receipt and certificate carry
		// their own visit number, not the insured's.
		c.Patient, c.VisitNumber = "钱多多", stpVisitNumber(i, true)
	case defectOverLimit:
		c.FundPaidFen, c.PersonalCashFen, c.SelfPayFen, c.SelfFundedFen = 300_000, 600_000, 600_000, 0
	case defectWaiting:
		c.Date = stpFrom().AddDate(0, 0, 10).Format(time.DateOnly)
	case defectPayee:
		c.CardHolder = "钱多多"
	}
	return c
}

// stpVisitNumber is the hospital's outpatient number (门诊号, 10 digits)
// of claim i's visit, or of another person's visit the same day when
// other.
func stpVisitNumber(i int, other bool) string {
	if other {
		return fmt.Sprintf("26%08d", 50_000_000+i)
	}
	return fmt.Sprintf("26%08d", 10_000_000+i)
}

// stpCardNumber is claimant i's own bank card (each their own, or the
// shared-account fraud signal holds the payments), never one ending in
// 0000, 0001 or 0002, the simulated bank's failures.
func stpCardNumber(i int) string {
	for seed := uint64(i + 1); ; seed += 1 << 40 {
		if n := scantest.CardNumber(seed); !slices.Contains([]string{"0000", "0001", "0002"}, n[len(n)-4:]) {
			return n
		}
	}
}

// stpFile is one file a claimant uploads.
type stpFile struct {
	name string
	data []byte
}

// stpFiles makes the files of c: text-layer PDFs, exact, unless scanned,
// then scans of the usual quality (PNG, the cards JPEG as phones take
// them). An unreadable page is a scan of the receipt under heavy grain and
// dust: still a receipt, its fields read with low confidence.
func stpFiles(t testing.TB, fonts scantest.Fonts, c scantest.ClaimSet, seed uint64, scanned, unreadable bool) []stpFile {
	t.Helper()
	docs := []struct {
		name  string
		lines []string
		jpeg  bool
	}{{"invoice", c.InvoiceLines(), false}, {"id", c.IDCardLines(), true}, {"card", c.BankCardLines(), true}, {"diagnosis", c.DiagnosisLines(), false}}
	var files []stpFile
	for k, d := range docs {
		if !scanned && !(unreadable && k == 0) {
			files = append(files, stpFile{d.name + ".pdf", scantest.TextPDF(d.lines)})
			continue
		}
		style := scantest.Scanned(seed + uint64(k))
		if unreadable && k == 0 {
			style.Noise, style.Speckles = 80, 0.02
		}
		img, err := scantest.Render(fonts, d.lines, style)
		if err != nil {
			t.Fatalf("render %s: %v", d.name, err)
		}
		name, encode := d.name+".png", scantest.PNG
		if d.jpeg {
			name, encode = d.name+".jpg", scantest.JPEG
		}
		data, err := encode(img)
		if err != nil {
			t.Fatalf("encode %s: %v", d.name, err)
		}
		files = append(files, stpFile{name, data})
	}
	return files
}

// fileSTP files the report of insured's visit on policy at incident,
// uploads files to it through the claimant's own channel (claimantApp)
// and waits until intake has read every one; it returns the report. A
// full house at intake (503) is waited out.
func (s *system) fileSTP(t testing.TB, policy, insured string, incident time.Time, files []stpFile) report {
	t.Helper()
	return s.fileSTPAs(t, s.channelToken(t), policy, insured, incident, files)
}

// channelToken signs the claimant's own channel in (claimantApp).
func (s *system) channelToken(t testing.TB) string {
	t.Helper()
	return apitest.Token(t, s.keys, claimantApp)
}

// fileSTPAs is fileSTP with the files uploaded with token.
func (s *system) fileSTPAs(t testing.TB, token, policy, insured string, incident time.Time, files []stpFile) report {
	t.Helper()
	r := s.newReport(t, policy, insured, incident)
	for _, f := range files {
		for limit := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
			status, raw := s.uploadAs(t, token, r.ID, f.name, f.data)
			if status == http.StatusCreated {
				break
			}
			if status != http.StatusServiceUnavailable || time.Now().After(limit) {
				t.Fatalf("upload %s: got %d %s, want 201", f.name, status, raw)
			}
		}
	}
	for limit := time.Now().Add(5 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		rep := s.readReport(t, r.ID)
		if len(rep.Documents) == len(files) && !slices.ContainsFunc(rep.Documents, func(d struct {
			ID        string   `json:"id"`
			State     string   `json:"state"`
			Type      string   `json:"type"`
			Satisfies []string `json:"satisfies"`
		}) bool {
			return d.State != "read"
		}) {
			return r
		}
		if time.Now().After(limit) {
			t.Fatalf("report %s: got documents %+v, want %d read within 5 minutes", r.ID, rep.Documents, len(files))
		}
	}
}

// requestSTP makes the claim request of report r through the claimant's
// own channel, complete once its documents are read, with the claimant's
// advance agreement (the app) to be paid to insured's account, and
// reports whether intake handed it over to adjudication (false: its
// checklist still misses a document, the claim waits at intake for a
// handler's notice).
func (s *system) requestSTP(t testing.TB, r report, insured, account string) bool {
	t.Helper()
	return s.requestSTPAs(t, s.channelToken(t), r, insured, account)
}

// requestSTPAs is requestSTP signed in with token.
func (s *system) requestSTPAs(t testing.TB, token string, r report, insured, account string) bool {
	t.Helper()
	body := map[string]any{"agree_in_advance": true, "channel": "app", "payee": map[string]any{
		"name": insured, "role": "insured", "bank_name": "中国建设银行", "account_number": account}}
	if status := s.callAs(t, token, http.MethodPost, s.url("intake", "/v1/reports/"+r.ID+"/claim-request"), body, nil); status != http.StatusCreated {
		t.Fatalf("POST claim-request on %s: got status %d, want 201", r.ID, status)
	}
	return s.readReport(t, r.ID).HandedOverAt != nil
}

// stpDay is the day, in China, of an incident at.
func stpDay(at time.Time) string { return at.In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly) }

// TestAClaimWhoseDocumentsIntakeReadsIsDecidedAutomaticallyUnlessTheInvoiceNamesAnother:
// a clean claim whose electronic documents (text-layer PDFs) are uploaded
// to intake and read by its pipeline reaches the straight-through path
// with what intake read (patient, split, confidence, sources) and is
// approved and paid without a person deciding; a claim whose scanned
// receipt names another patient goes to a handler with name_mismatch, and
// one whose documents a member of staff uploaded with entered_by_staff
// (the uploader cannot decide it).
func TestAClaimWhoseDocumentsIntakeReadsIsDecidedAutomaticallyUnlessTheInvoiceNamesAnother(t *testing.T) {
	t.Parallel()
	sys, fonts := newDocsSystem(t)
	incident := time.Now().Add(-48 * time.Hour)

	sys.stpPolicy(t, "P-STP-D0", "孙文档")
	clean := stpClaimSet(0, "孙文档", stpDay(incident), defectNone)
	r := sys.fileSTP(t, "P-STP-D0", "孙文档", incident, stpFiles(t, fonts, clean, 1, false, false))
	if !sys.requestSTP(t, r, "孙文档", clean.CardNumber) {
		t.Fatalf("got report %+v not handed over, want the claim complete with its documents read", sys.readReport(t, r.ID))
	}
	sys.paidAutomatically(t, r.ClaimID)

	sys.stpPolicy(t, "P-STP-D1", "孙文档乙")
	other := stpClaimSet(1, "孙文档乙", stpDay(incident), defectName)
	r = sys.fileSTP(t, "P-STP-D1", "孙文档乙", incident, stpFiles(t, fonts, other, 2, true, false))
	if !sys.requestSTP(t, r, "孙文档乙", other.CardNumber) {
		t.Fatalf("got report %+v not handed over, want the claim complete with its scans read", sys.readReport(t, r.ID))
	}
	sys.toHandler(t, r.ClaimID, "a scanned receipt of another patient", "name_mismatch")

	// The same electronic documents uploaded by a member of staff, who
	// also makes the request naming the payee (a paper claim handed in at
	// the counter): a handler decides, never the one who uploaded them.
	sys.stpPolicy(t, "P-STP-D2", "孙文档丙")
	counter := stpClaimSet(2, "孙文档丙", stpDay(incident), defectNone)
	staff := sys.fileSTPAs(t, sys.token, "P-STP-D2", "孙文档丙", incident, stpFiles(t, fonts, counter, 3, false, false))
	if !sys.requestSTPAs(t, sys.token, staff, "孙文档丙", counter.CardNumber) {
		t.Fatalf("got report %+v not handed over, want the claim complete with its documents read", sys.readReport(t, staff.ID))
	}
	sys.toHandler(t, staff.ClaimID, "documents a member of staff uploaded", "entered_by_staff")
	body := map[string]any{"outcome": "approve", "lines": []map[string]any{{"benefit": "medical_expense",
		"claimed_fen": 16_000, "approved_fen": 16_000}}, "acknowledge_unknown": acknowledgement}
	if status := sys.call(t, http.MethodPost, sys.url("adjudication", "/v1/cases/"+staff.ClaimID+"/decision"), body, nil); status != http.StatusForbidden {
		t.Fatalf("the member of staff who uploaded the documents deciding: got %d, want 403", status)
	}

	// A handler decides the second claim: the compliance report (R13)
	// counts the automatic decision and the person's apart.
	sys.approve(t, r.ClaimID, 16_000)
	sys.complianceByMode(t, map[string]int{"automatic": 1, "manual": 1})
}

// complianceByMode checks adjudication's compliance report of this month
// split by mode: the decision rule's obligations met in each mode of want,
// in JSON and in CSV.
func (s *system) complianceByMode(t testing.TB, want map[string]int) {
	t.Helper()
	now := time.Now().In(time.FixedZone("CST", 8*3600))
	from, to := now.AddDate(0, 0, -1).Format(time.DateOnly), now.AddDate(0, 2, 0).Format(time.DateOnly)
	var report struct {
		Rules []struct {
			Rule  string `json:"rule"`
			Modes []struct {
				Mode string `json:"mode"`
				Met  int    `json:"met"`
			} `json:"modes"`
		} `json:"rules"`
	}
	path := fmt.Sprintf("/v1/compliance-report?from=%s&to=%s&group=mode", from, to)
	if status := s.call(t, http.MethodGet, s.url("adjudication", path), nil, &report); status != http.StatusOK {
		t.Fatalf("compliance report by mode: got status %d, want 200", status)
	}
	got := map[string]int{}
	for _, l := range report.Rules {
		if l.Rule == "decision" {
			for _, m := range l.Modes {
				if m.Met > 0 {
					got[m.Mode] = m.Met
				}
			}
		}
	}
	if !maps.Equal(got, want) {
		t.Fatalf("got decisions met by mode %v, want %v", got, want)
	}
	status, _, raw := s.send(t, http.MethodGet, s.url("adjudication", path+"&format=csv"), "", nil)
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if status != http.StatusOK || err != nil || len(rows) < 2 || rows[0][5] != "mode" {
		t.Fatalf("compliance CSV by mode: got %d %v %q, want 200 with a mode column", status, err, raw)
	}
	for mode, n := range want {
		if !slices.ContainsFunc(rows, func(r []string) bool { return r[3] == "decision" && r[5] == mode && r[7] == strconv.Itoa(n) }) {
			t.Errorf("CSV: got %q, want a decision row of mode %s met %d", raw, mode, n)
		}
	}
}

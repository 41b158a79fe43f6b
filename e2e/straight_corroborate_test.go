package e2e

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"claims.local/pkg/document/scantest"
	"claims.local/pkg/kafkabus/kafkatest"
)

// TestAScannedClaimsLowConfidenceFieldsAreCorroborated is issue 19's
// straight-through path on scans: Tesseract reads an ordinary scan below
// the confidence threshold, and each such field an independent check
// confirms counts (the total by the charges and the payments summing to
// it, the split by its sum, the insured's name, the ID number's checksum,
// the card's Luhn digit, the date on the diagnosis certificate; the
// receipt's code and number, which only the check that an invoice is
// claimed once reads, when no other claim of the insured holds an invoice
// of that total on that day; the check code, which nothing reads, in any
// case); a field read below the floor (0.8) is a page in doubt and stays
// a person's. The attack: a scanned receipt whose figures say another
// amount than its charges and payments (a misread, or a forged figure)
// stays with a person for its total.
func TestAScannedClaimsLowConfidenceFieldsAreCorroborated(t *testing.T) {
	t.Parallel()
	sys, fonts := newDocsSystem(t)
	incident := time.Now().Add(-48 * time.Hour)

	clean := stpClaimSet(20, "孙扫描", stpDay(incident), defectNone)
	cleanID := sys.requestScanned(t, "P-STP-C0", "孙扫描", clean.CardNumber, incident, stpFiles(t, fonts, clean, 21, true, false))
	// lowFields returns claimID's reasons and corroborations, whether it
	// was decided automatically, and the low-confidence reasons of fields
	// read at or above the corroboration floor (0.8): such a field is left
	// with a person only when no check confirms it.
	lowFields := func(claimID string) (out []string, automatic bool, aboveFloor []string) {
		var got struct {
			Automatic bool `json:"automatic"`
			Reasons   []struct {
				Code   string            `json:"code"`
				Params map[string]string `json:"params"`
			} `json:"reasons"`
			Corroborations []struct {
				Field string `json:"field"`
				By    string `json:"by"`
			} `json:"corroborations"`
		}
		sys.awaitAssessment(t, claimID, "scanned claim")
		sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/cases/"+claimID+"/assessment"), nil, &got)
		for _, rs := range got.Reasons {
			out = append(out, rs.Code+":"+rs.Params["field"])
			if c, err := strconv.ParseFloat(rs.Params["confidence"], 64); rs.Code == "low_confidence" && err == nil && c >= 0.8 {
				aboveFloor = append(aboveFloor, rs.Params["field"]+"@"+rs.Params["confidence"])
			}
		}
		for _, c := range got.Corroborations {
			out = append(out, c.Field+"~"+c.By)
		}
		slices.Sort(out)
		return out, got.Automatic, aboveFloor
	}
	// The clean scan: its total and the receipt's number and check code
	// are read sure (a field is as sure as its own characters when they
	// are surer than its line) or corroborated, some field is
	// corroborated, and nothing read at or above the floor is left
	// unconfirmed. Whether it is decided automatically depends on how
	// Tesseract reads its name (below the floor, a person's); when it is,
	// it is paid with no person.
	got, automatic, aboveFloor := lowFields(cleanID)
	for _, field := range []string{"total_amount_fen", "invoice_number", "check_code"} {
		if slices.Contains(got, "low_confidence:"+field) && !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, field+"~") }) {
			t.Errorf("clean scan: got %v, want %s read sure or corroborated", got, field)
		}
	}
	if !slices.ContainsFunc(got, func(g string) bool { return strings.Contains(g, "~") }) {
		t.Errorf("clean scan: got %v, want a field read below the threshold and corroborated", got)
	}
	if len(aboveFloor) > 0 {
		t.Errorf("clean scan: got %v uncorroborated at or above the floor, want none (%v)", aboveFloor, got)
	}
	for _, g := range got {
		if !strings.Contains(g, "~") && !strings.HasPrefix(g, "low_confidence:") {
			t.Errorf("clean scan: got reason %s, want only fields read below the floor (%v)", g, got)
		}
	}
	if automatic {
		sys.paidAutomatically(t, cleanID)
	}

	forged := stpClaimSet(21, "孙扫描乙", stpDay(incident), defectNone)
	files := stpFiles(t, fonts, forged, 22, true, false)
	lines := forged.InvoiceLines()
	for i, l := range lines {
		if strings.HasPrefix(l, "合计（小写）") {
			lines[i] = "合计（小写）：¥1,600.00"
		}
	}
	img, err := scantest.Render(fonts, lines, scantest.Scanned(22))
	if err != nil {
		t.Fatal(err)
	}
	if files[0].data, err = scantest.PNG(img); err != nil {
		t.Fatal(err)
	}
	forgedID := sys.requestScanned(t, "P-STP-C1", "孙扫描乙", forged.CardNumber, incident, files)
	sys.toHandler(t, forgedID, "a scanned receipt whose figures differ from its charges and payments", "low_confidence")
	if got, automatic, _ := lowFields(forgedID); automatic || !slices.Contains(got, "low_confidence:total_amount_fen") ||
		slices.ContainsFunc(got, func(g string) bool {
			return strings.HasPrefix(g, "total_amount_fen~") || strings.HasPrefix(g, "insurance.") && strings.Contains(g, "~")
		}) {
		t.Fatalf("misread total: got reasons %v, want the total and the split uncorroborated", got)
	}
}

// requestScanned insures insured under policy, files the report of the
// visit at incident with files and requests the claim with the advance
// agreement to be paid to account; it returns the claim's id.
func (s *system) requestScanned(t *testing.T, policy, insured, account string, incident time.Time, files []stpFile) string {
	t.Helper()
	s.stpPolicy(t, policy, insured)
	r := s.fileSTP(t, policy, insured, incident, files)
	if !s.requestSTP(t, r, insured, account) {
		t.Fatalf("got report %+v not handed over, want the claim complete with its scans read", s.readReport(t, r.ID))
	}
	return r.ClaimID
}

// newDocsSystem starts the services with MED-STP's rules imported, and
// loads the fonts the scanned documents are drawn with.
func newDocsSystem(t *testing.T) (*system, scantest.Fonts) {
	t.Helper()
	fonts, err := scantest.LoadFonts()
	if err != nil {
		t.Fatal(err)
	}
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.startAll()
	sys.importSTP(t)
	return sys, fonts
}

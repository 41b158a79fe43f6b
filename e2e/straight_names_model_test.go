package e2e

import (
	"context"
	"testing"
	"time"

	"claims.local/pkg/document/ocr"
)

// TestANameTheFastModelMisreadsIsReadByTheNamesModel is issue 19's
// second recogniser end to end (s14d): intake reads each name again with
// the names' model (tessdata 4.0.0's chi_sim, installed by make install),
// whose sure reading is the name used. A clean claim of 孙伟平鹏, whose
// scanned receipt Debian's fast chi_sim reads as 孙伟平胸 (a name_mismatch
// on main, BenchmarkStraightThrough's claim 314), is decided and paid
// with no person; the attack, another person's documents (孙磊敏杰) claimed
// for an insured whose name is one character off (孙舌敏杰), which the
// fast model reads as the insured's in doubt, is held with name_mismatch:
// the names' model reads the other person's name. Each case first reads
// its scans with the fast model alone, in this process, so that the test
// shows what the names' model changed.
func TestANameTheFastModelMisreadsIsReadByTheNamesModel(t *testing.T) {
	t.Parallel()
	sys, fonts := newDocsSystem(t)
	incident := time.Now().Add(-48 * time.Hour)
	fast, err := ocr.New(ocr.Config{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Close()
	// firstReadings returns the patient's and holders' names the fast
	// model read on files.
	firstReadings := func(files []stpFile) []string {
		t.Helper()
		var names []string
		for _, f := range files {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			res, err := fast.Inspect(ctx, f.data)
			cancel()
			if err != nil {
				t.Fatalf("reading %s with the fast model: %v", f.name, err)
			}
			names = append(names, res.Fields.PatientName+res.Fields.IDCardName+res.Fields.AccountHolder)
		}
		return names
	}

	insured := "孙伟平鹏"
	clean := stpClaimSet(314, insured, stpDay(incident), defectNone)
	files := stpFiles(t, fonts, clean, 314, true, false)
	if got := firstReadings(files); got[0] == insured {
		t.Fatalf("got the fast model's names %q, want the receipt's misread (the case needs it)", got)
	} else {
		t.Logf("the fast model read %q", got)
	}
	claim := sys.requestScanned(t, "P-NM-1", insured, clean.CardNumber, incident, files)
	sys.paidAutomatically(t, claim)

	// The attack: 孙磊敏杰's documents, their own, claimed for 孙舌敏杰.
	printed, claimant := "孙磊敏杰", "孙舌敏杰"
	other := stpClaimSet(5008, printed, stpDay(incident), defectNone)
	files = stpFiles(t, fonts, other, 5800, true, false)
	got := firstReadings(files)
	misread := 0
	for _, n := range got {
		if n == claimant {
			misread++
		}
	}
	if misread == 0 {
		t.Fatalf("got the fast model's names %q, want another person's name read as the insured's %q (the case needs it)", got, claimant)
	}
	t.Logf("the fast model read %q", got)
	claim = sys.requestScanned(t, "P-NM-2", claimant, other.CardNumber, incident, files)
	sys.toHandler(t, claim, "another person's documents claimed for a look-alike insured", "name_mismatch")
}

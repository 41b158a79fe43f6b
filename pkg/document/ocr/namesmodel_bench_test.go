package ocr_test

import (
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"claims.local/pkg/document"
	"claims.local/pkg/document/ocr"
	"claims.local/pkg/document/scantest"
)

// BenchmarkNamesModelOnLookAlikes reads BenchmarkLookAlikeNames'
// documents (the 70 clean scanned claims' 280 pages and the 240 pages of
// look-alike persons claimed for each other; not the grainy receipts)
// with the pipeline as intake runs it, the names' model on
// (Config.NamesModelDir), and reports per kind of page the names read
// (names), those that pass as the insured's (as-insured: read as the
// insured's name and either at the floor or corroborated; on the attack
// pages another person's name passed, which must stay 0), and the names'
// model's readings taken or confirmed (taken), and the names it read as
// another name in doubt (disputed: adjudication hands each such claim to
// a person, so on the clean pages each is a clean claim held; logged
// with its readings). CLAIMS_OCR_BENCH_KINDS
// (clean,attack by default) chooses the kinds of page read. It logs each
// attack page whose name passed, with its readings.
func BenchmarkNamesModelOnLookAlikes(b *testing.B) {
	fonts := loadFonts(b)
	kinds := []string{"clean", "attack"}
	if k := os.Getenv("CLAIMS_OCR_BENCH_KINDS"); k != "" {
		kinds = strings.Split(k, ",")
	}
	docs := slices.DeleteFunc(lookAlikeDocs(), func(d lookAlikeDoc) bool { return !slices.Contains(kinds, d.kind) })
	p := newPipeline(b, ocr.Config{Workers: 2, NamesModelDir: namesModelDir(b)})
	for range b.N {
		count := map[string]float64{}
		var mu sync.Mutex
		jobs := make(chan lookAlikeDoc)
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				for d := range jobs {
					res, err := inspect(b, p, scanOf(b, fonts, d.c, d.doc, scantest.Scanned(d.seed)))
					if err != nil {
						b.Error(err)
						continue
					}
					mu.Lock()
					for _, field := range document.NameFields(res.Fields) {
						count[d.kind+"-names"]++
						if passesAsInsured(res, field, d.insured) {
							count[d.kind+"-as-insured"]++
							if d.kind == "attack" {
								b.Logf("another person's name passed: %s of %s (doc %d, seed %d) for %s, read %q at %.2f, readings %+v", field, d.c.Patient, d.doc, d.seed,
									d.insured, nameOf(res, field), res.Fields.Sources[field].Confidence, res.Fields.NameRereadings)
							}
						}
						if slices.ContainsFunc(res.Fields.NameRereadings, func(r document.NameRereading) bool {
							return r.Field == field && (r.Outcome == document.RereadTaken || r.Outcome == document.RereadConfirmed)
						}) {
							count[d.kind+"-taken"]++
						}
						if slices.ContainsFunc(res.Fields.DisputedNames(), func(r document.NameRereading) bool { return r.Field == field }) {
							count[d.kind+"-disputed"]++
							b.Logf("disputed, %s page: %s of %s (doc %d, seed %d) for %s, readings %+v", d.kind, field, d.c.Patient, d.doc, d.seed, d.insured,
								res.Fields.NameRereadings)
						}
					}
					mu.Unlock()
				}
			})
		}
		for _, d := range docs {
			jobs <- d
		}
		close(jobs)
		wg.Wait()
		for _, kind := range kinds {
			for _, m := range []string{"names", "as-insured", "taken", "disputed"} {
				b.ReportMetric(count[kind+"-"+m], kind+"-"+m)
			}
		}
	}
}

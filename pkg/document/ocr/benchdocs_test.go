package ocr_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/otiai10/gosseract/v2"

	"claims.local/pkg/document"
	"claims.local/pkg/document/ocr"
	"claims.local/pkg/document/scantest"
)

// benchDocsVar sets the number of uploads of BenchmarkDocuments (default
// 200); CLAIMS_OCR_BENCH_DOCS=20 gives a quick look.
const benchDocsVar = "CLAIMS_OCR_BENCH_DOCS"

// benchDumpVar names a file BenchmarkDocuments writes every upload to, as
// JSON lines (its name, defects, truth and the pages as read), so that
// the misses can be studied and the extractors re-scored on the same
// readings without recognising the pages again.
const benchDumpVar = "CLAIMS_OCR_BENCH_DUMP"

// benchSecondModelVar names the second model BenchmarkDocuments's pipeline
// reads names in doubt with (ocr.Config.SecondLanguage: HanS); none unless
// set.
const benchSecondModelVar = "CLAIMS_OCR_BENCH_SECOND_MODEL"

// benchBVar configures a second pipeline, B (benchConfigB: psm=6,
// second=HanS, choices=1), that reads every batch of uploads after the
// pipeline A and before the command, so that a setting is compared with
// the default in the same run on the same uploads; its tables and CPU
// time are printed after A's.
const benchBVar = "CLAIMS_OCR_BENCH_B"

// benchBatch is the number of uploads each reader reads in its turn.
const benchBatch = 10

// benchFields are the fields BenchmarkDocuments scores, named as in
// scantest.Want.Misses.
var benchFields = []string{"id_number", "total_amount_fen", "event_date", "invoice_number", "names", "account_number", "account_holder"}

// BenchmarkDocuments reads the generated corpus (scantest.Corpus: every
// document type with every defect, and mixed bundles as multi-page PDFs
// and TIFFs) through the pipeline, two uploads at a time on two workers,
// and every page of it with the tesseract command, one process per page,
// with the same languages and page segmentation mode and the same
// parallelism, the two taking turns every benchBatch uploads. It reports:
//
//   - type-acc: the share of documents (parts of uploads) whose type is
//     right, part by part in page order;
//   - field-acc and field-<name>-acc: the share of the fields a document
//     has (its truth is not empty) that were read right, overall and per
//     field;
//   - pipeline-pages/s, cli-pages/s and speedup;
//   - pipeline-cpu-ms/page, cli-cpu-ms/page and cpu-speedup: the CPU time
//     (user and system) each reader spent per page, the pipeline's being
//     this process's and its poppler commands' while it reads, the
//     command's that of its processes. Pages per second swing with the
//     load of the shared machine (1.29× quiet against 2.04× under load for
//     the same code); CPU time counts the work each reader did, not how
//     long it waited for a core;
//   - pipeline-commands-cpu-ms/page: the part of the pipeline's CPU its
//     poppler commands spent (pdfinfo, pdftotext, pdftoppm);
//   - recognitions/page and osd/page: the Tesseract passes the pipeline
//     took per page read;
//   - lstm-columns/page: the width of the lines recognised, once scaled
//     to the height Tesseract's LSTM reads them at (lstmColumns), per page
//     recognised: what the recognition's CPU follows, counted rather than
//     timed, so that it does not swing with the machine's load.
//
// It logs a table by defect, for README.
func BenchmarkDocuments(b *testing.B) {
	n := 200
	if v := os.Getenv(benchDocsVar); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("%s: want a positive number of uploads, got %q", benchDocsVar, v)
		}
	}
	const workers = 2
	fonts := loadFonts(b)
	docs, err := scantest.Corpus(fonts, n)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	files := make([][]string, len(docs)) // each upload's pages, a file each
	pages, filePages := 0, 0
	for i, d := range docs {
		for k, page := range d.Pages {
			path := filepath.Join(dir, fmt.Sprintf("%s-%d", d.Name, k))
			if err := os.WriteFile(path, page, 0o600); err != nil {
				b.Fatal(err)
			}
			files[i] = append(files[i], path)
		}
		pages += len(d.Parts)
		filePages += len(d.Pages)
	}
	cfgA := ocr.Config{Workers: workers, SecondLanguage: os.Getenv(benchSecondModelVar)}
	p := newPipeline(b, cfgA)
	results := make([]ocr.Result, len(docs))
	var pB *ocr.Pipeline
	var resultsB []ocr.Result
	specB := os.Getenv(benchBVar)
	if specB != "" {
		pB = newPipeline(b, benchConfigB(b, cfgA, specB))
		resultsB = make([]ocr.Result, len(docs))
	}

	// The two readers take turns, benchBatch uploads at a time, so that a
	// change of load on the shared machine weighs on both alike.
	b.ResetTimer()
	var pipelineTime, cliTime, pipelineCPU, pipelineCommandsCPU, cliCPU, timeB, cpuB time.Duration
	for from := 0; from < len(docs); from += benchBatch {
		batch := docs[from:min(len(docs), from+benchBatch)]
		self, children := cpuTime(b)
		pipelineTime += inParallel(b, len(batch), workers, func(i int) error {
			res, err := p.Inspect(context.Background(), batch[i].Data)
			if err != nil {
				return fmt.Errorf("%s: %w", batch[i].Name, err)
			}
			results[from+i] = res
			return nil
		})
		self2, children2 := cpuTime(b)
		pipelineCPU += self2 - self + children2 - children
		pipelineCommandsCPU += children2 - children
		if pB != nil {
			timeB += inParallel(b, len(batch), workers, func(i int) error {
				res, err := pB.Inspect(context.Background(), batch[i].Data)
				if err != nil {
					return fmt.Errorf("%s (B): %w", batch[i].Name, err)
				}
				resultsB[from+i] = res
				return nil
			})
			self3, children3 := cpuTime(b)
			cpuB += self3 - self2 + children3 - children2
			self2, children2 = self3, children3
		}
		var batchFiles []string
		for _, f := range files[from : from+len(batch)] {
			batchFiles = append(batchFiles, f...)
		}
		cliTime += inParallel(b, len(batchFiles), workers, func(i int) error {
			// A turned page may read as nothing: the command does not
			// turn pages, and it is measured for its speed only.
			_, err := tesseractCommand(batchFiles[i], 300)
			return err
		})
		_, children3 := cpuTime(b)
		cliCPU += children3 - children2
	}
	b.StopTimer()

	var score benchScore
	recognitions, osdRuns, secondReadings, recognised := 0, 0, 0, 0
	var columns float64
	for i, d := range docs {
		score.add(b, d, results[i])
		recognised += results[i].RecognisedPages
		columns += lstmColumns(results[i])
		recognitions += results[i].Recognitions
		secondReadings += results[i].SecondReadings
		osdRuns += results[i].OSDRuns
	}
	if path := os.Getenv(benchDumpVar); path != "" {
		dumpReadings(b, path, docs, results)
	}
	pipelineRate := float64(pages) / pipelineTime.Seconds()
	cliRate := float64(filePages) / cliTime.Seconds()
	b.ReportMetric(float64(pipelineTime.Nanoseconds())/float64(pages), "ns/op") // a pipeline page, not a b.N
	b.ReportMetric(float64(len(docs)), "uploads")
	b.ReportMetric(float64(pages), "pages")
	b.ReportMetric(score.types.share(), "type-acc")
	b.ReportMetric(score.fields.share(), "field-acc")
	for _, f := range benchFields {
		b.ReportMetric(score.perField[f].share(), "field-"+f+"-acc")
	}
	b.ReportMetric(pipelineRate, "pipeline-pages/s")
	b.ReportMetric(cliRate, "cli-pages/s")
	b.ReportMetric(pipelineRate/cliRate, "speedup")
	pipelinePageCPU := pipelineCPU.Seconds() * 1000 / float64(pages)
	cliPageCPU := cliCPU.Seconds() * 1000 / float64(filePages)
	b.ReportMetric(pipelinePageCPU, "pipeline-cpu-ms/page")
	b.ReportMetric(pipelineCommandsCPU.Seconds()*1000/float64(pages), "pipeline-commands-cpu-ms/page")
	b.ReportMetric(cliPageCPU, "cli-cpu-ms/page")
	b.ReportMetric(cliPageCPU/pipelinePageCPU, "cpu-speedup")
	b.ReportMetric(float64(recognitions)/float64(filePages), "recognitions/page")
	b.ReportMetric(float64(osdRuns)/float64(filePages), "osd/page")
	b.ReportMetric(columns/float64(max(1, recognised)), "lstm-columns/page")
	b.ReportMetric(float64(secondReadings)/float64(filePages), "second-readings/page")
	// Printed, not logged: go test cuts a benchmark's log short.
	fmt.Println(score.table(pipelineRate, cliRate))
	fmt.Printf("CPU per page: pipeline %.0f ms (its poppler commands %.1f), tesseract command %.0f ms: %.2f×\n", pipelinePageCPU,
		pipelineCommandsCPU.Seconds()*1000/float64(pages), cliPageCPU, cliPageCPU/pipelinePageCPU)
	fmt.Printf("Tesseract passes: %d recognitions and %d OSD runs for %d pages; %.0f LSTM columns a page recognised\n",
		recognitions, osdRuns, filePages, columns/float64(max(1, recognised)))
	if pB != nil {
		var scoreB benchScore
		second, recognisedB, rereads, differ := 0, 0, 0, 0
		var columnsB float64
		for i, d := range docs {
			scoreB.add(b, d, resultsB[i])
			second += resultsB[i].SecondReadings
			recognisedB += resultsB[i].RecognisedPages
			columnsB += lstmColumns(resultsB[i])
			rereads += resultsB[i].NameRereadings
			for _, part := range resultsB[i].Parts {
				for _, r := range part.Analysis.Fields.NameRereadings {
					if r.Outcome == document.RereadDiffers {
						differ++
					}
				}
			}
		}
		rateB := float64(pages) / timeB.Seconds()
		pageCPUB := cpuB.Seconds() * 1000 / float64(pages)
		b.ReportMetric(scoreB.types.share(), "b-type-acc")
		b.ReportMetric(scoreB.fields.share(), "b-field-acc")
		b.ReportMetric(pageCPUB, "b-pipeline-cpu-ms/page")
		fmt.Printf("\nB (%s), in turn with A on the same uploads:\n\n%s", specB, scoreB.table(rateB, cliRate))
		fmt.Printf("CPU per page: B %.0f ms, A %.0f ms (B/A %.3f); second readings B %d; LSTM columns a page recognised B %.0f; names read again B %d, %d read otherwise\n",
			pageCPUB, pipelinePageCPU, pageCPUB/pipelinePageCPU, second, columnsB/float64(max(1, recognisedB)), rereads, differ)
	}
}

// benchConfigB returns base changed as spec says: comma-separated
// settings psm=N (Config.PageSegMode), second=Model (SecondLanguage,
// "none" for none), choices=1 (Choices), figures=Model (FiguresLanguage,
// "none" for none), reread=1 (RereadNames), names=Dir (NamesModelDir).
func benchConfigB(b *testing.B, base ocr.Config, spec string) ocr.Config {
	b.Helper()
	for _, kv := range strings.Split(spec, ",") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "psm":
			n, err := strconv.Atoi(v)
			if err != nil {
				b.Fatalf("%s: psm=%q: %v", benchBVar, v, err)
			}
			base.PageSegMode = gosseract.PageSegMode(n)
		case "second":
			base.SecondLanguage = strings.TrimPrefix(v, "none")
		case "choices":
			base.Choices = v == "1"
		case "figures":
			base.FiguresLanguage = strings.TrimPrefix(v, "none")
		case "reread":
			base.RereadNames = v == "1"
		case "names":
			base.NamesModelDir = v
		default:
			b.Fatalf("%s: unknown setting %q (psm, second, choices, figures, reread, names)", benchBVar, k)
		}
	}
	return base
}

// lstmHeight is the height, in pixels, Tesseract's LSTM reads a line at
// (chi_sim's network takes 48), and lstmPadding what Tesseract adds
// around a line's box before scaling it (kImagePadding, 4 a side).
const (
	lstmHeight  = 48
	lstmPadding = 8
)

// lstmColumns returns the width of res's recognised lines once each is
// scaled to lstmHeight, padding included: the LSTM's steps, which its
// CPU follows (README, issue 18's "Fourth round"). It is an estimate: the
// boxes are in the upload's pixels, not those of the page as shrunk for
// Tesseract, and lines that read as nothing are not counted.
func lstmColumns(res ocr.Result) float64 {
	var n float64
	for _, p := range res.PageTexts {
		if p.Source != document.FromOCR {
			continue
		}
		for _, l := range p.Lines {
			if l.Box.H > 0 {
				n += float64(l.Box.W+lstmPadding) * lstmHeight / float64(l.Box.H+lstmPadding)
			}
		}
	}
	return n
}

// cpuTime returns the CPU time (user and system) this process has used,
// and that of its children waited for, so far.
func cpuTime(b *testing.B) (self, children time.Duration) {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		b.Fatal(err)
	}
	return self, time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchReading is one line of BenchmarkDocuments' dump (benchDumpVar).
type benchReading struct {
	Name    string            `json:"name"`
	Defects []scantest.Defect `json:"defects"`
	Types   []document.Type   `json:"types"`
	Wants   []scantest.Want   `json:"wants"`
	Pages   []document.Page   `json:"pages"`
}

// dumpReadings writes each upload's truth and pages as read to path.
func dumpReadings(b *testing.B, path string, docs []scantest.Doc, results []ocr.Result) {
	b.Helper()
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	for i, d := range docs {
		r := benchReading{Name: d.Name, Defects: d.Defects, Pages: results[i].PageTexts}
		for _, s := range d.Parts {
			r.Types, r.Wants = append(r.Types, s.Type), append(r.Wants, s.Want)
		}
		if err := enc.Encode(r); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
}

// tally counts right answers out of all.
type tally struct{ right, all int }

func (t *tally) add(ok bool) {
	t.all++
	if ok {
		t.right++
	}
}

// share returns right/all, or 1 when nothing was counted.
func (t tally) share() float64 {
	if t.all == 0 {
		return 1
	}
	return float64(t.right) / float64(t.all)
}

// benchScore gathers BenchmarkDocuments' counts, overall, per field and
// per defect.
type benchScore struct {
	types, fields     tally
	perField          map[string]tally
	defectTypes       map[string]tally
	defectFields      map[string]tally
	bundleTypes       tally
	bundleFields      tally
	misreadExamples   []string
	misreadSuppressed int
}

// add scores the result of reading d: the parts in page order against d's
// truth (a missing part is wrong in type and every field).
func (s *benchScore) add(b *testing.B, d scantest.Doc, res ocr.Result) {
	b.Helper()
	if s.perField == nil {
		s.perField, s.defectTypes, s.defectFields = map[string]tally{}, map[string]tally{}, map[string]tally{}
	}
	bundle := len(d.Parts) > 1
	for k, want := range d.Parts {
		var got document.Analysis
		found := k < len(res.Parts)
		if found {
			got = res.Parts[k].Analysis
		}
		key := string(d.Defects[k])
		if bundle {
			key = "bundle (" + string(d.Media) + ")"
		}
		typeOK := found && got.Type == want.Type
		s.types.add(typeOK)
		dt := s.defectTypes[key]
		dt.add(typeOK)
		s.defectTypes[key] = dt
		if bundle {
			s.bundleTypes.add(typeOK)
		}
		misses, _ := want.Want.Misses(got.Fields)
		for _, f := range benchFields {
			if !hasField(want.Want, f) {
				continue
			}
			ok := found && !slices.Contains(misses, f)
			s.fields.add(ok)
			pf := s.perField[f]
			pf.add(ok)
			s.perField[f] = pf
			df := s.defectFields[key]
			df.add(ok)
			s.defectFields[key] = df
			if bundle {
				s.bundleFields.add(ok)
			}
			if !ok {
				if len(s.misreadExamples) < 12 {
					s.misreadExamples = append(s.misreadExamples, fmt.Sprintf("%s part %d: %s", d.Name, k+1, f))
				} else {
					s.misreadSuppressed++
				}
			}
		}
	}
}

// hasField reports whether the truth w has field f.
func hasField(w scantest.Want, f string) bool {
	switch f {
	case "id_number":
		return w.IDNumber != ""
	case "total_amount_fen":
		return w.AmountFen != 0
	case "event_date":
		return w.EventDate != ""
	case "invoice_number":
		return w.InvoiceNumber != ""
	case "names":
		return len(w.Names) > 0
	case "account_number":
		return w.AccountNumber != ""
	case "account_holder":
		return w.AccountHolder != ""
	}
	return false
}

// table renders the scores as a Markdown table.
func (s *benchScore) table(pipelineRate, cliRate float64) string {
	var out strings.Builder
	fmt.Fprintf(&out, "| defect | documents | type | fields |\n|---|---|---|---|\n")
	var keys []string
	for k := range s.defectTypes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t, f := s.defectTypes[k], s.defectFields[k]
		fmt.Fprintf(&out, "| %s | %d | %.1f%% | %.1f%% (%d/%d) |\n", k, t.all, 100*t.share(), 100*f.share(), f.right, f.all)
	}
	fmt.Fprintf(&out, "| **all** | %d | %.1f%% | %.1f%% (%d/%d) |\n\n", s.types.all, 100*s.types.share(), 100*s.fields.share(), s.fields.right, s.fields.all)
	fmt.Fprintf(&out, "| field | right |\n|---|---|\n")
	for _, f := range benchFields {
		t := s.perField[f]
		fmt.Fprintf(&out, "| %s | %.1f%% (%d/%d) |\n", f, 100*t.share(), t.right, t.all)
	}
	fmt.Fprintf(&out, "\npipeline %.2f pages/s, tesseract command %.2f pages/s: %.1f×\n", pipelineRate, cliRate, pipelineRate/cliRate)
	if len(s.misreadExamples) > 0 {
		fmt.Fprintf(&out, "misread: %s", strings.Join(s.misreadExamples, "; "))
		if s.misreadSuppressed > 0 {
			fmt.Fprintf(&out, " and %d more", s.misreadSuppressed)
		}
		out.WriteString("\n")
	}
	return out.String()
}

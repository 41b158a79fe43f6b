package ocr_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/otiai10/gosseract/v2"

	"claims.local/pkg/bankaccount"
	"claims.local/pkg/document"
	"claims.local/pkg/document/ocr"
	"claims.local/pkg/document/scantest"
)

// recogniserVariant is one recogniser BenchmarkOtherRecogniser reads a
// name with: a tessdata directory, Tesseract's engine mode (0 the legacy
// engine, 1 the LSTM) and whether it reads the name's value alone
// (cropped and enlarged, as rereadNames does) or its whole line.
type recogniserVariant struct {
	name string
	dir  string
	oem  int
	line bool
}

// recogniserVariants are the recognisers measured, from the tessdata
// directories CLAIMS_OCR_BENCH_FULL_TESSDATA (tessdata 4.0.0's chi_sim:
// an LSTM and the legacy engine) and CLAIMS_OCR_BENCH_BESTINT_TESSDATA
// (tessdata_best's chi_sim converted to integers), each skipped when its
// variable is unset; CLAIMS_OCR_BENCH_RECOGNISERS, a comma-separated list
// of names, keeps those named.
func recogniserVariants() []recogniserVariant {
	var vs []recogniserVariant
	if dir := os.Getenv("CLAIMS_OCR_BENCH_FULL_TESSDATA"); dir != "" {
		vs = append(vs, recogniserVariant{"full-lstm-crop", dir, 1, false}, recogniserVariant{"full-lstm-line", dir, 1, true},
			recogniserVariant{"full-legacy-crop", dir, 0, false}, recogniserVariant{"full-legacy-line", dir, 0, true})
	}
	if dir := os.Getenv("CLAIMS_OCR_BENCH_BESTINT_TESSDATA"); dir != "" {
		vs = append(vs, recogniserVariant{"bestint-lstm-crop", dir, 1, false})
	}
	if only := os.Getenv("CLAIMS_OCR_BENCH_RECOGNISERS"); only != "" {
		vs = slices.DeleteFunc(vs, func(v recogniserVariant) bool { return !slices.Contains(strings.Split(only, ","), v.name) })
	}
	return vs
}

// recogniserClient returns a gosseract client of chi_sim from v's
// directory in v's engine mode (a config file read at initialisation,
// where Tesseract chooses the engine), reading one line, no dictionary.
func recogniserClient(b *testing.B, v recogniserVariant) *gosseract.Client {
	b.Helper()
	c := gosseract.NewClient()
	cfg := filepath.Join(b.TempDir(), "engine")
	var s strings.Builder
	fmt.Fprintf(&s, "tessedit_ocr_engine_mode %d\n", v.oem)
	for _, k := range []string{"load_system_dawg", "load_freq_dawg", "load_punc_dawg", "load_number_dawg", "load_unambig_dawg", "load_bigram_dawg"} {
		s.WriteString(k + " F\n")
	}
	if err := os.WriteFile(cfg, []byte(s.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := c.SetConfigFile(cfg); err != nil {
		b.Fatal(err)
	}
	if err := c.SetTessdataPrefix(v.dir); err != nil {
		b.Fatal(err)
	}
	if err := c.SetLanguage("chi_sim"); err != nil {
		b.Fatal(err)
	}
	if err := c.SetPageSegMode(gosseract.PSM_SINGLE_LINE); err != nil {
		b.Fatal(err)
	}
	for k, val := range map[string]string{"tessedit_do_invert": "0", "user_defined_dpi": "300"} {
		if err := c.SetVariable(gosseract.SettableVariable(k), val); err != nil {
			b.Fatal(err)
		}
	}
	return c
}

// recogniserRow is one name as chi_sim (Debian's fast model) first read
// it and as each variant read it.
type recogniserRow struct {
	d          lookAlikeDoc
	typ        document.Type
	field      string
	read       string
	confidence float64
	again      []string
	insured    []bool
	conf       []float64
	least      []float64
}

// BenchmarkOtherRecogniser measures issue 19's question of a recogniser
// really different from the fast chi_sim LSTM: over
// BenchmarkLookAlikeNames' documents (the clean scans' and the
// look-alikes', not the grainy receipts, whose pages no second reading
// trusts), it reads each located name again with each variant and
// reports, per kind of page, the names the variant reads as the
// insured's when the first reading did not (on the clean pages a misread
// recovered, on the attack pages another person's name passed), and
// those first read as the insured's in doubt that it reads the same.
// CLAIMS_OCR_BENCH_RECOGNISER_OUT names a file it writes every reading
// to.
func BenchmarkOtherRecogniser(b *testing.B) {
	vs := recogniserVariants()
	if len(vs) == 0 {
		b.Fatal("set CLAIMS_OCR_BENCH_FULL_TESSDATA or CLAIMS_OCR_BENCH_BESTINT_TESSDATA to a tessdata directory")
	}
	fonts := loadFonts(b)
	docs := slices.DeleteFunc(lookAlikeDocs(), func(d lookAlikeDoc) bool { return d.kind == "grainy" })
	if k := os.Getenv("CLAIMS_OCR_BENCH_RECOGNISER_EVERY"); k != "" {
		var every int
		fmt.Sscan(k, &every)
		docs = slices.DeleteFunc(docs, func(d lookAlikeDoc) bool { return every > 1 && int(d.seed)%every != 0 })
	}
	p := newPipeline(b, ocr.Config{Workers: 2})
	for range b.N {
		rows := make([][]recogniserRow, len(docs))
		jobs := make(chan int)
		var wg sync.WaitGroup
		var progressMu sync.Mutex
		var progress *os.File
		if out := os.Getenv("CLAIMS_OCR_BENCH_RECOGNISER_OUT"); out != "" {
			f, err := os.Create(out + ".progress")
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			progress = f
		}
		for range 2 {
			wg.Go(func() {
				clients := make([]*gosseract.Client, len(vs))
				for i, v := range vs {
					clients[i] = recogniserClient(b, v)
					defer clients[i].Close()
				}
				for i := range jobs {
					rows[i] = readWithRecognisers(b, p, vs, clients, fonts, docs[i])
					if progress != nil {
						progressMu.Lock()
						for _, r := range rows[i] {
							fmt.Fprintf(progress, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%.2f", r.d.kind, r.d.doc, r.d.seed, r.d.insured, r.d.c.Patient, r.field, r.read, r.confidence)
							for k := range vs {
								fmt.Fprintf(progress, "\t%s\t%v\t%.2f\t%.2f", r.again[k], r.insured[k], r.conf[k], r.least[k])
							}
							fmt.Fprintln(progress)
						}
						progressMu.Unlock()
					}
				}
			})
		}
		for i := range docs {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		count := map[string]float64{}
		var tsv strings.Builder
		tsv.WriteString("kind\tdoc\tseed\tinsured\tprinted\tfield\tread\tconfidence")
		for _, v := range vs {
			fmt.Fprintf(&tsv, "\t%s\t%s-insured\t%s-conf\t%s-least", v.name, v.name, v.name, v.name)
		}
		tsv.WriteString("\n")
		for _, rs := range rows {
			for _, r := range rs {
				k := r.d.kind
				count[k+"-names"]++
				if r.read != r.d.insured {
					count[k+"-misread"]++
				} else if r.confidence < 0.8 {
					count[k+"-doubt"]++
				}
				fmt.Fprintf(&tsv, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%.2f", k, r.d.doc, r.d.seed, r.d.insured, r.d.c.Patient, r.field, r.read, r.confidence)
				for i, v := range vs {
					fmt.Fprintf(&tsv, "\t%s\t%v\t%.2f\t%.2f", r.again[i], r.insured[i], r.conf[i], r.least[i])
					if r.read != r.d.insured && r.insured[i] {
						count[k+"-"+v.name+"-recovered"]++
					}
					if r.read == r.d.insured && r.confidence < 0.8 && r.insured[i] {
						count[k+"-"+v.name+"-doubt-same"]++
					}
				}
				tsv.WriteString("\n")
			}
		}
		for _, k := range []string{"clean", "attack"} {
			for _, m := range []string{"names", "misread", "doubt"} {
				b.ReportMetric(count[k+"-"+m], k+"-"+m)
			}
			for _, v := range vs {
				b.ReportMetric(count[k+"-"+v.name+"-recovered"], k+"-"+v.name+"-recovered")
				b.ReportMetric(count[k+"-"+v.name+"-doubt-same"], k+"-"+v.name+"-doubt-same")
			}
		}
		if out := os.Getenv("CLAIMS_OCR_BENCH_RECOGNISER_OUT"); out != "" {
			if err := os.WriteFile(out, []byte(tsv.String()), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// readWithRecognisers renders d as BenchmarkStraightThrough scans it,
// reads it with p and each name again with each of clients (vs).
func readWithRecognisers(b *testing.B, p *ocr.Pipeline, vs []recogniserVariant, clients []*gosseract.Client, fonts scantest.Fonts, d lookAlikeDoc) []recogniserRow {
	var rows []recogniserRow
	for _, n := range namesOnScan(b, p, fonts, d, scantest.Scanned(d.seed)) {
		r := recogniserRow{d: d, typ: n.typ, field: n.field, read: n.read, confidence: n.src.Confidence}
		for i, v := range vs {
			img := ocr.NameCrop(n.upright, n.page, n.src.Box, 40)
			if v.line {
				img = cropGray(n.upright, n.line)
			}
			text, conf, least := readSymbols(b, clients[i], img)
			t := bankaccount.NormalizeName(document.Normalize(text))
			insured := t == d.insured
			if v.line {
				insured = n.line.W > 0 && document.ReadsName(text, n.typ, n.field, d.insured)
			}
			r.again = append(r.again, t)
			r.insured = append(r.insured, insured)
			r.conf = append(r.conf, conf)
			r.least = append(r.least, least)
		}
		rows = append(rows, r)
	}
	return rows
}

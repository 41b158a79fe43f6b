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

// rereadVariant is one way BenchmarkNameCropReread reads a name's value
// again: the height its crop is enlarged to, and whether chi_sim's
// dictionaries are loaded.
type rereadVariant struct {
	height int
	dict   bool
}

func (v rereadVariant) String() string {
	if v.dict {
		return fmt.Sprintf("h%d-dict", v.height)
	}
	return fmt.Sprintf("h%d", v.height)
}

// rereadVariants are the heights measured (32-48 pixels), without the
// dictionaries, and 40 with them.
var rereadVariants = []rereadVariant{{32, false}, {40, false}, {48, false}, {40, true}}

// chiSimLineClient returns a gosseract client of chi_sim reading one line
// (--psm 7), its dictionaries loaded only when dict (a config file read at
// initialisation: the dawgs are loaded by Init, after which setting these
// variables does nothing).
func chiSimLineClient(b *testing.B, dict bool) *gosseract.Client {
	b.Helper()
	c := gosseract.NewClient()
	if !dict {
		cfg := filepath.Join(b.TempDir(), "nodict")
		var s strings.Builder
		for _, v := range []string{"load_system_dawg", "load_freq_dawg", "load_punc_dawg", "load_number_dawg", "load_unambig_dawg", "load_bigram_dawg"} {
			s.WriteString(v + " F\n")
		}
		if err := os.WriteFile(cfg, []byte(s.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		if err := c.SetConfigFile(cfg); err != nil {
			b.Fatal(err)
		}
	}
	if err := c.SetLanguage("chi_sim"); err != nil {
		b.Fatal(err)
	}
	if err := c.SetPageSegMode(gosseract.PSM_SINGLE_LINE); err != nil {
		b.Fatal(err)
	}
	for k, v := range map[string]string{"tessedit_do_invert": "0", "user_defined_dpi": "300"} {
		if err := c.SetVariable(gosseract.SettableVariable(k), v); err != nil {
			b.Fatal(err)
		}
	}
	return c
}

// rereadRow is one name of a lookAlikeDoc as first read and as read again
// by each variant.
type rereadRow struct {
	d           lookAlikeDoc
	field, read string
	confidence  float64
	page        float64
	again       []string
	againConf   []float64
	againLeast  []float64
}

// BenchmarkNameCropReread measures issue 19's second reading of a name in
// doubt: the name's value box cropped from the page with a margin,
// enlarged to a line height, read by chi_sim as one line, with no word
// of the insured given to Tesseract. Over BenchmarkLookAlikeNames'
// documents (the clean scans' and the look-alikes', not the grainy
// receipts') it reports, per variant and kind of page, the names read
// again as the insured's when the first reading was not (recovered; on
// the attack pages, another person's name read as the insured's) and the
// names read again as the first reading read them (agree).
// CLAIMS_OCR_BENCH_REREAD_OUT names a file it writes every reading to.
func BenchmarkNameCropReread(b *testing.B) {
	fonts := loadFonts(b)
	// The grainy receipts' pages are in doubt as a whole: the pipeline
	// reads none of their names again.
	docs := slices.DeleteFunc(lookAlikeDocs(), func(d lookAlikeDoc) bool { return d.kind == "grainy" })
	p := newPipeline(b, ocr.Config{Workers: 2})
	for range b.N {
		rows := make([][]rereadRow, len(docs))
		jobs := make(chan int)
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				clients := make([]*gosseract.Client, len(rereadVariants))
				for i, v := range rereadVariants {
					clients[i] = chiSimLineClient(b, v.dict)
					defer clients[i].Close()
				}
				for i := range jobs {
					rows[i] = readAgain(b, p, clients, fonts, docs[i])
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
		tsv.WriteString("kind\tdoc\tseed\tinsured\tprinted\tfield\tread\tconfidence\tpage")
		for _, v := range rereadVariants {
			fmt.Fprintf(&tsv, "\t%s\t%s-conf\t%s-least", v, v, v)
		}
		tsv.WriteString("\n")
		for _, rs := range rows {
			for _, r := range rs {
				k := r.d.kind
				count[k+"-names"]++
				if r.read != r.d.insured {
					count[k+"-misread"]++
				}
				fmt.Fprintf(&tsv, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%.2f\t%.3f", k, r.d.doc, r.d.seed, r.d.insured, r.d.c.Patient, r.field, r.read, r.confidence, r.page)
				for i, v := range rereadVariants {
					fmt.Fprintf(&tsv, "\t%s\t%.2f\t%.2f", r.again[i], r.againConf[i], r.againLeast[i])
					if r.read != r.d.insured && r.again[i] == r.d.insured {
						count[k+"-"+v.String()+"-recovered"]++
					}
					if r.again[i] == r.read {
						count[k+"-"+v.String()+"-agree"]++
					}
				}
				tsv.WriteString("\n")
			}
		}
		for _, k := range []string{"clean", "attack"} {
			b.ReportMetric(count[k+"-names"], k+"-names")
			b.ReportMetric(count[k+"-misread"], k+"-misread")
			for _, v := range rereadVariants {
				b.ReportMetric(count[k+"-"+v.String()+"-recovered"], k+"-"+v.String()+"-recovered")
				b.ReportMetric(count[k+"-"+v.String()+"-agree"], k+"-"+v.String()+"-agree")
			}
		}
		if out := os.Getenv("CLAIMS_OCR_BENCH_REREAD_OUT"); out != "" {
			if err := os.WriteFile(out, []byte(tsv.String()), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// readAgain renders d as BenchmarkStraightThrough scans it, reads it with
// p and each name's value again with each of clients (rereadVariants).
func readAgain(b *testing.B, p *ocr.Pipeline, clients []*gosseract.Client, fonts scantest.Fonts, d lookAlikeDoc) []rereadRow {
	style := scantest.Scanned(d.seed)
	if d.kind == "grainy" {
		style.Noise, style.Speckles = 80, 0.02
	}
	var rows []rereadRow
	for _, n := range namesOnScan(b, p, fonts, d, style) {
		r := rereadRow{d: d, field: n.field, read: n.read, confidence: n.src.Confidence, page: ocr.MeanConfidence(n.page.Lines)}
		for i, v := range rereadVariants {
			text, conf, least := readSymbols(b, clients[i], ocr.NameCrop(n.upright, n.page, n.src.Box, v.height))
			r.again = append(r.again, bankaccount.NormalizeName(document.Normalize(text)))
			r.againConf = append(r.againConf, conf)
			r.againLeast = append(r.againLeast, least)
		}
		rows = append(rows, r)
	}
	return rows
}

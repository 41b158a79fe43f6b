package ocr_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"claims.local/pkg/document/ocr"
	"claims.local/pkg/document/scantest"
)

// benchPagesVar sets the number of pages of BenchmarkPipeline in normal
// runs (default 20). -benchtime=1000x reads 1000 pages whatever it says.
const benchPagesVar = "CLAIMS_OCR_BENCH_PAGES"

// BenchmarkPipeline reads the same N pages twice with the same parallelism
// (two at a time on this two-core machine): through the pipeline (warm
// Tesseract clients, one per worker) and by running the tesseract command
// once per page (the way a shell script would, loading the language data
// every time). It reports both rates, their ratio, and the resident memory
// of this process (VmRSS) before and after the pipeline's N pages; ns/op is
// the pipeline's time per page.
//
// N is the larger of b.N and $CLAIMS_OCR_BENCH_PAGES (default 20): the
// memory check of N=1000 pages is
//
//	go test -run '^$' -bench Pipeline -benchtime 1000x ./pkg/document/ocr/
//
// which takes about ten minutes, most of it in the tesseract command.
func BenchmarkPipeline(b *testing.B) {
	n := b.N
	if v := os.Getenv(benchPagesVar); v != "" {
		pages, err := strconv.Atoi(v)
		if err != nil || pages < 1 {
			b.Fatalf("%s: want a positive number of pages, got %q", benchPagesVar, v)
		}
		n = max(n, pages)
	} else {
		n = max(n, 20)
	}
	const workers = 2
	fonts := loadFonts(b)
	dir := b.TempDir()
	var pages [][]byte
	var files []string
	for i, s := range scantest.Samples() {
		data := mustPNG(b, render(b, fonts, s, uint64(i)))
		path := filepath.Join(dir, fmt.Sprintf("page-%d.png", i))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			b.Fatal(err)
		}
		pages, files = append(pages, data), append(files, path)
	}
	p := newPipeline(b, ocr.Config{Workers: workers})
	rssStart := vmRSS(b)

	b.ResetTimer()
	pipelineTime := inParallel(b, n, workers, func(i int) error {
		_, err := p.Inspect(context.Background(), pages[i%len(pages)])
		return err
	})
	rssEnd := vmRSS(b)
	cliTime := inParallel(b, n, workers, func(i int) error {
		text, err := tesseractCommand(files[i%len(files)], 300)
		if err == nil && text == "" {
			err = fmt.Errorf("tesseract read nothing from %s", files[i%len(files)])
		}
		return err
	})
	b.StopTimer()

	pipelineRate := float64(n) / pipelineTime.Seconds()
	cliRate := float64(n) / cliTime.Seconds()
	b.ReportMetric(float64(pipelineTime.Nanoseconds())/float64(n), "ns/op") // a pipeline page, not a b.N

	b.ReportMetric(float64(n), "pages")
	b.ReportMetric(pipelineRate, "pipeline-pages/s")
	b.ReportMetric(cliRate, "cli-pages/s")
	b.ReportMetric(pipelineRate/cliRate, "speedup")
	b.ReportMetric(float64(rssStart)/(1<<20), "rss-start-MiB")
	b.ReportMetric(float64(rssEnd)/(1<<20), "rss-MiB")
}

// inParallel runs do(0) … do(n-1), workers at a time, and returns the
// elapsed time. The first error fails the benchmark.
func inParallel(b *testing.B, n, workers int, do func(i int) error) time.Duration {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				if err := do(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	return elapsed
}

// vmRSS returns the resident memory of this process in bytes, from the
// VmRSS line of /proc/self/status.
func vmRSS(b *testing.B) int64 {
	b.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				b.Fatalf("VmRSS %q: %v", v, err)
			}
			return kb << 10
		}
	}
	b.Fatal("no VmRSS in /proc/self/status")
	return 0
}

// tesseractCommand reads one page file with the tesseract command, with the
// pipeline's default languages and page segmentation mode, single-threaded
// as the pipeline's workers are: the baseline the pipeline is measured
// against. It returns the text read.
func tesseractCommand(path string, dpi int) (string, error) {
	cmd := exec.Command("tesseract", path, "stdout", "-l", strings.Join(ocr.DefaultLanguages(), "+"),
		"--psm", "4", "--dpi", strconv.Itoa(dpi))
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("tesseract %s: %w", path, err)
	}
	return strings.TrimSpace(out.String()), nil
}

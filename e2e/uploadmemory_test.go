package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"claims.local/pkg/kafkabus/kafkatest"
)

// uploadMemoryBoundMiB is the bound README states for intake's resident
// memory under uploads: with the defaults (2 uploads checked at once, each
// at most 20 MiB on the wire and 192 MiB decoded: about 424 MiB live, which
// Go's collector at GOGC=100 may let grow to twice that before it collects)
// and no OCR worker in the process, its high-water mark stays under it
// whatever arrives. Measured: 435 to 750 MiB.
const uploadMemoryBoundMiB = 1024

// vmHWM reads a process's resident high-water mark in KiB.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("read /proc/%d/status: %v", pid, err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", v, err)
			}
			return n
		}
	}
	t.Fatalf("/proc/%d/status: got no VmHWM line, want one", pid)
	return 0
}

// uploadResult is one answer to an upload sent from a goroutine.
type uploadResult struct {
	status     int
	retryAfter string
	code       string
	err        error
}

// TestParallelWorstCaseUploadsStayWithinTheMemoryBound is the attack of
// issue 17: uploads used to be read whole and decoded on the request path
// with no bound, so a few 40-megapixel 16-bit PNGs (small on the wire,
// about 360 MB decoded) exhausted intake's memory. 20 parallel uploads, half
// 40 MP 16-bit RGBA (refused from the header) and half 40 MP 8-bit RGBA
// (the largest accepted, 200 MB decoded), leave intake's resident
// high-water mark (VmHWM) under uploadMemoryBoundMiB; every answer is a
// 2xx, a 413, or a 503 "overloaded" with Retry-After, never a 500.
func TestParallelWorstCaseUploadsStayWithinTheMemoryBound(t *testing.T) {
	const w, h, parallel = 8000, 5000, 20
	deep := image.NewNRGBA64(image.Rect(0, 0, w, h))
	wide := image.NewNRGBA(image.Rect(0, 0, w, h))
	files := make([][]byte, parallel)
	for i := range files {
		var buf bytes.Buffer
		var img image.Image = wide
		if i%2 == 0 {
			deep.Pix[0], deep.Pix[1] = byte(i), 0xff
			img = deep
		} else {
			wide.Pix[0], wide.Pix[3] = byte(i), 0xff
		}
		if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		files[i] = buf.Bytes()
	}
	deep, wide = nil, nil

	sys := newSystem(t, kafkatest.Cluster(t))
	p := sys.start("intake", "INTAKE_OCR_WORKERS=0")
	sys.waitReady("intake")
	r := sys.newReport(t, "P-MEMORY-1", "王五", time.Date(2026, 9, 28, 2, 0, 0, 0, time.UTC))
	before := vmHWM(t, p.cmd.Process.Pid)

	results := make([]uploadResult, parallel)
	var wg sync.WaitGroup
	for i := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = sendUpload(sys, r.ID, fmt.Sprintf("scan-%d.png", i), files[i])
		}()
	}
	wg.Wait()
	peak := vmHWM(t, p.cmd.Process.Pid)
	counts := map[int]int{}
	for i, res := range results {
		if res.err != nil {
			t.Fatalf("upload %d: %v", i, res.err)
		}
		counts[res.status]++
		if i%2 == 0 && res.status < 300 {
			t.Errorf("16-bit upload %d: got %d, want it refused (413, or 503 while the slots are taken)", i, res.status)
		}
		switch {
		case res.status == http.StatusOK || res.status == http.StatusCreated || res.status == http.StatusRequestEntityTooLarge:
		case res.status == http.StatusServiceUnavailable:
			if res.retryAfter == "" || res.code != "overloaded" {
				t.Errorf("upload %d: got 503 with Retry-After %q and code %q, want a Retry-After and code overloaded", i, res.retryAfter, res.code)
			}
		default:
			t.Errorf("upload %d: got status %d (code %q), want 2xx, 413 or 503", i, res.status, res.code)
		}
	}
	t.Logf("answers by status %v; VmHWM %d MiB before, %d MiB after", counts, before>>10, peak>>10)
	if counts[http.StatusOK]+counts[http.StatusCreated] == 0 {
		t.Errorf("got no upload accepted, want the 8-bit ones that found a slot accepted")
	}
	// Alone, the 16-bit file finds a slot and is refused from its header.
	if res := sendUpload(sys, r.ID, "deep.png", files[0]); res.status != http.StatusRequestEntityTooLarge || res.code != "payload_too_large" {
		t.Errorf("a 16-bit upload alone: got %d %q (%v), want 413 payload_too_large", res.status, res.code, res.err)
	}
	if peak>>10 > uploadMemoryBoundMiB {
		t.Fatalf("intake's VmHWM: got %d MiB, want under %d MiB", peak>>10, uploadMemoryBoundMiB)
	}
}

// sendUpload posts data as a multipart upload without failing the test, so
// that goroutines may call it.
func sendUpload(s *system, reportID, name string, data []byte) uploadResult {
	body, contentType, err := multipartFile(name, data)
	if err != nil {
		return uploadResult{err: err}
	}
	req, err := http.NewRequest(http.MethodPost, s.url("intake", "/v1/reports/"+reportID+"/documents"), bytes.NewReader(body))
	if err != nil {
		return uploadResult{err: err}
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return uploadResult{err: err}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(raw, &e)
	return uploadResult{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), code: e.Error.Code}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"claims.local/pkg/apperr"
	"claims.local/pkg/document"
	"claims.local/pkg/document/ocr"
	"claims.local/pkg/document/scantest"
)

// fakeInspect returns res for any file, or err.
func fakeInspect(res ocr.Result, err error) inspectFunc {
	return func(context.Context, string, int) (ocr.Result, error) { return res, err }
}

// runDocWith runs claimsctl with inspect as the document reader.
func runDocWith(inspect inspectFunc, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := runWith(env{stdout: &stdout, stderr: &stderr, inspect: inspect}, args)
	return code, stdout.String(), stderr.String()
}

func TestDocArguments(t *testing.T) {
	ok := fakeInspect(ocr.Result{Analysis: document.Analysis{Type: document.Other}, Pages: 1}, nil)
	tests := []struct {
		name     string
		inspect  inspectFunc
		args     []string
		wantCode int
		wantErr  string // in stderr
	}{
		{"no subcommand", ok, []string{"doc"}, exitUsage, "missing subcommand"},
		{"unknown subcommand", ok, []string{"doc", "read", "x.png"}, exitUsage, `unknown subcommand "read"`},
		{"no file", ok, []string{"doc", "inspect"}, exitUsage, "missing FILE"},
		{"two files", ok, []string{"doc", "inspect", "a.png", "b.png"}, exitUsage, `unexpected argument "b.png"`},
		{"empty file name", ok, []string{"doc", "inspect", ""}, exitUsage, "must not be empty"},
		{"bad flag", ok, []string{"doc", "inspect", "--pages", "3", "a.png"}, exitUsage, "not defined"},
		{"zero workers", ok, []string{"doc", "inspect", "--workers", "0", "a.png"}, exitUsage, "--workers"},
		{"no OCR here", nil, []string{"doc", "inspect", "a.png"}, exitUsage, "not available"},
		{"refused", fakeInspect(ocr.Result{}, apperr.New(apperr.TooLarge, "the document has 51 pages")),
			[]string{"doc", "inspect", "big.pdf"}, exitFailure, "big.pdf: payload_too_large: the document has 51 pages"},
		{"unreadable", fakeInspect(ocr.Result{}, os.ErrNotExist), []string{"doc", "inspect", "gone.png"}, exitFailure, "gone.png: file does not exist"},
		{"read", ok, []string{"doc", "inspect", "--workers=2", "a.png"}, exitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runDocWith(tt.inspect, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("got status %d, want %d (stderr %q)", code, tt.wantCode, stderr)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("got stderr %q, want it to contain %q", stderr, tt.wantErr)
			}
			if code != exitOK && stdout != "" {
				t.Errorf("got stdout %q on failure, want none", stdout)
			}
		})
	}
	t.Run("help", func(t *testing.T) {
		for _, args := range [][]string{{"doc", "-h"}, {"doc", "inspect", "-h"}} {
			code, stdout, _ := runDocWith(nil, args...)
			if code != exitOK || !strings.HasPrefix(stdout, "Usage: claimsctl doc inspect") {
				t.Errorf("%q: got %d %q, want 0 and the usage", args, code, stdout)
			}
		}
	})
}

// TestDocOutputKeys checks the pinned JSON: a field's key is present only
// when the field was found, and the amounts' readings appear only when
// they disagree.
func TestDocOutputKeys(t *testing.T) {
	date, _ := document.ParseDate("2026-03-05")
	tests := []struct {
		name       string
		fields     document.Fields
		wantFields map[string]any
	}{
		{"nothing found", document.Fields{}, map[string]any{}},
		{"all found", document.Fields{IDNumber: "110105198506150014", HasAmount: true, TotalAmountFen: 123450,
			HasFigures: true, FiguresFen: 123450, HasCapitals: true, CapitalsFen: 123450,
			EventDate: date, InvoiceNumber: "0012345678", Names: []string{"张三"}},
			map[string]any{"id_number": "110105198506150014", "total_amount_fen": 123450.0, "event_date": "2026-03-05",
				"invoice_number": "0012345678", "names": []any{"张三"}}},
		{"zero amount is an amount", document.Fields{HasAmount: true, HasFigures: true}, map[string]any{"total_amount_fen": 0.0}},
		{"amounts disagree", document.Fields{HasAmount: true, TotalAmountFen: 23450, HasFigures: true, FiguresFen: 23450,
			HasCapitals: true, CapitalsFen: 23550, AmountsDisagree: true},
			map[string]any{"total_amount_fen": 23450.0, "amounts_disagree": true, "amount_figures_fen": 23450.0, "amount_capitals_fen": 23550.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := ocr.Result{Analysis: document.Analysis{Type: document.MedicalInvoice, Confidence: 0.95, Fields: tt.fields},
				Media: document.PNG, Pages: 1, Text: "合计"}
			code, stdout, stderr := runDocWith(fakeInspect(res, nil), "doc", "inspect", "a.png")
			if code != exitOK {
				t.Fatalf("got status %d (%s), want 0", code, stderr)
			}
			obj := decodeObject(t, stdout)
			want := map[string]any{"type": "medical_invoice", "confidence": 0.95, "media": "png", "pages": 1.0,
				"text": "合计", "fields": tt.wantFields, "parts": []any{map[string]any{"pages": []any{1.0, 1.0}, "type": "medical_invoice",
					"confidence": 0.95, "fields": tt.wantFields}}}
			if got, _ := json.Marshal(obj); string(got) != string(mustMarshal(t, want)) {
				t.Errorf("got %s\nwant %s", got, mustMarshal(t, want))
			}
		})
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// claimsctlBinary returns the claimsctl binary: $CLAIMS_BIN_DIR/claimsctl
// when make build made it, else one built from this package.
func claimsctlBinary(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("CLAIMS_BIN_DIR"); dir != "" {
		bin := filepath.Join(dir, "claimsctl")
		if _, err := os.Stat(bin); err == nil {
			return bin
		}
	}
	bin := filepath.Join(t.TempDir(), "claimsctl")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("building claimsctl: %v\n%s", err, out)
	}
	return bin
}

// docRun is one run of the claimsctl binary.
type docRun struct {
	code           int
	stdout, stderr string
}

// runBinary runs "claimsctl doc inspect path" and returns its outcome.
func runBinary(t *testing.T, bin, path string) docRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "doc", "inspect", path)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("running claimsctl: %v", err)
	}
	return docRun{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}

// docJSON is the output of "claimsctl doc inspect", as other tools read it.
type docJSON struct {
	Type       string   `json:"type"`
	Confidence *float64 `json:"confidence"`
	Media      string   `json:"media"`
	Pages      int      `json:"pages"`
	Text       *string  `json:"text"`
	Fields     struct {
		IDNumber        string   `json:"id_number"`
		TotalAmountFen  *int64   `json:"total_amount_fen"`
		AmountsDisagree bool     `json:"amounts_disagree"`
		EventDate       string   `json:"event_date"`
		InvoiceNumber   string   `json:"invoice_number"`
		Names           []string `json:"names"`
		AccountNumber   string   `json:"account_number"`
		AccountHolder   string   `json:"account_holder"`
	} `json:"fields"`
}

// fields converts the JSON fields back to document.Fields for comparison.
func (d docJSON) fields() document.Fields {
	f := document.Fields{IDNumber: d.Fields.IDNumber, AmountsDisagree: d.Fields.AmountsDisagree,
		InvoiceNumber: d.Fields.InvoiceNumber, Names: d.Fields.Names, AccountNumber: d.Fields.AccountNumber, AccountHolder: d.Fields.AccountHolder}
	if d.Fields.TotalAmountFen != nil {
		f.HasAmount, f.TotalAmountFen = true, *d.Fields.TotalAmountFen
	}
	f.EventDate, _ = document.ParseDate(d.Fields.EventDate)
	return f
}

// TestDocInspectBinary runs the claimsctl binary, as other tools do, on a
// scanned-looking image of every document type (real Tesseract), on a PDF
// named .png, and on hostile files.
func TestDocInspectBinary(t *testing.T) {
	fonts, err := scantest.LoadFonts()
	if err != nil {
		t.Fatal(err)
	}
	bin := claimsctlBinary(t)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}

	t.Run("every type", func(t *testing.T) {
		samples := scantest.Samples()
		runs := make([]docRun, len(samples))
		medias := make([]document.Media, len(samples))
		var wg sync.WaitGroup
		slots := make(chan struct{}, 2) // two claimsctl processes at a time, one per core
		for i, s := range samples {
			data, media, err := scantest.Scan(fonts, s, uint64(100+i))
			if err != nil {
				t.Fatal(err)
			}
			medias[i] = media
			path := write(string(s.Type)+".upload", data)
			wg.Add(1)
			go func() {
				defer wg.Done()
				slots <- struct{}{}
				defer func() { <-slots }()
				runs[i] = runBinary(t, bin, path)
			}()
		}
		wg.Wait()
		fieldsOK, checked := 0, 0
		for i, s := range samples {
			r := runs[i]
			if r.code != exitOK {
				t.Errorf("%s: got status %d (%s), want 0", s.Type, r.code, r.stderr)
				continue
			}
			var got docJSON
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got.Confidence == nil || got.Text == nil {
				t.Errorf("%s: stdout is not the pinned JSON (%v): %s", s.Type, err, r.stdout)
				continue
			}
			if got.Type != string(s.Type) || got.Media != string(medias[i]) || got.Pages != 1 {
				t.Errorf("got %s %s %d pages, want %s %s 1 page\ntext: %q", got.Type, got.Media, got.Pages, s.Type, medias[i], *got.Text)
			}
			misses, n := s.Want.Misses(got.fields())
			checked += n
			fieldsOK += n - len(misses)
			t.Logf("%-22s type %-22s confidence %.2f fields %d/%d %v", s.Type, got.Type, *got.Confidence, n-len(misses), n, misses)
		}
		if got := float64(fieldsOK) / float64(checked); got < 0.9 {
			t.Errorf("field accuracy: got %.2f (%d/%d), want at least 0.90", got, fieldsOK, checked)
		}
	})

	t.Run("pdf named .png, amounts disagree", func(t *testing.T) {
		s := scantest.DisagreeingInvoice()
		r := runBinary(t, bin, write("receipt.png", scantest.TextPDF(s.Lines)))
		if r.code != exitOK {
			t.Fatalf("got status %d (%s), want 0", r.code, r.stderr)
		}
		obj := decodeObject(t, r.stdout)
		fields, _ := obj["fields"].(map[string]any)
		want := map[string]any{"total_amount_fen": 23450.0, "amounts_disagree": true, "amount_figures_fen": 23450.0,
			"amount_capitals_fen": 23550.0, "invoice_number": "0098765432"}
		if obj["media"] != "pdf" || obj["type"] != "medical_invoice" || string(mustMarshal(t, fields)) != string(mustMarshal(t, want)) {
			t.Errorf("got media %v type %v fields %v; want pdf medical_invoice %v", obj["media"], obj["type"], fields, want)
		}
	})

	truncated, err := scantest.TruncatedPNG()
	if err != nil {
		t.Fatal(err)
	}
	hostile := []struct {
		name, file string
		data       []byte
		wantErr    string
	}{
		{"empty file", "empty.png", nil, "unprocessable: the file is empty"},
		{"truncated png", "truncated.png", truncated, "unprocessable: the png file is truncated"},
		{"png header claiming 100000x100000 pixels", "bomb.png", scantest.PNGHeaderOnly(100000, 100000), "payload_too_large: page 1 is 100000x100000 pixels"},
		{"pdf of 51 pages", "long.pdf", scantest.BlankPDF(51), "payload_too_large: the document has 51 pages"},
		{"random bytes", "noise.jpg", scantest.RandomBytes(2048, 9), "unsupported_media_type"},
		{"missing file", "", nil, "no such file"},
	}
	for _, tt := range hostile {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "missing.png")
			if tt.file != "" {
				path = write(tt.file, tt.data)
			}
			r := runBinary(t, bin, path)
			if r.code != exitFailure || r.stdout != "" || !strings.Contains(r.stderr, tt.wantErr) {
				t.Errorf("got status %d, stdout %q, stderr %q; want 1, nothing, and %q", r.code, r.stdout, r.stderr, tt.wantErr)
			}
			if strings.Contains(r.stderr, "panic") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
				t.Errorf("want one line of message, got %q", r.stderr)
			}
		})
	}
	t.Run("bad arguments", func(t *testing.T) {
		cmd := exec.Command(bin, "doc", "inspect")
		out, err := cmd.CombinedOutput()
		if cmd.ProcessState.ExitCode() != exitUsage || !slices.ContainsFunc(strings.Split(string(out), "\n"), func(l string) bool {
			return strings.Contains(l, "missing FILE")
		}) {
			t.Errorf("got %v %q, want status 2 and missing FILE", err, out)
		}
	})
}

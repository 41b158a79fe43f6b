package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"strings"
	"testing"
)

// FuzzRun checks that claimsctl never panics, whatever its arguments, and
// keeps its output contract: status 0 prints one JSON object on stdout,
// status 2 prints a message on stderr and nothing on stdout. Arguments are
// the input split on newlines. Files are served from memory: only
// "cal.json" exists.
func FuzzRun(f *testing.F) {
	seeds := [][]string{
		{"deadline", "--rule", "decision", "--from", "2026-09-30T16:20:00+08:00"},
		{"deadline", "--rule", "complex-decision", "--from", "2026-12-10T10:00:00Z", "--calendar", "cal.json"},
		{"deadline", "--rule", "decision", "--from", "2026-10-12T10:00:00+08:00", "--paused-at", "2026-10-14T10:00:00+08:00", "--resumed-at", "2026-10-20T10:00:00+08:00"},
		{"deadline", "--rule", "payment", "--from", "2026-09-26T10:00:00+08:00", "--override-days", "3660", "--override-unit", "working-days"},
		{"deadline", "--rule", "decision", "--from", "2026-10-12T10:00:00+08:00", "--resumed-at", "2026-10-20T10:00:00+08:00"},
		{"deadline", "--rule", "advance-payment", "--from", "9000-12-31T23:59:59-12:00", "--risk-lead", "1000000"},
		{"deadline", "-h"},
		{"rules"},
		{"help"},
		{""},
		{"deadline", "--calendar", "missing.json", "--rule", "decision", "--from", "2026-01-01T00:00:00Z"},
	}
	for _, s := range seeds {
		f.Add(strings.Join(s, "\n"))
	}
	files := map[string]string{"cal.json": calendar2027}
	f.Fuzz(func(t *testing.T, input string) {
		var args []string
		if input != "" {
			args = strings.Split(input, "\n")
		}
		var stdout, stderr bytes.Buffer
		e := env{stdout: &stdout, stderr: &stderr, readFile: func(name string) ([]byte, error) {
			if content, ok := files[name]; ok {
				return []byte(content), nil
			}
			return nil, fs.ErrNotExist
		}}
		code := runWith(e, args)
		switch code {
		case exitOK:
			if !strings.HasPrefix(stdout.String(), "Usage: ") { // help text is the only non-JSON output
				var obj map[string]any
				if err := json.Unmarshal(stdout.Bytes(), &obj); err != nil {
					t.Fatalf("%q: status 0 but stdout is not one JSON object: %v\n%s", args, err, stdout.String())
				}
			}
		case exitUsage:
			if stderr.Len() == 0 || stdout.Len() != 0 {
				t.Fatalf("%q: status 2 with stdout %q stderr %q, want only stderr", args, stdout.String(), stderr.String())
			}
		default:
			t.Fatalf("%q: got status %d, want 0 or 2", args, code)
		}
	})
}

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// calendar2027 is a small calendar in which 2027 is published with a New
// Year holiday on Fri 2027-01-01.
const calendar2027 = `{"version":"test-2027","years":{
	"2026":{"papers":["https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm"],"days":[
		{"date":"2026-10-01","name":"国庆节","offDay":true}]},
	"2027":{"papers":["https://www.gov.cn/example-2027"],"days":[
		{"date":"2027-01-01","name":"元旦","offDay":true}]}}}`

// runCLI runs claimsctl with args and returns the exit status and outputs.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// decodeObject parses stdout as exactly one JSON object.
func decodeObject(t *testing.T, stdout string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		t.Fatalf("stdout is not a JSON object: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON value:\n%s", stdout)
	}
	return obj
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDeadlineCommand(t *testing.T) {
	calendarFile := writeFile(t, "calendar.json", calendar2027)
	tests := []struct {
		name string
		args []string
		want map[string]any
	}{
		{
			name: "pinned call",
			args: []string{"deadline", "--rule", "decision", "--from", "2026-09-30T16:20:00+08:00"},
			want: map[string]any{
				"rule": "decision", "r_id": "R4", "from": "2026-09-30T16:20:00+08:00",
				"start_date": "2026-09-30", "due_date": "2026-10-13", "due_at": "2026-10-13T23:59:59+08:00",
				"at_risk_from": "2026-10-12T00:00:00+08:00", "provisional": false,
				"length": 5.0, "unit": "working-days", "overridden": false, "deducted_days": 0.0,
			},
		},
		{
			name: "UTC timestamp near midnight is read in Shanghai",
			args: []string{"deadline", "-rule=rejection-notice", "-from=2026-10-07T17:00:00Z"},
			want: map[string]any{"from": "2026-10-08T01:00:00+08:00", "start_date": "2026-10-08", "due_date": "2026-10-12", "r_id": "R5"},
		},
		{
			name: "pause and resume",
			args: []string{"deadline", "--rule", "decision", "--from", "2026-10-12T10:00:00+08:00",
				"--paused-at", "2026-10-14T10:00:00+08:00", "--resumed-at", "2026-10-20T10:00:00+08:00"},
			want: map[string]any{"due_date": "2026-10-23", "deducted_days": 6.0},
		},
		{
			name: "two pauses",
			args: []string{"deadline", "--rule", "decision", "--from", "2026-10-12T10:00:00+08:00",
				"--paused-at", "2026-10-13T10:00:00+08:00", "--resumed-at", "2026-10-15T10:00:00+08:00",
				"--paused-at", "2026-10-16T12:00:00+08:00", "--resumed-at", "2026-10-20T09:00:00+08:00"},
			want: map[string]any{"due_date": "2026-10-23", "deducted_days": 6.0},
		},
		{
			name: "contract override in days",
			args: []string{"deadline", "--rule", "decision", "--from", "2026-09-22T10:00:00+08:00", "--override-days", "15", "--override-unit", "days"},
			want: map[string]any{"due_date": "2026-10-08", "overridden": true, "length": 15.0, "unit": "days"},
		},
		{
			name: "contract override defaults to the rule's unit",
			args: []string{"deadline", "--rule", "decision", "--from", "2026-09-30T16:20:00+08:00", "--override-days", "10"},
			want: map[string]any{"due_date": "2026-10-20", "overridden": true, "unit": "working-days"},
		},
		{
			name: "provisional 2027",
			args: []string{"deadline", "--rule", "decision", "--from", "2026-12-28T10:00:00+08:00"},
			want: map[string]any{"due_date": "2027-01-04", "provisional": true, "provisional_years": []any{2027.0}},
		},
		{
			name: "calendar file with 2027 published",
			args: []string{"deadline", "--rule", "decision", "--from", "2026-12-28T10:00:00+08:00", "--calendar", calendarFile},
			want: map[string]any{"due_date": "2027-01-05", "provisional": false, "calendar_version": "test-2027"},
		},
		{
			name: "lower-case RFC 3339 separators",
			args: []string{"deadline", "--rule", "decision", "--from", "2026-09-30t08:20:00.5z"},
			want: map[string]any{"from": "2026-09-30T16:20:00.5+08:00", "due_date": "2026-10-13"},
		},
		{
			name: "risk lead",
			args: []string{"deadline", "--rule", "decision", "--from", "2026-09-30T16:20:00+08:00", "--risk-lead", "2"},
			want: map[string]any{"at_risk_from": "2026-10-10T00:00:00+08:00"},
		},
		{
			name: "result notification",
			args: []string{"deadline", "--rule", "result-notification", "--from", "2026-10-16T15:00:00+08:00"},
			want: map[string]any{"due_date": "2026-10-19", "r_id": "R9"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != exitOK {
				t.Fatalf("exit status: got %d, want 0; stderr: %s", code, stderr)
			}
			if stderr != "" {
				t.Errorf("stderr: got %q, want nothing", stderr)
			}
			obj := decodeObject(t, stdout)
			for key, want := range tt.want {
				gotJSON, _ := json.Marshal(obj[key])
				wantJSON, _ := json.Marshal(want)
				if string(gotJSON) != string(wantJSON) {
					t.Errorf("%s: got %s, want %s", key, gotJSON, wantJSON)
				}
			}
			for _, key := range []string{"rule", "r_id", "from", "due_date", "due_at", "basis", "explanation", "provisional", "calendar_version"} {
				if _, ok := obj[key]; !ok {
					t.Errorf("output lacks %q", key)
				}
			}
		})
	}
}

func TestDeadlineExplanationAndBasis(t *testing.T) {
	code, stdout, stderr := runCLI(t, "deadline", "--rule", "decision", "--from", "2026-09-30T16:20:00+08:00")
	if code != exitOK {
		t.Fatalf("exit status: got %d, want 0; stderr: %s", code, stderr)
	}
	obj := decodeObject(t, stdout)
	if got, want := obj["explanation"].(string), "2026-10-10: working day 3 (make-up working day for National Day (国庆节))"; !strings.Contains(got, want) {
		t.Errorf("explanation: got %q, want it to contain %q", got, want)
	}
	if got, want := obj["basis"].(string), "《人身保险业务基本服务规定》第二十三条"; !strings.Contains(got, want) {
		t.Errorf("basis: got %q, want it to contain %q", got, want)
	}
	if got := obj["calendar_version"].(string); !strings.HasPrefix(got, "sha256:") {
		t.Errorf("calendar_version: got %q, want the embedded calendar's sha256 version", got)
	}
}

func TestBadArguments(t *testing.T) {
	badCalendar := writeFile(t, "bad.json", `{"years":{"2026":{"days":[{"date":"2026-02-30","offDay":true}]}}}`)
	from := "2026-10-12T10:00:00+08:00"
	tests := []struct {
		name       string
		args       []string
		wantStderr string
	}{
		{"no command", nil, "missing command"},
		{"unknown command", []string{"deadlines"}, `unknown command "deadlines"`},
		{"unknown rule", []string{"deadline", "--rule", "decide", "--from", from}, `unknown rule "decide": want one of missing-documents-notice, decision`},
		{"missing rule", []string{"deadline", "--from", from}, "--rule is required"},
		{"missing from", []string{"deadline", "--rule", "decision"}, "--from is required"},
		{"bad from", []string{"deadline", "--rule", "decision", "--from", "2026-10-12 10:00"}, "--from: want an RFC 3339 time"},
		{"from without offset", []string{"deadline", "--rule", "decision", "--from", "2026-10-12T10:00:00"}, "--from: want an RFC 3339 time"},
		{"bad paused-at", []string{"deadline", "--rule", "decision", "--from", from, "--paused-at", "tomorrow"}, `invalid value "tomorrow" for flag -paused-at`},
		{"resumed without paused", []string{"deadline", "--rule", "decision", "--from", from, "--resumed-at", "2026-10-14T10:00:00+08:00"}, "without a matching --paused-at"},
		{"paused without resumed", []string{"deadline", "--rule", "decision", "--from", from, "--paused-at", "2026-10-14T10:00:00+08:00"}, "has no matching --resumed-at"},
		{"resumed before paused", []string{"deadline", "--rule", "decision", "--from", from, "--paused-at", "2026-10-14T10:00:00+08:00", "--resumed-at", "2026-10-13T10:00:00+08:00"}, "before it was paused"},
		{"paused before from", []string{"deadline", "--rule", "decision", "--from", from, "--paused-at", "2026-10-11T10:00:00+08:00", "--resumed-at", "2026-10-13T10:00:00+08:00"}, "before the clock started"},
		{"pause of a non-R4 rule", []string{"deadline", "--rule", "payment", "--from", from, "--paused-at", "2026-10-14T10:00:00+08:00", "--resumed-at", "2026-10-15T10:00:00+08:00"}, "only R4 decision periods can be paused"},
		{"override not allowed", []string{"deadline", "--rule", "rejection-notice", "--from", from, "--override-days", "5"}, "the regulation does not let the contract change this period"},
		{"override of zero days", []string{"deadline", "--rule", "decision", "--from", from, "--override-days", "0"}, "length 0"},
		{"override not a number", []string{"deadline", "--rule", "decision", "--from", from, "--override-days", "ten"}, `invalid value "ten" for flag -override-days`},
		{"override unit alone", []string{"deadline", "--rule", "decision", "--from", from, "--override-unit", "days"}, "--override-unit needs --override-days"},
		{"bad override unit", []string{"deadline", "--rule", "decision", "--from", from, "--override-days", "3", "--override-unit", "weeks"}, `unknown unit "weeks"`},
		{"negative risk lead", []string{"deadline", "--rule", "decision", "--from", from, "--risk-lead", "-1"}, "--risk-lead must be 0 or more"},
		{"missing calendar file", []string{"deadline", "--rule", "decision", "--from", from, "--calendar", filepath.Join(t.TempDir(), "none.json")}, "--calendar: open"},
		{"invalid calendar file", []string{"deadline", "--rule", "decision", "--from", from, "--calendar", badCalendar}, "invalid date"},
		{"unknown flag", []string{"deadline", "--rule", "decision", "--from", from, "--until", "x"}, "flag provided but not defined: -until"},
		{"stray argument", []string{"deadline", "--rule", "decision", "--from", from, "extra"}, `unexpected argument "extra"`},
		{"flag without value", []string{"deadline", "--rule"}, "flag needs an argument: -rule"},
		{"year out of range", []string{"deadline", "--rule", "decision", "--from", "9999-12-31T23:59:59Z"}, "outside 1900..9000"},
		{"rules with an argument", []string{"rules", "decision"}, `unexpected argument "decision"`},
		{"rules with a flag", []string{"rules", "--json"}, "flag provided but not defined: -json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != exitUsage {
				t.Errorf("exit status: got %d, want %d; stdout: %s", code, exitUsage, stdout)
			}
			if stdout != "" {
				t.Errorf("stdout: got %q, want nothing", stdout)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr: got %q, want it to contain %q", stderr, tt.wantStderr)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"help"}, "Usage: claimsctl COMMAND"},
		{[]string{"--help"}, "deadline   compute a statutory deadline"},
		{[]string{"deadline", "-h"}, "decision                   R4, 5 working days from claim request first received"},
		{[]string{"deadline", "--help"}, "--paused-at TIME"},
		{[]string{"rules", "-h"}, "Usage: claimsctl rules"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(t, tt.args...)
		if code != exitOK || stderr != "" {
			t.Errorf("%v: got status %d stderr %q, want 0 and nothing", tt.args, code, stderr)
		}
		if !strings.Contains(stdout, tt.want) {
			t.Errorf("%v: got stdout %q, want it to contain %q", tt.args, stdout, tt.want)
		}
	}
}

func TestRulesCommand(t *testing.T) {
	code, stdout, stderr := runCLI(t, "rules")
	if code != exitOK {
		t.Fatalf("exit status: got %d, want 0; stderr: %s", code, stderr)
	}
	var out rulesOutput
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("stdout: %v\n%s", err, stdout)
	}
	var ids []string
	for _, r := range out.Rules {
		ids = append(ids, r.RID+" "+r.ID)
		if len(r.Basis) == 0 || r.Basis[0].Citation == "" {
			t.Errorf("%s: got no legal basis", r.ID)
		}
	}
	want := "R3 missing-documents-notice,R4 decision,R4 complex-decision,R5 rejection-notice,R6 payment,R7 advance-payment,R9 result-notification,R12 complaint-reply"
	if got := strings.Join(ids, ","); got != want {
		t.Errorf("rules: got %s, want %s", got, want)
	}
	if !strings.Contains(stdout, `"contract_may_override":true`) || !strings.Contains(stdout, "《中华人民共和国保险法》第二十五条") {
		t.Errorf("stdout: got %s, want override flags and Chinese citations", stdout)
	}
}

// failingWriter fails every write, like a closed pipe.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestOutputFailure(t *testing.T) {
	var stderr bytes.Buffer
	code := run([]string{"rules"}, failingWriter{}, &stderr)
	if code != exitFailure {
		t.Errorf("exit status: got %d, want %d", code, exitFailure)
	}
	if !strings.Contains(stderr.String(), "broken pipe") {
		t.Errorf("stderr: got %q, want the write error", stderr.String())
	}
}

func TestCalendarFileTooLarge(t *testing.T) {
	path := writeFile(t, "huge.json", strings.Repeat(" ", maxInputFileBytes+1))
	code, _, stderr := runCLI(t, "deadline", "--rule", "decision", "--from", "2026-10-12T10:00:00+08:00", "--calendar", path)
	if code != exitUsage || !strings.Contains(stderr, "larger than 16 MiB") {
		t.Errorf("got status %d stderr %q, want %d and a size error", code, stderr, exitUsage)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// adjudicationStub records the calls it gets and answers them as
// adjudication would.
type adjudicationStub struct {
	mu    sync.Mutex
	calls []string
	auth  []string
	body  []map[string]any
}

func (s *adjudicationStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	s.mu.Lock()
	s.calls = append(s.calls, r.Method+" "+r.URL.Path)
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	s.body = append(s.body, body)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == "/v1/catastrophes/NOPE/activation":
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":{"code":"not_found","message":"no catastrophe \"NOPE\""}}`)
	case r.Method == http.MethodGet:
		io.WriteString(w, `{"catastrophes":[{"code":"TY-2026-09","active":true}]}`)
	default:
		io.WriteString(w, `{"code":"TY-2026-09","active":true,"version":2}`)
	}
}

// runWithEnv runs claimsctl with environment vars and a network.
func runWithEnv(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := env{stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return vars[k] },
		tail: func(context.Context, tailRequest, func(tailLine)) error { return nil }}
	return runWith(e, args), stdout.String(), stderr.String()
}

func TestCatastropheCommandCallsAdjudication(t *testing.T) {
	t.Parallel()
	stub := &adjudicationStub{}
	srv := httptest.NewServer(stub)
	defer srv.Close()
	vars := map[string]string{"ADJUDICATION_URL": srv.URL, "CLAIMS_TOKEN": "tok"}

	code, out, errOut := runWithEnv(t, vars, "catastrophe", "declare", "--code", "TY-2026-09", "--name", "台风", "--peril", "typhoon",
		"--regions", "4401, 4403", "--from", "2026-09-01", "--to", "2026-09-10", "--share-bps", "3000", "--cap-fen", "5000000",
		"--types", "death,disability,medical", "--target-days", "1")
	if code != exitOK {
		t.Fatalf("declare: got status %d (%s), want 0", code, errOut)
	}
	if obj := decodeObject(t, out); obj["code"] != "TY-2026-09" {
		t.Fatalf("declare: got %v, want adjudication's answer", obj)
	}
	want := map[string]any{"code": "TY-2026-09", "name": "台风", "peril": "typhoon", "regions": []any{"4401", "4403"},
		"window_start": "2026-09-01", "window_end": "2026-09-10", "internal_target_working_days": float64(1),
		"advance_policy": map[string]any{"share_bps": float64(3000), "cap_fen": float64(5000000), "incident_types": []any{"death", "disability", "medical"}}}
	if got, _ := json.Marshal(stub.body[0]); string(got) != mustJSON(t, want) {
		t.Fatalf("declare sent %s, want %s", got, mustJSON(t, want))
	}

	if code, _, errOut := runWithEnv(t, vars, "catastrophe", "activate", "--code", "TY-2026-09", "--reason", "台风登陆"); code != exitOK {
		t.Fatalf("activate: got status %d (%s), want 0", code, errOut)
	}
	if code, _, errOut := runWithEnv(t, vars, "catastrophe", "deactivate", "--code", "TY-2026-09", "--reason", "灾情结束", "--token", "other"); code != exitOK {
		t.Fatalf("deactivate: got status %d (%s), want 0", code, errOut)
	}
	if code, out, _ := runWithEnv(t, vars, "catastrophe", "list"); code != exitOK || !strings.Contains(out, `"catastrophes"`) {
		t.Fatalf("list: got status %d %s, want the list", code, out)
	}
	wantCalls := []string{"POST /v1/catastrophes", "POST /v1/catastrophes/TY-2026-09/activation",
		"POST /v1/catastrophes/TY-2026-09/activation", "GET /v1/catastrophes"}
	if strings.Join(stub.calls, "|") != strings.Join(wantCalls, "|") {
		t.Fatalf("got calls %v, want %v", stub.calls, wantCalls)
	}
	if stub.auth[0] != "Bearer tok" || stub.auth[2] != "Bearer other" {
		t.Fatalf("got authorizations %v, want $CLAIMS_TOKEN, then --token", stub.auth)
	}
	if stub.body[1]["active"] != true || stub.body[2]["active"] != false || stub.body[2]["reason"] != "灾情结束" {
		t.Fatalf("got switches %v and %v, want on then off with the reason", stub.body[1], stub.body[2])
	}

	code, out, errOut = runWithEnv(t, vars, "catastrophe", "activate", "--code", "NOPE", "--reason", "x")
	if code != exitFailure || out != "" || !strings.Contains(errOut, "404") {
		t.Fatalf("refused switch: got status %d, stdout %q, stderr %q; want 1 and the error on stderr", code, out, errOut)
	}
}

func TestCatastropheCommandRefusesBadArguments(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"CLAIMS_TOKEN": "tok"}
	tests := []struct {
		name string
		args []string
		vars map[string]string
	}{
		{"no subcommand", []string{"catastrophe"}, vars},
		{"unknown subcommand", []string{"catastrophe", "erase"}, vars},
		{"no token", []string{"catastrophe", "list"}, nil},
		{"switch without a reason", []string{"catastrophe", "activate", "--code", "TY-1"}, vars},
		{"declare without a policy", []string{"catastrophe", "declare", "--code", "TY-1", "--name", "n"}, vars},
		{"bad url", []string{"catastrophe", "list", "--url", "ftp://x"}, vars},
		{"stray argument", []string{"catastrophe", "list", "extra"}, vars},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runWithEnv(t, tt.vars, tt.args...)
			if code != exitUsage || out != "" || errOut == "" {
				t.Fatalf("%q: got status %d, stdout %q, stderr %q; want 2 with a message", tt.args, code, out, errOut)
			}
		})
	}
	if code, out, _ := runWithEnv(t, vars, "catastrophe", "-h"); code != exitOK || !strings.HasPrefix(out, "usage: claimsctl catastrophe") {
		t.Fatalf("-h: got status %d %q, want the usage", code, out)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// catastropheTimeout bounds one call to adjudication.
const catastropheTimeout = 30 * time.Second

// runCatastrophe declares catastrophes and switches their fast-track mode
// (R8) through adjudication's API, as the catastrophe team does from a
// terminal, and prints adjudication's answer as one JSON object:
//
//	claimsctl catastrophe declare --code TY-2026-09 --name 台风 --peril typhoon --regions 4401,4403 \
//	    --from 2026-09-01 --to 2026-09-10 --share-bps 3000 --cap-fen 5000000 --types death,disability,medical
//	claimsctl catastrophe activate --code TY-2026-09 --reason 台风登陆
//	claimsctl catastrophe deactivate --code TY-2026-09 --reason 灾情结束
//	claimsctl catastrophe list
//
// --url defaults to $ADJUDICATION_URL or http://127.0.0.1:8082; the token
// is --token or $CLAIMS_TOKEN (claimsctl token signs one in).
func runCatastrophe(e env, args []string) int {
	const name = "catastrophe"
	if len(args) == 0 {
		return usageError(e, name, "give a subcommand: declare, activate, deactivate or list")
	}
	sub := args[0]
	fs := flag.NewFlagSet(name+" "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	base := fs.String("url", getenv(e, "ADJUDICATION_URL", "http://127.0.0.1:8082"), "")
	token := fs.String("token", getenv(e, "CLAIMS_TOKEN", ""), "")
	code := fs.String("code", "", "")
	reason := fs.String("reason", "", "")
	d := struct {
		name, peril, regions, from, to, types *string
		share, target                         *int
		capFen                                *int64
	}{fs.String("name", "", ""), fs.String("peril", "", ""), fs.String("regions", "", ""), fs.String("from", "", ""),
		fs.String("to", "", ""), fs.String("types", "", ""), fs.Int("share-bps", 0, ""), fs.Int("target-days", 0, ""), fs.Int64("cap-fen", 0, "")}
	if sub == "-h" || sub == "--help" || sub == "help" {
		writeString(e.stdout, catastropheUsage)
		return exitOK
	}
	if status, done := parseCommandFlags(e, name, catastropheUsage, fs, args[1:]); done {
		return status
	}
	u, status := apiTarget(e, name, *base, *token, "http://127.0.0.1:8082", "catastrophe_coordinator")
	if status != exitOK {
		return status
	}
	var method, path string
	var body any
	switch sub {
	case "list":
		method, path = http.MethodGet, "/v1/catastrophes"
	case "activate", "deactivate":
		if *code == "" || strings.TrimSpace(*reason) == "" {
			return usageError(e, name, "%s needs --code and --reason (the switch is audited: say why)", sub)
		}
		method, path = http.MethodPost, "/v1/catastrophes/"+url.PathEscape(*code)+"/activation"
		body = map[string]any{"active": sub == "activate", "reason": *reason}
	case "declare":
		if *code == "" || *d.name == "" || *d.peril == "" || *d.regions == "" || *d.from == "" || *d.to == "" || *d.types == "" ||
			*d.share == 0 || *d.capFen == 0 {
			return usageError(e, name, "declare needs --code, --name, --peril, --regions, --from, --to, --share-bps, --cap-fen and --types")
		}
		method, path = http.MethodPost, "/v1/catastrophes"
		body = map[string]any{"code": *code, "name": *d.name, "peril": *d.peril, "regions": splitList(*d.regions),
			"window_start": *d.from, "window_end": *d.to, "internal_target_working_days": *d.target,
			"advance_policy": map[string]any{"share_bps": *d.share, "cap_fen": *d.capFen, "incident_types": splitList(*d.types)}}
	default:
		return usageError(e, name, "unknown subcommand %q: declare, activate, deactivate or list", sub)
	}
	if e.tail == nil {
		// No network here (fuzzing): the same switch that keeps Kafka away.
		return usageError(e, name, "calling adjudication is not available here")
	}
	return callAPI(e, name, method, u+path, *token, body)
}

// getenv reads name from the environment e may use, or def.
func getenv(e env, name, def string) string {
	if e.getenv != nil {
		if v := e.getenv(name); v != "" {
			return v
		}
	}
	return def
}

// splitList splits a comma-separated flag, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseCommandFlags parses args into fs for command name, printing usage
// for -h; when done is true the command returns code.
func parseCommandFlags(e env, name, usage string, fs *flag.FlagSet, args []string) (code int, done bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			writeString(e.stdout, usage)
			return exitOK, true
		}
		return usageError(e, name, "%v", err), true
	}
	if fs.NArg() > 0 {
		return usageError(e, name, "unexpected argument %q", fs.Arg(0)), true
	}
	return exitOK, false
}

// apiTarget checks the --url and --token of a command that calls a
// service (example is a good URL, role the one the call needs) and returns
// the URL without a trailing slash, or the usage error's exit status.
func apiTarget(e env, name, base, token, example, role string) (string, int) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", usageError(e, name, "--url must be an http(s) URL such as %s", example)
	}
	if strings.TrimSpace(token) == "" {
		return "", usageError(e, name, "give --token or set $CLAIMS_TOKEN (claimsctl token --sub USER --roles %s)", role)
	}
	return u.String(), exitOK
}

// callAPI sends one JSON request and prints the JSON answer on a line. An
// answer other than 2xx prints the service's error on stderr and exits 1.
func callAPI(e env, name, method, target, token string, body any) int {
	raw, code := requestAPI(e, name, method, target, token, body)
	if code != exitOK {
		return code
	}
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		fmt.Fprintf(e.stderr, "claimsctl %s: the answer is not a JSON object: %v\n", name, err)
		return exitFailure
	}
	return writeJSON(e, name, v)
}

// requestAPI sends one JSON request and returns the 2xx answer's body; any
// other answer prints the service's error on stderr and returns exitFailure.
func requestAPI(e env, name, method, target, token string, body any) ([]byte, int) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			fmt.Fprintf(e.stderr, "claimsctl %s: %v\n", name, err)
			return nil, exitFailure
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), catastropheTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		fmt.Fprintf(e.stderr, "claimsctl %s: %v\n", name, err)
		return nil, exitFailure
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(e.stderr, "claimsctl %s: %v\n", name, err)
		return nil, exitFailure
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxInputFileBytes))
	if err != nil {
		fmt.Fprintf(e.stderr, "claimsctl %s: reading the answer: %v\n", name, err)
		return nil, exitFailure
	}
	if resp.StatusCode/100 != 2 {
		fmt.Fprintf(e.stderr, "claimsctl %s: %s %s: %d %s\n", name, method, target, resp.StatusCode, strings.TrimSpace(string(raw)))
		return nil, exitFailure
	}
	return raw, exitOK
}

const catastropheUsage = `usage: claimsctl catastrophe declare|activate|deactivate|list [flags]

  declare    --code TY-2026-09 --name NAME --peril typhoon --regions 4401,4403
             --from 2026-09-01 --to 2026-09-10 --share-bps 3000 --cap-fen 5000000
             --types death,disability,medical [--target-days 1]
  activate   --code CODE --reason WHY
  deactivate --code CODE --reason WHY
  list

Calls adjudication (--url, default $ADJUDICATION_URL or http://127.0.0.1:8082)
signed in with --token or $CLAIMS_TOKEN (the catastrophe_coordinator role
declares and switches) and prints its answer as one JSON object.
`

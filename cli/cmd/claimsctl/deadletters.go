package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"claims.local/pkg/redact"
)

// serviceURL is the variable that gives where service answers, and where
// it answers by default (make run's ports).
func serviceURL(service string) (variable, def string, ok bool) {
	switch service {
	case "intake":
		return "INTAKE_URL", "http://127.0.0.1:8081", true
	case "adjudication":
		return "ADJUDICATION_URL", "http://127.0.0.1:8082", true
	case "payout":
		return "PAYOUT_URL", "http://127.0.0.1:8083", true
	}
	return "", "", false
}

// runDeadLetters lets an operator look at the messages a service's
// consumers parked and replay one once its cause is fixed, through the
// service's API (claimsctl has no database access), as an admin:
//
//	claimsctl dead-letters list --service payout
//	claimsctl dead-letters show --service payout --id 12
//	claimsctl dead-letters replay --service payout --id 12
//
// --url defaults to $INTAKE_URL, $ADJUDICATION_URL or $PAYOUT_URL (or the
// service's local port); the token is --token or $CLAIMS_TOKEN. Whatever
// the service answers is printed masked (package redact, R11).
func runDeadLetters(e env, args []string) int {
	const name = "dead-letters"
	if len(args) == 0 {
		return usageError(e, name, "give a subcommand: list, show or replay")
	}
	sub := args[0]
	if sub == "-h" || sub == "--help" || sub == "help" {
		writeString(e.stdout, deadLettersUsage)
		return exitOK
	}
	fs := flag.NewFlagSet(name+" "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	service := fs.String("service", "", "")
	base := fs.String("url", "", "")
	token := fs.String("token", getenv(e, "CLAIMS_TOKEN", ""), "")
	id := fs.Int64("id", 0, "")
	limit := fs.Int("limit", 0, "")
	if code, done := parseCommandFlags(e, name, deadLettersUsage, fs, args[1:]); done {
		return code
	}
	variable, def, ok := serviceURL(*service)
	if !ok {
		return usageError(e, name, "--service must be intake, adjudication or payout")
	}
	if *base == "" {
		*base = getenv(e, variable, def)
	}
	u, code := apiTarget(e, name, *base, *token, def, "admin")
	if code != exitOK {
		return code
	}
	var method, path string
	switch sub {
	case "list":
		method, path = http.MethodGet, "/v1/dead-letters"
		if *limit != 0 {
			path += "?limit=" + strconv.Itoa(*limit)
		}
	case "show", "replay":
		if *id < 1 {
			return usageError(e, name, "%s needs --id (a number from dead-letters list)", sub)
		}
		method, path = http.MethodGet, "/v1/dead-letters/"+strconv.FormatInt(*id, 10)
		if sub == "replay" {
			method, path = http.MethodPost, path+"/replay"
		}
	default:
		return usageError(e, name, "unknown subcommand %q: list, show or replay", sub)
	}
	if e.tail == nil {
		// No network here (fuzzing): the same switch that keeps Kafka away.
		return usageError(e, name, "calling %s is not available here", *service)
	}
	raw, code := requestAPI(e, name, method, u+path, *token, nil)
	if code != exitOK {
		return code
	}
	if sub == "list" {
		return printDeadLetters(e, name, raw)
	}
	// R11: the service masks the payload already; masking again here keeps
	// the terminal clean whatever a service version sends.
	fmt.Fprintln(e.stdout, string(redact.JSON(raw)))
	return exitOK
}

// printDeadLetters prints one line per dead letter of a list answer:
//
//	12  payout.agreements  claims.adjudication.v1  at=3/17  key=claim-1  parked=2026-10-10T02:00:03Z  replayed=-  error="…"
func printDeadLetters(e env, name string, raw []byte) int {
	var list struct {
		DeadLetters []map[string]any `json:"dead_letters"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		fmt.Fprintf(e.stderr, "claimsctl %s: the answer is not a list of dead letters: %v\n", name, err)
		return exitFailure
	}
	if len(list.DeadLetters) == 0 {
		fmt.Fprintln(e.stdout, "no dead letters")
	}
	for _, d := range list.DeadLetters {
		replayed := "-"
		if d["replayed_at"] != nil {
			replayed = fmt.Sprint(d["replayed_at"], " by ", d["replayed_by"])
		}
		fmt.Fprintln(e.stdout, redact.Text(fmt.Sprintf("%v  %v  %v  at=%v/%v  key=%v  parked=%v  replayed=%s  error=%q",
			d["id"], d["consumer"], d["topic"], d["partition"], d["offset"], d["key"], d["parked_at"], replayed, fmt.Sprint(d["error"]))))
	}
	return exitOK
}

const deadLettersUsage = `usage: claimsctl dead-letters list|show|replay --service intake|adjudication|payout [flags]

  list    [--limit N]   the parked messages, newest first, without payloads
  show    --id N        one, with its payload masked
  replay  --id N        hand it to its consumer again once the cause is fixed
                        (applied at most once; a replay that fails again
                        prints the cause and leaves it parked)

Calls the service (--url, default $INTAKE_URL, $ADJUDICATION_URL or
$PAYOUT_URL, else 127.0.0.1:8081, 8082 or 8083) signed in with --token or
$CLAIMS_TOKEN (the admin role only).
`

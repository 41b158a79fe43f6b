// Command claimsctl is the command-line tool of the claims platform.
//
// Each subcommand lives in its own file and is registered in commands:
//
//	claimsctl deadline --rule decision --from 2026-09-30T16:20:00+08:00
//	claimsctl rules
//	claimsctl events tail --topic claims.payout.v1 --from-beginning
//	claimsctl doc inspect scan.jpg
//
// Output is one JSON object on stdout. Errors go to stderr; bad arguments
// exit with status 2, failures to write the output with status 1.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"claims.local/pkg/document/ocr"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// maxInputFileBytes bounds files read from the command line (calendars).
const maxInputFileBytes = 16 << 20

// env is what a subcommand may use from the outside world. Tests replace
// readFile so that no file system access happens.
type env struct {
	stdout   io.Writer
	stderr   io.Writer
	readFile func(name string) ([]byte, error)
	// tail follows Kafka topics; nil where no network may be used (fuzzing).
	tail tailFunc
	// getenv reads the environment (CLAIMS_SIGNING_KEY_FILE); nil reads nothing.
	getenv func(string) string
	// now is the clock; nil means time.Now.
	now func() time.Time
	// inspect reads documents with OCR; nil where Tesseract may not run
	// (fuzzing).
	inspect inspectFunc
}

// command is one subcommand. run receives the arguments after the
// subcommand name and returns the exit status.
type command struct {
	name    string
	summary string
	run     func(e env, args []string) int
}

// commands is the dispatch table. Add a subcommand by writing NAME.go with
// a runNAME function and listing it here.
func commands() []command {
	return []command{
		{name: "deadline", summary: "compute a statutory deadline (R3-R9) with its legal basis", run: runDeadline},
		{name: "rules", summary: "print the deadline rules R3-R9 and their legal basis", run: runRules},
		{name: "events", summary: "follow a topic's events: events tail --topic claims.payout.v1", run: runEvents},
		{name: "payouts", summary: "follow the finance topic, one line per payout: payouts tail --from-offset 0", run: runPayouts},
		{name: "doc", summary: "read a supporting document with OCR: doc inspect FILE", run: runDoc},
		{name: "token", summary: "sign a user in for development: token --sub handler-1 --roles handler", run: runToken},
		{name: "kafka", summary: "make Kafka's users, topics and ACLs as the set-up principal: kafka setup --secrets DIR", run: runKafka},
		{name: "dead-letters", summary: "list, show (masked) and replay the messages a service parked: dead-letters list --service payout", run: runDeadLetters},
		{name: "catastrophe", summary: "declare a catastrophe, switch its fast-track mode, list: catastrophe list", run: runCatastrophe},
		{name: "signing-key", summary: "make a key pair for signing payment instructions (adjudication) or claim requests (intake): signing-key --id adj-1", run: runSigningKey},
		{name: "payee-key", summary: "make payout's key pair payees of payment instructions are sealed for: payee-key --id payout-1", run: runPayeeKey},
	}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "doc" {
		// Tesseract's OpenMP runtime reads OMP_THREAD_LIMIT only when the
		// program is loaded: restart with it set (see package ocr).
		if err := ocr.RestartSingleThreaded(); err != nil {
			fmt.Fprintf(os.Stderr, "claimsctl: %v (continuing multi-threaded)\n", err)
		}
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes claimsctl with args (without the program name) and returns
// the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	return runWith(env{stdout: stdout, stderr: stderr, readFile: readFileLimited, tail: tailKafka, getenv: os.Getenv, now: time.Now,
		inspect: inspectDocument}, args)
}

func runWith(e env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "claimsctl: missing command")
		writeUsage(e.stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		writeUsage(e.stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(e, args[1:])
		}
	}
	fmt.Fprintf(e.stderr, "claimsctl: unknown command %q\n", args[0])
	writeUsage(e.stderr)
	return exitUsage
}

func writeUsage(w io.Writer) {
	var b strings.Builder
	b.WriteString("Usage: claimsctl COMMAND [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-10s %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun 'claimsctl COMMAND -h' for the flags of a command.\n")
	io.WriteString(w, b.String())
}

// usageError reports a bad argument of subcommand name and returns
// exitUsage.
func usageError(e env, name, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "claimsctl %s: %s\n", name, fmt.Sprintf(format, args...))
	fmt.Fprintf(e.stderr, "Run 'claimsctl %s -h' for usage.\n", name)
	return exitUsage
}

// writeJSON prints v as one JSON object on a line.
func writeJSON(e env, name string, v any) int {
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(e.stderr, "claimsctl %s: writing output: %v\n", name, err)
		return exitFailure
	}
	return exitOK
}

// readFileLimited reads a file of at most maxInputFileBytes.
func readFileLimited(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxInputFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxInputFileBytes {
		return nil, errors.New("file larger than 16 MiB")
	}
	return data, nil
}

package main

import (
	"errors"
	"flag"
	"io"

	"claims.local/pkg/events/signing"
)

// runSigningKey makes a new Ed25519 key pair for signing payment
// instructions (issue 15) and calendar versions (red team, session 12)
// and prints {"key_id", "private", "public"}: private is adjudication's
// ADJUDICATION_SIGNING_KEY, public goes into payout's
// PAYOUT_TRUSTED_INSTRUCTION_KEYS and intake's INTAKE_TRUSTED_CALENDAR_KEYS
// (first, beside the key it replaces until adjudication signs with the new
// one). The same command
// makes intake's pair for signing claim requests (the attack review of
// issue 19): private is INTAKE_SIGNING_KEY, public goes into
// adjudication's ADJUDICATION_TRUSTED_INTAKE_KEYS. An operator puts each
// into its service's secret; make run keeps the pairs in .local/dev.
func runSigningKey(e env, args []string) int {
	return runKeyPair(e, "signing-key", signingKeyUsage, "the key id its verifier trusts it under, e.g. adj-2026-12 or intake-2026-12", args,
		func(id string) (map[string]string, error) {
			s, err := signing.Generate(id)
			if err != nil {
				return nil, err
			}
			return map[string]string{"key_id": s.KeyID(), "private": s.Private(), "public": s.Public()}, nil
		})
}

// runKeyPair is the body of the commands that make a key pair: it reads
// --id (what idHint says it is), makes the pair with generate and prints
// it as one JSON object.
func runKeyPair(e env, name, usage, idHint string, args []string, generate func(id string) (map[string]string, error)) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	id := fs.String("id", "", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			writeString(e.stdout, usage)
			return exitOK
		}
		return usageError(e, name, "%v", err)
	}
	if fs.NArg() > 0 {
		return usageError(e, name, "unexpected argument %q", fs.Arg(0))
	}
	if *id == "" {
		return usageError(e, name, "--id is required (%s)", idHint)
	}
	pair, err := generate(*id)
	if err != nil {
		return usageError(e, name, "%v", err)
	}
	return writeJSON(e, name, pair)
}

const signingKeyUsage = `usage: claimsctl signing-key --id KEY_ID

Makes an Ed25519 key pair for adjudication's signature of payment
instructions and calendar versions and prints {"key_id", "private",
"public"}: "private" is the value of ADJUDICATION_SIGNING_KEY (adjudication
only), "public" one entry of PAYOUT_TRUSTED_INSTRUCTION_KEYS (payout) and of
INTAKE_TRUSTED_CALENDAR_KEYS (intake). For intake's signature of claim
requests, "private" is INTAKE_SIGNING_KEY (intake only) and "public" one
entry of ADJUDICATION_TRUSTED_INTAKE_KEYS (adjudication).
`

package main

import (
	"errors"
	"flag"
	"io"

	"claims.local/pkg/sealed"
)

// runPayeeKey makes a new X25519 key pair for sealing the payees of payment
// instructions for payout (issue 17) and prints {"key_id", "private",
// "public"}: private goes into payout's PAYOUT_PAYEE_OPEN_KEYS (first,
// beside the key it replaces until no instruction sealed for that one is
// unread), public is adjudication's ADJUDICATION_PAYEE_SEAL_KEY. make run
// keeps a pair in .local/dev.
func runPayeeKey(e env, args []string) int {
	const name = "payee-key"
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	id := fs.String("id", "", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			writeString(e.stdout, payeeKeyUsage)
			return exitOK
		}
		return usageError(e, name, "%v", err)
	}
	if fs.NArg() > 0 {
		return usageError(e, name, "unexpected argument %q", fs.Arg(0))
	}
	if *id == "" {
		return usageError(e, name, "--id is required (the key id adjudication seals for, e.g. payout-2026-12)")
	}
	kp, err := sealed.GenerateKeyPair(*id)
	if err != nil {
		return usageError(e, name, "%v", err)
	}
	return writeJSON(e, name, map[string]string{"key_id": kp.ID, "private": kp.Private, "public": kp.Public})
}

const payeeKeyUsage = `usage: claimsctl payee-key --id KEY_ID

Makes an X25519 key pair payees of payment instructions are sealed for and
prints {"key_id", "private", "public"}: "private" is one entry of
PAYOUT_PAYEE_OPEN_KEYS (payout only), "public" the value of
ADJUDICATION_PAYEE_SEAL_KEY (adjudication).
`

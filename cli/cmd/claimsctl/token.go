package main

import (
	"cmp"
	"errors"
	"flag"
	"io"
	"strings"
	"time"

	"claims.local/pkg/auth"
)

// runToken signs a user in with the development signing key that `make run`
// made (CLAIMS_SIGNING_KEY_FILE, the console's CONSOLE_SIGNING_KEY_FILE; the
// services never hold it) and prints {"token", "subject", "roles",
// "expires_at"}: how a developer or a script calls the APIs, e.g.
//
//	TOKEN=$(claimsctl token --sub handler-1 --roles handler | jq -r .token)
//
// The token names the issuer the services trust (--issuer, default
// CLAIMS_ISSUER or `make run`'s console) and lives at most auth.MaxLifetime.
func runToken(e env, args []string) int {
	const name = "token"
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	sub := fs.String("sub", "", "")
	display := fs.String("name", "", "")
	roles := fs.String("roles", "", "")
	ttl := fs.Duration("ttl", auth.MaxLifetime, "")
	aud := fs.String("aud", strings.Join(auth.Services(), ","), "")
	issuer := fs.String("issuer", "", "")
	keyFile := fs.String("key-file", "", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			writeString(e.stdout, tokenUsage)
			return exitOK
		}
		return usageError(e, name, "%v", err)
	}
	if fs.NArg() > 0 {
		return usageError(e, name, "unexpected argument %q", fs.Arg(0))
	}
	if strings.TrimSpace(*sub) == "" {
		return usageError(e, name, "--sub is required (the user id recorded as who acted)")
	}
	if *ttl <= 0 || *ttl > auth.MaxLifetime {
		return usageError(e, name, "--ttl must be positive and at most %s", auth.MaxLifetime)
	}
	p := auth.Principal{Subject: strings.TrimSpace(*sub), Name: *display}
	for _, r := range strings.Split(*roles, ",") {
		role, err := auth.ParseRole(strings.TrimSpace(r))
		if err != nil {
			return usageError(e, name, "--roles: %v (known: %s)", err, roleNames())
		}
		p.Roles = append(p.Roles, role)
	}
	getenv := func(string) string { return "" }
	if e.getenv != nil {
		getenv = e.getenv
	}
	if *keyFile == "" {
		*keyFile = getenv("CLAIMS_SIGNING_KEY_FILE")
	}
	if *issuer == "" {
		*issuer = cmp.Or(getenv("CLAIMS_ISSUER"), "http://127.0.0.1:8080")
	}
	if *keyFile == "" || e.readFile == nil {
		return usageError(e, name, "--key-file or CLAIMS_SIGNING_KEY_FILE must name the development signing key (make run writes .local/dev/signing-key.pem)")
	}
	raw, err := e.readFile(*keyFile)
	if err != nil {
		return usageError(e, name, "signing key: %v", err)
	}
	keys, err := auth.ParseSigningKeys(raw)
	if err != nil {
		return usageError(e, name, "signing key %s: %v", *keyFile, err)
	}
	signer, err := auth.NewSigner(keys[0], *issuer, *ttl)
	if err != nil {
		return usageError(e, name, "%v", err)
	}
	now := time.Now
	if e.now != nil {
		now = e.now
	}
	at := now()
	token, err := signer.Issue(p, strings.Split(*aud, ","), at)
	if err != nil {
		return usageError(e, name, "%v", err)
	}
	return writeJSON(e, name, map[string]any{"token": token, "subject": p.Subject, "roles": p.Roles,
		"expires_at": at.Add(*ttl).UTC().Format(time.RFC3339)})
}

func roleNames() string {
	var names []string
	for _, r := range auth.Roles() {
		names = append(names, string(r))
	}
	return strings.Join(names, ", ")
}

const tokenUsage = `usage: claimsctl token --sub USER --roles ROLE[,ROLE] [--name NAME] [--ttl 1h]
                      [--aud intake,adjudication,payout] [--key-file PEM] [--issuer URL]

Signs USER in for development with the first key of the PEM file
--key-file or $CLAIMS_SIGNING_KEY_FILE (make run writes .local/dev/signing-key.pem,
the console's signing key) as issuer --issuer or $CLAIMS_ISSUER
(default http://127.0.0.1:8080), for the services named by --aud, and prints
{"token", "subject", "roles", "expires_at"}. Tokens live at most 1h.
Send the token as Authorization: Bearer <token>.
`

func writeString(w io.Writer, s string) { _, _ = io.WriteString(w, s) }

package main

import (
	"errors"
	"flag"
	"io"
	"strings"
	"time"

	"claims.local/pkg/auth"
)

// maxTokenTTL bounds a development token's life: tokens are short-lived.
const maxTokenTTL = 24 * time.Hour

// runToken signs a user in with the current key of AUTH_KEYS and prints
// {"token", "subject", "roles", "expires_at"}: how a developer or a script
// calls the APIs before the console's sign-in exists, e.g.
//
//	TOKEN=$(claimsctl token --sub handler-1 --roles handler | jq -r .token)
func runToken(e env, args []string) int {
	const name = "token"
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	sub := fs.String("sub", "", "")
	display := fs.String("name", "", "")
	roles := fs.String("roles", "", "")
	ttl := fs.Duration("ttl", 8*time.Hour, "")
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
	if *ttl <= 0 || *ttl > maxTokenTTL {
		return usageError(e, name, "--ttl must be positive and at most %s", maxTokenTTL)
	}
	p := auth.Principal{Subject: strings.TrimSpace(*sub), Name: *display}
	for _, r := range strings.Split(*roles, ",") {
		role, err := auth.ParseRole(strings.TrimSpace(r))
		if err != nil {
			return usageError(e, name, "--roles: %v (known: %s)", err, roleNames())
		}
		p.Roles = append(p.Roles, role)
	}
	var keysEnv string
	if e.getenv != nil {
		keysEnv = e.getenv("AUTH_KEYS")
	}
	keys, err := auth.ParseKeys(keysEnv)
	if err != nil {
		return usageError(e, name, "AUTH_KEYS must hold the services' token keys (id:secret, current first): %v", err)
	}
	now := time.Now
	if e.now != nil {
		now = e.now
	}
	at := now()
	token, err := auth.NewSigner(keys[0], *ttl).Issue(p, at)
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

const tokenUsage = `usage: claimsctl token --sub USER --roles ROLE[,ROLE] [--name NAME] [--ttl 8h]

Signs USER in for development with the current key of $AUTH_KEYS (id:secret,...)
and prints {"token", "subject", "roles", "expires_at"}. Send the token as
Authorization: Bearer <token>.
`

func writeString(w io.Writer, s string) { _, _ = io.WriteString(w, s) }

// Command console runs the web console's edge: it serves the built console,
// forwards /api/<service>/... to the services and signs users in.
//
//	console                  serve (configuration from the environment)
//	console hash-password    read a password on standard input, print its bcrypt hash for a users file
package main

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"claims.local/console/internal/edge"
	"claims.local/console/internal/signin"
	"claims.local/pkg/auth"
	"claims.local/pkg/config"
	"claims.local/pkg/logging"
)

// cfg is the console's configuration, read from the environment.
type cfg struct {
	HTTPAddr        string
	StaticDir       string
	IntakeURL       string
	AdjudicationURL string
	PayoutURL       string
	AuthKeys        string
	UsersFile       string
	TokenTTL        time.Duration
	MaxFailures     int
	Lockout         time.Duration
	DialTimeout     time.Duration
	UpstreamTimeout time.Duration
	MaxBodyBytes    int
	ShutdownGrace   time.Duration
	// TracesURL is the trace store's UI the case page links to (Jaeger).
	TracesURL string
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "hash-password" {
		os.Exit(hashPassword())
	}
	log := logging.New(os.Stdout, "console", slog.LevelInfo)
	env := config.FromOS()
	c := cfg{
		HTTPAddr:        env.String("CONSOLE_HTTP_ADDR", "127.0.0.1:8080"),
		StaticDir:       env.String("CONSOLE_STATIC_DIR", "console/web/dist"),
		IntakeURL:       env.String("INTAKE_URL", "http://127.0.0.1:8081"),
		AdjudicationURL: env.String("ADJUDICATION_URL", "http://127.0.0.1:8082"),
		PayoutURL:       env.String("PAYOUT_URL", "http://127.0.0.1:8083"),
		AuthKeys:        env.String("AUTH_KEYS", ""),
		UsersFile:       env.String("CONSOLE_USERS_FILE", ""),
		TokenTTL:        env.Duration("CONSOLE_TOKEN_TTL", time.Hour),
		MaxFailures:     env.Int("CONSOLE_SIGNIN_MAX_FAILURES", 5),
		Lockout:         env.Duration("CONSOLE_SIGNIN_LOCKOUT", 15*time.Minute),
		DialTimeout:     env.Duration("CONSOLE_UPSTREAM_DIAL_TIMEOUT", 3*time.Second),
		UpstreamTimeout: env.Duration("CONSOLE_UPSTREAM_TIMEOUT", 60*time.Second),
		MaxBodyBytes:    env.Int("CONSOLE_MAX_BODY_BYTES", 32<<20),
		TracesURL:       env.String("CONSOLE_TRACES_URL", ""),
		ShutdownGrace:   env.Duration("SHUTDOWN_GRACE", 15*time.Second),
	}
	if err := env.Err(); err != nil {
		fail(log, "bad configuration", err)
	}
	keys, err := auth.ParseKeys(c.AuthKeys)
	if err != nil {
		fail(log, "bad configuration: AUTH_KEYS must hold the token keys as id:secret[,id:secret] (current first), the same as the services'", err)
	}
	var upstreams []edge.Upstream
	for _, u := range []struct{ name, raw string }{{"intake", c.IntakeURL}, {"adjudication", c.AdjudicationURL}, {"payout", c.PayoutURL}} {
		parsed, err := url.Parse(u.raw)
		if err != nil || parsed.Scheme == "" || parsed.Host == "" {
			fail(log, "bad configuration: "+strings.ToUpper(u.name)+"_URL must be an absolute URL such as http://127.0.0.1:8081", fmt.Errorf("%q", u.raw))
		}
		upstreams = append(upstreams, edge.Upstream{Name: u.name, URL: parsed})
	}
	signIn := signin.Disabled(log)
	if c.UsersFile == "" {
		log.Warn("no CONSOLE_USERS_FILE: password sign-in is off")
	} else {
		users, err := signin.LoadUsers(c.UsersFile)
		if err != nil {
			fail(log, "bad configuration: CONSOLE_USERS_FILE", err)
		}
		log.Info("users loaded", "file", c.UsersFile, "users", users.Len())
		signIn = signin.NewHandler(signin.Config{
			Users: users, Signer: auth.NewSigner(keys[0], c.TokenTTL), TTL: c.TokenTTL,
			PerUser:   signin.LimitPolicy{MaxFailures: c.MaxFailures, Window: c.Lockout, Lockout: c.Lockout},
			PerClient: signin.LimitPolicy{MaxFailures: 4 * c.MaxFailures, Window: c.Lockout, Lockout: c.Lockout},
		}, log).SignIn
	}
	e, err := edge.New(edge.Config{
		HTTPAddr: c.HTTPAddr, StaticDir: c.StaticDir, Upstreams: upstreams,
		Transport: edge.NewTransport(c.DialTimeout, c.UpstreamTimeout),
		SignIn:    signIn, MaxBodyBytes: int64(c.MaxBodyBytes), ShutdownGrace: c.ShutdownGrace, TracesURL: c.TracesURL,
	}, log)
	if err != nil {
		fail(log, "console could not start", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := e.Run(ctx); err != nil {
		fail(log, "console stopped with an error", err)
	}
}

// hashPassword prints the bcrypt hash of the password on standard input.
func hashPassword() int {
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(os.Stderr, "console hash-password: write the password on standard input")
		return 2
	}
	h, err := signin.HashPassword(strings.TrimRight(line, "\r\n"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "console hash-password:", err)
		return 2
	}
	fmt.Println(h)
	return 0
}

func fail(log *slog.Logger, msg string, err error) {
	log.Error(msg, "error", err.Error())
	os.Exit(2)
}

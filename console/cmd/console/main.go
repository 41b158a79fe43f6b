// Command console runs the web console's edge: it serves the built console,
// forwards /api/<service>/... to the services and signs users in.
//
//	console                  serve (configuration from the environment)
//	console hash-password    read a password on standard input, print its bcrypt hash for a users file
//	console gen-key          print a new Ed25519 token signing key (PEM) for CONSOLE_SIGNING_KEY_FILE
//	console migrate [DSN]    apply the migrations as the schema's owner (DSN, or CONSOLE_MIGRATION_DSN) and exit
//	console enrol-totp USER  print a new second-factor secret for USER and its otpauth:// URI, once
package main

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"claims.local/console/internal/edge"
	"claims.local/console/internal/signin"
	"claims.local/pkg/auth"
	"claims.local/pkg/config"
	"claims.local/pkg/logging"
	"claims.local/pkg/postgres"
	"claims.local/pkg/secrets"
)

// cfg is the console's configuration, read from the environment.
type cfg struct {
	HTTPAddr        string
	StaticDir       string
	IntakeURL       string
	AdjudicationURL string
	PayoutURL       string
	Issuer          string
	SigningKeyFile  string
	DatabaseDSN     string
	// MigrationDSN is the schema owner's, used at start to migrate only.
	MigrationDSN    string
	TrustedProxies  []string
	UsersFile       string
	ClientsFile     string
	TokenTTL        time.Duration
	RefreshTTL      time.Duration
	MaxFailures     int
	Lockout         time.Duration
	DialTimeout     time.Duration
	UpstreamTimeout time.Duration
	MaxBodyBytes    int
	// WaitsPerClient bounds the forwarded ?wait= requests one client
	// address holds at once (edge.Config.WaitsPerClient).
	WaitsPerClient int
	ShutdownGrace  time.Duration
	// TracesURL is the trace store's UI the case page links to (Jaeger).
	TracesURL string
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "hash-password" {
		os.Exit(hashPassword())
	}
	if len(os.Args) > 1 && os.Args[1] == "gen-key" {
		os.Exit(genKey())
	}
	if len(os.Args) > 2 && os.Args[1] == "enrol-totp" {
		os.Exit(enrolTOTP(os.Args[2]))
	}
	if len(os.Args) > 1 && os.Args[1] == "migrate" {
		os.Exit(migrate(os.Args[2:]))
	}
	log := logging.New(os.Stdout, "console", slog.LevelInfo)
	env := config.FromOS()
	c := cfg{
		HTTPAddr:        env.String("CONSOLE_HTTP_ADDR", "127.0.0.1:8080"),
		StaticDir:       env.String("CONSOLE_STATIC_DIR", "console/web/dist"),
		IntakeURL:       env.String("INTAKE_URL", "http://127.0.0.1:8081"),
		AdjudicationURL: env.String("ADJUDICATION_URL", "http://127.0.0.1:8082"),
		PayoutURL:       env.String("PAYOUT_URL", "http://127.0.0.1:8083"),
		Issuer:          env.String("CONSOLE_ISSUER", "http://127.0.0.1:8080"),
		SigningKeyFile:  env.String("CONSOLE_SIGNING_KEY_FILE", ""),
		DatabaseDSN:     env.String("CONSOLE_DATABASE_DSN", "postgres://postgres@127.0.0.1:55432/console?sslmode=disable"),
		MigrationDSN:    env.String("CONSOLE_MIGRATION_DSN", ""),
		TrustedProxies:  env.List("CONSOLE_TRUSTED_PROXIES", nil),
		UsersFile:       env.String("CONSOLE_USERS_FILE", ""),
		ClientsFile:     env.String("CONSOLE_SERVICE_CLIENTS_FILE", ""),
		TokenTTL:        env.Duration("CONSOLE_TOKEN_TTL", time.Hour),
		RefreshTTL:      env.Duration("CONSOLE_REFRESH_TTL", 12*time.Hour),
		MaxFailures:     env.Int("CONSOLE_SIGNIN_MAX_FAILURES", 5),
		Lockout:         env.Duration("CONSOLE_SIGNIN_LOCKOUT", 15*time.Minute),
		DialTimeout:     env.Duration("CONSOLE_UPSTREAM_DIAL_TIMEOUT", 3*time.Second),
		UpstreamTimeout: env.Duration("CONSOLE_UPSTREAM_TIMEOUT", 60*time.Second),
		MaxBodyBytes:    env.Int("CONSOLE_MAX_BODY_BYTES", 32<<20),
		WaitsPerClient:  env.Int("CONSOLE_WAITS_PER_CLIENT", edge.DefaultWaitsPerClient),
		TracesURL:       env.String("CONSOLE_TRACES_URL", ""),
		ShutdownGrace:   env.Duration("SHUTDOWN_GRACE", 15*time.Second),
	}
	if err := env.Err(); err != nil {
		fail(log, "bad configuration", err)
	}
	if env.String("AUTH_KEYS", "") != "" {
		fail(log, "bad configuration", errors.New("AUTH_KEYS is set: tokens are signed with CONSOLE_SIGNING_KEY_FILE (Ed25519) now; remove AUTH_KEYS"))
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
	wellKnown := map[string]gin.HandlerFunc{}
	var routes func(gin.IRoutes)
	if c.UsersFile == "" {
		log.Warn("no CONSOLE_USERS_FILE: password sign-in is off")
	} else {
		users, err := signin.LoadUsers(c.UsersFile)
		if err != nil {
			fail(log, "bad configuration: CONSOLE_USERS_FILE", err)
		}
		keys, err := loadSigningKeys(c.SigningKeyFile)
		if err != nil {
			fail(log, "bad configuration: CONSOLE_SIGNING_KEY_FILE", err)
		}
		signer, err := auth.NewSigner(keys[0], c.Issuer, c.TokenTTL)
		if err != nil {
			fail(log, "bad configuration: CONSOLE_TOKEN_TTL", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		db, err := openDatabase(ctx, c.DatabaseDSN, c.MigrationDSN, log)
		cancel()
		if err != nil {
			fail(log, "console could not start: CONSOLE_DATABASE_DSN", err)
		}
		defer postgres.Close(db)
		log.Info("users loaded", "file", c.UsersFile, "users", users.Len(), "issuer", c.Issuer, "key", keys[0].ID)
		var clients *signin.Clients
		if c.ClientsFile != "" {
			if clients, err = signin.LoadClients(c.ClientsFile); err != nil {
				fail(log, "bad configuration: CONSOLE_SERVICE_CLIENTS_FILE", err)
			}
		}
		h := signin.NewHandler(signin.Config{
			NameKey: nameKey(keys[len(keys)-1]),
			Users:   users, Signer: signer, DB: db, RefreshTTL: c.RefreshTTL, Clients: clients,
			PerUser:   signin.LimitPolicy{MaxFailures: c.MaxFailures, Window: c.Lockout, Lockout: c.Lockout},
			PerClient: signin.LimitPolicy{MaxFailures: 4 * c.MaxFailures, Window: c.Lockout, Lockout: c.Lockout},
		}, log)
		signIn = h.SignIn
		pub := signin.NewPublisher(c.Issuer, keys)
		var publics []auth.PublicKey
		for _, k := range keys {
			publics = append(publics, k.Public())
		}
		own, err := auth.NewVerifier(auth.VerifierConfig{Issuer: c.Issuer, Audience: signin.AudienceConsole, Keys: auth.StaticKeys(publics...)})
		if err != nil {
			fail(log, "bad configuration: CONSOLE_ISSUER", err)
		}
		routes = func(r gin.IRoutes) { h.Register(r, own) }
		wellKnown[signin.DiscoveryPath], wellKnown[signin.JWKSPath] = pub.Discovery, pub.JWKS
	}
	e, err := edge.New(edge.Config{
		HTTPAddr: c.HTTPAddr, StaticDir: c.StaticDir, Upstreams: upstreams,
		Transport: edge.NewTransport(c.DialTimeout, c.UpstreamTimeout),
		SignIn:    signIn, Routes: routes, WellKnown: wellKnown, TrustedProxies: c.TrustedProxies, MaxBodyBytes: int64(c.MaxBodyBytes), WaitsPerClient: c.WaitsPerClient, ShutdownGrace: c.ShutdownGrace, TracesURL: c.TracesURL,
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

// loadSigningKeys reads the PEM Ed25519 keys of path, current first, and
// refuses a key whose seed is not random (secrets.Key): an example key
// from the repository would let anyone sign tokens.
func loadSigningKeys(path string) ([]auth.SigningKey, error) {
	if path == "" {
		return nil, errors.New("required with CONSOLE_USERS_FILE: the PEM file of the token signing keys (console gen-key makes one)")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	keys, err := auth.ParseSigningKeys(raw)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if err := secrets.Key("signing key "+k.ID, k.Seed()); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// nameKey is the key of the sign-in counters' name hashes
// (signin.Config.NameKey), derived from a signing key's random seed, so
// that no further secret is to be made and mounted: HMAC-SHA-256 of a label
// under the seed, which gives the seed nothing back. The oldest key of the
// file is used: rotating puts the new key first and keeps the old one for
// an hour, so the counters keep their names through a rotation until the
// old key is removed, when at most one window's counts start afresh.
func nameKey(k auth.SigningKey) []byte {
	m := hmac.New(sha256.New, k.Seed())
	m.Write([]byte("claims console: the sign-in counters' name key"))
	return m.Sum(nil)
}

// openDatabase opens the console's database as its run-time role (dsn),
// after the schema's owner applied its migrations when migrationDSN is set
// (postgres.Prepare): the console then holds a role that may only read and
// write rows.
func openDatabase(ctx context.Context, dsn, migrationDSN string, log *slog.Logger) (*gorm.DB, error) {
	db, err := postgres.Open(ctx, dsn, 8)
	if err != nil {
		return nil, err
	}
	migrations, err := signin.Migrations()
	if err == nil {
		err = postgres.Prepare(ctx, db, migrationDSN, migrations, "CONSOLE", log)
	}
	if err != nil {
		_ = postgres.Close(db)
		return nil, err
	}
	return db, nil
}

// migrate applies the console's migrations as the schema's owner, whose
// DSN is args[0] or CONSOLE_MIGRATION_DSN, and returns the exit code: the
// Kubernetes init container, which alone mounts the owner's password.
func migrate(args []string) int {
	dsn := os.Getenv("CONSOLE_MIGRATION_DSN")
	if len(args) > 0 {
		dsn = args[0]
	}
	if dsn == "" || len(args) > 1 {
		fmt.Fprintln(os.Stderr, "console migrate: want the schema owner's DSN, as the argument or CONSOLE_MIGRATION_DSN")
		return 2
	}
	log := logging.New(os.Stdout, "console", slog.LevelInfo)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	migrations, err := signin.Migrations()
	if err == nil {
		err = postgres.MigrateAs(ctx, dsn, migrations, log)
	}
	if err != nil {
		log.Error("console migrate: CONSOLE_MIGRATION_DSN", "error", err.Error())
		return 1
	}
	log.Info("migrations applied; exiting")
	return 0
}

// genKey prints a new Ed25519 signing key as PEM, for
// CONSOLE_SIGNING_KEY_FILE (put it first to rotate; keep the old one after
// it for an hour).
func genKey() int {
	k, err := auth.GenerateSigningKey()
	if err == nil {
		var raw []byte
		if raw, err = auth.EncodeSigningKeys(k); err == nil {
			_, err = os.Stdout.Write(raw)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "console gen-key:", err)
		return 1
	}
	return 0
}

// enrolTOTP prints {"user", "totp_secret", "uri"} for a new second factor
// of user: the secret goes into the users file, the URI (or the secret) into
// the user's authenticator app. It is shown this once.
func enrolTOTP(user string) int {
	secret, err := auth.NewTOTPSecret()
	if err != nil {
		fmt.Fprintln(os.Stderr, "console enrol-totp:", err)
		return 1
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]string{"user": user, "totp_secret": secret.String(), "uri": secret.URI("claims console", user)}); err != nil {
		fmt.Fprintln(os.Stderr, "console enrol-totp:", err)
		return 1
	}
	return 0
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

package servicekit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"claims.local/pkg/auth"
	"claims.local/pkg/config"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/logging"
	"claims.local/pkg/tracing"
)

// Exit codes of a service's process.
const (
	// ExitFailed: the service could not start, or stopped with an error.
	ExitFailed = 1
	// ExitBadConfig: the configuration in the environment is wrong; the
	// service did not try to start.
	ExitBadConfig = 2
)

// Common is the configuration every service reads the same way. Each
// service's Config embeds it.
type Common struct {
	// Auth says whose tokens the service accepts: the issuer, its keys
	// (found through discovery, or AUTH_JWKS_URL), the service's audience
	// and the claim carrying the roles. The service holds no private key.
	Auth        auth.VerifierConfig
	HTTPAddr    string
	DatabaseDSN string
	// MigrationDSN is the schema owner's DSN the migrations are applied
	// through at start (<NAME>_MIGRATION_DSN); empty, they must have been
	// applied before (the Kubernetes job), and DatabaseDSN's role never
	// may (servicekit.Config).
	MigrationDSN string
	// MigrateOnly is set by the subcommand `migrate [DSN]`: the service
	// applies its migrations as the owner and exits (a Kubernetes init
	// container, which alone mounts the owner's password).
	MigrateOnly bool
	// Kafka is the brokers and the service's own principal on them.
	Kafka         kafkabus.Cluster
	TopicPrefix   string
	ShutdownGrace time.Duration
	// DeadlineSweep is how often the deadline monitor sweeps, and
	// RiskLeadWorkingDays how early an obligation is at risk.
	DeadlineSweep       time.Duration
	RiskLeadWorkingDays int
	// Tracing is where the service sends its traces; no endpoint, no
	// tracing (package tracing).
	Tracing tracing.Config
	// OutboxRetention is how long sent outbox rows are kept before they
	// are deleted (OUTBOX_RETENTION, 7 days by default: issue 17).
	OutboxRetention time.Duration
	// ConsumerMaxAttempts is how many times an event whose handler fails is
	// tried before it is parked as a dead letter (CONSUMER_MAX_ATTEMPTS).
	ConsumerMaxAttempts int
	// ConsumerWorkers is how many events a claim consumer applies at once,
	// each claim's in order (CONSUMER_WORKERS).
	ConsumerWorkers int
	// ConsumerBatch is how many events a claim consumer's worker applies at
	// most in one transaction (CONSUMER_BATCH; 0 applies each in
	// transactions of its own).
	ConsumerBatch int
}

// LoadCommon reads the configuration every service shares from env:
// <NAME>_HTTP_ADDR (default httpAddr), <NAME>_DATABASE_DSN (default the
// service's database and run-time role on `make run`'s PostgreSQL, which
// wants the role's password in it), <NAME>_MIGRATION_DSN (the schema
// owner's, used only at start to migrate; none by default), the KAFKA_ variables (kafkabus.LoadCluster),
// TOPIC_PREFIX, SHUTDOWN_GRACE, DEADLINE_SWEEP_INTERVAL,
// DEADLINE_RISK_LEAD_DAYS, CONSUMER_MAX_ATTEMPTS (tries of a failing
// event before it is parked, 10 by default), CONSUMER_WORKERS (events a
// claim consumer applies at once, each claim's in order, 8 by default),
// CONSUMER_BATCH (events a consumer's worker applies at most in one
// transaction, 16 by default; 0 switches batching off), OUTBOX_RETENTION (how long sent outbox rows are
// kept, 7 days by default), OTEL_EXPORTER_OTLP_ENDPOINT (the OTLP/HTTP base
// URL traces go to; none: no tracing), OTEL_TRACES_SAMPLER_ARG (the share
// of new traces kept, default 1), and the token issuer: AUTH_ISSUER (required:
// every API call is signed in), AUTH_JWKS_URL (default: from the issuer's
// discovery document), AUTH_AUDIENCE (default the service's name) and
// AUTH_ROLES_CLAIM (default "roles"). AUTH_KEYS, the shared HMAC secret of
// before issue 15, is refused: a service that held it could mint tokens.
func LoadCommon(env *config.Env, name, httpAddr string) (Common, error) {
	prefix := strings.ToUpper(name)
	c := Common{
		HTTPAddr:            env.String(prefix+"_HTTP_ADDR", httpAddr),
		DatabaseDSN:         env.String(prefix+"_DATABASE_DSN", "postgres://"+name+"@127.0.0.1:55432/"+name+"?sslmode=disable"),
		MigrationDSN:        env.String(prefix+"_MIGRATION_DSN", ""),
		TopicPrefix:         env.String("TOPIC_PREFIX", ""),
		ShutdownGrace:       env.Duration("SHUTDOWN_GRACE", 15*time.Second),
		DeadlineSweep:       env.Duration("DEADLINE_SWEEP_INTERVAL", 30*time.Second),
		RiskLeadWorkingDays: env.Int("DEADLINE_RISK_LEAD_DAYS", 1),
		OutboxRetention:     env.Duration("OUTBOX_RETENTION", 7*24*time.Hour),
		ConsumerMaxAttempts: env.Int("CONSUMER_MAX_ATTEMPTS", 10),
		ConsumerWorkers:     env.Int("CONSUMER_WORKERS", 8),
		ConsumerBatch:       env.Int("CONSUMER_BATCH", 16),
	}
	if c.ConsumerBatch == 0 {
		c.ConsumerBatch = -1 // off: servicekit.Config's zero means the default
	}
	ratio, err := tracing.ParseRatio(env.String("OTEL_TRACES_SAMPLER_ARG", ""))
	if err != nil {
		return c, fmt.Errorf("OTEL_TRACES_SAMPLER_ARG: %w", err)
	}
	c.Tracing = tracing.Config{Endpoint: env.String("OTEL_EXPORTER_OTLP_ENDPOINT", ""), SampleRatio: ratio}
	kafka, err := kafkabus.LoadCluster(env)
	if err != nil {
		return c, err
	}
	c.Kafka = kafka
	c.Auth = auth.VerifierConfig{
		Issuer:     env.String("AUTH_ISSUER", ""),
		JWKSURL:    env.String("AUTH_JWKS_URL", ""),
		Audience:   env.String("AUTH_AUDIENCE", name),
		RolesClaim: env.String("AUTH_ROLES_CLAIM", "roles"),
	}
	if env.String("AUTH_KEYS", "") != "" {
		return c, fmt.Errorf("AUTH_KEYS is set: services no longer hold a token key; set AUTH_ISSUER (the sign-in URL) and remove AUTH_KEYS")
	}
	if c.Auth.Issuer == "" {
		return c, fmt.Errorf("AUTH_ISSUER is required: the URL of the token issuer (the console's sign-in, or your OpenID Connect provider)")
	}
	return c, nil
}

// Runner is a started service.
type Runner interface {
	Run(ctx context.Context) error
}

// Main is the body of every service's main. It logs JSON lines to standard
// output, reads the shared configuration (LoadCommon) and lets load read
// the service's own from env; a bad value ends the process with
// ExitBadConfig before anything starts. It then starts the service and runs
// it until SIGINT or SIGTERM, ending with ExitFailed if either fails. With
// the arguments `migrate [DSN]` it only applies the migrations as the
// schema's owner (DSN, or <NAME>_MIGRATION_DSN), checks the run-time role
// and exits 0: a Kubernetes init container's command, the only one that
// mounts the owner's password.
func Main[C any](name, httpAddr string, load func(env *config.Env, common Common) (C, error),
	start func(ctx context.Context, cfg C, log *slog.Logger) (Runner, error)) {
	log := logging.New(os.Stdout, name, slog.LevelInfo)
	env := config.FromOS()
	common, err := LoadCommon(env, name, httpAddr)
	if err != nil {
		exit(log, ExitBadConfig, "bad configuration", err)
	}
	if len(os.Args) > 1 {
		if os.Args[1] != "migrate" || len(os.Args) > 3 {
			exit(log, ExitBadConfig, "bad arguments", fmt.Errorf("got %q, want none, or migrate [the owner's DSN]", os.Args[1:]))
		}
		common.MigrateOnly = true
		if len(os.Args) == 3 {
			common.MigrationDSN = os.Args[2]
		}
		if common.MigrationDSN == "" {
			exit(log, ExitBadConfig, "bad configuration", fmt.Errorf("migrate: the schema owner's DSN is required (an argument, or %s_MIGRATION_DSN)", strings.ToUpper(name)))
		}
	}
	cfg, err := load(env, common)
	if err != nil {
		exit(log, ExitBadConfig, "bad configuration", err)
	}
	if err := env.Err(); err != nil {
		exit(log, ExitBadConfig, "bad configuration", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	shutdownTracing, err := tracing.Setup(ctx, name, common.Tracing)
	if err != nil {
		exit(log, ExitBadConfig, "bad configuration", err)
	}
	defer flushTraces(log, shutdownTracing)
	svc, err := start(ctx, cfg, log)
	if common.MigrateOnly && errors.Is(err, ErrMigrated) {
		log.Info("migrations applied; exiting")
		return
	}
	if err != nil {
		stop()
		exit(log, ExitFailed, name+" could not start", err)
	}
	if err := svc.Run(ctx); err != nil {
		stop()
		exit(log, ExitFailed, name+" stopped with an error", err)
	}
}

// flushTraces sends the spans still buffered before the process ends.
func flushTraces(log *slog.Logger, shutdown func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := shutdown(ctx); err != nil {
		log.Warn("flushing traces", "error", err.Error())
	}
}

func exit(log *slog.Logger, code int, msg string, err error) {
	log.Error(msg, "error", err.Error())
	os.Exit(code)
}

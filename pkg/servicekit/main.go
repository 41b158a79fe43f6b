package servicekit

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"claims.local/pkg/auth"
	"claims.local/pkg/config"
	"claims.local/pkg/logging"
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
	// AuthKeys verify the bearer tokens of API calls (current key first).
	AuthKeys      []auth.Key
	HTTPAddr      string
	DatabaseDSN   string
	KafkaBrokers  []string
	TopicPrefix   string
	ShutdownGrace time.Duration
	// DeadlineSweep is how often the deadline monitor sweeps, and
	// RiskLeadWorkingDays how early an obligation is at risk.
	DeadlineSweep       time.Duration
	RiskLeadWorkingDays int
	// ConsumerMaxAttempts is how many times an event whose handler fails is
	// tried before it is parked as a dead letter (CONSUMER_MAX_ATTEMPTS).
	ConsumerMaxAttempts int
}

// LoadCommon reads the configuration every service shares from env:
// <NAME>_HTTP_ADDR (default httpAddr), <NAME>_DATABASE_DSN (default the
// service's database on `make run`'s PostgreSQL), KAFKA_BROKERS,
// TOPIC_PREFIX, SHUTDOWN_GRACE, DEADLINE_SWEEP_INTERVAL,
// DEADLINE_RISK_LEAD_DAYS, CONSUMER_MAX_ATTEMPTS and AUTH_KEYS, which has no default: every API
// call is signed in.
func LoadCommon(env *config.Env, name, httpAddr string) (Common, error) {
	prefix := strings.ToUpper(name)
	c := Common{
		HTTPAddr:            env.String(prefix+"_HTTP_ADDR", httpAddr),
		DatabaseDSN:         env.String(prefix+"_DATABASE_DSN", "postgres://postgres@127.0.0.1:55432/"+name+"?sslmode=disable"),
		KafkaBrokers:        env.List("KAFKA_BROKERS", []string{"127.0.0.1:59092"}),
		TopicPrefix:         env.String("TOPIC_PREFIX", ""),
		ShutdownGrace:       env.Duration("SHUTDOWN_GRACE", 15*time.Second),
		DeadlineSweep:       env.Duration("DEADLINE_SWEEP_INTERVAL", 30*time.Second),
		RiskLeadWorkingDays: env.Int("DEADLINE_RISK_LEAD_DAYS", 1),
		ConsumerMaxAttempts: env.Int("CONSUMER_MAX_ATTEMPTS", 10),
	}
	keys, err := auth.ParseKeys(env.String("AUTH_KEYS", ""))
	if err != nil {
		return c, fmt.Errorf("AUTH_KEYS must hold the token keys as id:secret[,id:secret] (current first): %w", err)
	}
	c.AuthKeys = keys
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
// it until SIGINT or SIGTERM, ending with ExitFailed if either fails.
func Main[C any](name, httpAddr string, load func(env *config.Env, common Common) (C, error),
	start func(ctx context.Context, cfg C, log *slog.Logger) (Runner, error)) {
	log := logging.New(os.Stdout, name, slog.LevelInfo)
	env := config.FromOS()
	common, err := LoadCommon(env, name, httpAddr)
	if err != nil {
		exit(log, ExitBadConfig, "bad configuration", err)
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
	svc, err := start(ctx, cfg, log)
	if err != nil {
		stop()
		exit(log, ExitFailed, name+" could not start", err)
	}
	if err := svc.Run(ctx); err != nil {
		stop()
		exit(log, ExitFailed, name+" stopped with an error", err)
	}
}

func exit(log *slog.Logger, code int, msg string, err error) {
	log.Error(msg, "error", err.Error())
	os.Exit(code)
}

// Command payout runs the payout service: payment obligations from
// agreements, execution through the (simulated) bank, the finance events
// and the result notices.
package main

import (
	_ "time/tzdata" // Asia/Shanghai without relying on the host's zone files

	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"claims.local/payout/internal/service"
	"claims.local/pkg/auth"
	"claims.local/pkg/config"
	"claims.local/pkg/logging"
	"claims.local/pkg/sealed"
)

func main() {
	log := logging.New(os.Stdout, "payout", slog.LevelInfo)
	env := config.FromOS()
	cfg := service.Config{
		HTTPAddr:            env.String("PAYOUT_HTTP_ADDR", "127.0.0.1:8083"),
		DatabaseDSN:         env.String("PAYOUT_DATABASE_DSN", "postgres://postgres@127.0.0.1:55432/payout?sslmode=disable"),
		KafkaBrokers:        env.List("KAFKA_BROKERS", []string{"127.0.0.1:59092"}),
		TopicPrefix:         env.String("TOPIC_PREFIX", ""),
		ShutdownGrace:       env.Duration("SHUTDOWN_GRACE", 15*time.Second),
		ExecuteInterval:     env.Duration("PAYOUT_EXECUTE_INTERVAL", 250*time.Millisecond),
		ResealInterval:      env.Duration("PAYOUT_RESEAL_INTERVAL", 10*time.Minute),
		BankLatency:         env.Duration("PAYOUT_BANK_SIM_LATENCY", 500*time.Millisecond),
		Fault:               env.String("PAYOUT_FAULT", ""),
		DeadlineSweep:       env.Duration("DEADLINE_SWEEP_INTERVAL", 30*time.Second),
		RiskLeadWorkingDays: env.Int("DEADLINE_RISK_LEAD_DAYS", 1),
		// Segregation of duties above RMB 5,000 (issue 14).
		PayeeConfirmationThresholdFen: int64(env.Int("PAYOUT_PAYEE_CONFIRMATION_THRESHOLD_FEN", 500000)),
		AdjudicationURL:               env.String("PAYOUT_ADJUDICATION_URL", "http://127.0.0.1:8082"),
		ThreeWayHour:                  env.Int("PAYOUT_THREE_WAY_HOUR", 1),
		ThreeWayInterval:              env.Duration("PAYOUT_THREE_WAY_INTERVAL", 5*time.Minute),
	}
	keys, err := auth.ParseKeys(env.String("AUTH_KEYS", ""))
	if err != nil {
		log.Error("bad configuration: AUTH_KEYS must hold the token keys as id:secret[,id:secret] (current first)", "error", err.Error())
		os.Exit(2)
	}
	cfg.AuthKeys = keys
	dataKeys, err := sealed.ParseKeys(env.String("PAYOUT_DATA_KEYS", ""))
	if err != nil {
		log.Error("bad configuration: PAYOUT_DATA_KEYS must hold the payee data keys as id:base64key[,id:base64key] (current first, 32-byte keys)", "error", err.Error())
		os.Exit(2)
	}
	cfg.DataKeys = dataKeys
	if err := env.Err(); err != nil {
		log.Error("bad configuration", "error", err.Error())
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	svc, err := service.Start(ctx, cfg, log)
	if err != nil {
		log.Error("payout could not start", "error", err.Error())
		os.Exit(1)
	}
	if err := svc.Run(ctx); err != nil {
		log.Error("payout stopped with an error", "error", err.Error())
		os.Exit(1)
	}
}

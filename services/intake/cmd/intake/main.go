// Command intake runs the intake service: incident reports and claim requests.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"claims.local/intake/internal/service"
	"claims.local/pkg/auth"
	"claims.local/pkg/config"
	"claims.local/pkg/logging"
)

func main() {
	log := logging.New(os.Stdout, "intake", slog.LevelInfo)
	env := config.FromOS()
	cfg := service.Config{
		HTTPAddr:      env.String("INTAKE_HTTP_ADDR", "127.0.0.1:8081"),
		DatabaseDSN:   env.String("INTAKE_DATABASE_DSN", "postgres://postgres@127.0.0.1:55432/intake?sslmode=disable"),
		KafkaBrokers:  env.List("KAFKA_BROKERS", []string{"127.0.0.1:59092"}),
		TopicPrefix:   env.String("TOPIC_PREFIX", ""),
		ShutdownGrace: env.Duration("SHUTDOWN_GRACE", 15*time.Second),
	}
	keys, err := auth.ParseKeys(env.String("AUTH_KEYS", ""))
	if err != nil {
		log.Error("bad configuration: AUTH_KEYS must hold the token keys as id:secret[,id:secret] (current first)", "error", err.Error())
		os.Exit(2)
	}
	cfg.AuthKeys = keys
	if err := env.Err(); err != nil {
		log.Error("bad configuration", "error", err.Error())
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	svc, err := service.Start(ctx, cfg, log)
	if err != nil {
		log.Error("intake could not start", "error", err.Error())
		os.Exit(1)
	}
	if err := svc.Run(ctx); err != nil {
		log.Error("intake stopped with an error", "error", err.Error())
		os.Exit(1)
	}
}

// Command intake runs the intake service: incident reports and their
// guidance checklists, supporting documents read by OCR, the notice of
// missing documents, and claim requests handed to adjudication.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"claims.local/intake/internal/service"
	"claims.local/pkg/auth"
	"claims.local/pkg/config"
	"claims.local/pkg/document"
	"claims.local/pkg/document/ocr"
	"claims.local/pkg/logging"
)

func main() {
	// Tesseract's OpenMP runtime reads its thread limit when the program
	// is loaded: restart with OMP_THREAD_LIMIT=1 before anything else.
	if err := ocr.RestartSingleThreaded(); err != nil {
		fmt.Fprintln(os.Stderr, "intake:", err)
		os.Exit(1)
	}
	log := logging.New(os.Stdout, "intake", slog.LevelInfo)
	env := config.FromOS()
	limits := document.DefaultLimits()
	cfg := service.Config{
		HTTPAddr:            env.String("INTAKE_HTTP_ADDR", "127.0.0.1:8081"),
		DatabaseDSN:         env.String("INTAKE_DATABASE_DSN", "postgres://postgres@127.0.0.1:55432/intake?sslmode=disable"),
		KafkaBrokers:        env.List("KAFKA_BROKERS", []string{"127.0.0.1:59092"}),
		TopicPrefix:         env.String("TOPIC_PREFIX", ""),
		ShutdownGrace:       env.Duration("SHUTDOWN_GRACE", 15*time.Second),
		DeadlineSweep:       env.Duration("DEADLINE_SWEEP_INTERVAL", 30*time.Second),
		RiskLeadWorkingDays: env.Int("DEADLINE_RISK_LEAD_DAYS", 1),
		StorageDir:          env.String("INTAKE_STORAGE_DIR", ".local/documents"),
		OCRWorkers:          env.Int("INTAKE_OCR_WORKERS", 1),
		UploadLimits: document.Limits{
			MaxBytes:         int64(env.Int("INTAKE_UPLOAD_MAX_BYTES", int(limits.MaxBytes))),
			MaxPages:         env.Int("INTAKE_UPLOAD_MAX_PAGES", limits.MaxPages),
			MaxPixelsPerPage: int64(env.Int("INTAKE_UPLOAD_MAX_PIXELS", int(limits.MaxPixelsPerPage))),
		},
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
	if cfg.OCRWorkers < 0 || cfg.OCRWorkers > 64 {
		log.Error("bad configuration: INTAKE_OCR_WORKERS must be between 0 (this instance reads no documents) and 64", "value", cfg.OCRWorkers)
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

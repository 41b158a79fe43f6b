// Command adjudication runs the adjudication service: cases, checks,
// decisions, rejection notices and agreements.
package main

import (
	"context"
	"encoding/hex"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"claims.local/adjudication/internal/adapters/letter"
	"claims.local/adjudication/internal/domain"
	"claims.local/adjudication/internal/service"
	"claims.local/pkg/auth"
	"claims.local/pkg/config"
	"claims.local/pkg/logging"
)

func main() {
	log := logging.New(os.Stdout, "adjudication", slog.LevelInfo)
	env := config.FromOS()
	cfg := service.Config{
		HTTPAddr:            env.String("ADJUDICATION_HTTP_ADDR", "127.0.0.1:8082"),
		DatabaseDSN:         env.String("ADJUDICATION_DATABASE_DSN", "postgres://postgres@127.0.0.1:55432/adjudication?sslmode=disable"),
		KafkaBrokers:        env.List("KAFKA_BROKERS", []string{"127.0.0.1:59092"}),
		TopicPrefix:         env.String("TOPIC_PREFIX", ""),
		ShutdownGrace:       env.Duration("SHUTDOWN_GRACE", 15*time.Second),
		Fault:               env.String("ADJUDICATION_FAULT", ""),
		DeadlineSweep:       env.Duration("DEADLINE_SWEEP_INTERVAL", 30*time.Second),
		RiskLeadWorkingDays: env.Int("DEADLINE_RISK_LEAD_DAYS", 1),
		Issuer: domain.LetterIssuer{
			CompanyName:    env.String("ADJUDICATION_LETTER_COMPANY_NAME", "示例人寿保险股份有限公司"),
			CompanyAddress: env.String("ADJUDICATION_LETTER_COMPANY_ADDRESS", "北京市西城区金融大街1号"),
			ServicePhone:   env.String("ADJUDICATION_LETTER_SERVICE_PHONE", "400-000-0000"),
			ReviewProcedure: env.String("ADJUDICATION_LETTER_REVIEW_PROCEDURE",
				"如您对本核定结果有异议，可自收到本通知书之日起六十日内，携带本通知书及补充证明材料，到我公司任一客户服务柜面或通过客户服务电话提出书面复核申请或投诉；"+
					"我公司将自受理之日起十个工作日内书面答复。"),
		},
		LetterFonts: letter.Fonts{
			CJK:   env.String("ADJUDICATION_LETTER_FONT_CJK", letter.DefaultFontPath),
			Latin: env.String("ADJUDICATION_LETTER_FONT_LATIN", letter.DefaultLatinFontPath),
		},
	}
	limits, err := service.ParseAuthorityLimits(env.String("ADJUDICATION_AUTHORITY_LIMITS", "handler:5000000,senior_handler:unlimited"))
	if err != nil {
		log.Error("bad configuration: ADJUDICATION_AUTHORITY_LIMITS", "error", err.Error())
		os.Exit(2)
	}
	cfg.AuthorityLimits = limits
	blocking, err := domain.ParseSignalKinds(env.String("ADJUDICATION_BLOCKING_SIGNALS", "employee_account,shared_account"))
	if err != nil {
		log.Error("bad configuration: ADJUDICATION_BLOCKING_SIGNALS", "error", err.Error())
		os.Exit(2)
	}
	cfg.Signals = domain.SignalPolicy{Blocking: blocking, BurstClaims: env.Int("ADJUDICATION_BURST_CLAIMS", 3),
		BurstWindow: env.Duration("ADJUDICATION_BURST_WINDOW", 90*24*time.Hour)}
	if cfg.SignalKey, err = hex.DecodeString(env.String("ADJUDICATION_SIGNAL_KEY", "")); err != nil {
		log.Error("bad configuration: ADJUDICATION_SIGNAL_KEY must be hex (32 bytes)", "error", err.Error())
		os.Exit(2)
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
		log.Error("adjudication could not start", "error", err.Error())
		os.Exit(1)
	}
	if err := svc.Run(ctx); err != nil {
		log.Error("adjudication stopped with an error", "error", err.Error())
		os.Exit(1)
	}
}

// Command adjudication runs the adjudication service: cases, checks,
// decisions, rejection notices and agreements.
package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"claims.local/adjudication/internal/adapters/letter"
	"claims.local/adjudication/internal/domain"
	"claims.local/adjudication/internal/service"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/config"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/sealed"
	"claims.local/pkg/secrets"
	"claims.local/pkg/servicekit"
)

func main() {
	servicekit.Main("adjudication", "127.0.0.1:8082", load, func(ctx context.Context, cfg service.Config, log *slog.Logger) (servicekit.Runner, error) {
		return service.Start(ctx, cfg, log)
	})
}

// load reads adjudication's own configuration; common is what every
// service reads.
func load(env *config.Env, common servicekit.Common) (service.Config, error) {
	cfg := service.Config{
		Common: common,
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
		// Session 16: the ?wait= requests an instance holds at once over
		// all callers.
		MaxWaits: env.Int("ADJUDICATION_MAX_WAITS", 256),
	}
	limits, err := service.ParseAuthorityLimits(env.String("ADJUDICATION_AUTHORITY_LIMITS", "handler:5000000,senior_handler:unlimited"))
	if err != nil {
		return cfg, fmt.Errorf("ADJUDICATION_AUTHORITY_LIMITS: %w", err)
	}
	cfg.AuthorityLimits = limits
	blocking, err := domain.ParseSignalKinds(env.String("ADJUDICATION_BLOCKING_SIGNALS", "employee_account,shared_account"))
	if err != nil {
		return cfg, fmt.Errorf("ADJUDICATION_BLOCKING_SIGNALS: %w", err)
	}
	cfg.Signals = domain.SignalPolicy{Blocking: blocking, BurstClaims: env.Int("ADJUDICATION_BURST_CLAIMS", 3),
		BurstWindow: env.Duration("ADJUDICATION_BURST_WINDOW", 90*24*time.Hour)}
	if cfg.SignalKey, err = hex.DecodeString(env.String("ADJUDICATION_SIGNAL_KEY", "")); err != nil {
		return cfg, fmt.Errorf("ADJUDICATION_SIGNAL_KEY must be hex (32 bytes): %w", err)
	}
	if len(cfg.SignalKey) > 0 {
		if err := secrets.Key("ADJUDICATION_SIGNAL_KEY", cfg.SignalKey); err != nil {
			return cfg, err
		}
	}
	// The keys of the accounts' and names' fingerprints on the topics
	// (bankaccount.Fingerprints), the same as intake's and payout's.
	if cfg.Fingerprints, err = bankaccount.ParseFingerprints(env.String("ADJUDICATION_FINGERPRINT_KEYS", "")); err != nil {
		return cfg, fmt.Errorf("ADJUDICATION_FINGERPRINT_KEYS must hold the fingerprint keys as id:base64key[,id:base64key] (current first, 32-byte keys; the value of INTAKE_FINGERPRINT_KEYS and PAYOUT_FINGERPRINT_KEYS): %w", err)
	}
	// Issue 15: the key payment instructions are signed with; payout
	// trusts its public key (PAYOUT_TRUSTED_INSTRUCTION_KEYS).
	if cfg.Instructions, err = signing.ParseSigner(env.String("ADJUDICATION_SIGNING_KEY", "")); err != nil {
		return cfg, fmt.Errorf("ADJUDICATION_SIGNING_KEY must hold adjudication's Ed25519 key as id:base64seed (claimsctl signing-key makes a pair): %w", err)
	}
	// The attack review of issue 19: intake's public keys; a claim request
	// not signed by one of them (INTAKE_SIGNING_KEY) opens no case.
	if cfg.TrustedRequests, err = signing.ParseTrusted("intake", env.String("ADJUDICATION_TRUSTED_INTAKE_KEYS", "")); err != nil {
		return cfg, fmt.Errorf("ADJUDICATION_TRUSTED_INTAKE_KEYS must hold intake's public keys as id:base64key[,id:base64key] (claimsctl signing-key makes a pair): %w", err)
	}
	// Issue 17: payout's public key the payees of payment instructions are
	// sealed for; payout holds the private key (PAYOUT_PAYEE_OPEN_KEYS).
	if cfg.Payees, err = sealed.ParseSealer(env.String("ADJUDICATION_PAYEE_SEAL_KEY", "")); err != nil {
		return cfg, fmt.Errorf("ADJUDICATION_PAYEE_SEAL_KEY must hold payout's X25519 public key as id:base64key (claimsctl payee-key makes a pair): %w", err)
	}
	// Issue 19: the straight-through path for small clean claims.
	auto := domain.DefaultAutoPolicy()
	cfg.AutoEnabled = env.String("ADJUDICATION_AUTO_ENABLED", "true") == "true"
	cfg.Auto = domain.AutoPolicy{LimitFen: int64(env.Int("ADJUDICATION_AUTO_LIMIT_FEN", int(auto.LimitFen))),
		SampleBP: env.Int("ADJUDICATION_AUTO_SAMPLE_BP", auto.SampleBP)}
	if cfg.Auto.MinConfidence, err = strconv.ParseFloat(env.String("ADJUDICATION_AUTO_MIN_CONFIDENCE", "0.9"), 64); err != nil ||
		cfg.Auto.MinConfidence < 0 || cfg.Auto.MinConfidence > 1 {
		return cfg, fmt.Errorf("ADJUDICATION_AUTO_MIN_CONFIDENCE must be a number from 0 to 1")
	}
	if cfg.Auto.MinCorroborable, err = strconv.ParseFloat(env.String("ADJUDICATION_AUTO_MIN_CORROBORABLE", "0.8"), 64); err != nil ||
		cfg.Auto.MinCorroborable < 0 || cfg.Auto.MinCorroborable > cfg.Auto.MinConfidence {
		return cfg, fmt.Errorf("ADJUDICATION_AUTO_MIN_CORROBORABLE must be a number from 0 to ADJUDICATION_AUTO_MIN_CONFIDENCE")
	}
	if cfg.Auto.LimitFen < 0 || cfg.Auto.SampleBP < 0 || cfg.Auto.SampleBP > 10000 {
		return cfg, fmt.Errorf("ADJUDICATION_AUTO_LIMIT_FEN must be 0 or more and ADJUDICATION_AUTO_SAMPLE_BP from 0 to 10000 (500 = 5%%)")
	}
	return cfg, nil
}

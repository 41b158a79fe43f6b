// Command payout runs the payout service: payment obligations from
// agreements, execution through the (simulated) bank, the finance events
// and the result notices.
package main

import (
	_ "time/tzdata" // Asia/Shanghai without relying on the host's zone files

	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"claims.local/payout/internal/service"
	"claims.local/pkg/auth"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/config"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/holdercheck"
	"claims.local/pkg/sealed"
	"claims.local/pkg/secrets"
	"claims.local/pkg/servicekit"
)

func main() {
	servicekit.Main("payout", "127.0.0.1:8083", load, func(ctx context.Context, cfg service.Config, log *slog.Logger) (servicekit.Runner, error) {
		return service.Start(ctx, cfg, log)
	})
}

// load reads payout's own configuration; common is what every service reads.
func load(env *config.Env, common servicekit.Common) (service.Config, error) {
	cfg := service.Config{
		Common:          common,
		ExecuteInterval: env.Duration("PAYOUT_EXECUTE_INTERVAL", 250*time.Millisecond),
		NotifyInterval:  env.Duration("PAYOUT_NOTIFY_INTERVAL", time.Second),
		ResealInterval:  env.Duration("PAYOUT_RESEAL_INTERVAL", 10*time.Minute),
		BankLatency:     env.Duration("PAYOUT_BANK_SIM_LATENCY", 500*time.Millisecond),
		// Segregation of duties above RMB 5,000 (issue 14).
		PayeeConfirmationThresholdFen: int64(env.Int("PAYOUT_PAYEE_CONFIRMATION_THRESHOLD_FEN", 500000)),
		AdjudicationURL:               env.String("PAYOUT_ADJUDICATION_URL", "http://127.0.0.1:8082"),
		ThreeWayHour:                  env.Int("PAYOUT_THREE_WAY_HOUR", 1),
		ThreeWayInterval:              env.Duration("PAYOUT_THREE_WAY_INTERVAL", 5*time.Minute),
	}
	dataKeys, err := sealed.ParseKeys(env.String("PAYOUT_DATA_KEYS", ""))
	if err != nil {
		return cfg, fmt.Errorf("PAYOUT_DATA_KEYS must hold the payee data keys as id:base64key[,id:base64key] (current first, 32-byte keys): %w", err)
	}
	cfg.DataKeys = dataKeys
	// Issue 15: adjudication's public keys, by key id; only instructions
	// signed by one of them are paid.
	trusted, err := signing.ParseTrusted("adjudication", env.String("PAYOUT_TRUSTED_INSTRUCTION_KEYS", ""))
	if err != nil {
		return cfg, fmt.Errorf("PAYOUT_TRUSTED_INSTRUCTION_KEYS must hold adjudication's public keys as id:base64key[,id:base64key] (claimsctl signing-key makes a pair): %w", err)
	}
	cfg.TrustedInstructions = trusted
	// Payout's service principal asks the sign-in for its token to call
	// adjudication (the client credentials grant); it holds no signing key.
	if secret := env.String("PAYOUT_CLIENT_SECRET", ""); secret != "" {
		if err := secrets.Text("PAYOUT_CLIENT_SECRET", secret); err != nil {
			return cfg, err
		}
		cfg.AdjudicationToken = auth.NewClientCredentials(auth.ClientCredentialsConfig{
			TokenURL: env.String("PAYOUT_TOKEN_URL", strings.TrimRight(common.Auth.Issuer, "/")+"/api/auth/token"),
			ClientID: env.String("PAYOUT_CLIENT_ID", "payout"), Secret: secret, Audience: auth.AudienceAdjudication,
		}).Token
	}
	// Whom payout asks whether a payee supplied in payout holds its
	// account: the bank's verification service (an http(s) URL), the
	// simulator, or nobody ("", none).
	if cfg.HolderCheck, err = holdercheck.ParseSetting("PAYOUT_HOLDER_CHECK", env.String("PAYOUT_HOLDER_CHECK", "")); err != nil {
		return cfg, err
	}
	cfg.HolderTimeout = env.Duration("PAYOUT_HOLDER_CHECK_TIMEOUT", 3*time.Second)
	// Issue 17: payout's private keys the payees of instructions are sealed
	// for (current first; adjudication holds the public key).
	if cfg.PayeeKeys, err = sealed.ParseOpener(env.String("PAYOUT_PAYEE_OPEN_KEYS", "")); err != nil {
		return cfg, fmt.Errorf("PAYOUT_PAYEE_OPEN_KEYS must hold payout's X25519 private keys as id:base64key[,id:base64key] (claimsctl payee-key makes a pair): %w", err)
	}
	// The keys of the accounts' and names' fingerprints on the topics
	// (bankaccount.Fingerprints), the same as intake's and adjudication's.
	if cfg.Fingerprints, err = bankaccount.ParseFingerprints(env.String("PAYOUT_FINGERPRINT_KEYS", "")); err != nil {
		return cfg, fmt.Errorf("PAYOUT_FINGERPRINT_KEYS must hold the fingerprint keys as id:base64key[,id:base64key] (current first, 32-byte keys; the value of INTAKE_FINGERPRINT_KEYS and ADJUDICATION_FINGERPRINT_KEYS): %w", err)
	}
	return cfg, nil
}

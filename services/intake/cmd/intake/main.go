// Command intake runs the intake service: incident reports and their
// guidance checklists, supporting documents read by OCR, the notice of
// missing documents, and claim requests handed to adjudication.
package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"claims.local/intake/internal/service"
	"claims.local/pkg/bankaccount"
	"claims.local/pkg/config"
	"claims.local/pkg/document"
	"claims.local/pkg/document/ocr"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/holdercheck"
	"claims.local/pkg/sealed"
	"claims.local/pkg/secrets"
	"claims.local/pkg/servicekit"
)

func main() {
	// Tesseract's OpenMP runtime reads its thread limit when the program
	// is loaded: restart with OMP_THREAD_LIMIT=1 before anything else.
	if err := ocr.RestartSingleThreaded(); err != nil {
		fmt.Fprintln(os.Stderr, "intake:", err)
		os.Exit(servicekit.ExitFailed)
	}
	servicekit.Main("intake", "127.0.0.1:8081", load, func(ctx context.Context, cfg service.Config, log *slog.Logger) (servicekit.Runner, error) {
		return service.Start(ctx, cfg, log)
	})
}

// secondModel returns the second OCR model named by
// INTAKE_OCR_SECOND_MODEL, "" (none) for "none". It is on by default since
// issue 19's measurement (branch i19z): 4 more of the benchmark's 70 clean
// scanned claims decided without a person, none of its look-alike names
// confirmed, about 5% more CPU a page.
func secondModel(name string) string {
	if name == "none" {
		return ""
	}
	return name
}

// installedNamesModelDir is where make install puts the names' OCR model
// (deployments/local/infra.sh names_model_install), relative to the
// directory intake runs in, as INTAKE_STORAGE_DIR's default is.
const installedNamesModelDir = ".local/tessdata"

// namesModelDir returns the directory of the names' OCR model named by
// INTAKE_OCR_NAMES_MODEL_DIR: "" (none) for "none"; for "auto", the
// default, installedNamesModelDir when make install put the model there,
// else none, so that a checkout set up without it reads names as before;
// any other value as given (ocr.New then refuses to start without the
// model there). Taking its sure reading of a name was measured on issue
// 19's benchmark (branch s14d; README).
func namesModelDir(setting string) string {
	switch setting {
	case "none":
		return ""
	case "auto":
		if _, err := os.Stat(filepath.Join(installedNamesModelDir, "chi_sim.traineddata")); err != nil {
			return ""
		}
		return installedNamesModelDir
	}
	return setting
}

// load reads intake's own configuration; common is what every service
// reads.
func load(env *config.Env, common servicekit.Common) (service.Config, error) {
	limits := document.DefaultLimits()
	cfg := service.Config{
		Common:     common,
		StorageDir: env.String("INTAKE_STORAGE_DIR", ".local/documents"),
		OCRWorkers: env.Int("INTAKE_OCR_WORKERS", 1),
		// Issue 19: the second model that reads a name in doubt again,
		// HanS unless "none".
		OCRSecondModel: secondModel(env.String("INTAKE_OCR_SECOND_MODEL", "HanS")),
		// Issue 19: the model that reads a receipt's total in figures
		// again when the first reading left it uncorroborated, eng
		// unless "none".
		OCRFiguresModel: secondModel(env.String("INTAKE_OCR_FIGURES_MODEL", "eng")),
		// Issue 19: a name's value read again alone, enlarged, kept for
		// a person to see, when "on" (it confirms nothing).
		OCRRereadNames: env.String("INTAKE_OCR_REREAD_NAMES", "off") == "on",
		// Issue 19: the names' OCR model's directory (namesModelDir).
		OCRNamesModelDir: namesModelDir(env.String("INTAKE_OCR_NAMES_MODEL_DIR", "auto")),
		// Issue 17: how often files under an old data key are resealed.
		ResealInterval: env.Duration("INTAKE_RESEAL_INTERVAL", 10*time.Minute),
		UploadLimits: document.Limits{
			MaxBytes:         int64(env.Int("INTAKE_UPLOAD_MAX_BYTES", int(limits.MaxBytes))),
			MaxPages:         env.Int("INTAKE_UPLOAD_MAX_PAGES", limits.MaxPages),
			MaxPixelsPerPage: int64(env.Int("INTAKE_UPLOAD_MAX_PIXELS", int(limits.MaxPixelsPerPage))),
			MaxDecodeBytes:   int64(env.Int("INTAKE_UPLOAD_MAX_DECODE_BYTES", int(limits.MaxDecodeBytes))),
		},
		UploadSlots:      env.Int("INTAKE_UPLOAD_CONCURRENCY", 2),
		UploadWait:       env.Duration("INTAKE_UPLOAD_WAIT", 3*time.Second),
		UploadsPerCaller: env.Int("INTAKE_UPLOADS_PER_CALLER", 4),
		UploadSpoolBytes: int64(env.Int("INTAKE_UPLOAD_SPOOL_BYTES", 256<<20)),
		// Red team, session 17: how long a hand-over waits for
		// adjudication's signed receipt before its alarm.
		HandOverConfirmWithin: env.Duration("INTAKE_HANDOVER_CONFIRM_WITHIN", 5*time.Minute),
	}
	// Issue 17: the keys stored documents are encrypted with.
	dataKeys, err := sealed.ParseKeys(env.String("INTAKE_DATA_KEYS", ""))
	if err != nil {
		return cfg, fmt.Errorf("INTAKE_DATA_KEYS must hold the document data keys as id:base64key[,id:base64key] (current first, 32-byte keys): %w", err)
	}
	cfg.DataKeys = dataKeys
	// The keys of the accounts' and names' fingerprints on the topics
	// (bankaccount.Fingerprints), the same as adjudication's and payout's.
	if cfg.Fingerprints, err = bankaccount.ParseFingerprints(env.String("INTAKE_FINGERPRINT_KEYS", "")); err != nil {
		return cfg, fmt.Errorf("INTAKE_FINGERPRINT_KEYS must hold the fingerprint keys as id:base64key[,id:base64key] (current first, 32-byte keys; the value of ADJUDICATION_FINGERPRINT_KEYS and PAYOUT_FINGERPRINT_KEYS): %w", err)
	}
	// The attack review of issue 19: the key claim requests are signed
	// with; adjudication trusts its public key
	// (ADJUDICATION_TRUSTED_INTAKE_KEYS).
	if cfg.Requests, err = signing.ParseSigner(env.String("INTAKE_SIGNING_KEY", "")); err != nil {
		return cfg, fmt.Errorf("INTAKE_SIGNING_KEY must hold intake's Ed25519 key as id:base64seed (claimsctl signing-key makes a pair): %w", err)
	}
	// Red team, session 12: calendar versions are published by
	// adjudication alone, signed with its key; intake applies only those.
	if cfg.TrustedCalendar, err = signing.ParseTrusted("adjudication", env.String("INTAKE_TRUSTED_CALENDAR_KEYS", "")); err != nil {
		return cfg, fmt.Errorf("INTAKE_TRUSTED_CALENDAR_KEYS must hold adjudication's public keys as id:base64key[,id:base64key] (the value of PAYOUT_TRUSTED_INSTRUCTION_KEYS): %w", err)
	}
	// Issue 19: the payee of an advance agreement is sealed for payout's
	// public key (the value of ADJUDICATION_PAYEE_SEAL_KEY), and its
	// account hashed with adjudication's signal key for the fraud signals.
	if k := env.String("INTAKE_PAYEE_SEAL_KEY", ""); k != "" {
		if cfg.Payees, err = sealed.ParseSealer(k); err != nil {
			return cfg, fmt.Errorf("INTAKE_PAYEE_SEAL_KEY must hold payout's X25519 public key as id:base64key (claimsctl payee-key makes a pair): %w", err)
		}
	}
	if cfg.SignalKey, err = hex.DecodeString(env.String("INTAKE_SIGNAL_KEY", "")); err != nil {
		return cfg, fmt.Errorf("INTAKE_SIGNAL_KEY must be hex (32 bytes), the value of ADJUDICATION_SIGNAL_KEY: %w", err)
	}
	if len(cfg.SignalKey) > 0 {
		if err := secrets.Key("INTAKE_SIGNAL_KEY", cfg.SignalKey); err != nil {
			return cfg, err
		}
	}
	// Issue 19: whom intake asks whether an advance payee's account is
	// held by the payee's name: the bank's verification service (an
	// http(s) URL), the simulator, or nobody ("", none).
	if cfg.HolderCheck, err = holdercheck.ParseSetting("INTAKE_HOLDER_CHECK", env.String("INTAKE_HOLDER_CHECK", "")); err != nil {
		return cfg, err
	}
	cfg.HolderTimeout = env.Duration("INTAKE_HOLDER_CHECK_TIMEOUT", 3*time.Second)
	if cfg.OCRWorkers < 0 || cfg.OCRWorkers > 64 {
		return cfg, fmt.Errorf("INTAKE_OCR_WORKERS must be between 0 (this instance reads no documents) and 64; got %d", cfg.OCRWorkers)
	}
	return cfg, nil
}

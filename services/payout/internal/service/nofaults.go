//go:build !faults

package service

import (
	"log/slog"

	"claims.local/payout/internal/app"
)

// withFaults returns bank unchanged: production binaries inject no faults
// (faults.go, built with -tags faults, does for the end-to-end tests).
func withFaults(bank app.Bank, _ *slog.Logger) (app.Bank, error) { return bank, nil }

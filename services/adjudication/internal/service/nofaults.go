//go:build !faults

package service

import (
	"log/slog"

	"claims.local/pkg/kafkabus"
)

// withFaults returns handle unchanged: production binaries inject no
// faults (faults.go, built with -tags faults, does for the end-to-end
// tests).
func withFaults(handle kafkabus.Handler, _ *slog.Logger) (kafkabus.Handler, error) {
	return handle, nil
}

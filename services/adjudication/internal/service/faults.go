//go:build faults

package service

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"syscall"

	"claims.local/pkg/events"
	"claims.local/pkg/kafkabus"
)

// This file is compiled only into the fault-injection binaries the
// end-to-end tests run (go build -tags faults, bin/faults/adjudication);
// production binaries carry none of it.

// faultCrashAfterApply (ADJUDICATION_FAULT) makes the process kill itself
// (SIGKILL) after the database commit of the first claim request it
// applies, before the consumer commits the Kafka offset.
const faultCrashAfterApply = "crash-after-apply"

// withFaults wraps the claim-request handler with the fault
// ADJUDICATION_FAULT names, if any.
func withFaults(handle kafkabus.Handler, log *slog.Logger) (kafkabus.Handler, error) {
	switch fault := os.Getenv("ADJUDICATION_FAULT"); fault {
	case "":
		return handle, nil
	case faultCrashAfterApply:
		return func(ctx context.Context, e events.Envelope) error {
			if err := handle(ctx, e); err != nil || e.Type != events.ClaimRequested.Name {
				return err
			}
			log.Warn("fault injection: killing the process after the database commit, before the offset commit", "event_id", e.ID)
			_ = syscall.Kill(syscall.Getpid(), syscall.SIGKILL)
			select {}
		}, nil
	default:
		return nil, fmt.Errorf("unknown fault ADJUDICATION_FAULT=%q", fault)
	}
}

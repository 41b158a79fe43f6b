//go:build faults

package service

import (
	"context"
	"log/slog"

	"claims.local/pkg/events"
	"claims.local/pkg/faults"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/postgres"
)

// withFaults wraps the claim-request handler with the fault
// ADJUDICATION_FAULT names, if any. This file is compiled only into the
// fault-injection build the end-to-end tests run (bin/faults/adjudication);
// production binaries carry none of it.
//
// crash-after-apply kills the process (SIGKILL) after the database commit
// of the first claim request it applies, before the consumer commits the
// Kafka offset: within a consumer batch (postgres.Batch), right after the
// batch's commit. crash-before-batch-commit kills it after the first claim
// request was applied inside its batch, before the batch commits.
func withFaults(handle kafkabus.Handler, log *slog.Logger) (kafkabus.Handler, error) {
	return faults.Wrap("ADJUDICATION_FAULT", handle, map[string]func(kafkabus.Handler) kafkabus.Handler{
		"crash-after-apply": func(h kafkabus.Handler) kafkabus.Handler {
			return func(ctx context.Context, e events.Envelope) error {
				if err := h(ctx, e); err != nil || e.Type != events.ClaimRequested.Name {
					return err
				}
				kill := func() {
					faults.Kill(log, "killing the process after the database commit, before the offset commit", "event_id", e.ID)
				}
				if !postgres.AfterCommit(ctx, kill) {
					kill()
				}
				return nil
			}
		},
		"crash-before-batch-commit": func(h kafkabus.Handler) kafkabus.Handler {
			return func(ctx context.Context, e events.Envelope) error {
				if err := h(ctx, e); err != nil || e.Type != events.ClaimRequested.Name {
					return err
				}
				faults.Kill(log, "killing the process inside the consumer's batch, before its commit", "event_id", e.ID)
				return nil
			}
		},
	})
}

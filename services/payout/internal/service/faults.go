//go:build faults

package service

import (
	"context"
	"log/slog"

	"claims.local/payout/internal/app"
	"claims.local/pkg/faults"
)

// withFaults wraps bank with the fault PAYOUT_FAULT names, if any. This
// file is compiled only into the fault-injection build the end-to-end tests
// run (bin/faults/payout); production binaries carry none of it.
//
// crash-after-bank-call kills the process (SIGKILL) after the bank took the
// first transfer and before payout recorded its answer.
func withFaults(bank app.Bank, log *slog.Logger) (app.Bank, error) {
	return faults.Wrap("PAYOUT_FAULT", bank, map[string]func(app.Bank) app.Bank{
		"crash-after-bank-call": func(b app.Bank) app.Bank { return crashAfterSubmit{Bank: b, log: log} },
	})
}

// crashAfterSubmit is a bank after whose first Submit the process dies,
// whatever the bank answered.
type crashAfterSubmit struct {
	app.Bank
	log *slog.Logger
}

// Submit hands req to the bank, then kills the process.
func (b crashAfterSubmit) Submit(ctx context.Context, req app.TransferRequest) (app.Transfer, error) {
	_, _ = b.Bank.Submit(ctx, req)
	faults.Kill(b.log, "killing the process after the bank call, before recording its answer", "obligation_id", req.IdempotencyKey)
	return app.Transfer{}, nil
}

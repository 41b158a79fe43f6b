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
// first batch of transfers and before payout recorded its answers;
// crash-before-bank-call after payout marked the first batch sent and
// before the bank call.
func withFaults(bank app.Bank, log *slog.Logger) (app.Bank, error) {
	return faults.Wrap("PAYOUT_FAULT", bank, map[string]func(app.Bank) app.Bank{
		"crash-after-bank-call":  func(b app.Bank) app.Bank { return crashAfterSubmit{Bank: b, log: log} },
		"crash-before-bank-call": func(b app.Bank) app.Bank { return crashBeforeSubmit{Bank: b, log: log} },
	})
}

// crashAfterSubmit is a bank after whose first call taking transfers the
// process dies, whatever the bank answered.
type crashAfterSubmit struct {
	app.Bank
	log *slog.Logger
}

// SubmitAll hands the batch reqs to the bank, then kills the process.
func (b crashAfterSubmit) SubmitAll(ctx context.Context, reqs []app.TransferRequest) ([]app.Transfer, error) {
	_, _ = b.Bank.SubmitAll(ctx, reqs)
	faults.Kill(b.log, "killing the process after the bank call, before recording its answer", "transfers", len(reqs))
	return nil, nil
}

// crashBeforeSubmit is a bank before whose first call taking transfers the
// process dies: the batch is marked sent and the bank has none of it.
type crashBeforeSubmit struct {
	app.Bank
	log *slog.Logger
}

// SubmitAll kills the process before the batch reqs reaches the bank.
func (b crashBeforeSubmit) SubmitAll(_ context.Context, reqs []app.TransferRequest) ([]app.Transfer, error) {
	faults.Kill(b.log, "killing the process after marking a batch sent, before the bank call", "transfers", len(reqs))
	return nil, nil
}

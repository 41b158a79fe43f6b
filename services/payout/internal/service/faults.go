//go:build faults

package service

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"syscall"

	"claims.local/payout/internal/app"
)

// This file is compiled only into the fault-injection binaries the
// end-to-end tests run (go build -tags faults, bin/faults/payout);
// production binaries carry none of it.

// faultCrashAfterBankCall (PAYOUT_FAULT) makes the process kill itself
// (SIGKILL) after the bank took the first transfer and before payout
// recorded its answer.
const faultCrashAfterBankCall = "crash-after-bank-call"

// withFaults wraps bank with the fault PAYOUT_FAULT names, if any.
func withFaults(bank app.Bank, log *slog.Logger) (app.Bank, error) {
	switch fault := os.Getenv("PAYOUT_FAULT"); fault {
	case "":
		return bank, nil
	case faultCrashAfterBankCall:
		return crashAfterSubmit{Bank: bank, log: log}, nil
	default:
		return nil, fmt.Errorf("unknown fault PAYOUT_FAULT=%q", fault)
	}
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
	b.log.Warn("fault injection: killing the process after the bank call, before recording its answer", "obligation_id", req.IdempotencyKey)
	_ = syscall.Kill(syscall.Getpid(), syscall.SIGKILL)
	select {}
}

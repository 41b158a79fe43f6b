package adapters

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"

	"claims.local/payout/internal/app"
)

// BankSimulator stands in for the bank: it executes each idempotency key
// once and answers every repeat with the first answer. It keeps its ledger in
// memory; the payout work replaces it with a simulator that survives
// restarts and can be told to fail.
type BankSimulator struct {
	mu     sync.Mutex
	ledger map[string]string
}

// NewBankSimulator returns an empty simulated bank.
func NewBankSimulator() *BankSimulator { return &BankSimulator{ledger: map[string]string{}} }

// Transfer executes req once per idempotency key.
func (b *BankSimulator) Transfer(_ context.Context, req app.TransferRequest) (string, error) {
	if req.AmountFen <= 0 {
		return "", &app.BankError{Permanent: true, Reason: "amount must be positive"}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if ref, ok := b.ledger[req.IdempotencyKey]; ok {
		return ref, nil
	}
	sum := sha256.Sum256([]byte(req.IdempotencyKey))
	ref := "SIM-" + hex.EncodeToString(sum[:8])
	b.ledger[req.IdempotencyKey] = ref
	return ref, nil
}

// Transfers counts the transfers executed.
func (b *BankSimulator) Transfers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.ledger)
}

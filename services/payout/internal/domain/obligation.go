// Package domain holds payout's rules about payment obligations. Amounts are
// integer fen (1/100 yuan), currency CNY; never floating point.
package domain

import (
	"fmt"
	"time"
)

// PayoutType tells what an obligation pays. The walking skeleton pays final
// settlements; advances and offsets come with the catastrophe work (R7, R8).
type PayoutType string

// The payout types.
const (
	PayoutFinal PayoutType = "final"
)

// State is where an obligation stands.
type State string

// The states of an obligation.
const (
	StateScheduled State = "scheduled"
	StateCompleted State = "completed"
	StateFailed    State = "failed"
)

// Currency is the only currency paid.
const Currency = "CNY"

// Obligation is a payment the company owes on a claim. Its id is also the
// idempotency key at the bank, so a transfer retried after a crash is never
// made twice.
type Obligation struct {
	ID            string
	ClaimID       string
	Type          PayoutType
	AmountFen     int64
	Currency      string
	State         State
	Attempts      int
	LastError     string
	BankReference string
	ScheduledAt   time.Time
	NextAttemptAt time.Time
	CompletedAt   *time.Time
}

// NewFinalObligation returns the obligation to pay an approved amount.
func NewFinalObligation(id, claimID string, amountFen int64, now time.Time) (Obligation, error) {
	if amountFen <= 0 {
		return Obligation{}, fmt.Errorf("approved amount %d fen is not positive", amountFen)
	}
	return Obligation{ID: id, ClaimID: claimID, Type: PayoutFinal, AmountFen: amountFen, Currency: Currency,
		State: StateScheduled, ScheduledAt: now.UTC(), NextAttemptAt: now.UTC()}, nil
}

// Complete records the bank's confirmation.
func (o *Obligation) Complete(bankReference string, now time.Time) error {
	if o.State != StateScheduled {
		return fmt.Errorf("obligation %s is %s, not scheduled", o.ID, o.State)
	}
	t := now.UTC()
	o.State, o.BankReference, o.CompletedAt, o.LastError = StateCompleted, bankReference, &t, ""
	o.Attempts++
	return nil
}

// RetryLater records a transient failure and when to try again: after 1s,
// 2s, 4s ... at most 5 minutes.
func (o *Obligation) RetryLater(reason string, now time.Time) {
	o.Attempts++
	o.LastError = reason
	backoff := time.Second << min(o.Attempts-1, 10)
	o.NextAttemptAt = now.UTC().Add(min(backoff, 5*time.Minute))
}

// Fail records a permanent failure: a person must correct the payee first.
func (o *Obligation) Fail(reason string) {
	o.Attempts++
	o.State, o.LastError = StateFailed, reason
}

// ValueDate is the Asia/Shanghai date on which the money moved.
func (o *Obligation) ValueDate(shanghai *time.Location) string {
	if o.CompletedAt == nil {
		return ""
	}
	return o.CompletedAt.In(shanghai).Format(time.DateOnly)
}

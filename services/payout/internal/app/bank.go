package app

import (
	"context"
	"time"

	"claims.local/payout/internal/domain"
)

// TransferRequest asks the bank to move money. IdempotencyKey is the
// obligation id; Attempt numbers the transfers asked under that key.
type TransferRequest struct {
	IdempotencyKey string
	Attempt        int
	AmountFen      int64
	Currency       string
	PayeeName      string
	BankName       string
	AccountNumber  string
	// Remark is what the payee's statement shows: the policy and claim.
	Remark string
}

// TransferState is what the bank says of a transfer.
type TransferState string

// The transfer states. Unknown means the bank never received the key.
const (
	TransferPending   TransferState = "pending"
	TransferSucceeded TransferState = "succeeded"
	TransferFailed    TransferState = "failed"
	TransferUnknown   TransferState = "unknown"
)

// The failure codes of the bank. Invalid account and rejected are
// permanent: the payee details must be corrected. A timeout is transient:
// nothing moved, and the transfer is asked again later.
const (
	FailureInvalidAccount = "invalid_account"
	FailureRejected       = "rejected"
	FailureTimeout        = "timeout"
)

// BankError is the bank's refusal of a transfer.
type BankError struct {
	Code      string
	Permanent bool
	Reason    string
}

func (e *BankError) Error() string { return e.Code + ": " + e.Reason }

// Transfer is the bank's answer about one idempotency key: the last
// attempt it received, and that attempt's state. Key is that idempotency
// key: an answer is recorded only for the transfer it names (issue 21's
// batches are answered in the order asked, which is not trusted).
type Transfer struct {
	Key       string
	State     TransferState
	Attempt   int
	Reference string
	// AmountFen is what the last attempt moves (or moved, once
	// succeeded).
	AmountFen int64
	SettledAt time.Time
	// SettlesAt is when the bank expects a pending transfer to settle,
	// when it says (zero when it does not): the executor asks about the
	// transfer then (issue 21's fourteenth round). It is a hint: a
	// transfer still pending then is asked about again later.
	SettlesAt time.Time
	Failure   *BankError
}

// Executed reports whether t says the bank executed, under key, a transfer
// of amountFen: what a payment recorded paid must show at the bank, which
// payout's database role cannot write (red team, session 17).
func (t Transfer) Executed(key string, amountFen int64) bool {
	return t.Key == key && t.State == TransferSucceeded && t.AmountFen == amountFen
}

// Bank moves money. It executes a key at most once: asking again for a key
// that is pending or succeeded returns that transfer, and only a key whose
// last attempt failed (no money moved) may be tried again, with a higher
// attempt number. Results come later: SubmitAll answers pending, with
// the time the transfer is expected to settle when the bank says, and
// StatusAll tells the outcome once the bank has it. Both take a batch in
// one call (a bank's bulk transfer and bulk query), so that the executor
// pays for one round trip per round rather than per payment (issue 21).
type Bank interface {
	// SubmitAll hands transfers to the bank in one call and returns the
	// answer about each, in the order of reqs. An error means no answer
	// came back: the bank may have taken any of them, so ask StatusAll.
	SubmitAll(ctx context.Context, reqs []TransferRequest) ([]Transfer, error)
	// StatusAll asks what became of the transfers with keys, in one call,
	// and returns the answer about each, in the order of keys.
	StatusAll(ctx context.Context, keys []string) ([]Transfer, error)
	// Statement lists the transfers the bank executed (money moved) from
	// from until to: key, amount, account masked, time. The three-way
	// reconciliation compares it with payout's payments.
	Statement(ctx context.Context, from, to time.Time) ([]domain.Execution, error)
}

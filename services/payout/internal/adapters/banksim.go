package adapters

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/payout/internal/app"
	"claims.local/payout/internal/domain"
	"claims.local/pkg/postgres"
)

//go:embed banksim_migrations/*.sql
var bankMigrationFS embed.FS

// BankSimulatorMigrations is the schema of the simulator's ledger.
func BankSimulatorMigrations() ([]postgres.Migration, error) {
	return postgres.MigrationsFromFS(bankMigrationFS, "banksim_migrations", "banksim")
}

// What the simulator can be told to do with the next transfers it takes
// (FailNext), besides the failures of the bank (app.Failure*).
const (
	// SimLostAnswer takes the transfer but answers Submit with a
	// connection error, as when the network drops the bank's answer.
	SimLostAnswer = "lost-answer"
)

// Account numbers that make the simulator fail, like a bank's test
// accounts: ending 0000 invalid account, 0001 rejected, 0002 a timeout at
// the first attempt (then success).
const (
	AccountInvalidSuffix  = "0000"
	AccountRejectedSuffix = "0001"
	AccountTimeoutSuffix  = "0002"
)

// BankSimulator behaves like a bank for development and tests: it takes a
// transfer with an idempotency key and answers pending, saying when it
// settles (app.Transfer.SettlesAt); the transfer settles Latency later as a success or a failure (invalid account,
// rejected, timeout), which Status reports. It moves money at most once per
// key: a key that is pending or succeeded is never executed again, and a
// failed one only under a higher attempt number. Its ledger is a table of
// its own (schema banksim), written by its own statements outside any
// payout transaction, so it survives a crash of payout as a bank would.
type BankSimulator struct {
	db      *gorm.DB
	latency time.Duration
	now     func() time.Time
	mu      sync.Mutex
	script  []string
}

// NewBankSimulator returns a simulator keeping its ledger in db; transfers
// settle latency after they are taken, by the clock now.
func NewBankSimulator(db *gorm.DB, latency time.Duration, now func() time.Time) *BankSimulator {
	return &BankSimulator{db: db, latency: latency, now: now}
}

// FailNext makes the next n transfers taken end in failure code
// (app.FailureInvalidAccount, app.FailureRejected, app.FailureTimeout) or
// lose their answer (SimLostAnswer).
func (b *BankSimulator) FailNext(code string, n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for range n {
		b.script = append(b.script, code)
	}
}

type transferRow struct {
	IdempotencyKey string `gorm:"primaryKey"`
	Attempt        int
	Executions     int
	Submissions    int
	AmountFen      int64
	Currency       string
	AccountMasked  string
	State          string
	Outcome        string
	Reference      string
	FailureCode    string
	AcceptedAt     time.Time
	SettleAt       time.Time
	SettledAt      *time.Time
}

func (transferRow) TableName() string { return "banksim.transfers" }

func failure(code string) *app.BankError {
	switch code {
	case app.FailureInvalidAccount:
		return &app.BankError{Code: code, Permanent: true, Reason: "收款账户不存在 (no such account)"}
	case app.FailureRejected:
		return &app.BankError{Code: code, Permanent: true, Reason: "收款行退回：账户状态异常或户名不符 (refused: account frozen or name mismatch)"}
	default:
		return &app.BankError{Code: app.FailureTimeout, Reason: "清算超时，未扣款 (clearing timed out; nothing moved)"}
	}
}

func (r transferRow) transfer() app.Transfer {
	t := app.Transfer{Key: r.IdempotencyKey, State: app.TransferState(r.State), Attempt: r.Attempt, Reference: r.Reference, AmountFen: r.AmountFen}
	if r.SettledAt != nil {
		t.SettledAt = r.SettledAt.UTC()
	}
	switch r.State {
	case string(app.TransferFailed):
		t.Failure = failure(r.FailureCode)
	case string(app.TransferPending):
		t.SettlesAt = r.SettleAt.UTC()
	}
	return t
}

// outcome decides what a new attempt becomes: the script first, then the
// test accounts. It reports whether the answer is to be lost, and whether a
// step of the script decided (to be used up only by a new attempt).
func (b *BankSimulator) outcome(req app.TransferRequest) (code string, lose, scripted bool) {
	if len(b.script) > 0 {
		if b.script[0] == SimLostAnswer {
			return string(app.TransferSucceeded), true, true
		}
		return b.script[0], false, true
	}
	switch {
	case strings.HasSuffix(req.AccountNumber, AccountInvalidSuffix):
		return app.FailureInvalidAccount, false, false
	case strings.HasSuffix(req.AccountNumber, AccountRejectedSuffix):
		return app.FailureRejected, false, false
	case strings.HasSuffix(req.AccountNumber, AccountTimeoutSuffix) && req.Attempt == 1:
		return app.FailureTimeout, false, false
	}
	return string(app.TransferSucceeded), false, false
}

// Submit takes one transfer (SubmitAll of one).
func (b *BankSimulator) Submit(ctx context.Context, req app.TransferRequest) (app.Transfer, error) {
	ts, err := b.SubmitAll(ctx, []app.TransferRequest{req})
	if err != nil {
		return app.Transfer{}, err
	}
	return ts[0], nil
}

// SubmitAll takes transfers in one transaction of the simulator's ledger,
// in the order of their keys (so that two calls sharing keys lock them in
// one order). A repeat of a key that is pending or succeeded, or of an
// attempt already seen, returns the transfer as it stands; a malformed one
// is refused at once and not stored. When the script loses the answer of
// one transfer, the whole call's answer is lost: the bank took them all.
func (b *BankSimulator) SubmitAll(ctx context.Context, reqs []app.TransferRequest) ([]app.Transfer, error) {
	out := make([]app.Transfer, len(reqs))
	var order []int
	for i, req := range reqs {
		if req.AmountFen <= 0 || req.Currency != domain.Currency || req.Attempt < 1 || req.IdempotencyKey == "" {
			out[i] = app.Transfer{Key: req.IdempotencyKey, State: app.TransferFailed, Attempt: req.Attempt, Failure: &app.BankError{Code: app.FailureRejected,
				Permanent: true, Reason: "malformed transfer: a key, an attempt and a positive amount in CNY are required"}}
			continue
		}
		order = append(order, i)
	}
	if len(order) == 0 {
		return out, nil
	}
	slices.SortStableFunc(order, func(x, y int) int { return strings.Compare(reqs[x].IdempotencyKey, reqs[y].IdempotencyKey) })
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now().UTC().Truncate(time.Microsecond)
	lost := false
	script := b.script
	err := postgres.Transaction(ctx, b.db, func(tx *gorm.DB) error {
		// Run again after a deadlock, an attempt takes the script and
		// finds its answers afresh: the lost one was rolled back.
		b.script, lost = script, false
		for _, i := range order {
			row, lose, err := b.take(tx, reqs[i], now)
			if err != nil {
				return err
			}
			lost = lost || lose
			out[i] = row.transfer()
		}
		return nil
	})
	if err != nil {
		b.script = script // nothing was taken: the script is not used up
		return nil, err
	}
	if lost {
		return nil, errors.New("bank simulator: connection reset before the answer arrived")
	}
	return out, nil
}

// take records one transfer inside tx and returns the ledger's row of its
// key and whether its answer is to be lost. A new key costs one statement.
func (b *BankSimulator) take(tx *gorm.DB, req app.TransferRequest, now time.Time) (transferRow, bool, error) {
	outcome, lose, scripted := b.outcome(req)
	fresh := transferRow{IdempotencyKey: req.IdempotencyKey, Attempt: req.Attempt, Submissions: 1, AmountFen: req.AmountFen,
		Currency: req.Currency, AccountMasked: domain.MaskAccount(req.AccountNumber), State: string(app.TransferPending),
		Outcome: outcome, AcceptedAt: now, SettleAt: now.Add(b.latency)}
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&fresh)
	if res.Error != nil {
		return transferRow{}, false, fmt.Errorf("bank simulator: take transfer: %w", res.Error)
	}
	newAttempt := res.RowsAffected == 1
	out := fresh // as inserted: the columns left to their defaults are zero
	if !newAttempt {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("idempotency_key = ?", req.IdempotencyKey).Take(&out).Error; err != nil {
			return transferRow{}, false, fmt.Errorf("bank simulator: load transfer: %w", err)
		}
		update := map[string]any{"submissions": out.Submissions + 1}
		if out.State == string(app.TransferFailed) && req.Attempt > out.Attempt {
			// A new attempt of a key that moved no money.
			newAttempt = true
			update = map[string]any{"submissions": out.Submissions + 1, "attempt": req.Attempt, "amount_fen": req.AmountFen,
				"account_masked": fresh.AccountMasked, "state": fresh.State, "outcome": outcome, "reference": "",
				"failure_code": "", "accepted_at": now, "settle_at": fresh.SettleAt, "settled_at": nil}
		}
		if err := tx.Model(&transferRow{}).Where("idempotency_key = ?", req.IdempotencyKey).Updates(update).Error; err != nil {
			return transferRow{}, false, fmt.Errorf("bank simulator: update transfer: %w", err)
		}
		if err := tx.Where("idempotency_key = ?", req.IdempotencyKey).Take(&out).Error; err != nil {
			return transferRow{}, false, fmt.Errorf("bank simulator: load transfer: %w", err)
		}
	}
	if newAttempt && scripted {
		b.script = b.script[1:]
	}
	return out, newAttempt && lose, nil
}

// Status reports the transfer of one key (StatusAll of one).
func (b *BankSimulator) Status(ctx context.Context, key string) (app.Transfer, error) {
	ts, err := b.StatusAll(ctx, []string{key})
	if err != nil {
		return app.Transfer{}, err
	}
	return ts[0], nil
}

// StatusAll settles the transfers of keys whose time has come and reports
// each, in one statement; a key the bank never took is unknown. A transfer
// another call is settling at the same moment may be reported pending: it
// is asked about again later.
func (b *BankSimulator) StatusAll(ctx context.Context, keys []string) ([]app.Transfer, error) {
	now := b.now().UTC().Truncate(time.Microsecond)
	var rows []transferRow
	err := b.db.WithContext(ctx).Raw(`WITH settled AS (
			UPDATE banksim.transfers SET
				state = CASE WHEN outcome = 'succeeded' THEN 'succeeded' ELSE 'failed' END,
				executions = executions + CASE WHEN outcome = 'succeeded' THEN 1 ELSE 0 END,
				reference = CASE WHEN outcome = 'succeeded'
					THEN 'SIM-' || substr(encode(sha256(convert_to(idempotency_key || '/' || attempt, 'UTF8')), 'hex'), 1, 16) ELSE '' END,
				failure_code = CASE WHEN outcome = 'succeeded' THEN '' ELSE outcome END,
				settled_at = @now
			WHERE idempotency_key IN @keys AND state = 'pending' AND settle_at <= @now
			RETURNING *)
		SELECT * FROM settled
		UNION ALL
		SELECT * FROM banksim.transfers WHERE idempotency_key IN @keys AND idempotency_key NOT IN (SELECT idempotency_key FROM settled)`,
		map[string]any{"now": now, "keys": keys}).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("bank simulator: settle: %w", err)
	}
	byKey := make(map[string]transferRow, len(rows))
	for _, r := range rows {
		byKey[r.IdempotencyKey] = r
	}
	out := make([]app.Transfer, len(keys))
	for i, k := range keys {
		r, ok := byKey[k]
		if !ok {
			r = transferRow{IdempotencyKey: k, State: string(app.TransferUnknown)}
		}
		out[i] = r.transfer()
	}
	return out, nil
}

// Statement lists the transfers the simulator executed (money moved) and
// settled from from until to, oldest first: the bank's side of the
// three-way reconciliation.
func (b *BankSimulator) Statement(ctx context.Context, from, to time.Time) ([]domain.Execution, error) {
	var rows []transferRow
	if err := b.db.WithContext(ctx).Where("executions = 1 AND settled_at >= ? AND settled_at < ?", from.UTC(), to.UTC()).
		Order("settled_at, idempotency_key").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("bank simulator: statement: %w", err)
	}
	out := make([]domain.Execution, len(rows))
	for i, r := range rows {
		out[i] = domain.Execution{Key: r.IdempotencyKey, AmountFen: r.AmountFen, AccountMasked: r.AccountMasked, ExecutedAt: r.SettledAt.UTC()}
	}
	return out, nil
}

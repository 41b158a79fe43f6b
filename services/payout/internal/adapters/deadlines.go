package adapters

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"claims.local/payout/internal/app"
	"claims.local/payout/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
)

// BankStatus is what the deadline witness asks the bank: what became of
// the transfers of keys, in one call (app.Bank.StatusAll).
type BankStatus interface {
	StatusAll(ctx context.Context, keys []string) ([]app.Transfer, error)
}

// DeadlineWitness proves the steps that end payout's deadlines, which the
// monitor reads in the record of due moves, against the payment's kept
// rows, in one statement (trackingpg.Witness; red team session 15 left
// them recorded but unchecked, closed in session 16), and a payment's
// against the bank (session 17):
//
//   - the payment deadline (R6) met with PaymentEvidence: the obligation
//     its subject names (payout/<id>) was completed by the bank (completed,
//     or reversed after it) by the due, and the bank says it executed the
//     transfer of that obligation's amount under its key
//     (app.Transfer.Executed). The obligation's row is written by payout's
//     own database role at every step, so an insider holding the role can
//     write it completed with a made-up bank reference; the bank's answer
//     is what that role cannot write;
//   - the result notice's deadline (R9) met with ResultNoticeEvidence: the
//     R9 notice of the obligation its subject names was handed to the
//     gateway by the due.
//
// A step without evidence, as payout made them before session 16 (an
// instance of the older binary during a rolling deploy), stands on the
// same kept rows (and, for R6, the bank) alone. Anything else is unproven:
// nothing paid or handed over by the due, evidence naming another payment
// or another payment's notice, a payment the bank did not execute or
// executed for another amount, and any cancellation (payout never cancels
// them: a payment refused by the bank stays owed until a handler corrects
// it). A bank that does not answer within Timeout fails the proof, and so
// the monitor's check of the moves, which its next sweep reads again: a
// step is never judged without the bank.
type DeadlineWitness struct {
	// Bank answers about the payments of R6 steps; the service sets it
	// before its components run.
	Bank BankStatus
	// Timeout bounds the bank's answer, asked in the monitor's
	// transaction; 3 s when zero.
	Timeout time.Duration
}

// Prove answers the moves of the payment and result-notice deadlines.
func (w *DeadlineWitness) Prove(tx *gorm.DB, moves []tracking.DueMove) (map[int64]tracking.Proof, error) {
	proofs, err := trackingpg.ProveMoves(tx, moves, []deadline.RuleID{deadline.Payment, deadline.ResultNotification}, `SELECT m.seq, COALESCE(CASE
			WHEN m.rule = @payment THEN m.state = 'met' AND (m.evidence = @paid || p.id OR m.evidence = '')
				AND p.state IN ('completed', 'reversed') AND p.completed_at <= m.due_at
			WHEN m.rule = @result THEN m.state = 'met' AND EXISTS (SELECT 1 FROM notifications n
				WHERE n.obligation_id = p.id AND n.rule = @r9 AND (m.evidence = @notice || n.id OR m.evidence = '') AND n.sent_at <= m.due_at)
			END, false) AS proven
		FROM `+trackingpg.WitnessedMoves+`
		LEFT JOIN obligations p ON p.id = substr(m.subject, CAST(@from AS int)) AND m.subject = @subject || p.id`,
		map[string]any{"payment": string(deadline.Payment), "result": string(deadline.ResultNotification), "r9": domain.NoticeResult,
			"paid": domain.PaymentEvidence(""), "notice": domain.ResultNoticeEvidence(""), "subject": tracking.PaymentSubject(""),
			"from": len(tracking.PaymentSubject("")) + 1})
	if err != nil {
		return nil, err
	}
	if err := w.askTheBank(tx, moves, proofs); err != nil {
		return nil, err
	}
	return proofs, nil
}

// askTheBank leaves proven only the R6 steps proofs holds proven whose
// payment the bank executed, for its amount, under its key: one statement
// reads the payments, one call asks the bank about them all.
func (w *DeadlineWitness) askTheBank(tx *gorm.DB, moves []tracking.DueMove, proofs map[int64]tracking.Proof) error {
	steps := map[string][]int64{} // the R6 obligation's id: its steps' sequence numbers
	var ids []string
	for _, mv := range moves {
		if mv.Obligation.Rule != deadline.Payment || proofs[mv.Seq] != tracking.Proven {
			continue
		}
		if _, ok := steps[mv.Obligation.ID]; !ok {
			ids = append(ids, mv.Obligation.ID)
		}
		steps[mv.Obligation.ID] = append(steps[mv.Obligation.ID], mv.Seq)
	}
	if len(ids) == 0 {
		return nil
	}
	if w.Bank == nil {
		return errors.New("prove the payments: no bank to ask")
	}
	var payments []struct {
		DeadlineID string
		PaymentID  string
		AmountFen  int64
	}
	if err := tx.Raw(`SELECT d.id AS deadline_id, p.id AS payment_id, p.amount_fen FROM deadline_obligations d
		JOIN obligations p ON p.id = substr(d.subject, CAST(@from AS int)) AND d.subject = @subject || p.id
		WHERE d.id IN @ids`, map[string]any{"ids": ids, "subject": tracking.PaymentSubject(""), "from": len(tracking.PaymentSubject("")) + 1}).
		Scan(&payments).Error; err != nil {
		return fmt.Errorf("prove the payments: read them: %w", err)
	}
	keys := make([]string, len(payments))
	for i, p := range payments {
		keys[i] = p.PaymentID
	}
	transfers, err := w.transfers(tx.Statement.Context, keys)
	if err != nil {
		return err
	}
	executed := make(map[string]bool, len(payments))
	for i, p := range payments {
		executed[p.DeadlineID] = transfers[i].Executed(p.PaymentID, p.AmountFen)
	}
	for id, seqs := range steps {
		if executed[id] {
			continue
		}
		for _, seq := range seqs {
			proofs[seq] = tracking.Unproven
		}
	}
	return nil
}

// transfers asks the bank about the transfers of keys, for at most
// Timeout, and returns its answer about each, in the order of keys.
func (w *DeadlineWitness) transfers(ctx context.Context, keys []string) ([]app.Transfer, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	transfers, err := w.Bank.StatusAll(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("prove the payments: ask the bank: %w", err)
	}
	if len(transfers) != len(keys) {
		return nil, fmt.Errorf("prove the payments: the bank answered %d of %d", len(transfers), len(keys))
	}
	return transfers, nil
}

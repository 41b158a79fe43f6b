package adapters

import (
	"gorm.io/gorm"

	"claims.local/payout/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
)

// DeadlineWitness proves the steps that end payout's deadlines, which the
// monitor reads in the record of due moves, against the payment's kept
// rows, in one statement (trackingpg.Witness; red team session 15 left
// them recorded but unchecked, closed in session 16):
//
//   - the payment deadline (R6) met with PaymentEvidence: the obligation
//     its subject names (payout/<id>) was completed by the bank (completed,
//     or reversed after it) by the due;
//   - the result notice's deadline (R9) met with ResultNoticeEvidence: the
//     R9 notice of the obligation its subject names was handed to the
//     gateway by the due.
//
// A step without evidence, as payout made them before session 16 (an
// instance of the older binary during a rolling deploy), stands on the
// same kept rows alone. Anything else is unproven: nothing paid or handed
// over by the due, evidence naming another payment or another payment's
// notice, and any cancellation (payout never cancels them: a payment
// refused by the bank stays owed until a handler corrects it).
type DeadlineWitness struct{}

// Prove answers the moves of the payment and result-notice deadlines.
func (DeadlineWitness) Prove(tx *gorm.DB, moves []tracking.DueMove) (map[int64]tracking.Proof, error) {
	return trackingpg.ProveMoves(tx, moves, []deadline.RuleID{deadline.Payment, deadline.ResultNotification}, `SELECT m.seq, COALESCE(CASE
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
}

package adapters

import (
	"gorm.io/gorm"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
)

// DeadlineWitness proves the steps that end intake's deadline, the
// one-time notice of missing documents (R3, Insurance Law art. 22), which
// the monitor reads in the record of due moves, against the claim's report,
// in one statement (trackingpg.Witness; red team session 15 left them
// recorded but unchecked, closed in session 16):
//
//   - met with NoticeEvidence: the report of the obligation's claim holds
//     that notice, sent by the due (missing_document_notices: kept as sent,
//     intake's migrations 0013 and 0014);
//   - met with HandOverEvidence: the report was handed to adjudication by
//     the due (complete: no notice is owed).
//
// A step without evidence, as intake made them before session 16 (an
// instance of the older binary during a rolling deploy), stands on either
// alone. Anything else is unproven: neither by the due, evidence naming
// another report's notice or hand-over, and any cancellation (intake never
// cancels it).
type DeadlineWitness struct{}

// Prove answers the moves of the missing-documents notice's deadline.
func (DeadlineWitness) Prove(tx *gorm.DB, moves []tracking.DueMove) (map[int64]tracking.Proof, error) {
	return trackingpg.ProveMoves(tx, moves, []deadline.RuleID{deadline.MissingDocumentsNotice}, `SELECT m.seq, COALESCE(m.state = 'met' AND CASE
			WHEN m.evidence = @handover || r.id THEN r.handed_over_at <= m.due_at
			ELSE (m.evidence = '' AND r.handed_over_at <= m.due_at) OR EXISTS (SELECT 1 FROM missing_document_notices n
				WHERE n.report_id = r.id AND (m.evidence = @notice || n.report_id || '/' || n.seq OR m.evidence = '') AND n.sent_at <= m.due_at)
			END, false) AS proven
		FROM `+trackingpg.WitnessedMoves+`
		LEFT JOIN incident_reports r ON r.claim_id = m.claim_id`,
		map[string]any{"handover": domain.HandOverEvidence(""), "notice": domain.NoticeEvidencePrefix})
}

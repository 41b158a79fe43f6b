package adapters

import (
	"gorm.io/gorm"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
)

// DeadlineWitness proves the steps and stops of adjudication's deadlines
// that the monitor reads in the record of due moves, against the case's
// kept records, in one statement (trackingpg.Witness; red team session
// 14's open items, closed in session 15 for the decision deadlines and in
// session 16 for the others):
//
//   - the decision deadlines (R4: decision, complex-decision) and the
//     advance's (R7) met with DecisionEvidence: the case of the
//     obligation's claim has a decision in effect (made within the
//     decider's authority, or approved), effective by the due;
//   - the same cancelled with WithdrawalEvidence: the case is closed
//     undecided, its closing audited (case_audit, append-only), by the due;
//   - the 5-working-day deadline cancelled with ComplexEvidence: the case
//     was marked complex by the due;
//   - a stop of the clock: the case holds a supplementary notice delivered
//     at the instant the stop began (RecordNoticeDelivered);
//   - the rejection letter's deadline (R5) met with LetterEvidence: the
//     case's letter was sent by a written channel by the due
//     (rejection_letters, kept unchanged once sent);
//   - the advance's deadline (R7) met with AdvancePaidEvidence: payout's
//     completion of that advance of the claim, by the due
//     (payout_completions);
//   - a complaint's reply deadline (R12) met with ReplyEvidence: the
//     reply to the complaint its subject names, stored by the due
//     (complaint_replies, append-only).
//
// A step of R5, R7 or R12 without evidence, as adjudication made them
// before session 16 (an instance of the older binary during a rolling
// deploy), stands on the same kept rows alone. Anything else is unproven:
// no evidence of the decision deadlines, evidence naming another case,
// claim or complaint, or another rule's (a decision in effect does not send
// the letter).
type DeadlineWitness struct{}

// Prove answers the moves of adjudication's deadlines.
func (DeadlineWitness) Prove(tx *gorm.DB, moves []tracking.DueMove) (map[int64]tracking.Proof, error) {
	return trackingpg.ProveMoves(tx, moves, []deadline.RuleID{deadline.Decision, deadline.ComplexDecision, deadline.AdvancePayment,
		deadline.RejectionNotice, deadline.ComplaintReply}, `SELECT m.seq, COALESCE(CASE
			WHEN m.stop THEN EXISTS (SELECT 1 FROM jsonb_array_elements(k.supplements) s
				WHERE (s->>'delivered_at')::timestamptz = m.paused_at)
			WHEN m.rule = @rule5letter THEN m.state = 'met' AND (m.evidence = @letter || k.id OR m.evidence = '')
				AND EXISTS (SELECT 1 FROM rejection_letters l WHERE l.case_id = k.id AND l.channel IN @written AND l.sent_at <= m.due_at)
			WHEN m.rule = @rule12 THEN m.state = 'met' AND EXISTS (SELECT 1 FROM complaint_replies r
				WHERE r.complaint_id = substr(m.subject, CAST(@complaintFrom AS int)) AND m.subject = @complaint || r.complaint_id
				AND (m.evidence = @reply || r.complaint_id OR m.evidence = '') AND r.replied_at <= m.due_at)
			WHEN m.evidence = @decision || k.id THEN m.state = 'met' AND EXISTS (SELECT 1 FROM decisions d WHERE d.case_id = k.id
				AND (NOT d.needs_approval OR d.approved_at IS NOT NULL) AND COALESCE(d.approved_at, d.decided_at) <= m.due_at)
			WHEN m.evidence = @withdrawal || k.id THEN m.state = 'cancelled' AND k.state = 'closed' AND k.closed_at <= m.due_at
				AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.case_id = k.id AND (NOT d.needs_approval OR d.approved_at IS NOT NULL))
				AND EXISTS (SELECT 1 FROM case_audit a WHERE a.claim_id = k.claim_id AND a.action = @closed AND a.at <= m.due_at)
			WHEN m.evidence = @complex || k.id THEN m.state = 'cancelled' AND m.rule = @rule5 AND k.complex_at <= m.due_at
			WHEN m.rule = @rule7 THEN m.state = 'met' AND EXISTS (SELECT 1 FROM payout_completions p
				WHERE p.claim_id = m.claim_id AND p.payout_type = @advanceType AND p.completed_at <= m.due_at
				AND (m.evidence = @advance || p.obligation_id OR m.evidence = ''))
			END, false) AS proven
		FROM `+trackingpg.WitnessedMoves+`
		LEFT JOIN cases k ON k.claim_id = m.claim_id`,
		map[string]any{"decision": domain.DecisionEvidence(""), "withdrawal": domain.WithdrawalEvidence(""),
			"complex": domain.ComplexEvidence(""), "closed": domain.ActionClosed, "rule5": string(deadline.Decision),
			"rule5letter": string(deadline.RejectionNotice), "letter": domain.LetterEvidence(""), "written": domain.LetterChannels(),
			"rule12": string(deadline.ComplaintReply), "reply": domain.ReplyEvidence(""), "complaint": app.ComplaintSubject(""),
			"complaintFrom": len(app.ComplaintSubject("")) + 1, "rule7": string(deadline.AdvancePayment),
			"advance": domain.AdvancePaidEvidence(""), "advanceType": events.PayoutTypeAdvance})
}

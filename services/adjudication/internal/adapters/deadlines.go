package adapters

import (
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/tracking"
)

// DeadlineWitness proves the steps and stops of adjudication's decision
// deadlines (R4: decision and complex-decision) that the monitor reads in
// the record of due moves, against the case's kept records, in one
// statement (trackingpg.Witness; red team session 14's open items, closed
// in session 15):
//
//   - met with DecisionEvidence: the case of the obligation's claim has a
//     decision in effect (made within the decider's authority, or
//     approved), effective by the due;
//   - cancelled with WithdrawalEvidence: the case is closed undecided, its
//     closing audited (case_audit, append-only), by the due;
//   - the 5-working-day deadline cancelled with ComplexEvidence: the case
//     was marked complex by the due;
//   - a stop of the clock: the case holds a supplementary notice delivered
//     at the instant the stop began (RecordNoticeDelivered).
//
// Anything else, no evidence or another case's, is unproven. The steps of
// the other rules (R5, R7, R12) are left unchecked.
type DeadlineWitness struct{}

// provenMove is a move as the witness's statement reads it.
type provenMove struct {
	Seq      int64      `json:"seq"`
	Stop     bool       `json:"stop"`
	ClaimID  string     `json:"claim_id"`
	Rule     string     `json:"rule"`
	State    string     `json:"state"`
	Evidence string     `json:"evidence"`
	DueAt    time.Time  `json:"due_at"`
	PausedAt *time.Time `json:"paused_at"`
}

// Prove answers the moves of the decision deadlines; the others are left
// out (unchecked).
func (DeadlineWitness) Prove(tx *gorm.DB, moves []tracking.DueMove) (map[int64]tracking.Proof, error) {
	var items []provenMove
	for _, mv := range moves {
		if r := mv.Obligation.Rule; r != deadline.Decision && r != deadline.ComplexDecision {
			continue
		}
		o := mv.Obligation
		items = append(items, provenMove{Seq: mv.Seq, Stop: mv.StoppedTheClock(), ClaimID: o.ClaimID, Rule: string(o.Rule),
			State: string(o.State), Evidence: o.Evidence, DueAt: o.DueAt.UTC(), PausedAt: o.PausedAt})
	}
	out := make(map[int64]tracking.Proof, len(items))
	if len(items) == 0 {
		return out, nil
	}
	raw, err := json.Marshal(items)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		Seq    int64
		Proven bool
	}
	err = tx.Raw(`SELECT m.seq, COALESCE(CASE
			WHEN m.stop THEN EXISTS (SELECT 1 FROM jsonb_array_elements(k.supplements) s
				WHERE (s->>'delivered_at')::timestamptz = m.paused_at)
			WHEN m.evidence = @decision || k.id THEN m.state = 'met' AND EXISTS (SELECT 1 FROM decisions d WHERE d.case_id = k.id
				AND (NOT d.needs_approval OR d.approved_at IS NOT NULL) AND COALESCE(d.approved_at, d.decided_at) <= m.due_at)
			WHEN m.evidence = @withdrawal || k.id THEN m.state = 'cancelled' AND k.state = 'closed' AND k.closed_at <= m.due_at
				AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.case_id = k.id AND (NOT d.needs_approval OR d.approved_at IS NOT NULL))
				AND EXISTS (SELECT 1 FROM case_audit a WHERE a.claim_id = k.claim_id AND a.action = @closed AND a.at <= m.due_at)
			WHEN m.evidence = @complex || k.id THEN m.state = 'cancelled' AND m.rule = @rule5 AND k.complex_at <= m.due_at
			END, false) AS proven
		FROM jsonb_to_recordset(CAST(@moves AS jsonb)) AS m (seq bigint, stop boolean, claim_id text, rule text, state text, evidence text,
			due_at timestamptz, paused_at timestamptz)
		LEFT JOIN cases k ON k.claim_id = m.claim_id`,
		map[string]any{"decision": domain.DecisionEvidence(""), "withdrawal": domain.WithdrawalEvidence(""),
			"complex": domain.ComplexEvidence(""), "closed": domain.ActionClosed, "rule5": string(deadline.Decision),
			"moves": string(raw)}).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("prove the steps of decision deadlines: %w", err)
	}
	for _, r := range rows {
		out[r.Seq] = tracking.Unproven
		if r.Proven {
			out[r.Seq] = tracking.Proven
		}
	}
	return out, nil
}

package trackingpg

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"claims.local/pkg/deadline"
	"claims.local/pkg/tracking"
)

// WitnessedMoves is the relation m of the moves a service's witness
// checks (ProveMoves), one row each: its sequence number (seq), whether it
// started a stop of the clock (stop), the obligation (obligation_id,
// claim_id, rule, and its subject, read from the obligation: final,
// tracking 0010) and what the move left (state, evidence, due_at,
// paused_at, done_at). A witness's query reads it as
// `FROM ` + WitnessedMoves.
const WitnessedMoves = `(SELECT m.*, o.subject FROM jsonb_to_recordset(CAST(@moves AS jsonb)) AS m (seq bigint, stop boolean,
		obligation_id text, claim_id text, rule text, state text, evidence text, due_at timestamptz, paused_at timestamptz, done_at timestamptz)
	LEFT JOIN deadline_obligations o ON o.id = m.obligation_id) AS m`

// witnessedMove is a row of WitnessedMoves.
type witnessedMove struct {
	Seq          int64      `json:"seq"`
	Stop         bool       `json:"stop"`
	ObligationID string     `json:"obligation_id"`
	ClaimID      string     `json:"claim_id"`
	Rule         string     `json:"rule"`
	State        string     `json:"state"`
	Evidence     string     `json:"evidence"`
	DueAt        time.Time  `json:"due_at"`
	PausedAt     *time.Time `json:"paused_at"`
	DoneAt       *time.Time `json:"done_at"`
}

// ProveMoves is the one statement of a service's witness (Witness): it
// gives query the moves of rules among moves as the relation
// WitnessedMoves (the argument @moves; args are query's others), and
// query returns one row (seq, proven) per move it answers; a move it
// answers not proven, or leaves out, is tracking.Unproven. The moves of
// other rules are left out (tracking.Unchecked).
func ProveMoves(tx *gorm.DB, moves []tracking.DueMove, rules []deadline.RuleID, query string, args map[string]any) (map[int64]tracking.Proof, error) {
	var items []witnessedMove
	for _, mv := range moves {
		o := mv.Obligation
		if !slices.Contains(rules, o.Rule) {
			continue
		}
		items = append(items, witnessedMove{Seq: mv.Seq, Stop: mv.StoppedTheClock(), ObligationID: o.ID, ClaimID: o.ClaimID,
			Rule: string(o.Rule), State: string(o.State), Evidence: o.Evidence, DueAt: o.DueAt.UTC(),
			PausedAt: o.PausedAt, DoneAt: o.DoneAt})
	}
	out := make(map[int64]tracking.Proof, len(items))
	if len(items) == 0 {
		return out, nil
	}
	raw, err := json.Marshal(items)
	if err != nil {
		return nil, err
	}
	named := map[string]any{"moves": string(raw)}
	for k, v := range args {
		named[k] = v
	}
	var rows []struct {
		Seq    int64
		Proven bool
	}
	if err := tx.Raw(query, named).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("prove the steps of %v: %w", rules, err)
	}
	for _, it := range items {
		out[it.Seq] = tracking.Unproven
	}
	for _, r := range rows {
		if _, ok := out[r.Seq]; ok && r.Proven {
			out[r.Seq] = tracking.Proven
		}
	}
	return out, nil
}

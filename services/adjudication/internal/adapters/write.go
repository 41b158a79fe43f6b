package adapters

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
)

// caseWrite is the common writes of one change of a case sent as one
// statement (issue 21): the case's row updated under its version, and the
// rows the change appends with it (a new decision with its lines and its
// review sample, a new agreement, the audit entries), each an INSERT of a
// writable CTE made only when the update changed the row. The statement
// is atomic like any other: it applies whole or not at all. Its parts run on one snapshot and cannot see one another's
// rows, which none of them needs: the only triggers on these tables refuse
// UPDATE, DELETE and TRUNCATE (append-only, decisions final), and the
// foreign keys (a decision's and an audit entry's case, a line's decision)
// are checked at the end of the statement, when every part has run. When
// the version is stale the update changes no row, no insert is made and
// run reports a conflict (the unit of work then rolls back the rest of the
// transaction, or its savepoint within a consumer's batch).
type caseWrite struct {
	ctes []string
	args []any
}

// newCaseWrite starts the statement with the update of case id at version
// (the CTE "c", one row when the version held).
func newCaseWrite(id string, version int, set map[string]any) *caseWrite {
	cols := slices.Sorted(func(yield func(string) bool) {
		for k := range set {
			if !yield(k) {
				return
			}
		}
	})
	w := &caseWrite{}
	assign := make([]string, len(cols))
	for i, col := range cols {
		assign[i] = col + " = ?"
		w.args = append(w.args, set[col])
	}
	w.args = append(w.args, id, version)
	w.ctes = append(w.ctes, "c AS (UPDATE cases SET "+strings.Join(assign, ", ")+" WHERE id = ? AND version = ? RETURNING 1)")
	return w
}

// insert adds an INSERT of rows (each the values of cols, in order) into
// table, with suffix after it (an ON CONFLICT clause, or ""), made only
// when the case's update ("c") changed its row: on a stale version the
// statement appends nothing, whatever runs it. The rows travel as one JSON
// array read back into table's row type (json_populate_recordset), so each
// value takes its column's type, and are inserted in their order (an audit
// entry's seq follows it). Times are cut to PostgreSQL's microseconds as
// a bound parameter is, so that what is stored is what pgx would store.
func (w *caseWrite) insert(table string, cols []string, rows [][]any, suffix string) error {
	if len(rows) == 0 {
		return nil
	}
	objs := make([]map[string]any, len(rows))
	for i, r := range rows {
		if len(r) != len(cols) {
			return fmt.Errorf("caseWrite: %d values for %d columns of %s", len(r), len(cols), table)
		}
		objs[i] = make(map[string]any, len(cols))
		for j, col := range cols {
			objs[i][col] = microseconds(r[j])
		}
	}
	raw, err := json.Marshal(objs)
	if err != nil {
		return fmt.Errorf("caseWrite: rows of %s: %w", table, err)
	}
	w.args = append(w.args, string(raw))
	list := strings.Join(cols, ", ")
	w.ctes = append(w.ctes, fmt.Sprintf(`w%d AS (INSERT INTO %s (%s) SELECT %s FROM json_populate_recordset(NULL::%s, ?::json) WITH ORDINALITY
		WHERE EXISTS (SELECT FROM c) ORDER BY ordinality%s)`, len(w.ctes), table, list, list, table, suffix))
	return nil
}

// microseconds returns v, a time (or a pointer to one) cut to whole
// microseconds.
func microseconds(v any) any {
	switch t := v.(type) {
	case time.Time:
		return t.Truncate(time.Microsecond)
	case *time.Time:
		if t == nil {
			return nil
		}
		return t.Truncate(time.Microsecond)
	}
	return v
}

// run sends the statement and fails with a conflict when the case's
// version was not the one read.
func (w *caseWrite) run(tx *gorm.DB, claimID string) error {
	var updated int
	if err := tx.Raw("WITH "+strings.Join(w.ctes, ",\n")+"\nSELECT count(*) FROM c", w.args...).Row().Scan(&updated); err != nil {
		return fmt.Errorf("store case: %w", err)
	}
	if updated != 1 {
		return apperr.New(apperr.Conflict, "case of claim %s changed meanwhile; reload and try again", claimID)
	}
	return nil
}

// Columns of the rows a caseWrite appends, in the order of their values.
var (
	decisionColumns = []string{"case_id", "outcome", "amount_fen", "reason", "reasons", "decided_by", "decided_at", "needs_approval",
		"approved_by", "approved_at", "ex_gratia", "rules_version", "computed_fen", "deductible_fen", "amount_reason", "for_review"}
	lineColumns      = []string{"case_id", "line_no", "benefit", "claimed_fen", "approved_fen"}
	reviewColumns    = []string{"claim_id", "reason", "amount_fen", "decided_by", "sampled_at"}
	agreementColumns = []string{"case_id", "amount_fen", "agreed_by", "channel", "recorded_by", "agreed_at", "payee_name", "payee_role",
		"bank_name", "account_masked", "on_behalf_of_name", "on_behalf_of_relation", "payment_period_days", "account_fingerprint", "account_key"}
	auditColumns = []string{"case_id", "claim_id", "at", "actor", "action", "from_state", "to_state", "reason", "details"}
)

// decision adds a new decision with its lines and, for a decision a senior
// reviews after the fact (issue 19), its entry in the review queue.
func (w *caseWrite) decision(c domain.Case, d domain.Decision) error {
	r, err := toDecisionRow(c.ID, d)
	if err != nil {
		return err
	}
	if err := w.insert("decisions", decisionColumns, [][]any{{r.CaseID, r.Outcome, r.AmountFen, r.Reason, r.Reasons, r.DecidedBy, r.DecidedAt,
		r.NeedsApproval, r.ApprovedBy, r.ApprovedAt, r.ExGratia, r.RulesVersion, r.ComputedFen, r.DeductibleFen, r.AmountReason, r.ForReview}}, ""); err != nil {
		return err
	}
	lines := make([][]any, len(r.Lines))
	for i, l := range r.Lines {
		lines[i] = []any{l.CaseID, l.LineNo, l.Benefit, l.ClaimedFen, l.ApprovedFen}
	}
	if err := w.insert("decision_lines", lineColumns, lines, ""); err != nil {
		return err
	}
	if d.ForReview == "" {
		return nil
	}
	return w.insert("auto_reviews", reviewColumns, [][]any{{c.ClaimID, d.ForReview, d.AmountFen, d.DecidedBy, d.DecidedAt}}, " ON CONFLICT DO NOTHING")
}

// agreement adds the case's new agreement.
func (w *caseWrite) agreement(c domain.Case, a domain.Agreement) error {
	r := toAgreementRow(c.ID, a)
	return w.insert("agreements", agreementColumns, [][]any{{r.CaseID, r.AmountFen, r.AgreedBy, r.Channel, r.RecordedBy, r.AgreedAt, r.PayeeName,
		r.PayeeRole, r.BankName, r.AccountMasked, r.OnBehalfOfName, r.OnBehalfOfRelation, r.PaymentPeriodDays, r.AccountFingerprint, r.AccountKey}}, "")
}

// audit adds the case's new audit entries, in their order.
func (w *caseWrite) audit(c domain.Case) error {
	rows := make([][]any, len(c.Changes))
	for i, ch := range c.Changes {
		details := []byte("{}")
		if ch.Details != nil {
			var err error
			if details, err = json.Marshal(ch.Details); err != nil {
				return fmt.Errorf("audit details: %w", err)
			}
		}
		rows[i] = []any{c.ID, c.ClaimID, ch.At, ch.Actor, ch.Action, string(ch.From), string(ch.To), ch.Reason, json.RawMessage(details)}
	}
	return w.insert("case_audit", auditColumns, rows, "")
}

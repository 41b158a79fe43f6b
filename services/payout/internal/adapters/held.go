package adapters

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"claims.local/payout/internal/app"
	"claims.local/payout/internal/domain"
	"claims.local/pkg/events"
	"claims.local/pkg/outbox/outboxpg"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
)

// held is what the works of one changeAll wrote that is not yet stored in
// its transaction tx: the obligations' changed rows, their notices, payee
// changes and events, and the write of their deadline steps. flush stores
// them all by one statement (issue 21's fifteenth round: a completion's
// UPDATE, its notice's INSERT, the events' INSERT and the deadlines' write
// were a statement each, and each obligation of a batch its own UPDATE and
// INSERT).
type held struct {
	tx *gorm.DB
	// rows are the obligations changed, and columns the union of their
	// changed columns: each row's values of all of them are written (a
	// column a row did not change is written as it is: the row is locked).
	rows    []obligationRow
	columns map[string]bool
	notices []noticeRow
	changes []domain.PayeeChange
	events  []events.Outgoing
	// deadlines is the write of the steps (step).
	deadlines trackingpg.Written
	// announced tells that a flush stored events: the relay is to be woken
	// after the commit.
	announced bool
}

// change holds row, an obligation whose columns changed changed (none: it
// is not written).
func (h *held) change(row obligationRow, changed map[string]any) {
	if len(changed) == 0 {
		return
	}
	if h.columns == nil {
		h.columns = map[string]bool{}
	}
	for c := range changed {
		h.columns[c] = true
	}
	h.rows = append(h.rows, row)
}

// hold holds notices and payee changes.
func (h *held) hold(notices []app.Notice, changes []domain.PayeeChange) error {
	for _, n := range notices {
		row, err := toNoticeRow(n)
		if err != nil {
			return err
		}
		h.notices = append(h.notices, row)
	}
	h.changes = append(h.changes, changes...)
	return nil
}

// step decides steps, the deadline steps of the changes, as of now (the
// time they are stored when zero), and holds their write
// (trackingpg.ApplyWith: the obligations they act on are locked and read
// by a statement of their own, as the unit of work's trackingpg.Apply
// does).
func (h *held) step(t *tracking.Tracker, now time.Time, steps []tracking.Step) error {
	if len(steps) == 0 {
		return nil
	}
	if t == nil {
		return errors.New("deadline steps without a tracker")
	}
	if now.IsZero() {
		now = time.Now()
	}
	w, err := trackingpg.ApplyWith(h.tx, t, now, steps...)
	h.deadlines = w
	return err
}

// flush stores what is held by one statement, its parts in a WITH clause
// each (data-modifying: each runs once, whatever the query reads), and
// holds nothing after. Every obligation held must be updated: it is locked
// by this transaction.
func (h *held) flush() error {
	if len(h.rows)+len(h.notices)+len(h.changes)+len(h.events)+len(h.deadlines.With) == 0 {
		return nil
	}
	var with []string
	var args []any
	count := "0"
	if len(h.rows) > 0 {
		_, raw, err := recordset(h.tx, h.rows)
		if err != nil {
			return err
		}
		var set []string
		for _, c := range slices.Sorted(maps.Keys(h.columns)) {
			set = append(set, `"`+c+`" = v."`+c+`"`)
		}
		with = append(with, `changed AS (UPDATE obligations o SET `+strings.Join(set, ", ")+`
			FROM jsonb_populate_recordset(NULL::obligations, ?::jsonb) v WHERE o.id = v.id RETURNING 1)`)
		args = append(args, raw)
		count = "(SELECT count(*) FROM changed)"
	}
	if len(h.notices) > 0 {
		cols, raw, err := recordset(h.tx, h.notices)
		if err != nil {
			return err
		}
		list := strings.Join(cols, ", ")
		with = append(with, `noticed AS (INSERT INTO notifications (`+list+`)
			SELECT `+list+` FROM jsonb_populate_recordset(NULL::notifications, ?::jsonb) ON CONFLICT DO NOTHING RETURNING 1)`)
		args = append(args, raw)
	}
	if len(h.changes) > 0 {
		arg, err := payeeChangesArg(h.changes)
		if err != nil {
			return err
		}
		with = append(with, `audited AS (INSERT INTO payee_changes (id, obligation_id, claim_id, action, "by", reason, before_masked, after_masked, at)
			SELECT id, obligation_id, claim_id, action, "by", reason, before_masked, after_masked, at
			FROM jsonb_populate_recordset(NULL::payee_changes, ?::jsonb) RETURNING 1)`)
		args = append(args, arg)
	}
	if len(h.events) > 0 {
		// Refused here, as outboxpg.Append refuses it, when an event is
		// too large: the change fails with it.
		arg, err := outboxpg.BatchArg(h.tx.Statement.Context, h.events)
		if err != nil {
			return err
		}
		with = append(with, `sent AS (`+outboxpg.InsertAll("?")+` RETURNING 1)`)
		args = append(args, arg)
	}
	with = append(with, h.deadlines.With...)
	args = append(args, h.deadlines.Args...)
	stepped := "0"
	if h.deadlines.Updated != "" {
		stepped = h.deadlines.Updated
	}
	var n struct{ Changed, Stepped int64 }
	if err := h.tx.Raw(`WITH `+strings.Join(with, ",\n")+`
		SELECT `+count+` AS changed, `+stepped+` AS stepped`, args...).Scan(&n).Error; err != nil {
		return fmt.Errorf("store obligations with their notices, events and deadlines: %w", err)
	}
	if n.Changed != int64(len(h.rows)) {
		return fmt.Errorf("store obligations: %d of %d locked rows updated", n.Changed, len(h.rows))
	}
	if n.Stepped != int64(h.deadlines.Locked) {
		return fmt.Errorf("store deadlines: %d of %d locked rows updated", n.Stepped, h.deadlines.Locked)
	}
	h.announced = h.announced || len(h.events) > 0
	h.rows, h.columns, h.notices, h.changes, h.events, h.deadlines = nil, nil, nil, nil, nil, trackingpg.Written{}
	return nil
}

// recordset returns the quoted columns of the table of rows (gorm's row
// structs, at least one) and rows as the JSON array
// jsonb_populate_recordset reads (rowDoc).
func recordset[T any](tx *gorm.DB, rows []T) ([]string, string, error) {
	var cols []string
	docs := make([]map[string]any, len(rows))
	for i, r := range rows {
		c, doc, err := rowDoc(tx, r)
		if err != nil {
			return nil, "", err
		}
		cols, docs[i] = c, doc
	}
	raw, err := json.Marshal(docs)
	if err != nil {
		return nil, "", fmt.Errorf("encode rows: %w", err)
	}
	return cols, string(raw), nil
}

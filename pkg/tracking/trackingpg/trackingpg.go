// Package trackingpg stores a service's deadline obligations and calendar
// versions in its PostgreSQL database. The unit of work (package uow) calls
// Apply in the transaction of a use case's state change; Store serves the
// use cases of package tracking and its monitor. Their schema is among the
// shared tables of uow.Shared.
package trackingpg

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/inbox"
	"claims.local/pkg/inbox/inboxpg"
	"claims.local/pkg/postgres"
	"claims.local/pkg/tracking"
)

// obligationRow is a row of deadline_obligations, its columns grouped by
// kind (ID is the primary key).
type obligationRow struct {
	ID, ClaimID, Subject, Rule, State, CancelReason string
	Mode, DueCause, DoneEvidence                    string
	DueDate, Basis, Explanation, CalendarVersion    string
	ClockStart, DueAt, AtRiskFrom                   time.Time
	CreatedAt, UpdatedAt                            time.Time
	PausedAt, DoneAt                                *time.Time
	AtRiskAlertedAt, BreachedAlertedAt              *time.Time
	Pauses                                          []byte
	OverrideLength                                  *int
	OverrideUnit                                    *string
	Provisional                                     bool
	CalendarSeq                                     int64
}

func (obligationRow) TableName() string { return "deadline_obligations" }

type pauseJSON struct {
	PausedAt  time.Time `json:"paused_at"`
	ResumedAt time.Time `json:"resumed_at"`
}

func toRow(o tracking.Deadline) (obligationRow, error) {
	ps := make([]pauseJSON, len(o.Pauses))
	for i, p := range o.Pauses {
		ps[i] = pauseJSON{PausedAt: p.PausedAt.UTC(), ResumedAt: p.ResumedAt.UTC()}
	}
	pauses, err := json.Marshal(ps)
	if err != nil {
		return obligationRow{}, err
	}
	r := obligationRow{
		ID: o.ID, ClaimID: o.ClaimID, Subject: o.Subject, Rule: string(o.Rule), ClockStart: o.ClockStart.UTC(),
		Pauses: pauses, PausedAt: o.PausedAt, DueDate: o.DueDate.String(), DueAt: o.DueAt.UTC(),
		AtRiskFrom: o.AtRiskFrom.UTC(), Basis: o.Basis, Explanation: o.Explanation, Provisional: o.Provisional,
		CalendarVersion: o.CalendarVersion, CalendarSeq: o.CalendarSeq, State: string(o.State), DoneAt: o.DoneAt, CancelReason: o.CancelReason, Mode: o.Mode, DueCause: o.DueCause,
		DoneEvidence:    o.Evidence,
		AtRiskAlertedAt: o.AtRiskAlertedAt, BreachedAlertedAt: o.BreachedAlertedAt,
		CreatedAt: o.CreatedAt.UTC(), UpdatedAt: o.UpdatedAt.UTC(),
	}
	if ov := o.Override; ov != nil {
		unit := ov.Unit.String()
		r.OverrideLength, r.OverrideUnit = &ov.Length, &unit
	}
	return r, nil
}

func (r obligationRow) toDomain() (tracking.Deadline, error) {
	var ps []pauseJSON
	if err := json.Unmarshal(r.Pauses, &ps); err != nil {
		return tracking.Deadline{}, fmt.Errorf("obligation %s: pauses: %w", r.ID, err)
	}
	due, err := calendar.ParseDate(r.DueDate[:min(len(r.DueDate), 10)])
	if err != nil {
		return tracking.Deadline{}, fmt.Errorf("obligation %s: due date: %w", r.ID, err)
	}
	o := tracking.Deadline{
		ID: r.ID, ClaimID: r.ClaimID, Subject: r.Subject, Rule: deadline.RuleID(r.Rule), ClockStart: r.ClockStart.UTC(),
		PausedAt: postgres.UTC(r.PausedAt), DueDate: due, DueAt: r.DueAt.In(calendar.Location()),
		AtRiskFrom: r.AtRiskFrom.In(calendar.Location()), Basis: r.Basis, Explanation: r.Explanation,
		Provisional: r.Provisional, CalendarVersion: r.CalendarVersion, CalendarSeq: r.CalendarSeq,
		State: tracking.State(r.State), DoneAt: postgres.UTC(r.DoneAt), CancelReason: r.CancelReason, Mode: r.Mode, Evidence: r.DoneEvidence, AtRiskAlertedAt: postgres.UTC(r.AtRiskAlertedAt),
		BreachedAlertedAt: postgres.UTC(r.BreachedAlertedAt), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	for _, p := range ps {
		o.Pauses = append(o.Pauses, deadline.Pause{PausedAt: p.PausedAt, ResumedAt: p.ResumedAt})
	}
	if r.OverrideLength != nil && r.OverrideUnit != nil {
		unit, err := deadline.ParseUnit(*r.OverrideUnit)
		if err != nil {
			return tracking.Deadline{}, fmt.Errorf("obligation %s: override: %w", r.ID, err)
		}
		o.Override = &deadline.Override{Rule: o.Rule, Length: *r.OverrideLength, Unit: unit}
	}
	return o, nil
}

func toDomain(rows []obligationRow) ([]tracking.Deadline, error) {
	return postgres.FromRows(rows, obligationRow.toDomain)
}

// Insert stores a new obligation inside tx, unless one exists for its
// subject and rule.
func Insert(tx *gorm.DB, o tracking.Deadline) error {
	r, err := toRow(o)
	if err != nil {
		return err
	}
	if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "subject"}, {Name: "rule"}}, DoNothing: true}).
		Create(&r).Error; err != nil {
		return fmt.Errorf("track %s of %s: %w", o.Rule, o.Subject, err)
	}
	return nil
}

// save writes every column of o inside tx.
func save(tx *gorm.DB, o tracking.Deadline) error {
	r, err := toRow(o)
	if err != nil {
		return err
	}
	if err := tx.Select("*").Save(&r).Error; err != nil {
		return fmt.Errorf("store obligation %s: %w", o.ID, err)
	}
	return nil
}

// Apply performs a use case's steps inside tx, the transaction of its state
// change, in their order. A step on an obligation that is not tracked
// (created before tracking existed) is skipped; opening one that is tracked
// changes nothing.
//
// Round trips (issue 21): the obligations the steps act on are locked and
// read by one statement, in the order of their subject and rule (so two
// transactions stepping on the same obligations never wait for each other
// in a circle), tracking.Tracker.ApplyTo decides each step in Go as before,
// and the new obligations and the changed columns of the changed ones are
// written by one more statement. A step on an obligation opened earlier in
// the same steps reads it back first, as a step after another's commit
// would. An obligation the steps left as it was is not written.
func Apply(tx *gorm.DB, t *tracking.Tracker, now time.Time, steps ...tracking.Step) error {
	inserts, changed, err := decide(tx, t, now, steps)
	if err != nil {
		return err
	}
	return write(tx, inserts, changed)
}

// Written is the last write of steps (ApplyWith) as parts of a WITH
// clause, for the statement of the caller's that stores the change the
// steps belong to: With holds its parts ("name AS (…)"), their ? bound to
// Args in order. The UPDATE's part, when there is one, counts its rows:
// Updated is the SQL expression of their count, which must equal Locked
// (rows this transaction holds locked); the caller's query reads it.
type Written struct {
	With    []string
	Args    []any
	Updated string
	Locked  int
}

// ApplyWith is Apply without its last statement, the write of the new
// obligations and the changed columns: it locks and reads what the steps
// act on and decides them, and returns that write as Written, for the
// caller to run in its own statement of the same transaction (issue 21's
// fifteenth round: a statement a change less). The parts are named
// deadlines_opened and deadlines_stepped.
func ApplyWith(tx *gorm.DB, t *tracking.Tracker, now time.Time, steps ...tracking.Step) (Written, error) {
	inserts, changed, err := decide(tx, t, now, steps)
	if err != nil {
		return Written{}, err
	}
	w := Written{Updated: "0", Locked: len(changed)}
	if len(inserts) > 0 {
		var b strings.Builder
		b.WriteString("deadlines_opened AS (")
		if w.Args, err = writeInserts(&b, inserts, w.Args); err != nil {
			return Written{}, err
		}
		b.WriteString(" RETURNING 1)")
		w.With = append(w.With, b.String())
	}
	if len(changed) > 0 {
		var b strings.Builder
		b.WriteString("deadlines_stepped AS (")
		w.Args = writeChanged(&b, changed, w.Args)
		b.WriteString(" RETURNING 1)")
		w.With = append(w.With, b.String())
		w.Updated = "(SELECT count(*) FROM deadlines_stepped)"
	}
	return w, nil
}

// decide locks and reads the obligations steps act on, applies each step
// in Go, and returns the obligations to insert and the changed rows to
// write (Apply).
func decide(tx *gorm.DB, t *tracking.Tracker, now time.Time, steps []tracking.Step) ([]tracking.Deadline, []changedRow, error) {
	known := map[stepKey]*loaded{} // a nil value: read, not tracked
	var order []*loaded
	var inserts []tracking.Deadline
	for i, s := range steps {
		k := stepKey{s.Subject, string(s.Rule)}
		if s.New != nil {
			if e := known[k]; e != nil {
				continue // tracked and locked by this transaction: Open changes nothing
			}
			inserts = append(inserts, *s.New)
			delete(known, k) // read it back before a later step on it
			continue
		}
		if _, ok := known[k]; !ok {
			want := unread(steps[i:], known)
			if opensAny(inserts, want) {
				if err := write(tx, inserts, nil); err != nil {
					return nil, nil, err
				}
				inserts = nil
			}
			rows, err := lockAll(tx, want)
			if err != nil {
				return nil, nil, err
			}
			for _, w := range want {
				known[w] = nil
			}
			for _, r := range rows {
				o, err := r.toDomain()
				if err != nil {
					return nil, nil, err
				}
				before, err := toRow(o)
				if err != nil {
					return nil, nil, err
				}
				e := &loaded{o: o, before: before}
				known[stepKey{r.Subject, r.Rule}] = e
				order = append(order, e)
			}
		}
		e := known[k]
		if e == nil {
			continue
		}
		if err := t.ApplyTo(&e.o, s, now); err != nil {
			return nil, nil, err
		}
	}
	var changed []changedRow
	for _, e := range order {
		after, err := toRow(e.o)
		if err != nil {
			return nil, nil, err
		}
		if cols := changedColumns(e.before, after); len(cols) > 0 {
			changed = append(changed, changedRow{row: after, cols: cols})
		}
	}
	return inserts, changed, nil
}

// OpensArg returns the obligations steps open as the JSON argument of
// InsertOpens, and true, when every step opens one (tracking.Open, as a
// use case that creates what the obligation is about makes them); false
// when a step acts on an obligation that may be tracked already, which
// Apply must lock and read first. It lets a writer store the obligations
// a new thing opens in the statement that stores the thing (issue 21),
// as Apply would store them: none whose subject and rule is tracked.
func OpensArg(steps []tracking.Step) (string, bool, error) {
	items := make([]map[string]any, 0, len(steps))
	for _, s := range steps {
		if s.New == nil {
			return "", false, nil
		}
		r, err := toRow(*s.New)
		if err != nil {
			return "", false, err
		}
		item := make(map[string]any, len(obligationColumns))
		for i, v := range r.values() {
			switch c := obligationColumns[i]; {
			case c.name == "pauses":
				item[c.name] = json.RawMessage(r.Pauses)
			default:
				item[c.name] = v
			}
		}
		items = append(items, item)
	}
	raw, err := json.Marshal(items)
	if err != nil {
		return "", false, fmt.Errorf("encode obligations to open: %w", err)
	}
	return string(raw), true, nil
}

// InsertOpens returns an INSERT, for a WITH clause of a statement that
// also stores what the obligations are about, of the obligations of an
// OpensArg bound to the placeholder param (? or $n), when the SQL
// condition cond holds; an obligation whose subject and rule is tracked
// is left as it is, as Apply leaves it.
func InsertOpens(param, cond string) string {
	names := make([]string, len(obligationColumns))
	for i, c := range obligationColumns {
		names[i] = c.name
	}
	cols := strings.Join(names, ", ")
	return `INSERT INTO deadline_obligations (` + cols + `)
	SELECT ` + cols + ` FROM jsonb_populate_recordset(NULL::deadline_obligations, ` + param + `::jsonb)
	WHERE ` + cond + ` ON CONFLICT (subject, rule) DO NOTHING`
}

// stepKey names an obligation as a step does: its subject and rule.
type stepKey struct{ subject, rule string }

// loaded is an obligation Apply locked and read: as read (before, in the
// columns' form) and as the steps left it.
type loaded struct {
	o      tracking.Deadline
	before obligationRow
}

// changedRow is a row to write and the columns of it that changed.
type changedRow struct {
	row  obligationRow
	cols []int
}

// unread returns the obligations steps act on (not opening them) that are
// not in known, each once, sorted.
func unread(steps []tracking.Step, known map[stepKey]*loaded) []stepKey {
	seen := map[stepKey]bool{}
	var out []stepKey
	for _, s := range steps {
		k := stepKey{s.Subject, string(s.Rule)}
		if _, ok := known[k]; ok || s.New != nil || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b stepKey) int {
		return cmp.Or(strings.Compare(a.subject, b.subject), strings.Compare(a.rule, b.rule))
	})
	return out
}

// opensAny tells whether one of inserts opens an obligation of keys.
func opensAny(inserts []tracking.Deadline, keys []stepKey) bool {
	for _, o := range inserts {
		if slices.Contains(keys, stepKey{o.Subject, string(o.Rule)}) {
			return true
		}
	}
	return false
}

// lockAll locks and reads the obligations of keys in one statement, in the
// order of their subject and rule (the order the rows are locked in). The
// keys go as one JSON array of [subject, rule] pairs, as postgres.LockKeys
// sends its keys, so the statement's text is the same however many there
// are.
//
// Each key is looked up on its own (the LATERAL subquery, kept apart by
// OFFSET 0), in the keys' order, which is the order the rows are locked in:
// joined to the keys as a set, which PostgreSQL takes for a hundred rows,
// the table was read whole while it held a few thousand rows. And the
// statement is planned each time it runs, for the table as it is
// (postgres.PlannedEachTime): a connection's prepared statement soon keeps
// one generic plan, and the one made while the table held a few rows scans
// every page of it, which a surge that grows the table by tens of
// thousands of claims then paid at every step until an ANALYZE replaced it
// (issue 21; TestTheLockingReadStaysAnIndexLookupAfterTheTableGrew).
func lockAll(tx *gorm.DB, keys []stepKey) ([]obligationRow, error) {
	pairs := make([][2]string, len(keys))
	for i, k := range keys {
		pairs[i] = [2]string{k.subject, k.rule}
	}
	raw, err := json.Marshal(pairs)
	if err != nil {
		return nil, err
	}
	var rows []obligationRow
	if err := tx.Raw(`SELECT o.* FROM json_array_elements($1::json) WITH ORDINALITY AS k(v, n)
		CROSS JOIN LATERAL (SELECT * FROM deadline_obligations WHERE subject = k.v->>0 AND rule = k.v->>1 OFFSET 0) o
		ORDER BY k.n FOR UPDATE OF o`, postgres.PlannedEachTime(string(raw))...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("lock obligations %v: %w", keys, err)
	}
	return rows, nil
}

// obligationColumns are deadline_obligations' columns with their types, in
// the order of obligationRow.values.
var obligationColumns = []struct{ name, typ string }{
	{"id", "text"}, {"claim_id", "text"}, {"subject", "text"}, {"rule", "text"}, {"clock_start", "timestamptz"},
	{"pauses", "jsonb"}, {"paused_at", "timestamptz"}, {"override_length", "integer"}, {"override_unit", "text"},
	{"due_date", "date"}, {"due_at", "timestamptz"}, {"at_risk_from", "timestamptz"}, {"basis", "text"},
	{"explanation", "text"}, {"provisional", "boolean"}, {"calendar_version", "text"}, {"calendar_seq", "bigint"},
	{"state", "text"}, {"done_at", "timestamptz"}, {"at_risk_alerted_at", "timestamptz"},
	{"breached_alerted_at", "timestamptz"}, {"created_at", "timestamptz"}, {"updated_at", "timestamptz"},
	{"cancel_reason", "text"}, {"mode", "text"}, {"due_cause", "text"}, {"done_evidence", "text"},
}

// values returns r's columns in the order of obligationColumns, instants
// in UTC to the microsecond (PostgreSQL's precision, truncated as the
// driver does), nil for NULL.
func (r obligationRow) values() []any {
	ts := func(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
	tp := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return ts(*t)
	}
	var length, unit any
	if r.OverrideLength != nil {
		length = *r.OverrideLength
	}
	if r.OverrideUnit != nil {
		unit = *r.OverrideUnit
	}
	return []any{r.ID, r.ClaimID, r.Subject, r.Rule, ts(r.ClockStart),
		string(r.Pauses), tp(r.PausedAt), length, unit,
		r.DueDate, ts(r.DueAt), ts(r.AtRiskFrom), r.Basis,
		r.Explanation, r.Provisional, r.CalendarVersion, r.CalendarSeq,
		r.State, tp(r.DoneAt), tp(r.AtRiskAlertedAt),
		tp(r.BreachedAlertedAt), ts(r.CreatedAt), ts(r.UpdatedAt),
		r.CancelReason, r.Mode, r.DueCause, r.DoneEvidence}
}

// changedColumns returns the indexes (in obligationColumns) of the columns
// whose stored value differs between before and after.
func changedColumns(before, after obligationRow) []int {
	b, a := before.values(), after.values()
	var out []int
	for i := range b {
		if !sameValue(b[i], a[i]) {
			out = append(out, i)
		}
	}
	return out
}

func sameValue(a, b any) bool {
	if ta, ok := a.(time.Time); ok {
		tb, ok := b.(time.Time)
		return ok && ta.Equal(tb)
	}
	return a == b
}

// write stores new obligations (none when one of its subject and rule is
// tracked) and the changed columns of changed rows in one statement: an
// UPDATE … FROM (VALUES …) with the INSERT in a WITH clause when there are
// both. A changed row is one this transaction holds locked.
func write(tx *gorm.DB, inserts []tracking.Deadline, changed []changedRow) error {
	if len(inserts) == 0 && len(changed) == 0 {
		return nil
	}
	var b strings.Builder
	var args []any
	if len(inserts) > 0 {
		if len(changed) > 0 {
			b.WriteString("WITH opened AS (")
		}
		var err error
		if args, err = writeInserts(&b, inserts, args); err != nil {
			return err
		}
		if len(changed) > 0 {
			b.WriteString(") ")
		}
	}
	if len(changed) > 0 {
		args = writeChanged(&b, changed, args)
	}
	res := tx.Exec(b.String(), args...)
	if res.Error != nil {
		return fmt.Errorf("store obligations: %w", res.Error)
	}
	if len(changed) > 0 && res.RowsAffected != int64(len(changed)) {
		return fmt.Errorf("store obligations: %d of %d locked rows updated", res.RowsAffected, len(changed))
	}
	return nil
}

// writeInserts writes to b the INSERT of write's new obligations (none
// whose subject and rule is tracked), and returns args with its arguments.
func writeInserts(b *strings.Builder, inserts []tracking.Deadline, args []any) ([]any, error) {
	b.WriteString("INSERT INTO deadline_obligations (")
	for i, c := range obligationColumns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.name)
	}
	b.WriteString(") VALUES ")
	for i, o := range inserts {
		r, err := toRow(o)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		for j, v := range r.values() {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("?::" + obligationColumns[j].typ)
			args = append(args, v)
		}
		b.WriteString(")")
	}
	b.WriteString(" ON CONFLICT (subject, rule) DO NOTHING")
	return args, nil
}

// writeChanged writes to b the UPDATE … FROM (VALUES …) of write's changed
// rows, and returns args with its arguments.
func writeChanged(b *strings.Builder, changed []changedRow, args []any) []any {
	var cols []int
	for _, c := range changed {
		for _, i := range c.cols {
			if !slices.Contains(cols, i) {
				cols = append(cols, i)
			}
		}
	}
	slices.Sort(cols)
	b.WriteString("UPDATE deadline_obligations o SET ")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		name := obligationColumns[c].name
		b.WriteString(name + " = v." + name)
	}
	b.WriteString(" FROM (VALUES ")
	for i, c := range changed {
		if i > 0 {
			b.WriteString(", ")
		}
		vals := c.row.values()
		b.WriteString("(?::text")
		args = append(args, c.row.ID)
		for _, col := range cols {
			b.WriteString(", ?::" + obligationColumns[col].typ)
			args = append(args, vals[col])
		}
		b.WriteString(")")
	}
	b.WriteString(") AS v (id")
	for _, col := range cols {
		b.WriteString(", " + obligationColumns[col].name)
	}
	b.WriteString(") WHERE o.id = v.id")
	return args
}

// RiskCondition is the SQL condition, with its arguments, that selects the
// obligations at risk at now, on the columns of the deadline_obligations
// table qualified by alias ("" or "o."), so that a service's own queue
// can join its obligations and filter by risk the same way the list does.
// A row with no obligation (NULL state) counts as RiskNone.
func RiskCondition(alias string, risk tracking.Risk, now time.Time) (string, []any) {
	c := func(col string) string { return alias + col }
	switch risk {
	case tracking.RiskNone:
		return "(" + c("state") + " IS NULL OR " + c("state") + " IN ('met', 'missed', 'cancelled'))", nil
	case tracking.RiskPaused:
		return c("state") + " = 'paused'", nil
	case tracking.RiskOnTrack:
		return c("state") + " = 'open' AND " + c("at_risk_from") + " > ?", []any{now}
	case tracking.RiskAtRisk:
		return c("state") + " = 'open' AND " + c("at_risk_from") + " <= ? AND " + c("due_at") + " >= ?", []any{now, now}
	case tracking.RiskBreached:
		return c("state") + " = 'open' AND " + c("due_at") + " < ?", []any{now}
	}
	return "true", nil
}

// Store is the PostgreSQL implementation of tracking.Store and
// tracking.MonitorStore.
type Store struct {
	db      *gorm.DB
	work    Work
	witness Witness
}

// Witness proves, in the monitor's transaction, the steps that ended
// obligations (met or cancelled, with their evidence) and the stops of the
// clock (with their stated cause) against the service's own kept records:
// the decision in effect, the withdrawal, the notice delivered. It answers
// tracking.Proven or tracking.Unproven for each move it checks, by
// sequence number; a move it leaves out is tracking.Unchecked. A store
// without one checks none (a service whose steps' sources are not yet
// checked).
type Witness interface {
	Prove(tx *gorm.DB, moves []tracking.DueMove) (map[int64]tracking.Proof, error)
}

// WithWitness returns s proving the steps and stops the monitor reads with
// w.
func (s *Store) WithWitness(w Witness) *Store {
	c := *s
	c.witness = w
	return &c
}

// Work runs a change and stores the events it returns in the same
// transaction, waking the outbox relay after the commit: the service's unit
// of work (uow.UnitOfWork).
type Work interface {
	Do(ctx context.Context, fn func(tx *gorm.DB) (tracking.Effects, error)) error
}

// NewStore returns the store of db; work stores the monitor's and the
// calendar's events.
func NewStore(db *gorm.DB, work Work) *Store {
	return &Store{db: db, work: work}
}

// List returns a page of obligations, soonest due first.
func (s *Store) List(ctx context.Context, f tracking.ListFilter, now time.Time) (tracking.Page, error) {
	q := s.db.WithContext(ctx).Model(&obligationRow{})
	if len(f.States) > 0 {
		states := make([]string, len(f.States))
		for i, st := range f.States {
			states[i] = string(st)
		}
		q = q.Where("state IN ?", states)
	}
	if f.Risk != "" {
		cond, args := RiskCondition("", f.Risk, now)
		q = q.Where(cond, args...)
	}
	if f.Rule != "" {
		q = q.Where("rule = ?", string(f.Rule))
	}
	if f.ClaimID != "" {
		q = q.Where("claim_id = ?", f.ClaimID)
	}
	if f.DueFrom != nil {
		q = q.Where("due_at >= ?", *f.DueFrom)
	}
	if f.DueTo != nil {
		q = q.Where("due_at <= ?", *f.DueTo)
	}
	if f.After != nil {
		q = q.Where("(due_at, id) > (?, ?)", f.After.DueAt, f.After.ID)
	}
	var rows []obligationRow
	if err := q.Order("due_at, id").Limit(f.Limit + 1).Find(&rows).Error; err != nil {
		return tracking.Page{}, fmt.Errorf("list obligations: %w", err)
	}
	var page tracking.Page
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		last := rows[len(rows)-1]
		page.Next = &tracking.Cursor{DueAt: last.DueAt.UTC(), ID: last.ID}
	}
	obs, err := toDomain(rows)
	page.Obligations = obs
	return page, err
}

// Get returns one obligation.
func (s *Store) Get(ctx context.Context, id string) (tracking.Deadline, error) {
	var r obligationRow
	if err := postgres.Take(s.db.WithContext(ctx).Where("id = ?", id), &r, apperr.New(apperr.NotFound, "no obligation %q", id), "obligation"); err != nil {
		return tracking.Deadline{}, err
	}
	return r.toDomain()
}

// Compliance counts the obligations due from..to per rule, split by the
// mode they were met in, and finds the worst delays, in two statements
// over the due-date index.
func (s *Store) Compliance(ctx context.Context, from, to calendar.Date, now time.Time) ([]tracking.RuleCompliance, error) {
	db := s.db.WithContext(ctx)
	var counts []struct {
		Rule, Mode                                string
		Total, Met, Missed, OpenCount, OpenBreach int
	}
	err := db.Raw(`SELECT rule, mode, count(*) AS total,
		count(*) FILTER (WHERE state = 'met') AS met,
		count(*) FILTER (WHERE state = 'missed') AS missed,
		count(*) FILTER (WHERE state IN ('open', 'paused')) AS open_count,
		count(*) FILTER (WHERE state = 'open' AND due_at < ?) AS open_breach
		FROM deadline_obligations WHERE due_date BETWEEN CAST(? AS date) AND CAST(? AS date) AND state <> 'cancelled' GROUP BY rule, mode ORDER BY rule, mode`,
		now, from.String(), to.String()).Scan(&counts).Error
	if err != nil {
		return nil, fmt.Errorf("compliance counts: %w", err)
	}
	var worst []struct {
		ID, ClaimID, Subject, Rule, State string
		DueAt                             time.Time
		DoneAt                            *time.Time
		DelayMicros                       int64
	}
	err = db.Raw(`SELECT id, claim_id, subject, rule, state, due_at, done_at, delay_micros FROM (
		SELECT id, claim_id, subject, rule, state, due_at, done_at, delay_micros,
			row_number() OVER (PARTITION BY rule ORDER BY delay_micros DESC, id) AS rank
		FROM (SELECT *, (EXTRACT(EPOCH FROM (CASE WHEN state = 'missed' THEN done_at ELSE CAST(? AS timestamptz) END) - due_at) * 1000000)::bigint AS delay_micros
			FROM deadline_obligations
			WHERE due_date BETWEEN CAST(? AS date) AND CAST(? AS date)
			AND (state = 'missed' OR (state = 'open' AND due_at < ?))) late
		) ranked WHERE rank <= ? ORDER BY rule, rank`,
		now, from.String(), to.String(), now, tracking.WorstPerRule).Scan(&worst).Error
	if err != nil {
		return nil, fmt.Errorf("compliance worst delays: %w", err)
	}
	lines := make(map[string]*tracking.RuleCompliance)
	var out []tracking.RuleCompliance
	for _, c := range counts {
		if len(out) == 0 || string(out[len(out)-1].Rule) != c.Rule {
			out = append(out, tracking.RuleCompliance{Rule: deadline.RuleID(c.Rule)})
		}
		l := &out[len(out)-1]
		l.Total, l.Met, l.Missed, l.Open, l.OpenBreached = l.Total+c.Total, l.Met+c.Met, l.Missed+c.Missed, l.Open+c.OpenCount, l.OpenBreached+c.OpenBreach
		l.Modes = append(l.Modes, tracking.ModeCompliance{Mode: c.Mode, Total: c.Total, Met: c.Met, Missed: c.Missed,
			Open: c.OpenCount, OpenBreached: c.OpenBreach})
	}
	for i := range out {
		lines[string(out[i].Rule)] = &out[i]
	}
	for _, w := range worst {
		l := lines[w.Rule]
		if l == nil {
			continue
		}
		l.Worst = append(l.Worst, tracking.Late{ObligationID: w.ID, ClaimID: w.ClaimID, Subject: w.Subject,
			State: tracking.State(w.State), DueAt: w.DueAt.In(calendar.Location()), DoneAt: postgres.UTC(w.DoneAt),
			Delay: time.Duration(w.DelayMicros) * time.Microsecond})
	}
	return out, nil
}

type calendarRow struct {
	Seq         int64 `gorm:"primaryKey;autoIncrement"`
	Version     string
	Data        []byte
	Reason      string
	SubmittedBy string
	SubmittedAt time.Time
	AppliedAt   time.Time
	EventID     string
}

func (calendarRow) TableName() string { return "calendar_versions" }

// CalendarVersions lists the stored versions, newest first, without their
// data.
func (s *Store) CalendarVersions(ctx context.Context) ([]tracking.CalendarVersion, error) {
	var rows []calendarRow
	if err := s.db.WithContext(ctx).Omit("data").Order("seq DESC").Limit(1000).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list calendar versions: %w", err)
	}
	out := make([]tracking.CalendarVersion, len(rows))
	for i, r := range rows {
		out[i] = tracking.CalendarVersion{Seq: r.Seq, Version: r.Version, Reason: r.Reason, SubmittedBy: r.SubmittedBy,
			SubmittedAt: r.SubmittedAt.UTC(), AppliedAt: r.AppliedAt.UTC(), EventID: r.EventID}
	}
	return out, nil
}

// StoreCalendar records a calendar version once per event.
func (s *Store) StoreCalendar(ctx context.Context, receipt inbox.Receipt, v tracking.CalendarVersion, data []byte) error {
	return s.work.Do(ctx, func(tx *gorm.DB) (tracking.Effects, error) {
		first, err := inboxpg.Record(tx, receipt)
		if err != nil || !first {
			return tracking.Effects{}, err
		}
		r := calendarRow{Version: v.Version, Data: data, Reason: v.Reason, SubmittedBy: v.SubmittedBy,
			SubmittedAt: v.SubmittedAt, AppliedAt: v.AppliedAt, EventID: v.EventID}
		if err := tx.Create(&r).Error; err != nil {
			return tracking.Effects{}, fmt.Errorf("store calendar version: %w", err)
		}
		return tracking.Effects{}, nil
	})
}

// LatestCalendar returns the newest stored version above after.
func (s *Store) LatestCalendar(ctx context.Context, after int64) (int64, []byte, bool, error) {
	var rows []calendarRow
	if err := s.db.WithContext(ctx).Where("seq > ?", after).Order("seq DESC").Limit(1).Find(&rows).Error; err != nil {
		return 0, nil, false, fmt.Errorf("latest calendar: %w", err)
	}
	if len(rows) == 0 {
		return 0, nil, false, nil
	}
	return rows[0].Seq, rows[0].Data, true, nil
}

// Announce stores events in the outbox.
func (s *Store) Announce(ctx context.Context, out []events.Outgoing) error {
	return s.work.Do(ctx, func(*gorm.DB) (tracking.Effects, error) { return tracking.Effects{Events: out}, nil })
}

// RaiseAlarms marks up to limit obligations whose alarm is due and stores
// its events, in one transaction. One UPDATE takes the rows with SKIP LOCKED,
// marks them and returns them, so a second monitor neither waits nor raises
// the same alarm, and a batch costs one round trip however large.
func (s *Store) RaiseAlarms(ctx context.Context, alarm tracking.Alarm, now time.Time, limit int, announce func(tracking.Deadline) ([]events.Outgoing, error)) (int, error) {
	var where, order, set string
	switch alarm {
	case tracking.AlarmBreached:
		// A breach found before its at-risk alarm needs no at-risk alarm.
		where, order = "state = 'open' AND breached_alerted_at IS NULL AND due_at < @now", "due_at"
		set = "breached_alerted_at = @now, at_risk_alerted_at = COALESCE(o.at_risk_alerted_at, @now)"
	case tracking.AlarmAtRisk:
		// Only before the due time: a deadline stored already past due
		// between a sweep's breach and at-risk passes gets its breach alarm
		// from the next sweep, not an at-risk alarm first.
		where, order = "state = 'open' AND at_risk_alerted_at IS NULL AND at_risk_from <= @now AND due_at >= @now", "at_risk_from"
		set = "at_risk_alerted_at = @now"
	default:
		return 0, fmt.Errorf("unknown alarm %q", alarm)
	}
	query := `UPDATE deadline_obligations o SET ` + set + `, updated_at = @now
		FROM (SELECT id FROM deadline_obligations WHERE ` + where + ` ORDER BY ` + order + ` LIMIT @limit FOR UPDATE SKIP LOCKED) due
		WHERE o.id = due.id RETURNING o.*`
	return s.batch(ctx, func(tx *gorm.DB) ([]obligationRow, error) {
		var rows []obligationRow
		err := tx.Raw(query, sql.Named("now", now.UTC()), sql.Named("limit", limit)).Scan(&rows).Error
		return rows, err
	}, func(_ *gorm.DB, o *tracking.Deadline) ([]events.Outgoing, error) {
		return announce(*o)
	})
}

// RecomputeStale recomputes up to limit owed obligations computed with a
// calendar older than seq.
func (s *Store) RecomputeStale(ctx context.Context, seq int64, limit int, recompute func(*tracking.Deadline) ([]events.Outgoing, error)) (int, error) {
	return s.batch(ctx, func(tx *gorm.DB) ([]obligationRow, error) {
		var rows []obligationRow
		err := tx.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"}).
			Where("state IN ('open', 'paused') AND calendar_seq < ?", seq).Order("calendar_seq, id").Limit(limit).Find(&rows).Error
		return rows, err
	}, func(tx *gorm.DB, o *tracking.Deadline) ([]events.Outgoing, error) {
		out, err := recompute(o)
		if err != nil {
			return nil, err
		}
		return out, save(tx, *o)
	})
}

// batch runs one monitor transaction: take rows, change each, store the
// events in the same unit of work.
func (s *Store) batch(ctx context.Context, take func(*gorm.DB) ([]obligationRow, error),
	change func(*gorm.DB, *tracking.Deadline) ([]events.Outgoing, error)) (int, error) {
	n := 0
	err := s.work.Do(ctx, func(tx *gorm.DB) (tracking.Effects, error) {
		rows, err := take(tx)
		if err != nil {
			return tracking.Effects{}, fmt.Errorf("take obligations: %w", err)
		}
		n = len(rows)
		var out []events.Outgoing
		for _, r := range rows {
			o, err := r.toDomain()
			if err != nil {
				return tracking.Effects{}, err
			}
			evs, err := change(tx, &o)
			if err != nil {
				return tracking.Effects{}, err
			}
			out = append(out, evs...)
		}
		return tracking.Effects{Events: out}, nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

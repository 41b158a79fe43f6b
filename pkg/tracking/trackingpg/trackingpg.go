// Package trackingpg stores a service's deadline obligations and calendar
// versions in its PostgreSQL database. The unit of work (package uow) calls
// Apply in the transaction of a use case's state change; Store serves the
// use cases of package tracking and its monitor. Their schema is among the
// shared tables of uow.Shared.
package trackingpg

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
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
	Mode                                            string
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
		CalendarVersion: o.CalendarVersion, CalendarSeq: o.CalendarSeq, State: string(o.State), DoneAt: o.DoneAt, CancelReason: o.CancelReason, Mode: o.Mode,
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
		State: tracking.State(r.State), DoneAt: postgres.UTC(r.DoneAt), CancelReason: r.CancelReason, Mode: r.Mode, AtRiskAlertedAt: postgres.UTC(r.AtRiskAlertedAt),
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
// change. A step on an obligation that is not tracked (created before
// tracking existed) is skipped.
func Apply(tx *gorm.DB, t *tracking.Tracker, now time.Time, steps ...tracking.Step) error {
	for _, s := range steps {
		if s.New != nil {
			if err := Insert(tx, *s.New); err != nil {
				return err
			}
			continue
		}
		var r obligationRow
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("subject = ? AND rule = ?", s.Subject, string(s.Rule)).Take(&r).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("load obligation %s of %s: %w", s.Rule, s.Subject, err)
		}
		o, err := r.toDomain()
		if err != nil {
			return err
		}
		if err := t.ApplyTo(&o, s, now); err != nil {
			return err
		}
		if err := save(tx, o); err != nil {
			return err
		}
	}
	return nil
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
	db   *gorm.DB
	work Work
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

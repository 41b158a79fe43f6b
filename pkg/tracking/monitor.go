package tracking

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"claims.local/pkg/calendar"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/tracing"
)

// Alarm is a kind of escalation the monitor raises once per obligation.
type Alarm string

// The alarms: at risk from Deadline.AtRiskFrom, breached after DueAt.
const (
	AlarmAtRisk   Alarm = "at-risk"
	AlarmBreached Alarm = "breached"
)

// MonitorStore is what the monitor needs from storage. Every method that
// changes obligations does so in one transaction with the events it is
// given, and locks the rows it changes with SKIP LOCKED, so that monitors of
// several instances share the work and never raise an alarm twice.
type MonitorStore interface {
	// LatestCalendar returns the newest stored calendar version with a
	// sequence number above after, if any.
	LatestCalendar(ctx context.Context, after int64) (seq int64, data []byte, found bool, err error)
	// RaiseAlarms takes up to limit owed, unpaused obligations whose alarm
	// is due at now and not yet raised, marks it raised and stores the
	// events announce returns for each. It returns how many it took.
	RaiseAlarms(ctx context.Context, alarm Alarm, now time.Time, limit int, announce func(Deadline) ([]events.Outgoing, error)) (int, error)
	// RecomputeStale takes up to limit owed obligations computed with a
	// calendar sequence older than seq, lets recompute change them, and
	// stores them with the events it returns. It returns how many it took.
	RecomputeStale(ctx context.Context, seq int64, limit int, recompute func(*Deadline) ([]events.Outgoing, error)) (int, error)
}

// SweepResult counts what one sweep did.
type SweepResult struct {
	Recomputed int
	Moved      int
	AtRisk     int
	Breached   int
}

// Monitor escalates the obligations of one service: it recomputes those
// made stale by a calendar update, and raises the breached and at-risk
// alarms, each once, with an event on the deadlines topic. It keeps no state
// of its own between sweeps but the calendar in force, so a restart or a
// second instance changes nothing.
type Monitor struct {
	Service  string
	Store    MonitorStore
	Tracker  *Tracker
	Topics   events.Topics
	Interval time.Duration
	// Batch is the number of obligations changed per transaction.
	Batch int
	Now   func() time.Time
	Log   *slog.Logger
	// OnSweep, if set, is called after each sweep, for metrics.
	OnSweep func(SweepResult, time.Duration)
}

// Run sweeps every Interval until ctx ends. A failed sweep (the database
// gone for a while) is logged and tried again at the next tick.
func (m *Monitor) Run(ctx context.Context) error {
	interval := m.Interval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := m.tracedSweep(ctx); err != nil && ctx.Err() == nil {
			m.Log.Warn("deadline sweep failed; retrying at the next tick", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// LoadCalendar makes the newest stored calendar version the one in force.
// A service calls it before taking traffic, and every sweep calls it.
func (m *Monitor) LoadCalendar(ctx context.Context) error {
	_, held := m.Tracker.Calendars().Active()
	seq, data, found, err := m.Store.LatestCalendar(ctx, held)
	if err != nil || !found {
		return err
	}
	cal, err := calendar.Parse(data)
	if err != nil {
		return fmt.Errorf("tracking: stored calendar %d: %w", seq, err)
	}
	if m.Tracker.Calendars().Advance(seq, cal) {
		m.Log.Info("calendar in force changed", "calendar_seq", seq, "calendar_version", cal.Version())
	}
	return nil
}

// Sweep does one round: calendar, recomputation, breached alarms, then
// at-risk alarms. An obligation found already past due gets only the
// breached alarm.
func (m *Monitor) Sweep(ctx context.Context) (SweepResult, error) {
	started := time.Now()
	var res SweepResult
	if err := m.LoadCalendar(ctx); err != nil {
		return res, err
	}
	batch := m.Batch
	if batch <= 0 {
		batch = 500
	}
	_, seq := m.Tracker.Calendars().Active()
	for {
		n, err := m.Store.RecomputeStale(ctx, seq, batch, func(o *Deadline) ([]events.Outgoing, error) {
			before := *o
			moved, err := m.Tracker.Recompute(o, m.Now())
			if err != nil || !moved {
				return nil, err
			}
			res.Moved++
			e, err := DeadlineEvent(events.DeadlineMoved, m.Service, m.Topics, *o, m.Now(), &before)
			return []events.Outgoing{e}, err
		})
		res.Recomputed += n
		if err != nil {
			return res, err
		}
		if n < batch {
			break
		}
	}
	for _, a := range []struct {
		alarm Alarm
		count *int
		typ   events.Type
	}{{AlarmBreached, &res.Breached, events.DeadlineBreached}, {AlarmAtRisk, &res.AtRisk, events.DeadlineAtRisk}} {
		for {
			now := m.Now()
			n, err := m.Store.RaiseAlarms(ctx, a.alarm, now, batch, func(o Deadline) ([]events.Outgoing, error) {
				e, err := DeadlineEvent(a.typ, m.Service, m.Topics, o, now, nil)
				return []events.Outgoing{e}, err
			})
			*a.count += n
			if err != nil {
				return res, err
			}
			if n < batch {
				break
			}
		}
	}
	if m.OnSweep != nil {
		m.OnSweep(res, time.Since(started))
	}
	if res.Moved+res.AtRisk+res.Breached > 0 {
		m.Log.Info("deadline sweep", "moved", res.Moved, "at_risk", res.AtRisk, "breached", res.Breached)
	}
	return res, nil
}

// tracedSweep is Sweep in a span of its own: the alarms a sweep raises
// carry its trace to their consumers.
func (m *Monitor) tracedSweep(ctx context.Context) (SweepResult, error) {
	ctx, span := tracing.Start(ctx, "deadline sweep", trace.SpanKindInternal, "", attribute.String("service", m.Service))
	res, err := m.Sweep(ctx)
	span.SetAttributes(attribute.Int("deadlines.moved", res.Moved), attribute.Int("deadlines.at_risk", res.AtRisk),
		attribute.Int("deadlines.breached", res.Breached))
	tracing.End(span, err)
	return res, err
}

// DeadlineEvent announces o on the deadlines topic; previous is the
// obligation before a move, for moved events.
func DeadlineEvent(t events.Type, service string, topics events.Topics, o Deadline, now time.Time, previous *Deadline) (events.Outgoing, error) {
	rnumber := ""
	if r, err := deadline.RuleByID(o.Rule); err == nil {
		rnumber = r.RNumber
	}
	d := events.DeadlineData{
		ObligationID: o.ID, Service: service, ClaimID: o.ClaimID, Subject: o.Subject, Rule: string(o.Rule),
		RNumber: rnumber, State: string(o.State), ClockStart: o.ClockStart.UTC(), DueDate: o.DueDate.String(),
		DueAt: o.DueAt, AtRiskFrom: o.AtRiskFrom, Basis: o.Basis, CalendarVersion: o.CalendarVersion,
		Provisional: o.Provisional, DetectedAt: now.UTC(),
	}
	if previous != nil {
		at := previous.DueAt
		d.PreviousDueDate, d.PreviousDueAt = previous.DueDate.String(), &at
	}
	e, err := events.New(t, service, o.ClaimID, now, d)
	if err != nil {
		return events.Outgoing{}, err
	}
	return events.Outgoing{Topic: topics.Deadlines(), Envelope: e}, nil
}

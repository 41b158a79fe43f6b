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
	// CheckMoves reads, in one transaction, the recorded moves of due
	// times that mark has not seen (when mark is zero, those of owed
	// obligations and those recorded lately: a monitor that starts checks
	// the steps made while none ran), lets check act on them (locking
	// the owed obligations it asks for) and stores the obligations it
	// changed with the events it returns. It returns the mark to give next time
	// and how many moves it read.
	CheckMoves(ctx context.Context, mark MoveMark, check func(MoveCheck) ([]events.Outgoing, error)) (MoveMark, int, error)
}

// DueMove is a recorded move of an obligation's due time (or a change of
// the inputs it is computed from), as the database's trigger wrote it
// whatever the statement: Obligation holds the inputs and the due after
// the move, OldDueAt the due before it.
type DueMove struct {
	Seq        int64
	Obligation Deadline
	OldDueAt   time.Time
	Cause      string
	// OldPausedAt is the open stop before the move (Obligation.PausedAt
	// after it): a move from none to one started a stop of the clock.
	OldPausedAt *time.Time
	// OldState is the obligation's state before the move (Obligation.State
	// after it): from owed to met or cancelled is a step that ended it,
	// with Obligation.DoneAt and Obligation.Evidence (tracking 0012).
	// Empty for moves recorded before 0012.
	OldState State
	// Role is the database role whose statement moved it; TxID its
	// transaction.
	Role    string
	TxID    int64
	MovedAt time.Time
}

// MoveMark is how far a monitor has read the record of due moves: every
// move up to Seq, and every move written by a transaction from XMin on
// (one still open when Seq was read may commit a lower sequence number
// later). The zero mark has read nothing.
type MoveMark struct {
	Seq, XMin int64
}

// MoveCheck is one transaction of CheckMoves.
type MoveCheck interface {
	// Moves are the moves to check, in their order.
	Moves() []DueMove
	// Owed returns the obligation of id, locked, if it is still owed; a
	// change check makes to it is stored.
	Owed(id string) (*Deadline, bool, error)
	// RecordAlarm records the tampered alarm of move seq, expecting
	// expected, and reports whether it was not recorded before.
	RecordAlarm(seq int64, expected time.Time, now time.Time) (bool, error)
	// Ended returns the obligation of id, locked, if it is met or
	// cancelled; a change check makes to it is stored.
	Ended(id string) (*Deadline, bool, error)
	// Prove asks the service's kept records for the evidence of the steps
	// that ended obligations and the stops of the clock among Moves
	// (Proof), all in one read.
	Prove(moves []DueMove) (map[int64]Proof, error)
}

// Proof is what the service's kept records say of a step that ended an
// obligation or a stop of its clock: its evidence found, not found, or not
// checked (a rule whose evidence the service does not check).
type Proof int

// The proofs.
const (
	Unchecked Proof = iota
	Proven
	Unproven
)

// SweepResult counts what one sweep did.
type SweepResult struct {
	Recomputed int
	Moved      int
	AtRisk     int
	Breached   int
	// Tampered counts the moves found to a due other than their inputs
	// give; Restored the owed obligations put back.
	Tampered int
	Restored int
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

	// moves is how far this monitor has checked the record of due moves.
	moves MoveMark
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

// Sweep does one round: calendar, recomputation, the check of the moves,
// breached alarms, then at-risk alarms. An obligation found already past
// due gets only the breached alarm. A check of the moves that fails is
// returned after the alarms are raised: its moves are read again by the
// next sweep.
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
	// A check of the moves that fails (a witness that cannot ask what it
	// proves by, such as payout's bank) leaves its moves to the next sweep;
	// the alarms are raised all the same, so that an outage of what the
	// witness asks does not silence every breach (red team, session 17).
	checked := m.checkMoves(ctx, &res)
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
	if checked != nil {
		return res, checked
	}
	if m.OnSweep != nil {
		m.OnSweep(res, time.Since(started))
	}
	if res.Moved+res.AtRisk+res.Breached+res.Tampered+res.Restored > 0 {
		m.Log.Info("deadline sweep", "moved", res.Moved, "at_risk", res.AtRisk, "breached", res.Breached,
			"tampered", res.Tampered, "restored", res.Restored)
	}
	return res, nil
}

// checkMoves holds every owed obligation to the due its inputs give. The
// database records every move of a due (tracking migration 0005), so a due
// moved through the service's role, by any statement, is in the record: each
// move recorded since the monitor's last look, earlier or later, and one a
// later move undid before this sweep, is checked against the due computed
// from the inputs it left (Tracker.Expected), and one that differs
// (Unexplained) raises the tampered alarm, once per move
// (claims.deadline.tampered on the deadlines topic and an error log line),
// and puts an owed obligation's due back, so that its breach alarm comes on
// time, not before, and the compliance report counts against it. It runs
// before the alarms of the sweep.
func (m *Monitor) checkMoves(ctx context.Context, res *SweepResult) error {
	now := m.Now()
	mark, _, err := m.Store.CheckMoves(ctx, m.moves, func(c MoveCheck) ([]events.Outgoing, error) {
		var out []events.Outgoing
		var claimed []DueMove
		for _, mv := range c.Moves() {
			if mv.Claimed() {
				claimed = append(claimed, mv)
			}
		}
		proofs := map[int64]Proof{}
		if len(claimed) > 0 {
			var err error
			if proofs, err = c.Prove(claimed); err != nil {
				return nil, err
			}
		}
		for _, mv := range c.Moves() {
			if mv.StoppedTheClock() {
				if err := m.checkStop(c, mv, proofs[mv.Seq], now, res, &out); err != nil {
					return nil, err
				}
				continue
			}
			if mv.Ended() && proofs[mv.Seq] == Unproven {
				if err := m.checkEnded(c, mv, now, res, &out); err != nil {
					return nil, err
				}
			}
			want, ok, err := m.Tracker.Expected(mv.Obligation)
			if err != nil {
				return nil, err
			}
			if !ok || !Unexplained(mv.Obligation, want) {
				continue
			}
			if err := m.raise(c, mv, want, now, res, &out, "due moved off the due its inputs give",
				"moved_due_at", mv.Obligation.DueAt, "expected_due_at", want.DueAt, "cause", mv.Cause); err != nil {
				return nil, err
			}
			o, ok, err := c.Owed(mv.Obligation.ID)
			if err != nil {
				return nil, err
			}
			if ok {
				restored, err := m.Tracker.Restore(o, now)
				if err != nil {
					return nil, err
				}
				if restored {
					res.Restored++
				}
			}
		}
		return out, nil
	})
	if err != nil {
		return err
	}
	m.moves = mark
	return nil
}

// TamperedLog begins the error log line of every tampered alarm.
const TamperedLog = "deadline tampered: "

// raise records the tampered alarm of move mv, whose obligation should
// stand as want, and the first time announces it (claims.deadline.tampered
// with want and the obligation as mv left it) and logs msg with attrs, the
// role and the transaction.
func (m *Monitor) raise(c MoveCheck, mv DueMove, want Deadline, now time.Time, res *SweepResult, out *[]events.Outgoing, msg string, attrs ...any) error {
	first, err := c.RecordAlarm(mv.Seq, want.DueAt, now)
	if err != nil || !first {
		return err
	}
	res.Tampered++
	m.Log.Error(TamperedLog+msg, append([]any{"obligation_id", mv.Obligation.ID, "claim_id", mv.Obligation.ClaimID, "rule", string(mv.Obligation.Rule),
		"role", mv.Role, "txid", mv.TxID, "move_seq", mv.Seq}, attrs...)...)
	moved := mv.Obligation
	e, err := DeadlineEvent(events.DeadlineTampered, m.Service, m.Topics, want, now, &moved)
	if err != nil {
		return err
	}
	*out = append(*out, e)
	return nil
}

// StoppedTheClock reports whether the move started a stop of the clock.
func (mv DueMove) StoppedTheClock() bool {
	return mv.OldPausedAt == nil && mv.Obligation.PausedAt != nil
}

// Ended reports whether the move was a step that ended an owed obligation
// as met or cancelled.
func (mv DueMove) Ended() bool {
	return (mv.OldState == StateOpen || mv.OldState == StatePaused) &&
		(mv.Obligation.State == StateMet || mv.Obligation.State == StateCancelled)
}

// Claimed reports whether the move is one whose source the service's kept
// records must prove: a step that ended an obligation, or a stop of the
// clock started with a stated cause (one without a cause is not the
// tracker's at all).
func (mv DueMove) Claimed() bool {
	return mv.Ended() || (mv.StoppedTheClock() && mv.Cause != "")
}

// checkStop checks a stop of the clock: the tracker states a cause for each
// it makes (Tracker.Pause), so one started without a cause was made by
// something else (an insider setting an owed obligation paused through the
// service's role, red team session 14: a paused obligation is never
// breached); and one with a cause stands only on its source in the
// service's kept records (proof: the notice delivered when the stop began,
// session 15), and only on a rule whose clock stops. It raises the tampered
// alarm, once per move, and takes the stop back while the obligation is
// still paused from then.
func (m *Monitor) checkStop(c MoveCheck, mv DueMove, proof Proof, now time.Time, res *SweepResult, out *[]events.Outgoing) error {
	rule, err := deadline.RuleByID(mv.Obligation.Rule)
	if mv.Cause != "" && proof != Unproven && err == nil && rule.Pausable {
		return nil
	}
	want := mv.Obligation
	want.State, want.PausedAt = StateOpen, nil
	if err := m.raise(c, mv, want, now, res, out, "clock stopped without its source",
		"paused_at", *mv.Obligation.PausedAt, "cause", mv.Cause); err != nil {
		return err
	}
	o, ok, err := c.Owed(mv.Obligation.ID)
	if err != nil || !ok {
		return err
	}
	if m.Tracker.Unpause(o, *mv.Obligation.PausedAt, now) {
		res.Restored++
	}
	return nil
}

// checkEnded acts on a step that ended an owed obligation (met or
// cancelled) whose evidence the service's kept records do not hold (red
// team session 14, left open: an insider's UPDATE … SET state = 'met'
// through the service's role, and a done obligation is never breached): it
// raises the tampered alarm, once per step, and takes the step back
// (Tracker.TakeBack), so the obligation is owed again and breached on
// time.
func (m *Monitor) checkEnded(c MoveCheck, mv DueMove, now time.Time, res *SweepResult, out *[]events.Outgoing) error {
	want := mv.Obligation
	want.State, want.DoneAt, want.PausedAt = mv.OldState, nil, mv.OldPausedAt
	if err := m.raise(c, mv, want, now, res, out, "obligation ended without its evidence",
		"state", string(mv.Obligation.State), "evidence", mv.Obligation.Evidence); err != nil {
		return err
	}
	o, ok, err := c.Ended(mv.Obligation.ID)
	if err != nil || !ok {
		return err
	}
	if m.Tracker.TakeBack(o, mv, now) {
		res.Restored++
	}
	return nil
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
// obligation before a move, for moved events, and for tampered events the
// obligation as it was moved (o then holds the due its inputs give).
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

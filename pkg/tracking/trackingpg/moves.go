package trackingpg

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"claims.local/pkg/calendar"
	"claims.local/pkg/events"
	"claims.local/pkg/postgres"
	"claims.local/pkg/tracking"
)

// moveRow is a row of deadline_due_moves (tracking migration 0005), written
// by the trigger on every move of an obligation's due.
type moveRow struct {
	Seq                                int64
	ObligationID, ClaimID, Rule, State string
	OldDueAt, NewDueAt                 time.Time
	NewDueDate, NewBasis               string
	ClockStart                         time.Time
	Pauses                             []byte
	OverrideLength                     *int
	OverrideUnit                       *string
	CalendarSeq                        int64
	Cause, Role                        string
	Xid                                int64
	MovedAt                            time.Time
	OldPausedAt, PausedAt              *time.Time
	OldState                           *string
	DoneAt                             *time.Time
	Evidence                           string
}

// toDomain returns the move with the obligation as the move left it: its
// inputs and its new due.
func (r moveRow) toDomain() (tracking.DueMove, error) {
	o, err := obligationRow{ID: r.ObligationID, ClaimID: r.ClaimID, Rule: r.Rule, State: r.State, ClockStart: r.ClockStart,
		Pauses: r.Pauses, OverrideLength: r.OverrideLength, OverrideUnit: r.OverrideUnit, CalendarSeq: r.CalendarSeq,
		DueAt: r.NewDueAt, DueDate: r.NewDueDate, Basis: r.NewBasis, PausedAt: r.PausedAt, DoneAt: r.DoneAt,
		DoneEvidence: r.Evidence}.toDomain()
	if err != nil {
		return tracking.DueMove{}, fmt.Errorf("due move %d: %w", r.Seq, err)
	}
	mv := tracking.DueMove{Seq: r.Seq, Obligation: o, OldDueAt: r.OldDueAt.In(calendar.Location()), OldPausedAt: postgres.UTC(r.OldPausedAt), Cause: r.Cause,
		Role: r.Role, TxID: r.Xid, MovedAt: r.MovedAt.UTC()}
	if r.OldState != nil {
		mv.OldState = tracking.State(*r.OldState)
	}
	return mv, nil
}

// StartLookback is how far back, by the database's clock, a monitor that
// starts reads the record of due moves beyond those of owed obligations
// (red team, session 17): it holds no mark from the monitor that ran
// before it, and a step faked between that one's last sweep and its own
// first would be checked by none. A day covers a restart and a day's
// outage of every instance; a step made while no monitor ran for longer is
// recorded, counted against the due its inputs give, and left unchecked.
const StartLookback = 24 * time.Hour

// CheckMoves reads the moves of a due that mark has not seen and
// lets check act on them, in one transaction (tracking.MonitorStore). The
// mark it returns covers every move up to the highest sequence number
// visible when it read, and from the oldest transaction then still open:
// a move that one commits later has a lower sequence number but a
// transaction id from that one on, so the next call reads it.
func (s *Store) CheckMoves(ctx context.Context, mark tracking.MoveMark, check func(tracking.MoveCheck) ([]events.Outgoing, error)) (tracking.MoveMark, int, error) {
	next, n := mark, 0
	err := s.work.Do(ctx, func(tx *gorm.DB) (tracking.Effects, error) {
		var snap struct{ XMin, Top int64 }
		if err := tx.Raw(`SELECT txid_snapshot_xmin(txid_current_snapshot()) AS x_min,
			COALESCE((SELECT max(seq) FROM deadline_due_moves), 0) AS top`).Scan(&snap).Error; err != nil {
			return tracking.Effects{}, fmt.Errorf("due moves: snapshot: %w", err)
		}
		// Every move, earlier or later, one a later move undid, and every
		// stop of the clock started (tracking 0008): the record,
		// append-only, holds each (session 14).
		q := `SELECT m.* FROM deadline_due_moves m WHERE `
		var args []any
		if mark == (tracking.MoveMark{}) {
			// A monitor that starts checks the moves of what is still owed,
			// and every move recorded in the last StartLookback: a step
			// that ended an obligation while no monitor ran (a restart, a
			// deploy) was checked by none (red team, session 17).
			q += `m.seq IN (SELECT x.seq FROM deadline_due_moves x
				WHERE x.obligation_id IN (SELECT id FROM deadline_obligations WHERE state IN ('open', 'paused'))
				UNION SELECT x.seq FROM deadline_due_moves x WHERE x.moved_at >= now() - make_interval(secs => ?))`
			args = append(args, StartLookback.Seconds())
		} else {
			q += `(m.seq > ? OR m.xid >= ?)`
			args = append(args, mark.Seq, mark.XMin)
		}
		var rows []moveRow
		if err := tx.Raw(q+` ORDER BY m.seq`, args...).Scan(&rows).Error; err != nil {
			return tracking.Effects{}, fmt.Errorf("due moves: %w", err)
		}
		n = len(rows)
		next = tracking.MoveMark{Seq: max(snap.Top, mark.Seq), XMin: snap.XMin}
		c := &moveCheck{tx: tx, owed: map[string]*loaded{}, witness: s.witness}
		for _, r := range rows {
			mv, err := r.toDomain()
			if err != nil {
				return tracking.Effects{}, err
			}
			c.moves = append(c.moves, mv)
			next.Seq = max(next.Seq, r.Seq)
		}
		if len(rows) == 0 {
			return tracking.Effects{}, nil
		}
		out, err := check(c)
		if err != nil {
			return tracking.Effects{}, err
		}
		for _, e := range c.owed {
			if e == nil {
				continue
			}
			after, err := toRow(e.o)
			if err != nil {
				return tracking.Effects{}, err
			}
			if len(changedColumns(e.before, after)) > 0 {
				if err := save(tx, e.o); err != nil {
					return tracking.Effects{}, err
				}
			}
		}
		return tracking.Effects{Events: out}, nil
	})
	if err != nil {
		return mark, 0, err
	}
	return next, n, nil
}

// moveCheck is one transaction of CheckMoves.
type moveCheck struct {
	tx      *gorm.DB
	moves   []tracking.DueMove
	owed    map[string]*loaded
	witness Witness
}

func (c *moveCheck) Moves() []tracking.DueMove { return c.moves }

// Owed locks and reads the obligation of id the first time it is asked
// for: only those of the moves found tampered are, so a sweep after
// honest moves locks nothing.
func (c *moveCheck) Owed(id string) (*tracking.Deadline, bool, error) {
	o, err := c.lock(id)
	if err != nil || o == nil || !o.Owed() {
		return nil, false, err
	}
	return o, true, nil
}

// Ended is Owed for an obligation met or cancelled.
func (c *moveCheck) Ended(id string) (*tracking.Deadline, bool, error) {
	o, err := c.lock(id)
	if err != nil || o == nil || (o.State != tracking.StateMet && o.State != tracking.StateCancelled) {
		return nil, false, err
	}
	return o, true, nil
}

// lock locks and reads the obligation of id once per transaction; nil
// when there is none.
func (c *moveCheck) lock(id string) (*tracking.Deadline, error) {
	e, ok := c.owed[id]
	if !ok {
		var rows []obligationRow
		if err := c.tx.Raw(`SELECT * FROM deadline_obligations WHERE id = ? FOR UPDATE`, id).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("due moves: lock obligation %s: %w", id, err)
		}
		for _, r := range rows {
			o, err := r.toDomain()
			if err != nil {
				return nil, err
			}
			// As Apply reads it: the row as written back, so an
			// obligation left as it was is not written.
			before, err := toRow(o)
			if err != nil {
				return nil, err
			}
			e = &loaded{o: o, before: before}
		}
		c.owed[id] = e
	}
	if e == nil {
		return nil, nil
	}
	return &e.o, nil
}

// Prove answers the stops that restore a stop taken back with an
// ended step (tracking.TakenBackCause) from the record: proven when that
// step's tampered alarm is recorded, of the same obligation. The others go
// to the service's witness, if it has one.
func (c *moveCheck) Prove(moves []tracking.DueMove) (map[int64]tracking.Proof, error) {
	out := map[int64]tracking.Proof{}
	var rest []tracking.DueMove
	restored := map[int64]tracking.DueMove{}
	for _, mv := range moves {
		if seq, ok := takenBack(mv); ok {
			restored[seq] = mv
			out[mv.Seq] = tracking.Unproven
			continue
		}
		rest = append(rest, mv)
	}
	if len(restored) > 0 {
		seqs := make([]int64, 0, len(restored))
		for seq := range restored {
			seqs = append(seqs, seq)
		}
		var alarmed []struct {
			MoveSeq      int64
			ObligationID string
		}
		if err := c.tx.Raw(`SELECT move_seq, obligation_id FROM deadline_tamper_alarms WHERE move_seq IN ?`, seqs).Scan(&alarmed).Error; err != nil {
			return nil, fmt.Errorf("due moves: steps taken back: %w", err)
		}
		for _, a := range alarmed {
			if mv := restored[a.MoveSeq]; mv.Obligation.ID == a.ObligationID {
				out[mv.Seq] = tracking.Proven
			}
		}
	}
	if c.witness == nil || len(rest) == 0 {
		return out, nil
	}
	proofs, err := c.witness.Prove(c.tx, rest)
	if err != nil {
		return nil, fmt.Errorf("due moves: prove steps: %w", err)
	}
	for seq, p := range proofs {
		out[seq] = p
	}
	return out, nil
}

// takenBack returns the sequence number of the step whose taking back the
// stop mv restores, if its cause says so.
func takenBack(mv tracking.DueMove) (int64, bool) {
	rest, ok := strings.CutPrefix(mv.Cause, tracking.TakenBackCause)
	if !ok || !mv.StoppedTheClock() {
		return 0, false
	}
	digits, _, _ := strings.Cut(rest, " ")
	seq, err := strconv.ParseInt(digits, 10, 64)
	return seq, err == nil
}

func (c *moveCheck) RecordAlarm(seq int64, expected, now time.Time) (bool, error) {
	var obligation string
	for _, mv := range c.moves {
		if mv.Seq == seq {
			obligation = mv.Obligation.ID
		}
	}
	return recordTamperAlarm(c.tx, seq, obligation, expected, now)
}

// recordTamperAlarm records the tampered alarm of move seq of obligation,
// once per move (deadline_tamper_alarms, which alone lets a done
// obligation be owed again: tracking 0012); it reports whether this call
// recorded it.
func recordTamperAlarm(tx *gorm.DB, seq int64, obligation string, expected, now time.Time) (bool, error) {
	res := tx.Exec(`INSERT INTO deadline_tamper_alarms (move_seq, obligation_id, expected_due, raised_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (move_seq) DO NOTHING`, seq, obligation, expected.UTC(), now.UTC())
	if res.Error != nil {
		return false, fmt.Errorf("record tampered alarm of move %d: %w", seq, res.Error)
	}
	return res.RowsAffected == 1, nil
}

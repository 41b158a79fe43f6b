package app

import (
	"context"
	"errors"
	"time"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/events"
	"claims.local/pkg/events/signing"
)

// HandOver is a hand-over of a report to adjudication as the database
// recorded it (intake migration 0016), whatever statement wrote it: the
// report's handed_over_at, the role and transaction that wrote it, when.
type HandOver struct {
	Seq          int64
	ReportID     string
	ClaimID      string
	HandedOverAt time.Time
	Role         string
	TxID         int64
	RecordedAt   time.Time
}

// HandOverMark is how far a check has read the record of hand-overs:
// every one up to Seq, and every one written by a transaction from XMin on.
// The zero mark has read nothing.
type HandOverMark struct {
	Seq, XMin int64
}

// HandOverDecision is what the alarm of an unconfirmed hand-over does:
// Action (events.HandedOverAgain or events.HandOverTakenBack), the events
// it stores (the alarm, and the claim request handed over again), and
// whether the step that met the claim's R3 deadline with the hand-over's
// evidence is taken back.
type HandOverDecision struct {
	Action   string
	Events   []events.Outgoing
	TakeBack bool
}

// HandOverAct decides an unconfirmed hand-over's alarm on its claim file,
// read under the report's lock (nil when there is no report).
type HandOverAct func(f *domain.ClaimFile) (HandOverDecision, error)

// HandOverAlarm is what HandOvers.Unconfirmed did: Raised is false when
// the alarm was raised before (nothing done), TookBack whether an R3 step
// was taken back.
type HandOverAlarm struct {
	Raised   bool
	Action   string
	TookBack bool
}

// HandOvers is the record of hand-overs, adjudication's receipts of them
// and the alarms raised (red team, session 17).
type HandOvers interface {
	// Recorded returns the hand-overs mark has not read (for the zero
	// mark, those recorded from since on) in their order, and the mark to
	// give next time.
	Recorded(ctx context.Context, mark HandOverMark, since time.Time) ([]HandOver, HandOverMark, error)
	// Receipts returns the receipts stored for the claims, by claim.
	Receipts(ctx context.Context, claimIDs []string) (map[string][]events.Envelope, error)
	// StoreReceipt stores a receipt of a claim request once per event.
	StoreReceipt(ctx context.Context, e events.Envelope, claimID, reportID string) error
	// Unconfirmed raises h's alarm once: unless it was raised before, act
	// decides on the claim file, and its events, the alarm's record and
	// the R3 step taken back (if act says so) are stored in one
	// transaction.
	Unconfirmed(ctx context.Context, h HandOver, now time.Time, act HandOverAct) (HandOverAlarm, error)
}

// Verifier checks that an event was signed by one of its producer's
// trusted keys (signing.Verifier); a refusal is a *signing.Refusal.
type Verifier interface {
	Verify(e events.Envelope) error
}

// DefaultHandOverConfirmWithin is Deps.HandOverConfirmWithin when it is
// zero: adjudication opens a case within a second of the request
// (BenchmarkEndToEndClaims), and minutes leave room for a restart of
// either service or of Kafka before a claim is held buried.
const DefaultHandOverConfirmWithin = 5 * time.Minute

// HandOverLookback is how far back a check that starts reads the record of
// hand-overs: it holds no mark from the one that ran before it, so a day
// covers a restart and a day's outage of every instance. A hand-over
// written while no check ran for longer is left unchecked.
const HandOverLookback = 24 * time.Hour

// RecordHandOverReceipt stores adjudication's receipt of a claim request
// (events.ClaimRequestReceived) read from its topic, once per event. It is
// verified first: one not signed by adjudication is refused as malformed
// (parked as a dead letter), so that a writer of the topic other than
// adjudication cannot confirm a hand-over. The check verifies it again
// when it relies on it: the stored row is writable by intake's own role.
func (s *Service) RecordHandOverReceipt(ctx context.Context, e events.Envelope) error {
	d, err := s.verifiedReceipt(e)
	if err != nil {
		return err
	}
	if s.d.HandOvers == nil {
		return nil
	}
	return s.d.HandOvers.StoreReceipt(ctx, e, d.ClaimID, d.ReportID)
}

// verifiedReceipt returns the data of e, adjudication's receipt of a claim
// request, when its signature verifies with adjudication's keys and it
// names its envelope's claim; a malformed event's error otherwise.
func (s *Service) verifiedReceipt(e events.Envelope) (events.ClaimRequestReceivedData, error) {
	var d events.ClaimRequestReceivedData
	if r := signing.Check(s.d.Receipts, e); r != nil {
		return d, errors.Join(events.ErrMalformed, r)
	}
	if err := events.DecodeData(e, events.ClaimRequestReceived, &d); err != nil {
		return d, err
	}
	if d.ClaimID != e.ClaimID {
		return d, errors.Join(events.ErrMalformed, errors.New("the receipt's claim is not its envelope's"))
	}
	return d, nil
}

// RecordAdjudication returns the handler of adjudication's topic:
// receipts of claim requests (RecordHandOverReceipt) and claim closures
// (RecordClaimClosure).
func (s *Service) RecordAdjudication(consumer string) func(context.Context, events.Envelope) error {
	closures := s.RecordClaimClosure(consumer)
	return func(ctx context.Context, e events.Envelope) error {
		if e.Type == events.ClaimRequestReceived.Name {
			return s.RecordHandOverReceipt(ctx, e)
		}
		return closures(ctx, e)
	}
}

// HandOverWatch holds every hand-over intake's database records to
// adjudication's signed receipt of its claim (red team, session 17):
// intake's run-time role could set a report's handed_over_at and leave
// out, delete or mark sent its claim request's outbox row, so that R3 was
// met by the hand-over's evidence while no case was opened and R4 never
// started anywhere. Each Check reads the hand-overs recorded since the
// last (the record is the database's, whatever the statement) and holds
// those recorded Within ago or earlier to a receipt whose signature
// verifies with adjudication's keys, naming the claim and the report. One
// without raises the alarm once (HandOvers.Unconfirmed): the claim is
// handed over again when its file is ready (a new signed claim request:
// adjudication's inbox and its one case per claim make a repeat
// harmless), else the R3 step the hand-over met is taken back, so that its
// breach comes on time.
//
// It keeps its mark and the hand-overs not yet due in memory: one that
// starts reads HandOverLookback back, and holds none to its receipt before
// it has run Within itself, so that the instance's consumer of
// adjudication's topic has caught up on the receipts sent while it was
// down (no false alarm after a restart). It is used by one goroutine.
type HandOverWatch struct {
	s       *Service
	within  time.Duration
	started time.Time
	mark    HandOverMark
	pending map[int64]HandOver
}

// HandOverCheck is what one check did: the alarms it raised, for the log
// and the metric.
type HandOverCheck struct {
	Alarms []HandOverAlarmed
}

// HandOverAlarmed is an alarm a check raised, with its hand-over.
type HandOverAlarmed struct {
	HandOver HandOver
	HandOverAlarm
}

// NewHandOverWatch returns the check of hand-overs against adjudication's
// receipts, with the bound of the service's dependencies.
func (s *Service) NewHandOverWatch() *HandOverWatch {
	within := s.d.HandOverConfirmWithin
	if within <= 0 {
		within = DefaultHandOverConfirmWithin
	}
	return &HandOverWatch{s: s, within: within, pending: map[int64]HandOver{}}
}

// Within is the bound a hand-over is held to.
func (w *HandOverWatch) Within() time.Duration { return w.within }

// Check does one round (see HandOverWatch).
func (w *HandOverWatch) Check(ctx context.Context) (HandOverCheck, error) {
	var res HandOverCheck
	repo := w.s.d.HandOvers
	now := w.s.d.Now()
	recorded, mark, err := repo.Recorded(ctx, w.mark, now.Add(-HandOverLookback))
	if err != nil {
		return res, err
	}
	w.mark = mark
	for _, h := range recorded {
		w.pending[h.Seq] = h
	}
	if w.started.IsZero() {
		w.started = now
	}
	if now.Sub(w.started) < w.within {
		return res, nil
	}
	var due []HandOver
	claims := map[string]bool{}
	for _, h := range w.pending {
		if !h.RecordedAt.After(now.Add(-w.within)) {
			due = append(due, h)
			claims[h.ClaimID] = true
		}
	}
	if len(due) == 0 {
		return res, nil
	}
	ids := make([]string, 0, len(claims))
	for id := range claims {
		ids = append(ids, id)
	}
	receipts, err := repo.Receipts(ctx, ids)
	if err != nil {
		return res, err
	}
	for _, h := range due {
		if w.confirmed(h, receipts[h.ClaimID]) {
			delete(w.pending, h.Seq)
			continue
		}
		alarm, err := repo.Unconfirmed(ctx, h, now, func(f *domain.ClaimFile) (HandOverDecision, error) {
			return w.decide(h, f, now)
		})
		if err != nil {
			return res, err
		}
		delete(w.pending, h.Seq)
		if alarm.Raised {
			res.Alarms = append(res.Alarms, HandOverAlarmed{HandOver: h, HandOverAlarm: alarm})
		}
	}
	return res, nil
}

// confirmed reports whether one of receipts is adjudication's signed
// receipt of h's claim and report.
func (w *HandOverWatch) confirmed(h HandOver, receipts []events.Envelope) bool {
	for _, e := range receipts {
		if e.ClaimID != h.ClaimID {
			continue
		}
		if d, err := w.s.verifiedReceipt(e); err == nil && d.ReportID == h.ReportID {
			return true
		}
	}
	return false
}

// decide is what the alarm of unconfirmed hand-over h does to its claim
// file f: a file ready to hand over is handed over again (a new claim
// request, signed); any other (no claim request, the checklist not
// complete, a document being read: intake never handed it over) has its
// R3 step proven by the hand-over taken back.
func (w *HandOverWatch) decide(h HandOver, f *domain.ClaimFile, now time.Time) (HandOverDecision, error) {
	d := HandOverDecision{Action: events.HandOverTakenBack, TakeBack: true}
	var again []events.Outgoing
	if f != nil && f.Report.ClaimID == h.ClaimID && f.Ready() {
		e, err := w.s.claimRequest(f, now)
		if err != nil {
			return HandOverDecision{}, err
		}
		d = HandOverDecision{Action: events.HandedOverAgain}
		again = append(again, e)
	}
	alarm, err := events.New(events.HandOverUnconfirmed, Producer, h.ClaimID, now, events.HandOverUnconfirmedData{
		ClaimID: h.ClaimID, ReportID: h.ReportID, HandedOverAt: h.HandedOverAt, RecordedAt: h.RecordedAt, Role: h.Role, TxID: h.TxID,
		ConfirmWithin: w.within.String(), Action: d.Action, DetectedAt: now.UTC()})
	if err != nil {
		return HandOverDecision{}, err
	}
	d.Events = append([]events.Outgoing{{Topic: w.s.d.Topics.Intake(), Envelope: alarm}}, again...)
	return d, nil
}

// Package outboxpg is the PostgreSQL side of package outbox: a state change
// and the event announcing it are written in one database transaction
// (Append), and a relay publishes the pending rows to Kafka in order and
// marks them sent.
//
// Order per claim: rows are published in id order. Two transactions about the
// same claim are serialised by the lock on the claim's own row, which each
// takes before Append, so a claim's events get increasing ids in commit order.
package outboxpg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"

	"claims.local/pkg/apperr"
	"claims.local/pkg/clock"
	"claims.local/pkg/events"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres"
	"claims.local/pkg/tracing"
)

// row is one pending or sent event.
type row struct {
	ID        int64 `gorm:"primaryKey"`
	EventID   string
	Topic     string
	MsgKey    string
	EventType string
	Payload   []byte
	CreatedAt time.Time
	SentAt    *time.Time
}

func (row) TableName() string { return "outbox" }

// MaxMessageBytes is the largest event payload the outbox takes: the
// broker's message.max.bytes (1 MiB, Kafka's default, which deployments
// keep) less room for the record's key, headers and batch framing. A larger
// row would fail every publish of the relay's batch and block the outbox
// for good, so Append refuses it in the transaction of its state change.
const MaxMessageBytes = 1<<20 - 16<<10

// Append stores e for topic inside tx, the transaction of the state change.
// The envelope takes the trace context of the transaction's span as its
// traceparent, unless it carries one already.
// An event larger than MaxMessageBytes is refused with apperr.TooLarge.
func Append(tx *gorm.DB, topic string, e events.Envelope) error {
	r, err := newRow(tx.Statement.Context, topic, e)
	if err != nil {
		return err
	}
	if err := tx.Create(&r).Error; err != nil {
		return fmt.Errorf("outbox: append %s: %w", e.Type, err)
	}
	return nil
}

// BatchArg returns events to be stored by one statement of their writer's
// (intake's group commit of reports, issue 21) as the JSON argument bound
// to InsertBatch's placeholder. Each event is checked and traced as Append
// does it: one larger than MaxMessageBytes is refused with apperr.TooLarge.
// Each payload, the envelope's JSON, goes in as it is, a JSON value of the
// argument: the statement reads the argument as json, which keeps the text
// it was given, and stores each payload's text, byte for byte (base64 made
// a third more to encode, send and decode, and the bytes as hex twice).
func BatchArg(ctx context.Context, out []events.Outgoing) (string, error) {
	type item struct {
		EventID   string    `json:"event_id"`
		Topic     string    `json:"topic"`
		MsgKey    string    `json:"msg_key"`
		EventType string    `json:"event_type"`
		CreatedAt time.Time `json:"created_at"`
	}
	// The events are encoded first and the argument written into one
	// buffer of its final size (grown as it was written, it was copied
	// about log2 of its size times: TestABatchArgumentIsBuiltInOneBuffer).
	payloads, rests := make([][]byte, len(out)), make([][]byte, len(out))
	size := 2
	for i, o := range out {
		r, err := newRow(ctx, o.Topic, o.Envelope)
		if err != nil {
			return "", err
		}
		rest, err := json.Marshal(item{EventID: r.EventID, Topic: r.Topic, MsgKey: r.MsgKey, EventType: r.EventType, CreatedAt: r.CreatedAt})
		if err != nil {
			return "", fmt.Errorf("outbox: encode a batch: %w", err)
		}
		payloads[i], rests[i] = r.Payload, rest[1:]
		size += len(`{"payload":,`) + len(r.Payload) + len(rest)
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteByte('[')
	for i := range out {
		if i > 0 {
			b.WriteByte(',')
		}
		// {"payload":<the envelope>,"event_id":…}: the payload is
		// json.Marshal's, valid JSON in UTF-8.
		b.WriteString(`{"payload":`)
		b.Write(payloads[i])
		b.WriteByte(',')
		b.Write(rests[i])
	}
	b.WriteByte(']')
	return b.String(), nil
}

// InsertBatch returns an INSERT, for a WITH clause of a statement that also
// stores the state changes, of the events of a BatchArg bound to the
// placeholder param (? or $n) whose key (the claim) is among those the
// query claims selects: the events of the changes the statement stored, in
// the batch's order, in the same transaction. The argument is read as json,
// not jsonb, in one pass (json_to_recordset; json's operators would parse
// each event again for each field): json keeps each payload's text as it
// came (jsonb would order its keys and drop its spaces), which convert_to
// stores as the bytes sent.
func InsertBatch(param, claims string) string {
	return insertEvents(param) + `
	WHERE e.msg_key IN (` + claims + `) ORDER BY e.n`
}

// InsertAll is InsertBatch of every event of the argument, for a statement
// whose changes all stand once it runs (an UPDATE of rows its transaction
// holds locked).
func InsertAll(param string) string {
	return insertEvents(param) + `
	ORDER BY e.n`
}

// insertEvents is the INSERT of InsertBatch and InsertAll, without its
// condition and order.
func insertEvents(param string) string {
	return `INSERT INTO outbox (event_id, topic, msg_key, event_type, payload, created_at)
	SELECT e.event_id, e.topic, e.msg_key, e.event_type, convert_to(e.payload::text, 'UTF8'), e.created_at
	FROM ROWS FROM (json_to_recordset(` + param + `::json)
		AS (event_id text, topic text, msg_key text, event_type text, payload json, created_at timestamptz))
		WITH ORDINALITY AS e(event_id, topic, msg_key, event_type, payload, created_at, n)`
}

// newRow is the outbox row of e for topic, refused with apperr.TooLarge
// when larger than MaxMessageBytes; e takes the trace context of ctx (the
// transaction's span, may be nil) as its traceparent unless it carries one.
func newRow(ctx context.Context, topic string, e events.Envelope) (row, error) {
	if ctx != nil {
		if e.TraceParent == "" {
			e.TraceParent = tracing.TraceParent(ctx)
		}
		tracing.NoteClaim(ctx, e.ClaimID)
	}
	payload, err := json.Marshal(e)
	if err != nil {
		return row{}, fmt.Errorf("outbox: encode %s: %w", e.Type, err)
	}
	if len(payload) > MaxMessageBytes {
		return row{}, apperr.New(apperr.TooLarge, "the %s event of claim %s would be %d bytes, more than the %d the message broker takes; nothing was stored",
			e.Type, e.ClaimID, len(payload), MaxMessageBytes)
	}
	return row{EventID: e.ID, Topic: topic, MsgKey: e.ClaimID, EventType: e.Type, Payload: payload, CreatedAt: time.Now().UTC()}, nil
}

// Relay publishes the outbox. Several instances of a service may run a relay;
// a transaction-scoped advisory lock lets one of them publish at a time, which
// keeps the order per claim.
type Relay struct {
	DB        *gorm.DB
	Publisher outbox.Publisher
	Log       *slog.Logger
	// LockKey is the advisory lock of this service's relay.
	LockKey  int64
	Batch    int
	Interval time.Duration
	// Linger is how long the relay waits after a wake before it reads the
	// outbox, taking up the wakes that came meanwhile: one commit wakes it
	// twice (the unit of work's Wake and the trigger's NOTIFY), and commits
	// close behind each other are served by one read, one publish and one
	// mark instead of one transaction each. A wake taken up this way is of
	// a commit made before the read that follows, so its rows are read.
	Linger time.Duration
	// OnPublished, when set, is told how many events went out.
	OnPublished func(n int)
	// Retention is how long a sent row is kept before PurgeSent deletes it
	// (issue 17: a sent row holds an event, with personal data sealed or
	// masked, that nobody needs once it is on the topic); zero or less
	// keeps every row. PurgeEvery is how often Run purges.
	Retention  time.Duration
	PurgeEvery time.Duration
	// OnPurged, when set, is told how many sent rows were deleted.
	OnPurged  func(n int64)
	lastPurge time.Time
	wake      chan struct{}

	// mu guards floor, the ids below which every row is sent (see
	// PublishPending), kept by this relay between its reads.
	mu    sync.Mutex
	floor floor
}

// floor is where the relay's read of pending rows starts (issue 21): marking
// a row sent leaves its entry in the partial index outbox_pending dead until
// vacuum, and a read from the index's first entry walks every row published
// since. Ids are drawn at insert, not at commit, so the last id published is
// no floor: a transaction still open may hold a smaller one. The floor is
// raised only past ids settled, drawn by transactions that have all ended:
//
//   - each read returns the sequence's last id (seq) and its snapshot's xmin
//     and xmax (transaction ids: below xmin none is running, xmax is the
//     next to be given);
//   - the ids up to the seq of one read were drawn before the next read's
//     snapshot, each by a transaction holding an id already (the default
//     outbox_next_id takes the transaction id first), so below that
//     snapshot's xmax: they are settled once a read's xmin reaches that
//     xmax, committed (and visible to that read) or rolled back;
//   - a read that took the lock and published every row it read leaves no
//     visible pending row between the floor and the end of what it read
//     (every settled one, when it read fewer than a batch), so the floor
//     moves to the lower of that end and the settled bound.
//
// A relay starts at 0 (one walk, as before); another instance's relay keeps
// its own floor, which is only ever lower than the truth. A long transaction
// holds xmin back and with it the floor, never the rows. The sequence never
// goes back: an outbox whose sequence were restarted under a running relay
// would need the relay restarted too.
type floor struct {
	from    int64 // every row below it is sent
	settled int64 // every id below it was drawn by a transaction that ended
	// candidate is a bound not yet settled: the ids below bound are settled
	// once a read's xmin reaches xid.
	candidate struct{ bound, xid int64 }
	lastSeq   int64 // the seq the previous read returned; 0 before any
}

// next returns the floor after a read whose snapshot had xmin and xmax and
// which read the sequence at seq. When published, the read took the lock and
// every row it read went out and committed: n rows, the last of id lastID,
// of a batch of batch.
func (f floor) next(xmin, xmax, seq int64, published bool, n, batch int, lastID int64) floor {
	if f.candidate.bound > 0 && xmin >= f.candidate.xid {
		f.settled = max(f.settled, f.candidate.bound)
		f.candidate.bound = 0
	}
	if f.candidate.bound == 0 && f.lastSeq > 0 {
		f.candidate.bound, f.candidate.xid = f.lastSeq+1, xmax
	}
	f.lastSeq = max(f.lastSeq, seq)
	if published {
		to := f.settled
		if n >= batch {
			to = min(to, lastID+1)
		}
		f.from = max(f.from, to)
	}
	return f
}

// DefaultRetention is how long sent rows are kept unless configured.
const DefaultRetention = 7 * 24 * time.Hour

// purgeBatch bounds the rows one delete statement removes.
const purgeBatch = 1000

// NewRelay returns a relay with sensible defaults: batches of 200 rows, a
// poll every second as the fallback of Wake and Listen, and a linger of
// 5 ms after a wake.
func NewRelay(db *gorm.DB, pub outbox.Publisher, log *slog.Logger, lockKey int64) *Relay {
	return &Relay{DB: db, Publisher: pub, Log: log, LockKey: lockKey, Batch: 200, Interval: time.Second, Linger: 5 * time.Millisecond,
		Retention: DefaultRetention, PurgeEvery: time.Minute, wake: make(chan struct{}, 1)}
}

// Wake asks the relay to look at the outbox now rather than at its next tick.
func (r *Relay) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run publishes until ctx ends. Failures are logged and retried with backoff.
func (r *Relay) Run(ctx context.Context) error {
	backoff := r.Interval
	for {
		n, err := r.PublishPending(ctx)
		if ctx.Err() != nil {
			return nil
		}
		r.purgeIfDue(ctx)
		wait := r.Interval
		switch {
		case err != nil:
			r.Log.Warn("outbox relay: publish failed; will retry", "error", err.Error(), "retry_in", backoff.String())
			wait = backoff
			backoff = min(backoff*2, 10*time.Second)
		case n == r.Batch:
			wait = 0
			backoff = r.Interval
		default:
			backoff = r.Interval
		}
		if wait == 0 {
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-r.wake:
			t.Stop()
			if !r.linger(ctx) {
				return nil
			}
		case <-t.C:
		}
	}
}

// linger waits Linger and then takes up the wake that came meanwhile;
// it reports false when ctx ended first. A Linger of zero or less leaves
// every wake to a read of its own.
func (r *Relay) linger(ctx context.Context) bool {
	if r.Linger <= 0 {
		return true
	}
	if !clock.Sleep(ctx, r.Linger) {
		return false
	}
	select {
	case <-r.wake:
	default:
	}
	return true
}

// PublishPending publishes one batch of pending events and returns how many
// went out. Nothing is marked sent unless Kafka acknowledged it; a failure
// may resend a batch, which consumers absorb through their inbox.
func (r *Relay) PublishPending(ctx context.Context) (int, error) {
	published := 0
	var publishErr error
	var seen horizon
	var lastID int64
	read := 0
	err := postgres.Transaction(ctx, r.DB, func(tx *gorm.DB) error {
		// Run again after a deadlock, an attempt counts afresh; what the
		// lost attempt published is published again (the consumers' inbox
		// absorbs it), as after any failure to mark it sent. Its read, and
		// so the floor it would raise, is the new attempt's.
		published, publishErr = 0, nil
		seen, lastID, read = horizon{}, 0, 0
		// The lock and the read in one statement: the pending rows come
		// back only to the relay that took the lock (none while another
		// holds it, readPending). The read starts at the relay's floor, below which every row is
		// sent (type floor), and returns with each row the snapshot's
		// horizon and the sequence's last id that raise the floor.
		r.mu.Lock()
		from := r.floor.from
		r.mu.Unlock()
		rows, err := readPending(tx, r.LockKey, from, r.Batch, &seen)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		lastID = rows[len(rows)-1].ID
		read = len(rows)
		msgs := make([]outbox.Message, len(rows))
		ids := make([]int64, len(rows))
		for i, rw := range rows {
			msgs[i] = outbox.Message{Topic: rw.Topic, Key: rw.MsgKey, EventID: rw.EventID, Type: rw.EventType, Value: rw.Payload}
			ids[i] = rw.ID
		}
		spans := publishSpans(ctx, rows)
		err = r.Publisher.Publish(ctx, msgs)
		for _, span := range spans {
			tracing.End(span, err)
		}
		if err != nil {
			var partial *outbox.PartialFailure
			if !errors.As(err, &partial) || len(partial.Delivered) != len(ids) {
				return fmt.Errorf("outbox: publish %d events: %w", len(msgs), err)
			}
			// The broker took some: they are marked sent with this
			// transaction, so that retrying the others does not send them
			// twice; the error is returned once it has committed.
			publishErr = fmt.Errorf("outbox: publish %d events: %w", len(msgs), err)
			ids = delivered(ids, partial.Delivered)
			if len(ids) == 0 {
				return publishErr
			}
		}
		// The ids go as one array: an IN list is a statement of its own
		// for each length, which each connection prepares (a round trip
		// and a plan) the first time it marks that many.
		// On the transaction's connection, as the read: no gorm statement
		// (TestTheRelayReadsAndMarksWithoutGormStatements).
		if _, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, `UPDATE outbox SET sent_at = $1 WHERE id = ANY($2::bigint[])`,
			time.Now().UTC(), idArray(ids)); err != nil {
			return fmt.Errorf("outbox: mark sent: %w", err)
		}
		published = len(ids)
		return nil
	})
	if err != nil {
		return 0, err
	}
	if read > 0 {
		// Only a committed read moves the floor: every row it read went
		// out (published == read) or some are still pending.
		r.mu.Lock()
		r.floor = r.floor.next(seen.SnapXmin, seen.SnapXmax, seen.Seq, publishErr == nil && published == read, read, r.Batch, lastID)
		r.mu.Unlock()
	}
	if publishErr != nil {
		if published > 0 && r.OnPublished != nil {
			r.OnPublished(published)
		}
		return published, publishErr
	}
	if published > 0 && r.OnPublished != nil {
		r.OnPublished(published)
	}
	return published, nil
}

// horizon is what a read of pending rows returns beside each row: its
// snapshot's xmin and xmax and the sequence's last id (type floor).
type horizon struct {
	SnapXmin int64
	SnapXmax int64
	Seq      int64
}

// readPending takes the relay's advisory lock of key and reads, in the
// same statement, up to batch pending rows from id from on in id order,
// locked, with the read's horizon, which it sets in seen; no row when
// another relay holds the lock. The columns are scanned by the relay on
// the transaction's connection, not by gorm's reflection (about 7% of
// intake's CPU while it files reports, issue 21).
func readPending(tx *gorm.DB, key, from int64, batch int, seen *horizon) ([]row, error) {
	// The statement's snapshot is taken before the lock, so a relay that
	// took it as the previous holder committed would read the rows that
	// one just marked sent as pending and publish them twice; FOR UPDATE
	// makes PostgreSQL re-check each row read against its newest committed
	// version and skip those now sent. The horizon and the sequence's last
	// id, the same on every row, raise the floor (type floor).
	res, err := tx.Statement.ConnPool.QueryContext(tx.Statement.Context, `WITH lock AS (SELECT pg_try_advisory_xact_lock($1) AS taken),
		horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS snap_xmin,
			pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS snap_xmax,
			coalesce(pg_sequence_last_value('outbox_id_seq'), 0) AS seq)
		SELECT o.id, o.event_id, o.topic, o.msg_key, o.event_type, o.payload, h.snap_xmin, h.snap_xmax, h.seq
		FROM outbox o, lock, horizon h
		WHERE lock.taken AND o.sent_at IS NULL AND o.id >= $2 ORDER BY o.id LIMIT $3
		FOR UPDATE OF o`, key, from, batch)
	if err != nil {
		return nil, fmt.Errorf("outbox: read pending: %w", err)
	}
	defer res.Close()
	var rows []row
	for res.Next() {
		var rw row
		if err := res.Scan(&rw.ID, &rw.EventID, &rw.Topic, &rw.MsgKey, &rw.EventType, &rw.Payload, &seen.SnapXmin, &seen.SnapXmax, &seen.Seq); err != nil {
			return nil, fmt.Errorf("outbox: read pending: %w", err)
		}
		rows = append(rows, rw)
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("outbox: read pending: %w", err)
	}
	return rows, nil
}

// idArray is ids as a PostgreSQL array literal.
func idArray(ids []int64) string {
	b := make([]byte, 0, 2+len(ids)*8)
	b = append(b, '{')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, '}'))
}

// delivered returns the ids whose message the broker acknowledged.
func delivered(ids []int64, acked []bool) []int64 {
	var out []int64
	for i, id := range ids {
		if acked[i] {
			out = append(out, id)
		}
	}
	return out
}

// purgeIfDue runs PurgeSent when PurgeEvery has passed since the last
// purge. A failure is logged and tried again at the next one; it never stops
// the publishing.
func (r *Relay) purgeIfDue(ctx context.Context) {
	if r.Retention <= 0 || time.Since(r.lastPurge) < r.PurgeEvery {
		return
	}
	r.lastPurge = time.Now()
	if _, err := r.PurgeSent(ctx); err != nil && ctx.Err() == nil {
		r.Log.Warn("outbox relay: purge of sent rows failed; will retry", "error", err.Error())
	}
}

// PurgeSent deletes the rows sent more than Retention ago, in batches, and
// returns how many went. A pending row is never deleted, however old. Any
// instance may purge: deleting a sent row does not touch the order of the
// pending ones.
func (r *Relay) PurgeSent(ctx context.Context) (int64, error) {
	if r.Retention <= 0 {
		return 0, nil
	}
	cutoff := time.Now().UTC().Add(-r.Retention)
	var total int64
	for {
		res := r.DB.WithContext(ctx).Exec(`DELETE FROM outbox WHERE id IN
			(SELECT id FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ? ORDER BY id LIMIT ?)`, cutoff, purgeBatch)
		if res.Error != nil {
			return total, fmt.Errorf("outbox: purge sent rows: %w", res.Error)
		}
		total += res.RowsAffected
		if res.RowsAffected < purgeBatch {
			break
		}
	}
	if total > 0 && r.OnPurged != nil {
		r.OnPurged(total)
	}
	return total, nil
}

// Pending counts the events not yet published.
func Pending(ctx context.Context, db *gorm.DB) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&row{}).Where("sent_at IS NULL").Count(&n).Error
	return n, err
}

// AppendAll stores the outgoing events inside tx, in order, by one
// statement.
func AppendAll(tx *gorm.DB, out []events.Outgoing) error {
	if len(out) <= 1 {
		for _, o := range out {
			if err := Append(tx, o.Topic, o.Envelope); err != nil {
				return err
			}
		}
		return nil
	}
	// One multi-row INSERT (issue 21): PostgreSQL produces a VALUES
	// list's rows, and draws their ids, in its order, so the relay
	// publishes them in the order given
	// (TestAppendAllStoresTheEventsOfAChangeInOneStatement).
	rows := make([]row, len(out))
	for i, o := range out {
		r, err := newRow(tx.Statement.Context, o.Topic, o.Envelope)
		if err != nil {
			return err
		}
		rows[i] = r
	}
	for len(rows) > 0 {
		chunk := rows[:min(len(rows), AppendBatch)]
		if err := tx.Create(&chunk).Error; err != nil {
			return fmt.Errorf("outbox: append %d events: %w", len(chunk), err)
		}
		rows = rows[len(chunk):]
	}
	return nil
}

// AppendBatch is the most rows AppendAll stores in one INSERT: PostgreSQL's
// extended protocol takes at most 65,535 parameters a statement, 8 a row
// here, and a change may return more events than that (a deadline sweep's
// tampered alarms; red team, session 17).
const AppendBatch = 1000

// publishSpans starts one producer span per row, each continuing the trace
// of the transaction that stored the event (its traceparent).
func publishSpans(ctx context.Context, rows []row) []trace.Span {
	spans := make([]trace.Span, len(rows))
	for i, rw := range rows {
		// A row without a traceparent gets a span of its own trace; its
		// key is its envelope's claim id (row).
		_, spans[i] = tracing.Start(tracing.WithTraceParent(context.WithoutCancel(ctx), traceParentOf(rw.Payload)),
			"publish "+rw.Topic, trace.SpanKindProducer, rw.MsgKey,
			attribute.String("messaging.system", "kafka"), attribute.String("messaging.destination.name", rw.Topic),
			attribute.String("messaging.message.id", rw.EventID), attribute.String("cloudevents.event_type", rw.EventType))
	}
	return spans
}

// traceParentOf returns the traceparent of an event's envelope, as
// json.Unmarshal would read it, without decoding the envelope's data (a
// report's event carries its checklist: decoding it took a twentieth of
// intake's CPU, issue 21). Every payload is an events.Envelope encoded by
// json.Marshal (row), whose keys come in the struct's order: the
// traceparent, when there is one, last, so the payload ends with it, where
// no key inside the data can stand (the envelope's brace closes after the
// data's); a payload ending with the data's object has none. A payload
// that does not begin as such an envelope does (its first key), another
// ending, or a value with an escape, is decoded as before.
func traceParentOf(payload []byte) string {
	const key = `"traceparent":"`
	if !bytes.HasPrefix(payload, []byte(`{"specversion":"`)) {
		return decodedTraceParent(payload)
	}
	if bytes.HasSuffix(payload, []byte("}}")) {
		return ""
	}
	if body, ok := bytes.CutSuffix(payload, []byte(`"}`)); ok {
		if open := bytes.LastIndexByte(body, '"'); open >= 0 && bytes.HasSuffix(body[:open+1], []byte(key)) &&
			bytes.IndexByte(body[open+1:], '\\') < 0 {
			return string(body[open+1:])
		}
	}
	return decodedTraceParent(payload)
}

// decodedTraceParent returns the traceparent of payload decoded; "" when
// it has none, or is no envelope.
func decodedTraceParent(payload []byte) string {
	var head struct {
		TraceParent string `json:"traceparent"`
	}
	_ = json.Unmarshal(payload, &head)
	return head.TraceParent
}

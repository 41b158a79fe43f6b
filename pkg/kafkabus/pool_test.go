package kafkabus_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/pkg/events"
	"claims.local/pkg/inbox"
	"claims.local/pkg/inbox/inboxpg"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/postgres/uow"
)

// TestMain runs the crashing consumer of the pool's crash test when the
// test binary is started again as that child (crashChildEnv set).
func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" {
		os.Exit(runCrashChild())
	}
	os.Exit(m.Run())
}

const crashChildEnv = "KAFKABUS_CRASH_CHILD"

// poolSetup is a topic holding events of several claims, seq 1..perKey
// each, and a database with the inbox and an effects table.
type poolSetup struct {
	cluster         kafkabus.Cluster
	topic, group    string
	dsn             string
	keys, perKey    int
	db              *gorm.DB
	redelivered     atomic.Int64
	effectsRecorded atomic.Int64
}

func newPoolSetup(t *testing.T, keys, perKey int) *poolSetup {
	t.Helper()
	s := &poolSetup{cluster: kafkatest.Cluster(t), keys: keys, perKey: perKey}
	topics := events.Topics{Prefix: kafkatest.Prefix(t)}
	s.topic, s.group = topics.Intake(), topics.Prefix+"pool"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, kafkabus.EnsureTopics(ctx, s.cluster, topics.All()))
	d := pgtest.NewDatabase(t)
	s.dsn = d.DSN
	s.db = pgtest.Open(t, s.dsn, 8)
	shared, err := uow.Shared()
	require.NoError(t, err)
	require.NoError(t, postgres.MigrateAs(ctx, d.OwnerDSN, append(shared, postgres.Migration{ID: "pool-test/0001_effects.sql",
		SQL: "CREATE TABLE effects (id bigserial PRIMARY KEY, event_id text NOT NULL, claim_id text NOT NULL, seq int NOT NULL, xid bigint NOT NULL DEFAULT txid_current())"}),
		slog.New(slog.NewTextHandler(io.Discard, nil))))
	pub := kafkabus.NewPublisher(s.cluster)
	defer pub.Close()
	var msgs []outbox.Message
	for seq := 1; seq <= perKey; seq++ {
		for k := range keys {
			claim := fmt.Sprintf("claim-%02d", k)
			e, err := events.New(events.ClaimRequested, "test", claim, time.Now(), map[string]int{"seq": seq})
			require.NoError(t, err)
			v, err := json.Marshal(e)
			require.NoError(t, err)
			msgs = append(msgs, outbox.Message{Topic: s.topic, Key: claim, EventID: e.ID, Type: e.Type, Value: v})
		}
	}
	publishAll(ctx, t, pub, msgs)
	return s
}

// handle applies e as a service's consumer does: the effect and its inbox
// receipt in one transaction, nothing when the receipt was there.
func handle(db *gorm.DB, redelivered, recorded *atomic.Int64) kafkabus.Handler {
	return func(ctx context.Context, e events.Envelope) error {
		var d struct{ Seq int }
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return fmt.Errorf("%w: %v", events.ErrMalformed, err)
		}
		// A handler's work, so that the workers overlap; some claims take
		// longer, so that their workers fall behind the others and a
		// partition has handled messages after unhandled ones.
		work := 2 * time.Millisecond
		if strings.HasSuffix(e.ClaimID, "0") || strings.HasSuffix(e.ClaimID, "7") {
			work = 15 * time.Millisecond
		}
		time.Sleep(work)
		err := postgres.Transaction(ctx, db, func(tx *gorm.DB) error {
			first, err := inboxpg.Record(tx, inbox.Receipt{Consumer: "pool-test", EventID: e.ID, EventType: e.Type, ClaimID: e.ClaimID})
			if err != nil || !first {
				if err == nil {
					redelivered.Add(1)
				}
				return err
			}
			return tx.Exec("INSERT INTO effects (event_id, claim_id, seq) VALUES (?, ?, ?)", e.ID, e.ClaimID, d.Seq).Error
		})
		if err == nil {
			recorded.Add(1)
		}
		return err
	}
}

func (s *poolSetup) consumer(workers int) *kafkabus.Consumer {
	return &kafkabus.Consumer{Name: "pool-test", Cluster: s.cluster, Topic: s.topic, GroupID: s.group, Workers: workers,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Handle: handle(s.db, &s.redelivered, &s.effectsRecorded),
		Park: func(context.Context, kafka.Message, error) error { return nil }}
}

// batched returns c applying what each worker fetched in batches of up to
// size events, each batch one transaction of s's database.
func (s *poolSetup) batched(c *kafkabus.Consumer, size int) *kafkabus.Consumer {
	c.Batch, c.BatchSize = postgres.Batches{DB: s.db}, size
	return c
}

// wantBatches checks that some transaction applied more than one event.
func (s *poolSetup) wantBatches(t *testing.T) {
	t.Helper()
	effects := pgtest.Count(t, s.db, "SELECT count(*) FROM effects")
	if txs := pgtest.Count(t, s.db, "SELECT count(DISTINCT xid) FROM effects"); txs >= effects {
		t.Fatalf("got %d transactions for %d effects, want fewer (events applied in batches)", txs, effects)
	}
}

// runUntil runs c until the effects table holds want rows, or 90 s.
func (s *poolSetup) runUntil(t *testing.T, c *kafkabus.Consumer, want int64) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	deadline := time.Now().Add(90 * time.Second)
	for pgtest.Count(t, s.db, "SELECT count(*) FROM effects") < want && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	require.NoError(t, <-done)
}

// wantEachOnceInOrder checks one effect per event and, per claim, the
// effects in the order of the claim's events.
func (s *poolSetup) wantEachOnceInOrder(t *testing.T) {
	t.Helper()
	total := int64(s.keys * s.perKey)
	if got := pgtest.Count(t, s.db, "SELECT count(*) FROM effects"); got != total {
		t.Fatalf("got %d effects, want %d (one per event)", got, total)
	}
	if got := pgtest.Count(t, s.db, "SELECT count(DISTINCT event_id) FROM effects"); got != total {
		t.Fatalf("got %d distinct events with an effect, want %d", got, total)
	}
	if got := pgtest.Count(t, s.db, `SELECT count(*) FROM (SELECT seq, lag(seq) OVER (PARTITION BY claim_id ORDER BY id) AS prev
		FROM effects) o WHERE prev IS NOT NULL AND seq <> prev + 1`); got != 0 {
		t.Fatalf("got %d effects applied out of their claim's order, want 0", got)
	}
}

// TestPoolAppliesEveryEventOnceInOrderPerClaimAndCommitsAll: several
// workers apply claims in parallel, each claim's events in order, and the
// committed offsets cover every event (a new consumer of the group gets
// nothing again).
func TestPoolAppliesEveryEventOnceInOrderPerClaimAndCommitsAll(t *testing.T) {
	t.Parallel()
	s := newPoolSetup(t, 24, 10)
	s.runUntil(t, s.consumer(6), int64(s.keys*s.perKey))
	s.wantEachOnceInOrder(t)
	before := s.redelivered.Load()
	// Everything was committed: the group's next consumer applies nothing,
	// not even a receipt it already has.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.consumer(6).Run(ctx)
	if got := s.redelivered.Load() - before; got != 0 {
		t.Fatalf("a new consumer of the group got %d events again, want 0: the offsets were not all committed", got)
	}
}

// TestPoolKilledBetweenEffectsAndOffsetCommitEndsEachEventOnce is the
// crash test at the batch boundary: a child process consumes with six
// workers and is killed (SIGKILL) right after the commit of its 60th
// effect, while other workers are in the middle of theirs and offsets of
// handled messages are not committed yet. The next consumer of the group
// gets those again; the inbox absorbs them, and every event has exactly one
// effect, each claim's in order.
func TestPoolKilledBetweenEffectsAndOffsetCommitEndsEachEventOnce(t *testing.T) {
	t.Parallel()
	s := newPoolSetup(t, 24, 10)
	s.crash(t, "", 60)
	applied := pgtest.Count(t, s.db, "SELECT count(*) FROM effects")
	if applied < 60 || applied >= int64(s.keys*s.perKey) {
		t.Fatalf("after the kill: got %d effects, want at least 60 and not all %d", applied, s.keys*s.perKey)
	}
	s.wantNoOffsetPastAMissingEffect(t)
	s.runUntil(t, s.consumer(6), int64(s.keys*s.perKey))
	s.wantEachOnceInOrder(t)
	if s.redelivered.Load() == 0 {
		t.Fatalf("got no event delivered again after the kill, want at least the one whose effect preceded the kill: the crash missed the boundary")
	}
}

// TestPoolBatchKilledAtItsBoundaryEndsEachEventOnce is the crash test at
// the boundary of a batch (one transaction per worker's batch): a child
// consuming in batches of up to 8 is killed (SIGKILL) after the effect of
// its 60th event, either inside the batch, before its commit (none of that
// batch's effects stands: the killing event has none), or right after the
// batch committed and before its offsets were (its effects stand: the
// killing event has its one, and its events come again). Either way no
// offset was committed past an event without its effect, and the next
// consumer applies every event exactly once, each claim's in order, the
// inbox absorbing what comes again.
func TestPoolBatchKilledAtItsBoundaryEndsEachEventOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		at                 string
		wantKilledEffects  int64
		wantRedeliveredAny bool
	}{
		{"before-batch-commit", 0, false},
		{"after-batch-commit", 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.at, func(t *testing.T) {
			t.Parallel()
			s := newPoolSetup(t, 24, 10)
			killedAt := s.crash(t, tt.at, 60)
			if got := pgtest.Count(t, s.db, "SELECT count(*) FROM effects WHERE event_id = ?", killedAt); got != tt.wantKilledEffects {
				t.Fatalf("after the kill: got %d effects of event %s, the one killed at, want %d", got, killedAt, tt.wantKilledEffects)
			}
			s.wantNoOffsetPastAMissingEffect(t)
			s.runUntil(t, s.batched(s.consumer(6), 8), int64(s.keys*s.perKey))
			s.wantEachOnceInOrder(t)
			s.wantBatches(t)
			if tt.wantRedeliveredAny && s.redelivered.Load() == 0 {
				t.Fatalf("got no event delivered again after the kill, want at least those of the committed batch")
			}
		})
	}
}

// TestPoolBatchEventWhoseHandlerFailsLeavesTheOthersCommitted: in batches
// of 8, one event's handler fails twice after writing its effect and then
// succeeds, another's always fails. Each failure undoes only its own
// effect; the other events of the batch commit; the first failing event
// is applied once on a retry, the second is parked after MaxAttempts, as
// without batches; every claim's events apply in order.
func TestPoolBatchEventWhoseHandlerFailsLeavesTheOthersCommitted(t *testing.T) {
	t.Parallel()
	s := newPoolSetup(t, 24, 10)
	var flaky atomic.Int64
	var parkedMu sync.Mutex
	var parked []string
	c := s.batched(s.consumer(6), 8)
	c.MaxAttempts = 2
	h := c.Handle
	c.Handle = func(ctx context.Context, e events.Envelope) error {
		var fail error
		switch seq := gjsonSeq(t, e); {
		case e.ClaimID == "claim-03" && seq == 4 && flaky.Add(1) <= 2:
			fail = errors.New("flaky: try again")
		case e.ClaimID == "claim-05" && seq == 2:
			fail = errors.New("poison")
		default:
			return h(ctx, e)
		}
		// The effect is written, then the use case fails: none of it stands.
		return postgres.Transaction(ctx, s.db, func(tx *gorm.DB) error {
			if err := tx.Exec("INSERT INTO effects (event_id, claim_id, seq) VALUES (?, ?, ?)", e.ID, e.ClaimID, gjsonSeq(t, e)).Error; err != nil {
				return err
			}
			return fail
		})
	}
	c.Park = func(_ context.Context, m kafka.Message, _ error) error {
		parkedMu.Lock()
		defer parkedMu.Unlock()
		parked = append(parked, string(m.Key))
		return nil
	}
	total := int64(s.keys * s.perKey)
	s.runUntil(t, c, total-1)
	if got := pgtest.Count(t, s.db, "SELECT count(DISTINCT event_id) FROM effects"); got != total-1 {
		t.Fatalf("got %d events with an effect, want %d (all but the parked one)", got, total-1)
	}
	if got := pgtest.Count(t, s.db, "SELECT count(*) FROM effects"); got != total-1 {
		t.Fatalf("got %d effects, want %d (one per event applied)", got, total-1)
	}
	if got := pgtest.Count(t, s.db, "SELECT count(*) FROM effects WHERE claim_id = 'claim-05' AND seq = 2"); got != 0 {
		t.Fatalf("got %d effects of the parked event, want 0", got)
	}
	parkedMu.Lock()
	if len(parked) != 1 || parked[0] != "claim-05" {
		t.Fatalf("got parked %v, want [claim-05]", parked)
	}
	parkedMu.Unlock()
	if got := flaky.Load(); got != 3 {
		t.Fatalf("got the flaky event handled %d times, want 3 (two failures, then applied)", got)
	}
	if got := pgtest.Count(t, s.db, `SELECT count(*) FROM (SELECT seq, lag(seq) OVER (PARTITION BY claim_id ORDER BY id) AS prev
		FROM effects) o WHERE prev IS NOT NULL AND seq <= prev`); got != 0 {
		t.Fatalf("got %d effects applied out of their claim's order, want 0", got)
	}
	s.wantBatches(t)
}

// gjsonSeq returns the seq of a test event.
func gjsonSeq(t *testing.T, e events.Envelope) int {
	t.Helper()
	var d struct{ Seq int }
	require.NoError(t, json.Unmarshal(e.Data, &d))
	return d.Seq
}

// crash runs the crashing child (runCrashChild) on s with six workers,
// killed at at after after effects, and returns the id of the event it was
// killed at.
func (s *poolSetup) crash(t *testing.T, at string, after int) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"=1", "CRASH_DSN="+s.dsn, "CRASH_TOPIC="+s.topic, "CRASH_GROUP="+s.group,
		"CRASH_AFTER="+strconv.Itoa(after), "CRASH_WORKERS=6", "CRASH_AT="+at,
		"CRASH_BROKERS="+strings.Join(s.cluster.Brokers, ","), "CRASH_USER="+s.cluster.User, "CRASH_PASSWORD="+s.cluster.Password)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child: got %v (%s), want it killed by SIGKILL", err, out)
	}
	_, id, ok := strings.Cut(strings.TrimSpace(string(out)), "killed-at ")
	if !ok || id == "" {
		t.Fatalf("child: got output %q, want the event it was killed at", out)
	}
	return id
}

// wantNoOffsetPastAMissingEffect checks the invariant at the boundary: no
// offset was committed past an event whose effect is missing.
func (s *poolSetup) wantNoOffsetPastAMissingEffect(t *testing.T) {
	t.Helper()
	committed := s.committed(t)
	for _, m := range s.messages(t) {
		if m.Offset < committed[m.Partition] && pgtest.Count(t, s.db, "SELECT count(*) FROM effects WHERE event_id = ?", m.EventID) != 1 {
			t.Errorf("partition %d offset %d (event %s): committed (offset %d) but got no effect, want one", m.Partition, m.Offset,
				m.EventID, committed[m.Partition])
		}
	}
}

// runCrashChild consumes CRASH_TOPIC with CRASH_WORKERS workers and kills
// itself right after the CRASH_AFTER-th effect committed.
func runCrashChild() int {
	after, _ := strconv.Atoi(os.Getenv("CRASH_AFTER"))
	workers, _ := strconv.Atoi(os.Getenv("CRASH_WORKERS"))
	ctx := context.Background()
	db, err := postgres.Open(ctx, os.Getenv("CRASH_DSN"), 8)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	cluster := kafkabus.Cluster{Brokers: strings.Split(os.Getenv("CRASH_BROKERS"), ","), User: os.Getenv("CRASH_USER"),
		Password: os.Getenv("CRASH_PASSWORD")}
	var redelivered, recorded atomic.Int64
	h := handle(db, &redelivered, &recorded)
	var once sync.Once
	var killing sync.Mutex // held for good by the first to kill: one line printed
	kill := func(e events.Envelope) func() {
		return func() {
			killing.Lock()
			fmt.Printf("killed-at %s\n", e.ID)
			_ = syscall.Kill(syscall.Getpid(), syscall.SIGKILL)
			select {}
		}
	}
	c := &kafkabus.Consumer{Name: "pool-test", Cluster: cluster, Topic: os.Getenv("CRASH_TOPIC"), GroupID: os.Getenv("CRASH_GROUP"),
		Workers: workers, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Park: func(context.Context, kafka.Message, error) error { return nil },
		Handle: func(ctx context.Context, e events.Envelope) error {
			if err := h(ctx, e); err != nil {
				return err
			}
			if recorded.Load() < int64(after) {
				return nil
			}
			switch os.Getenv("CRASH_AT") {
			case "before-batch-commit": // the effect is in the batch, not committed
				kill(e)()
			case "after-batch-commit": // the batch committed, its offsets not
				once.Do(func() { postgres.AfterCommit(ctx, kill(e)) })
			default:
				kill(e)()
			}
			return nil
		}}
	if os.Getenv("CRASH_AT") != "" {
		c.Batch, c.BatchSize = postgres.Batches{DB: db}, 8
	}
	_ = c.Run(ctx)
	return 4
}

// committed returns the group's committed offset of each partition.
func (s *poolSetup) committed(t *testing.T) map[int]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp, err := s.cluster.Client(10*time.Second).OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: s.group,
		Topics: map[string][]int{s.topic: {0, 1, 2, 3, 4, 5}}})
	require.NoError(t, err)
	out := map[int]int64{}
	for _, p := range resp.Topics[s.topic] {
		out[p.Partition] = p.CommittedOffset
	}
	return out
}

// topicMessage is where an event sits on the topic.
type topicMessage struct {
	Partition int
	Offset    int64
	EventID   string
}

// messages reads every event of the topic with its partition and offset.
func (s *poolSetup) messages(t *testing.T) []topicMessage {
	t.Helper()
	var out []topicMessage
	for p := range 6 {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: s.cluster.Brokers, Dialer: s.cluster.Dialer(10 * time.Second),
			Topic: s.topic, Partition: p, MaxWait: 100 * time.Millisecond})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		last, err := r.ReadLag(ctx)
		require.NoError(t, err)
		for range last {
			m, err := r.ReadMessage(ctx)
			require.NoError(t, err)
			e, err := events.Decode(m.Value)
			require.NoError(t, err)
			out = append(out, topicMessage{Partition: p, Offset: m.Offset, EventID: e.ID})
		}
		cancel()
		_ = r.Close()
	}
	if len(out) != s.keys*s.perKey {
		t.Fatalf("read %d events from the topic, want %d", len(out), s.keys*s.perKey)
	}
	return out
}

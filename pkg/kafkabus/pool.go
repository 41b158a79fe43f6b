package kafkabus

import (
	"context"
	"hash/fnv"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"claims.local/pkg/clock"
	"claims.local/pkg/events"
)

// runPool consumes with c.Workers workers until ctx ends. The fetch loop
// hands each message to the worker of its key (workerOf) and notes it in an
// offsetTracker; a committer commits, per partition, the offset after the
// longest run of handled messages from the front. Messages handled while a
// commit is on its way, or within commitLinger after it, are committed
// together by the next one, so that a busy consumer sends a few commits a
// second rather than one per message (each is a write on the broker). On shutdown the workers finish or
// abandon what they hold (apply gives up when ctx ends), and what was
// handled is committed; an abandoned message stays uncommitted, as does
// every later one of its partition, and comes again. With c.Batch a worker
// applies what it was handed together (applyBatch), and a message is
// handled once the batch holding it committed.
func (c *Consumer) runPool(ctx context.Context, r *kafka.Reader) error {
	t := newOffsetTracker()
	queues := make([]chan job, c.Workers)
	var workers sync.WaitGroup
	for i := range queues {
		queues[i] = make(chan job, 32)
		workers.Add(1)
		go func(q <-chan job) {
			defer workers.Done()
			for j := range q {
				if ctx.Err() != nil {
					continue
				}
				if c.Batch == nil {
					if c.apply(ctx, j.m) {
						t.done(j.p)
					}
					continue
				}
				for _, p := range c.applyBatch(ctx, gather(q, j, c.BatchSize)) {
					t.done(p)
				}
			}
		}(queues[i])
	}
	quit := make(chan struct{})
	committed := make(chan struct{})
	go func() {
		defer close(committed)
		for {
			select {
			case <-quit:
				return
			case <-t.ready:
				if msgs := t.take(); len(msgs) > 0 {
					c.commit(ctx, r, msgs)
					select {
					case <-quit:
						return
					case <-time.After(commitLinger):
					}
				}
			}
		}
	}()
	for ctx.Err() == nil {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			c.Log.Warn("consumer: fetch failed", "consumer", c.Name, "error", err.Error())
			clock.Sleep(ctx, time.Second)
			continue
		}
		p, ok := t.add(m)
		if !ok {
			// The partition went back (a rebalance gave it back to this
			// consumer from its committed offset): let what is in flight
			// finish before tracking it again from there.
			if !t.waitEmpty(ctx, m.Partition) {
				break
			}
			p, _ = t.add(m)
		}
		select {
		case queues[workerOf(m.Key, len(queues))] <- job{m: m, p: p}:
		case <-ctx.Done():
		}
	}
	for _, q := range queues {
		close(q)
	}
	workers.Wait()
	close(quit)
	<-committed
	if msgs := t.take(); len(msgs) > 0 {
		c.commit(ctx, r, msgs)
	}
	return nil
}

// commitLinger is the least time between two offset commits of a pool.
// A crash redelivers at most what was handled within it, which the inbox
// absorbs. Each commit is a request the group coordinator writes to
// __consumer_offsets: at 50 ms the five consumer groups of the platform
// sent about five commits per claim at 15 claims/s in the issue 21
// benchmark; at 1 s a group sends at most one a second, whatever the rate.
const commitLinger = time.Second

// job is a message for a worker and its place in the offsetTracker.
type job struct {
	m kafka.Message
	p *pending
}

// workerOf returns the worker of a message key: the same key, the same
// worker, so that a claim's events are applied in the order of its
// partition.
func workerOf(key []byte, workers int) int {
	h := fnv.New32a()
	h.Write(key)
	return int(h.Sum32() % uint32(workers))
}

// pending is a fetched message and whether its handler is done with it
// (applied or parked).
type pending struct {
	m    kafka.Message
	done bool
}

// partitionQueue is one partition's messages fetched and not yet
// committable, in fetch (offset) order.
type partitionQueue struct {
	q []*pending
	// next is the last message of the handled run at the front, to commit;
	// nil when there is none since the last take.
	next *kafka.Message
	// high is the offset the last commit recorded (the one after the last
	// handled message); a commit never moves it back.
	high int64
}

// offsetTracker tells which offsets may be committed: per partition, only
// up to the lowest message not yet handled, whatever the workers finished
// after it. The invariant the crash tests check: no offset is committed
// past a message whose effect may not be in the database, so a crash at
// any point loses no event (and the inbox absorbs the ones applied twice).
type offsetTracker struct {
	mu    sync.Mutex
	parts map[int]*partitionQueue
	// ready is signalled when a take may find something to commit.
	ready chan struct{}
}

func newOffsetTracker() *offsetTracker {
	return &offsetTracker{parts: map[int]*partitionQueue{}, ready: make(chan struct{}, 1)}
}

// add notes m as fetched. It returns false, noting nothing, when m's
// offset is not after the last one of its partition still tracked: the
// partition was fetched again from an earlier offset.
func (t *offsetTracker) add(m kafka.Message) (*pending, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	pq := t.parts[m.Partition]
	if pq == nil {
		pq = &partitionQueue{high: -1}
		t.parts[m.Partition] = pq
	}
	if n := len(pq.q); n > 0 && m.Offset <= pq.q[n-1].m.Offset {
		return nil, false
	}
	p := &pending{m: m}
	pq.q = append(pq.q, p)
	return p, true
}

// done notes that p was handled and moves its partition's committable
// offset past the handled run at the front.
func (t *offsetTracker) done(p *pending) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p.done = true
	pq := t.parts[p.m.Partition]
	moved := false
	for len(pq.q) > 0 && pq.q[0].done {
		m := pq.q[0].m
		pq.next = &m
		pq.q[0] = nil
		pq.q = pq.q[1:]
		moved = true
	}
	if moved {
		select {
		case t.ready <- struct{}{}:
		default:
		}
	}
}

// take returns, per partition, the last message of the handled run at the
// front not yet committed, and forgets it: committing it records the
// offset after it.
func (t *offsetTracker) take() []kafka.Message {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []kafka.Message
	for _, pq := range t.parts {
		if pq.next == nil {
			continue
		}
		if pq.next.Offset+1 > pq.high {
			out = append(out, *pq.next)
			pq.high = pq.next.Offset + 1
		}
		pq.next = nil
	}
	return out
}

// waitEmpty waits until every tracked message of partition was handled; it
// returns false when ctx ended first.
func (t *offsetTracker) waitEmpty(ctx context.Context, partition int) bool {
	for {
		t.mu.Lock()
		empty := len(t.parts[partition].q) == 0
		t.mu.Unlock()
		if empty {
			return true
		}
		if !clock.Sleep(ctx, 10*time.Millisecond) {
			return false
		}
	}
}

// batchLinger is how long a worker waits for more messages after the first
// of a batch, when no other is queued for it.
const batchLinger = 3 * time.Millisecond

// gather returns first and the jobs queued on q after it, up to size (16
// when zero), waiting up to batchLinger for more when q runs empty.
func gather(q <-chan job, first job, size int) []job {
	if size <= 0 {
		size = 16
	}
	js := []job{first}
	linger := time.NewTimer(batchLinger)
	defer linger.Stop()
	for len(js) < size {
		select {
		case j, ok := <-q:
			if !ok {
				return js
			}
			js = append(js, j)
		case <-linger.C:
			return js
		}
	}
	return js
}

// applyBatch applies js in one c.Batch, each message in a Step of its own,
// and returns the pending entries of the messages handled, which the batch
// commit (or their own application after it) made durable; the offsets are
// committed only after that.
//
// A message whose handler fails in the batch rolls back only its Step; the
// later messages of its key are left out of the batch, so that a claim's
// events still apply in order. After the commit the failed and left-out
// messages are applied one by one, as without a batch (retried, parked
// after MaxAttempts). When the batch cannot commit (a broken transaction:
// the connection lost, a deadlock or serialisation failure that took the
// transaction down, a crash) nothing of it stands and every message is
// applied one by one, so a bad message cannot hold its neighbours back.
// The functions registered with postgres.AfterCommit (the relay's wake)
// run after the batch commits and before its messages are marked handled:
// a crash in between redelivers them, and the inbox absorbs them.
func (c *Consumer) applyBatch(ctx context.Context, js []job) []*pending {
	type outcome struct {
		e   events.Envelope
		err error
		ran bool
	}
	res := make([]outcome, len(js))
	err := c.Batch.Batch(ctx, func(bctx context.Context) error {
		failed := map[string]bool{}
		for i, j := range js {
			if failed[string(j.m.Key)] {
				continue
			}
			e, err := events.Decode(j.m.Value)
			if err == nil {
				var broken error
				err, broken = c.Batch.Step(bctx, func(sctx context.Context) error { return c.Handle(sctx, e) })
				if broken != nil {
					return broken
				}
			}
			res[i] = outcome{e: e, err: err, ran: true}
			if err != nil {
				failed[string(j.m.Key)] = true
			}
		}
		return nil
	})
	if err != nil {
		if ctx.Err() == nil {
			c.Log.Warn("consumer: batch rolled back; applying its events one by one", "consumer", c.Name,
				"events", len(js), "error", err.Error())
		}
		clear(res)
	}
	var done []*pending
	for i, j := range js {
		if res[i].ran && c.OnApplied != nil {
			c.OnApplied(res[i].e, res[i].err)
		}
		if res[i].ran && res[i].err == nil {
			done = append(done, j.p)
		}
	}
	for i, j := range js {
		if res[i].ran && res[i].err == nil {
			continue
		}
		if ctx.Err() != nil || !c.apply(ctx, j.m) {
			break
		}
		done = append(done, j.p)
	}
	return done
}

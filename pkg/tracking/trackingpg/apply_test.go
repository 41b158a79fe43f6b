package trackingpg_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/pkg/apperr"
	"claims.local/pkg/deadline"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
)

// modelKey names an obligation as a step does.
type modelKey struct {
	subject string
	rule    deadline.RuleID
}

// model applies steps to obligations in memory, one after another, the way
// the domain defines them: Open adds an obligation whose subject and rule
// are not tracked yet, every other step is tracking.Tracker.ApplyTo on the
// tracked one and skipped when there is none. It is what Apply must store.
func model(tr *tracking.Tracker, obs map[modelKey]tracking.Deadline, now time.Time, steps ...tracking.Step) (map[modelKey]tracking.Deadline, error) {
	out := map[modelKey]tracking.Deadline{}
	for k, o := range obs {
		o.Pauses = slices.Clone(o.Pauses)
		out[k] = o
	}
	for _, s := range steps {
		k := modelKey{s.Subject, s.Rule}
		if s.New != nil {
			if _, ok := out[k]; !ok {
				out[k] = *s.New
			}
			continue
		}
		o, ok := out[k]
		if !ok {
			continue
		}
		if err := tr.ApplyTo(&o, s, now); err != nil {
			return nil, err
		}
		out[k] = o
	}
	return out, nil
}

// normal is o as the database keeps it: instants in UTC to the microsecond.
func normal(o tracking.Deadline) tracking.Deadline {
	ts := func(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
	tp := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		v := ts(*t)
		return &v
	}
	o.ClockStart, o.DueAt, o.AtRiskFrom, o.CreatedAt, o.UpdatedAt = ts(o.ClockStart), ts(o.DueAt), ts(o.AtRiskFrom), ts(o.CreatedAt), ts(o.UpdatedAt)
	o.PausedAt, o.DoneAt, o.AtRiskAlertedAt, o.BreachedAlertedAt = tp(o.PausedAt), tp(o.DoneAt), tp(o.AtRiskAlertedAt), tp(o.BreachedAlertedAt)
	o.DueCause = "" // recorded with the move (deadline_due_moves), not kept on the obligation
	ps := make([]deadline.Pause, len(o.Pauses))
	for i, p := range o.Pauses {
		ps[i] = deadline.Pause{PausedAt: ts(p.PausedAt), ResumedAt: ts(p.ResumedAt)}
	}
	o.Pauses = ps
	return o
}

// stored returns the obligations of claim as the database holds them.
func (f *fixture) stored(t *testing.T, claim string) map[modelKey]tracking.Deadline {
	t.Helper()
	page, err := f.store.List(context.Background(), tracking.ListFilter{ClaimID: claim, Limit: 50}, f.now)
	require.NoError(t, err)
	out := map[modelKey]tracking.Deadline{}
	for _, o := range page.Obligations {
		out[modelKey{o.Subject, o.Rule}] = normal(o)
	}
	return out
}

// TestApplyStoresWhatTheDomainDecides: Apply given several steps at once,
// on one obligation or several, mixed with new ones (one opened between two
// steps on it, one opened twice), steps on what is not tracked, on what is
// done, and steps the domain refuses, stores exactly what applying them one
// after another with tracking.Tracker.ApplyTo gives, or fails and stores
// nothing when the domain refuses one. Each scenario runs its setup, one
// Apply per list, then its steps in one Apply.
func TestApplyStoresWhatTheDomainDecides(t *testing.T) {
	f := newFixture(t, "2026-03-02T03:00:00Z")
	now := f.now
	later := now.Add(26 * time.Hour)
	// In UTC, as the database gives it back: the explanation names the
	// clock start in its zone, and an obligation opened and stepped on in
	// one Apply is read back before the step.
	start := at(t, "2026-03-02T10:00:00+08:00").UTC()
	type scenario struct {
		name  string
		setup func(claim string, open func(deadline.RuleID) tracking.Step) [][]tracking.Step
		steps func(claim string, open func(deadline.RuleID) tracking.Step) []tracking.Step
		want  apperr.Code // "" for success
	}
	subj := func(claim string) string { return "claim/" + claim }
	scenarios := []scenario{
		{name: "two opened", steps: func(c string, open func(deadline.RuleID) tracking.Step) []tracking.Step {
			return []tracking.Step{open(deadline.Decision), open(deadline.AdvancePayment)}
		}},
		{name: "two completed with a mode",
			setup: func(c string, open func(deadline.RuleID) tracking.Step) [][]tracking.Step {
				return [][]tracking.Step{{open(deadline.Decision), open(deadline.AdvancePayment)}}
			},
			steps: func(c string, _ func(deadline.RuleID) tracking.Step) []tracking.Step {
				return []tracking.Step{tracking.CompleteAs(subj(c), deadline.Decision, later, "automatic"),
					tracking.CompleteAs(subj(c), deadline.AdvancePayment, later, "automatic")}
			}},
		{name: "cancelled and another opened",
			setup: func(c string, open func(deadline.RuleID) tracking.Step) [][]tracking.Step {
				return [][]tracking.Step{{open(deadline.Decision)}}
			},
			steps: func(c string, open func(deadline.RuleID) tracking.Step) []tracking.Step {
				return []tracking.Step{tracking.Cancel(subj(c), deadline.Decision, later, "superseded"), open(deadline.ComplexDecision)}
			}},
		{name: "paused, resumed and completed at once",
			setup: func(c string, open func(deadline.RuleID) tracking.Step) [][]tracking.Step {
				return [][]tracking.Step{{open(deadline.Decision)}}
			},
			steps: func(c string, _ func(deadline.RuleID) tracking.Step) []tracking.Step {
				return []tracking.Step{tracking.Pause(subj(c), deadline.Decision, now.Add(time.Hour)),
					tracking.Resume(subj(c), deadline.Decision, now.Add(50*time.Hour)),
					tracking.Complete(subj(c), deadline.Decision, now.Add(60*time.Hour))}
			}},
		{name: "a step before its obligation is opened and one after",
			steps: func(c string, open func(deadline.RuleID) tracking.Step) []tracking.Step {
				return []tracking.Step{tracking.Complete(subj(c), deadline.Decision, later), open(deadline.Decision),
					tracking.Pause(subj(c), deadline.Decision, now.Add(time.Hour))}
			}},
		{name: "opened twice and completed again",
			setup: func(c string, open func(deadline.RuleID) tracking.Step) [][]tracking.Step {
				return [][]tracking.Step{{open(deadline.Payment)}, {tracking.Complete(subj(c), deadline.Payment, now.Add(time.Hour))}}
			},
			steps: func(c string, open func(deadline.RuleID) tracking.Step) []tracking.Step {
				return []tracking.Step{open(deadline.Payment), tracking.Complete(subj(c), deadline.Payment, later),
					open(deadline.ResultNotification), open(deadline.ResultNotification)}
			}},
		{name: "a refused step after an accepted one", want: apperr.Conflict,
			setup: func(c string, open func(deadline.RuleID) tracking.Step) [][]tracking.Step {
				return [][]tracking.Step{{open(deadline.Decision), open(deadline.Payment)}}
			},
			steps: func(c string, open func(deadline.RuleID) tracking.Step) []tracking.Step {
				return []tracking.Step{tracking.Complete(subj(c), deadline.Decision, later), open(deadline.AdvancePayment),
					tracking.Pause(subj(c), deadline.Payment, later)}
			}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			claim := uuid.NewString()
			open := func(rule deadline.RuleID) tracking.Step {
				o, err := f.tracker.New(tracking.Spec{ClaimID: claim, Subject: subj(claim), Rule: rule, ClockStart: start}, now)
				require.NoError(t, err)
				return tracking.Open(o)
			}
			want := map[modelKey]tracking.Deadline{}
			if sc.setup != nil {
				for _, steps := range sc.setup(claim, open) {
					f.apply(t, steps...)
				}
				// What Apply will read.
				page, err := f.store.List(context.Background(), tracking.ListFilter{ClaimID: claim, Limit: 50}, f.now)
				require.NoError(t, err)
				for _, o := range page.Obligations {
					want[modelKey{o.Subject, o.Rule}] = o
				}
			}
			steps := sc.steps(claim, open)
			next, merr := model(f.tracker, want, now, steps...)
			err := f.db.Transaction(func(tx *gorm.DB) error { return trackingpg.Apply(tx, f.tracker, now, steps...) })
			if sc.want != "" {
				if apperr.CodeOf(merr) != sc.want || apperr.CodeOf(err) != sc.want {
					t.Fatalf("got %v from Apply and %v from the model, want %s from both", err, merr, sc.want)
				}
			} else {
				require.NoError(t, merr)
				require.NoError(t, err)
				want = next
			}
			for k, o := range want {
				want[k] = normal(o)
			}
			require.Equal(t, want, f.stored(t, claim), "stored obligations, against the model")
		})
	}
}

// statementCounter counts the statements made through db while on.
type statementCounter struct {
	mu  sync.Mutex
	on  bool
	sql []string
}

func countStatements(t *testing.T, db *gorm.DB) *statementCounter {
	t.Helper()
	c := &statementCounter{}
	record := func(tx *gorm.DB) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.on {
			c.sql = append(c.sql, tx.Statement.SQL.String())
		}
	}
	cb := db.Callback()
	for i, err := range []error{
		cb.Query().After("*").Register("test:count", record),
		cb.Row().After("*").Register("test:count", record),
		cb.Raw().After("*").Register("test:count", record),
		cb.Create().After("*").Register("test:count", record),
		cb.Update().After("*").Register("test:count", record),
		cb.Delete().After("*").Register("test:count", record),
	} {
		require.NoError(t, err, "callback %d", i)
	}
	return c
}

// TestApplyMakesOneReadAndOneWriteATransaction: a transaction's steps on
// existing obligations are locked and read by one statement and written by
// one, with the new obligations among them (issue 21: a lock and a write of
// every column for each step before). A step that changes nothing (a done
// obligation completed again) writes nothing.
func TestApplyMakesOneReadAndOneWriteATransaction(t *testing.T) {
	f := newFixture(t, "2026-03-02T03:00:00Z")
	c := countStatements(t, f.db)
	later := f.now.Add(26 * time.Hour)
	for _, tc := range []struct {
		name  string
		steps func(a, b tracking.Deadline, open func(deadline.RuleID) tracking.Step) []tracking.Step
		want  int
	}{
		{"two opened", func(a, b tracking.Deadline, open func(deadline.RuleID) tracking.Step) []tracking.Step {
			return []tracking.Step{open(deadline.RejectionNotice), open(deadline.ComplexDecision)}
		}, 1},
		{"two completed", func(a, b tracking.Deadline, _ func(deadline.RuleID) tracking.Step) []tracking.Step {
			return []tracking.Step{tracking.Complete(a.Subject, a.Rule, later), tracking.Complete(b.Subject, b.Rule, later)}
		}, 2},
		{"one completed, one opened", func(a, b tracking.Deadline, open func(deadline.RuleID) tracking.Step) []tracking.Step {
			return []tracking.Step{tracking.Complete(a.Subject, a.Rule, later), open(deadline.RejectionNotice)}
		}, 2},
		{"a done one completed again", func(a, b tracking.Deadline, _ func(deadline.RuleID) tracking.Step) []tracking.Step {
			return []tracking.Step{tracking.Complete(a.Subject, a.Rule, later), tracking.Complete(a.Subject, a.Rule, later.Add(time.Hour))}
		}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := f.track(t, deadline.Decision, "2026-03-02T10:00:00+08:00")
			b, err := f.tracker.New(tracking.Spec{ClaimID: a.ClaimID, Subject: a.Subject, Rule: deadline.AdvancePayment, ClockStart: a.ClockStart}, f.now)
			require.NoError(t, err)
			f.apply(t, tracking.Open(b))
			open := func(rule deadline.RuleID) tracking.Step {
				o, err := f.tracker.New(tracking.Spec{ClaimID: a.ClaimID, Subject: a.Subject, Rule: rule, ClockStart: a.ClockStart}, f.now)
				require.NoError(t, err)
				return tracking.Open(o)
			}
			steps := tc.steps(a, b, open)
			require.NoError(t, f.db.Transaction(func(tx *gorm.DB) error {
				c.mu.Lock()
				c.on, c.sql = true, nil
				c.mu.Unlock()
				defer func() { c.mu.Lock(); c.on = false; c.mu.Unlock() }()
				return trackingpg.Apply(tx, f.tracker, f.now, steps...)
			}))
			if len(c.sql) != tc.want {
				t.Errorf("got %d statements, want %d:\n%s", len(c.sql), tc.want, strings.Join(c.sql, "\n"))
			}
		})
	}
}

// TestTwoTransactionsSteppingOnTwoObligationsInOppositeOrdersBothCommit:
// two transactions at once each complete the same two obligations, named
// in opposite orders. Each pauses after its first locking statement until
// the other has made its own (or a second passed: the other is waiting for
// a lock). Obligations locked one by one in the steps' order would each
// hold one and wait for the other's, a deadlock that fails one of them;
// locked in one statement in one order, the second waits for the first
// and both commit, the second finding both done.
func TestTwoTransactionsSteppingOnTwoObligationsInOppositeOrdersBothCommit(t *testing.T) {
	f := newFixture(t, "2026-03-02T03:00:00Z")
	a := f.track(t, deadline.Decision, "2026-03-02T10:00:00+08:00")
	b := f.track(t, deadline.Decision, "2026-03-02T10:00:00+08:00")
	var mu sync.Mutex
	locked := map[string]bool{}
	arrived := make(chan struct{}, 2)
	require.NoError(t, f.db.Callback().Query().After("*").Register("test:meet", func(tx *gorm.DB) {
		who, _ := tx.Statement.Context.Value(whoKey{}).(string)
		if who == "" || !strings.Contains(tx.Statement.SQL.String(), "FOR UPDATE") {
			return
		}
		mu.Lock()
		first := !locked[who]
		locked[who] = true
		mu.Unlock()
		if !first {
			return
		}
		arrived <- struct{}{}
		// Wait for the other to make its first locking statement, or give
		// up when it is blocked behind this one's lock.
		deadlineFor := time.After(time.Second)
		for {
			mu.Lock()
			both := len(locked) == 2
			mu.Unlock()
			if both {
				return
			}
			select {
			case <-deadlineFor:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}))
	later := f.now.Add(26 * time.Hour)
	run := func(who string, first, second tracking.Deadline, when time.Time) error {
		ctx := context.WithValue(context.Background(), whoKey{}, who)
		return f.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return trackingpg.Apply(tx, f.tracker, f.now, tracking.Complete(first.Subject, first.Rule, when), tracking.Complete(second.Subject, second.Rule, when))
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- run("one", a, b, later) }()
	go func() { errs <- run("two", b, a, later.Add(time.Hour)) }()
	var failed []error
	for range 2 {
		if err := <-errs; err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) > 0 {
		t.Fatalf("got %v, want both transactions committed", errors.Join(failed...))
	}
	ga, gb := f.get(t, a.ID), f.get(t, b.ID)
	if ga.DoneAt == nil || gb.DoneAt == nil || !ga.DoneAt.Equal(*gb.DoneAt) {
		t.Fatalf("got done at %v and %v, want both done by the transaction that locked them first", ga.DoneAt, gb.DoneAt)
	}
	_ = fmt.Sprint(len(arrived))
}

type whoKey struct{}

// TestApplyFindsSubjectsWithQuotesAndBracesAndNoOther: the steps' subjects
// go to PostgreSQL as an array literal; one with quotes, backslashes, commas
// and braces is found as itself, and names no other obligation.
func TestApplyFindsSubjectsWithQuotesAndBracesAndNoOther(t *testing.T) {
	f := newFixture(t, "2026-03-02T03:00:00Z")
	claim := uuid.NewString()
	odd := `complaint/a"b\c,{d}` + claim
	var ids []string
	for _, subject := range []string{odd, `complaint/a`, `complaint/b\c`} {
		o, err := f.tracker.New(tracking.Spec{ClaimID: claim, Subject: subject, Rule: deadline.ComplaintReply, ClockStart: f.now}, f.now)
		require.NoError(t, err)
		f.apply(t, tracking.Open(o))
		ids = append(ids, o.ID)
	}
	f.apply(t, tracking.Complete(odd, deadline.ComplaintReply, f.now.Add(time.Hour)))
	for i, want := range []tracking.State{tracking.StateMet, tracking.StateOpen, tracking.StateOpen} {
		if got := f.get(t, ids[i]).State; got != want {
			t.Errorf("obligation %d: got %s, want %s", i, got, want)
		}
	}
}

package trackingpg_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
	"claims.local/pkg/calendar/calendartest"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/inbox"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/postgres/uow"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
)

// fixture is a migrated database with a tracker and a monitor over it.
type fixture struct {
	db      *gorm.DB
	store   *trackingpg.Store
	tracker *tracking.Tracker
	topics  events.Topics
	now     time.Time
}

func newFixture(t *testing.T, now string) *fixture {
	t.Helper()
	db := pgtest.NewMigrated(t, 10, func() ([]postgres.Migration, error) {
		return uow.Shared()
	})
	return &fixture{db: db, store: trackingpg.NewStore(db, uow.New(db, nil, nil)), tracker: tracking.NewTracker(tracking.NewCalendars(nil), 1),
		topics: events.Topics{Prefix: "test."}, now: at(t, now)}
}

func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return v
}

func (f *fixture) monitor() *tracking.Monitor {
	return &tracking.Monitor{Service: "test", Store: f.store, Tracker: f.tracker, Topics: f.topics, Batch: 3,
		Now: func() time.Time { return f.now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// track stores a new obligation of rule for a fresh claim whose clock started
// at from, and returns it.
func (f *fixture) track(t *testing.T, rule deadline.RuleID, from string) tracking.Deadline {
	t.Helper()
	claim := uuid.NewString()
	o, err := f.tracker.New(tracking.Spec{ClaimID: claim, Subject: "claim/" + claim, Rule: rule, ClockStart: at(t, from)}, f.now)
	require.NoError(t, err)
	require.NoError(t, f.db.Transaction(func(tx *gorm.DB) error { return trackingpg.Apply(tx, f.tracker, f.now, tracking.Open(o)) }))
	return o
}

func (f *fixture) apply(t *testing.T, steps ...tracking.Step) {
	t.Helper()
	require.NoError(t, f.db.Transaction(func(tx *gorm.DB) error { return trackingpg.Apply(tx, f.tracker, f.now, steps...) }))
}

func (f *fixture) get(t *testing.T, id string) tracking.Deadline {
	t.Helper()
	o, err := f.store.Get(context.Background(), id)
	require.NoError(t, err)
	return o
}

// outboxTypes counts the events of each type stored in the outbox.
func (f *fixture) outboxTypes(t *testing.T) map[string]int {
	t.Helper()
	var rows []struct {
		EventType string
		N         int
	}
	require.NoError(t, f.db.Raw(`SELECT event_type, count(*) AS n FROM outbox GROUP BY event_type`).Scan(&rows).Error)
	out := map[string]int{}
	for _, r := range rows {
		out[r.EventType] = r.N
	}
	return out
}

func TestObligationsRoundTripThroughTheDatabase(t *testing.T) {
	f := newFixture(t, "2026-03-02T03:00:00Z")
	spec := tracking.Spec{ClaimID: "c-1", Subject: "claim/c-1", Rule: deadline.Decision, ClockStart: at(t, "2026-03-02T10:00:00+08:00"),
		Overrides: []deadline.Override{{Rule: deadline.Decision, Length: 3, Unit: deadline.WorkingDays}}}
	o, err := f.tracker.New(spec, f.now)
	require.NoError(t, err)
	f.apply(t, tracking.Open(o))
	f.apply(t, tracking.Pause("claim/c-1", deadline.Decision, at(t, "2026-03-03T09:00:00+08:00")))
	f.apply(t, tracking.Resume("claim/c-1", deadline.Decision, at(t, "2026-03-04T09:00:00+08:00")))

	got := f.get(t, o.ID)
	assert.Equal(t, tracking.StateOpen, got.State)
	require.Len(t, got.Pauses, 1)
	assert.True(t, got.Pauses[0].PausedAt.Equal(at(t, "2026-03-03T09:00:00+08:00")))
	require.NotNil(t, got.Override)
	assert.Equal(t, deadline.Override{Rule: deadline.Decision, Length: 3, Unit: deadline.WorkingDays}, *got.Override)
	assert.Equal(t, "2026-03-06", got.DueDate.String(), "three working days with 03-04 deducted")
	assert.Equal(t, o.Explanation != got.Explanation, true, "the explanation now tells of the pause")
	assert.Equal(t, "+08:00", got.DueAt.Format("-07:00"))

	_, err = f.store.Get(context.Background(), "nope")
	assert.Equal(t, apperr.NotFound, apperr.CodeOf(err))
}

func TestOpeningTwiceKeepsTheFirstAndStepsOnUntrackedSubjectsAreSkipped(t *testing.T) {
	f := newFixture(t, "2026-03-02T03:00:00Z")
	first := f.track(t, deadline.Decision, "2026-03-02T10:00:00+08:00")
	again, err := f.tracker.New(tracking.Spec{ClaimID: first.ClaimID, Subject: first.Subject, Rule: deadline.Decision,
		ClockStart: at(t, "2026-03-05T10:00:00+08:00")}, f.now)
	require.NoError(t, err)
	f.apply(t, tracking.Open(again), tracking.Complete("claim/unknown", deadline.Decision, f.now))

	page, err := f.store.List(context.Background(), tracking.ListFilter{ClaimID: first.ClaimID, Limit: 10}, f.now)
	require.NoError(t, err)
	require.Len(t, page.Obligations, 1)
	assert.Equal(t, first.ID, page.Obligations[0].ID)
}

func TestListFiltersByStateRiskAndRuleAndPagesInDueOrder(t *testing.T) {
	f := newFixture(t, "2026-03-09T04:00:00Z") // Monday 12:00 in Shanghai
	breached := f.track(t, deadline.Decision, "2026-02-20T10:00:00+08:00")
	atRisk := f.track(t, deadline.Decision, "2026-03-03T10:00:00+08:00") // due 03-10, at risk from 03-09
	onTrack := f.track(t, deadline.Payment, "2026-03-08T10:00:00+08:00")
	met := f.track(t, deadline.Decision, "2026-03-06T10:00:00+08:00")
	f.apply(t, tracking.Complete(met.Subject, deadline.Decision, f.now))

	ids := func(filter tracking.ListFilter) []string {
		t.Helper()
		filter.Limit = 10
		page, err := f.store.List(context.Background(), filter, f.now)
		require.NoError(t, err)
		var out []string
		for _, o := range page.Obligations {
			out = append(out, o.ID)
		}
		return out
	}
	assert.Equal(t, []string{breached.ID, atRisk.ID, met.ID, onTrack.ID}, ids(tracking.ListFilter{}), "soonest due first")
	assert.Equal(t, []string{breached.ID, atRisk.ID, onTrack.ID}, ids(tracking.ListFilter{States: []tracking.State{tracking.StateOpen}}))
	assert.Equal(t, []string{breached.ID}, ids(tracking.ListFilter{Risk: tracking.RiskBreached}))
	assert.Equal(t, []string{atRisk.ID}, ids(tracking.ListFilter{Risk: tracking.RiskAtRisk}))
	assert.Equal(t, []string{onTrack.ID}, ids(tracking.ListFilter{Risk: tracking.RiskOnTrack}))
	assert.Equal(t, []string{met.ID}, ids(tracking.ListFilter{Risk: tracking.RiskNone}))
	assert.Equal(t, []string{onTrack.ID}, ids(tracking.ListFilter{Rule: deadline.Payment}))
	due := at(t, "2026-03-11T00:00:00+08:00")
	assert.Equal(t, []string{breached.ID, atRisk.ID}, ids(tracking.ListFilter{DueTo: &due}))

	var seen []string
	filter := tracking.ListFilter{Limit: 3}
	for {
		page, err := f.store.List(context.Background(), filter, f.now)
		require.NoError(t, err)
		for _, o := range page.Obligations {
			seen = append(seen, o.ID)
		}
		if page.Next == nil {
			break
		}
		filter.After = page.Next
	}
	assert.Equal(t, []string{breached.ID, atRisk.ID, met.ID, onTrack.ID}, seen, "pages join without gap or repeat")
}

func TestSweepRaisesEachAlarmOnceAcrossRestarts(t *testing.T) {
	f := newFixture(t, "2026-03-09T04:00:00Z")
	breached := f.track(t, deadline.Decision, "2026-02-20T10:00:00+08:00")
	atRisk := f.track(t, deadline.Decision, "2026-03-03T10:00:00+08:00")
	f.track(t, deadline.Payment, "2026-03-08T10:00:00+08:00")
	met := f.track(t, deadline.Decision, "2026-02-21T10:00:00+08:00")
	f.apply(t, tracking.Complete(met.Subject, deadline.Decision, f.now))

	res, err := f.monitor().Sweep(context.Background())
	require.NoError(t, err)
	assert.Equal(t, tracking.SweepResult{Breached: 1, AtRisk: 1}, res)
	// A new monitor (a restart) finds nothing more to raise.
	res, err = f.monitor().Sweep(context.Background())
	require.NoError(t, err)
	assert.Equal(t, tracking.SweepResult{}, res)
	assert.Equal(t, map[string]int{events.DeadlineBreached.Name: 1, events.DeadlineAtRisk.Name: 1}, f.outboxTypes(t))

	b := f.get(t, breached.ID)
	require.NotNil(t, b.BreachedAlertedAt)
	require.NotNil(t, b.AtRiskAlertedAt, "a breach needs no later at-risk alarm")
	assert.NotNil(t, f.get(t, atRisk.ID).AtRiskAlertedAt)

	// The alarm event says which obligation, under which rule, due when.
	var payload []byte
	require.NoError(t, f.db.Raw(`SELECT payload FROM outbox WHERE event_type = ?`, events.DeadlineBreached.Name).Row().Scan(&payload))
	e, err := events.Decode(payload)
	require.NoError(t, err)
	var d events.DeadlineData
	require.NoError(t, events.DecodeData(e, events.DeadlineBreached, &d))
	assert.Equal(t, breached.ID, d.ObligationID)
	assert.Equal(t, "R4", d.RNumber)
	assert.Equal(t, breached.ClaimID, e.ClaimID)
	assert.Equal(t, breached.DueDate.String(), d.DueDate)
}

// TestAPastDueDeadlineGetsOnlyItsBreachAlarm: a sweep raises breaches, then
// at-risk alarms. A deadline stored already past due between the two (seen
// under load in payout's tests) was raised at risk, then breached by the
// next sweep: two alarms, the first of them wrong. The at-risk alarm is for
// a deadline still before its due time.
func TestAPastDueDeadlineGetsOnlyItsBreachAlarm(t *testing.T) {
	f := newFixture(t, "2026-03-09T04:00:00Z")
	late := f.track(t, deadline.Decision, "2026-02-20T10:00:00+08:00")
	n, err := f.store.RaiseAlarms(context.Background(), tracking.AlarmAtRisk, f.now, 10, func(o tracking.Deadline) ([]events.Outgoing, error) {
		e, err := tracking.DeadlineEvent(events.DeadlineAtRisk, "test", f.topics, o, f.now, nil)
		return []events.Outgoing{e}, err
	})
	require.NoError(t, err)
	if n != 0 {
		t.Fatalf("got %d at-risk alarms for a deadline past its due time, want 0 (its breach alarm says it)", n)
	}
	res, err := f.monitor().Sweep(context.Background())
	require.NoError(t, err)
	assert.Equal(t, tracking.SweepResult{Breached: 1}, res)
	assert.Equal(t, map[string]int{events.DeadlineBreached.Name: 1}, f.outboxTypes(t))
	require.NotNil(t, f.get(t, late.ID).BreachedAlertedAt)
}

func TestConcurrentMonitorsNeverRaiseAnAlarmTwice(t *testing.T) {
	f := newFixture(t, "2026-06-01T04:00:00Z")
	const n = 40
	for i := range n {
		f.track(t, deadline.Decision, fmt.Sprintf("2026-05-%02dT10:00:00+08:00", 1+i%20))
	}
	var wg sync.WaitGroup
	results := make([]tracking.SweepResult, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := f.monitor()
			m.Batch = 2
			r, err := m.Sweep(context.Background())
			assert.NoError(t, err)
			results[i] = r
		}()
	}
	wg.Wait()
	total := 0
	for _, r := range results {
		total += r.Breached + r.AtRisk
	}
	types := f.outboxTypes(t)
	assert.Equal(t, n, types[events.DeadlineBreached.Name]+types[events.DeadlineAtRisk.Name], "one alarm per obligation")
	assert.Equal(t, n, total)
}

func TestACalendarUpdateRecomputesOwedObligationsAndAnnouncesTheMovedOnes(t *testing.T) {
	f := newFixture(t, "2026-11-30T02:00:00Z")
	moves := f.track(t, deadline.Decision, "2026-12-01T10:00:00+08:00") // due 12-08; 12-03 becomes a holiday
	stays := f.track(t, deadline.Decision, "2026-12-10T10:00:00+08:00")
	done := f.track(t, deadline.Decision, "2026-12-01T11:00:00+08:00")
	f.apply(t, tracking.Complete(done.Subject, deadline.Decision, f.now))

	data := calendartest.WithOffDays(t, "test holiday", calendar.Date{Year: 2026, Month: 12, Day: 3})
	receipt := inbox.Receipt{Consumer: "test.calendar", EventID: uuid.NewString(), EventType: events.CalendarUpdated.Name, ClaimID: events.CalendarKey}
	v := tracking.CalendarVersion{Version: "v2", Reason: "State Council notice of a new holiday", SubmittedBy: "ops",
		SubmittedAt: f.now, AppliedAt: f.now, EventID: receipt.EventID}
	require.NoError(t, f.store.StoreCalendar(context.Background(), receipt, v, data))
	require.NoError(t, f.store.StoreCalendar(context.Background(), receipt, v, data), "a redelivered event is stored once")

	res, err := f.monitor().Sweep(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, res.Recomputed, "owed obligations only")
	assert.Equal(t, 1, res.Moved)
	assert.Equal(t, "2026-12-09", f.get(t, moves.ID).DueDate.String())
	assert.Equal(t, stays.DueDate, f.get(t, stays.ID).DueDate)
	assert.Equal(t, done.CalendarSeq, f.get(t, done.ID).CalendarSeq, "a done obligation keeps the calendar it was judged by")
	assert.Equal(t, 1, f.outboxTypes(t)[events.DeadlineMoved.Name])
	if mv := f.dueMoves(t, moves.ID); len(mv) != 1 || mv[0].NewDueDate != "2026-12-09" || !strings.HasPrefix(mv[0].Cause, "recomputed with calendar") {
		t.Errorf("got the record of moves %+v, want the calendar's move to 12-09 with its cause", mv)
	}
	res, err = f.monitor().Sweep(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 0, res.Tampered+res.Restored, "the calendar's move checked by a monitor that starts: tampered and restored")

	versions, err := f.store.CalendarVersions(context.Background())
	require.NoError(t, err)
	require.Len(t, versions, 1)
	assert.Equal(t, "ops", versions[0].SubmittedBy)

	err = f.db.Exec(`UPDATE calendar_versions SET reason = 'rewritten'`).Error
	require.Error(t, err, "the calendar audit is append-only")
	err = f.db.Exec(`DELETE FROM calendar_versions`).Error
	require.Error(t, err, "the calendar audit is append-only")

	// A second sweep finds nothing stale.
	res, err = f.monitor().Sweep(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 0, res.Recomputed)
}

func TestComplianceCountsPerRuleWithTheWorstDelays(t *testing.T) {
	f := newFixture(t, "2026-03-20T04:00:00Z")
	onTime := f.track(t, deadline.Decision, "2026-03-02T10:00:00+08:00") // due 03-09
	late := f.track(t, deadline.Decision, "2026-03-02T11:00:00+08:00")   // due 03-09
	later := f.track(t, deadline.Decision, "2026-03-03T11:00:00+08:00")  // due 03-10
	open := f.track(t, deadline.Decision, "2026-03-04T11:00:00+08:00")   // due 03-11, still open: breached
	f.track(t, deadline.Decision, "2026-04-01T11:00:00+08:00")           // due in April: outside
	cancelled := f.track(t, deadline.Decision, "2026-03-04T12:00:00+08:00")
	f.apply(t, tracking.Cancel(cancelled.Subject, deadline.Decision, at(t, "2026-03-05T10:00:00+08:00"), "complex: 30-day rule"))
	require.Equal(t, "complex: 30-day rule", f.get(t, cancelled.ID).CancelReason)
	// Superseded after its due time (03-12): the breach stays and counts.
	supersededLate := f.track(t, deadline.Decision, "2026-03-05T11:00:00+08:00")
	f.apply(t, tracking.Cancel(supersededLate.Subject, deadline.Decision, f.now, "complex: 30-day rule"))
	require.Equal(t, tracking.StateMissed, f.get(t, supersededLate.ID).State)
	f.apply(t,
		tracking.Complete(onTime.Subject, deadline.Decision, at(t, "2026-03-05T10:00:00+08:00")),
		tracking.Complete(late.Subject, deadline.Decision, at(t, "2026-03-10T10:00:00+08:00")),
		tracking.Complete(later.Subject, deadline.Decision, at(t, "2026-03-11T00:00:00+08:00")))

	d := &tracking.UseCases{Service: "test", Store: f.store, Tracker: f.tracker, Topics: f.topics, Now: func() time.Time { return f.now }}
	r, err := d.Compliance(context.Background(), calendar.Date{Year: 2026, Month: 3, Day: 1}, calendar.Date{Year: 2026, Month: 3, Day: 31})
	require.NoError(t, err)
	require.Len(t, r.Rules, len(deadline.Rules()), "every rule has a line")
	var line tracking.RuleCompliance
	for _, l := range r.Rules {
		if l.Rule == deadline.Decision {
			line = l
		}
	}
	assert.Equal(t, tracking.RuleCompliance{Rule: deadline.Decision, RNumber: "R4", Total: 5, Met: 1, Missed: 3, Open: 1,
		OpenBreached: 1, Worst: line.Worst, Modes: line.Modes}, line)
	assert.Equal(t, []tracking.ModeCompliance{{Total: 5, Met: 1, Missed: 3, Open: 1, OpenBreached: 1}}, line.Modes,
		"untagged obligations count in one group")
	require.Len(t, line.Worst, 4)
	// The open one is late by 03-12 00:00 .. 03-20 12:00; the one
	// superseded late by 03-13 00:00 .. 03-20 12:00; then late (10 h) and
	// later (just over 0 s).
	assert.Equal(t, []string{open.ID, supersededLate.ID, late.ID, later.ID},
		[]string{line.Worst[0].ObligationID, line.Worst[1].ObligationID, line.Worst[2].ObligationID, line.Worst[3].ObligationID})
	assert.InDelta(t, (8*24+12)*time.Hour, line.Worst[0].Delay, float64(time.Second))
	assert.InDelta(t, (7*24+12)*time.Hour, line.Worst[1].Delay, float64(time.Second))
	assert.InDelta(t, 10*time.Hour, line.Worst[2].Delay, float64(time.Second))
	assert.InDelta(t, 1.0/4, line.OnTimeRate(), 0.001)

	_, err = d.Compliance(context.Background(), calendar.Date{Year: 2026, Month: 3, Day: 31}, calendar.Date{Year: 2026, Month: 3, Day: 1})
	assert.Equal(t, apperr.Invalid, apperr.CodeOf(err))
}

// TestComplianceSplitsTheObligationsByTheModeTheyWereMetIn: issue 19's
// automatic and manual decisions counted apart. The step that completes an
// obligation tags it; a repeated completion in another mode (a redelivered
// event, a second decision path) does not move it, and an owed one counts
// untagged.
func TestComplianceSplitsTheObligationsByTheModeTheyWereMetIn(t *testing.T) {
	f := newFixture(t, "2026-03-20T04:00:00Z")
	auto1 := f.track(t, deadline.Decision, "2026-03-02T10:00:00+08:00")  // due 03-09
	auto2 := f.track(t, deadline.Decision, "2026-03-03T10:00:00+08:00")  // due 03-10
	manual := f.track(t, deadline.Decision, "2026-03-02T11:00:00+08:00") // due 03-09, met late
	f.track(t, deadline.Decision, "2026-03-04T11:00:00+08:00")           // due 03-11, still open
	notice := f.track(t, deadline.RejectionNotice, "2026-03-02T11:00:00+08:00")
	f.apply(t,
		tracking.CompleteAs(auto1.Subject, deadline.Decision, at(t, "2026-03-02T10:00:05+08:00"), "automatic"),
		tracking.CompleteAs(auto2.Subject, deadline.Decision, at(t, "2026-03-03T10:00:05+08:00"), "automatic"),
		tracking.CompleteAs(manual.Subject, deadline.Decision, at(t, "2026-03-10T10:00:00+08:00"), "manual"),
		tracking.Complete(notice.Subject, deadline.RejectionNotice, at(t, "2026-03-03T10:00:00+08:00")))
	// The attack: completed again as another mode, the first one stays.
	f.apply(t, tracking.CompleteAs(auto1.Subject, deadline.Decision, at(t, "2026-03-04T10:00:00+08:00"), "manual"))
	if got := f.get(t, auto1.ID); got.Mode != "automatic" || got.State != tracking.StateMet {
		t.Fatalf("got %s %q, want met automatic", got.State, got.Mode)
	}

	d := &tracking.UseCases{Service: "test", Store: f.store, Tracker: f.tracker, Topics: f.topics, Now: func() time.Time { return f.now }}
	r, err := d.Compliance(context.Background(), calendar.Date{Year: 2026, Month: 3, Day: 1}, calendar.Date{Year: 2026, Month: 3, Day: 31})
	require.NoError(t, err)
	lines := map[deadline.RuleID]tracking.RuleCompliance{}
	for _, l := range r.Rules {
		lines[l.Rule] = l
	}
	decision := lines[deadline.Decision]
	assert.Equal(t, []tracking.ModeCompliance{
		{Mode: "", Total: 1, Open: 1, OpenBreached: 1},
		{Mode: "automatic", Total: 2, Met: 2},
		{Mode: "manual", Total: 1, Missed: 1},
	}, decision.Modes)
	assert.Equal(t, 4, decision.Total)
	assert.InDelta(t, 1.0, decision.Modes[1].OnTimeRate(), 0.001)
	assert.InDelta(t, 0.0, decision.Modes[2].OnTimeRate(), 0.001)
	assert.Equal(t, []tracking.ModeCompliance{{Total: 1, Met: 1}}, lines[deadline.RejectionNotice].Modes,
		"a rule not about a decision is one group")
	assert.Empty(t, lines[deadline.Payment].Modes, "a rule with no obligation has no group")
}

// TestInsertOpensStoresWhatApplyStores: a deadline opened in another
// writer's statement (OpensArg, InsertOpens; payout's agreement, issue 21)
// is stored as Apply stores it, pauses and override included, and one whose
// subject and rule is tracked is left as it is; steps that are not all
// openings are left to Apply.
func TestInsertOpensStoresWhatApplyStores(t *testing.T) {
	f := newFixture(t, "2026-03-02T03:00:00Z")
	spec := tracking.Spec{ClaimID: "c-apply", Subject: "claim/c-apply", Rule: deadline.Decision, ClockStart: at(t, "2026-03-02T10:00:00+08:00"),
		Overrides: []deadline.Override{{Rule: deadline.Decision, Length: 3, Unit: deadline.WorkingDays}}}
	o, err := f.tracker.New(spec, f.now)
	require.NoError(t, err)
	require.NoError(t, f.tracker.Pause(&o, at(t, "2026-03-03T09:00:00+08:00"), f.now))
	f.apply(t, tracking.Open(o))
	other := o
	other.ID, other.ClaimID, other.Subject = uuid.NewString(), "c-insert", "claim/c-insert"
	insert := func(steps ...tracking.Step) int64 {
		t.Helper()
		arg, ok, err := trackingpg.OpensArg(steps)
		require.NoError(t, err)
		require.True(t, ok, "openings taken for other steps")
		var n int64
		require.NoError(t, f.db.Raw(`WITH opened AS (`+trackingpg.InsertOpens("?", "true")+` RETURNING 1) SELECT count(*) FROM opened`, arg).Row().Scan(&n))
		return n
	}
	if n := insert(tracking.Open(other)); n != 1 {
		t.Fatalf("got %d deadlines opened, want 1", n)
	}
	got, want := f.get(t, other.ID), f.get(t, o.ID)
	got.ID, got.ClaimID, got.Subject = want.ID, want.ClaimID, want.Subject
	assert.Equal(t, normal(want), normal(got))
	if got.PausedAt == nil || got.Override == nil {
		t.Fatalf("got paused at %v, override %v, want both kept", got.PausedAt, got.Override)
	}

	again := other
	again.ID = uuid.NewString()
	if n := insert(tracking.Open(again)); n != 0 {
		t.Fatalf("got %d deadlines opened for a subject and rule tracked, want 0", n)
	}
	if _, ok, err := trackingpg.OpensArg([]tracking.Step{tracking.Open(o), tracking.Resume("claim/c-apply", deadline.Decision, f.now)}); err != nil || ok {
		t.Fatalf("got %v, %v for an opening and a resumption, want no error, false", ok, err)
	}
}

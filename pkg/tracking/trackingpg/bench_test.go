package trackingpg_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"claims.local/pkg/calendar"
	"claims.local/pkg/events"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/postgres/uow"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
)

// benchObligationsEnv names the variable that sets how many open
// obligations BenchmarkMonitorSweepOneMillionOpen loads, so that it can be
// run small.
const benchObligationsEnv = "CLAIMS_BENCH_OBLIGATIONS"

// benchSpread is the time over which the loaded obligations fall due.
const benchSpread = 60 * 24 * time.Hour

// sweepBench is a database loaded with n open obligations and a store
// over it. Obligation i (1..n) is at risk from now + i*step and due one day
// later, so that at now nothing is at risk or breached and the due times
// are spread evenly over the days that follow.
type sweepBench struct {
	db    *gorm.DB
	store *trackingpg.Store
	n     int64
	now   time.Time
	step  time.Duration
	// notes are logged by the first sub-benchmark that runs, since a
	// parent benchmark's log is shown only with -v.
	notes  []string
	logged bool
}

// benchObligations returns the number of obligations to load: the value of
// CLAIMS_BENCH_OBLIGATIONS, or a million.
func benchObligations(b *testing.B) int64 {
	b.Helper()
	s := os.Getenv(benchObligationsEnv)
	if s == "" {
		return 1_000_000
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1000 {
		b.Fatalf("%s=%q: want a whole number of at least 1000", benchObligationsEnv, s)
	}
	return n
}

// newSweepBench creates a database and loads it with n open obligations of
// rule decision in one INSERT ... SELECT, then vacuums and analyzes the
// table as a long-running database would be.
func newSweepBench(b *testing.B, n int64) *sweepBench {
	b.Helper()
	db, owner := pgtest.NewMigratedWithOwner(b, 4, func() ([]postgres.Migration, error) {
		return uow.Shared()
	})
	s := &sweepBench{db: db, store: trackingpg.NewStore(db, uow.New(db, nil, nil)), n: n,
		now: time.Date(2026, time.March, 2, 2, 0, 0, 0, time.UTC), // Monday 10:00 in Shanghai
		// Whole microseconds, as PostgreSQL stores them.
		step: (benchSpread / time.Duration(n)).Truncate(time.Microsecond)}
	started := time.Now()
	err := db.Exec(`INSERT INTO deadline_obligations (id, claim_id, subject, rule, clock_start, pauses, due_date, due_at,
			at_risk_from, basis, explanation, provisional, calendar_version, calendar_seq, state, created_at, updated_at)
		SELECT md5('obligation/' || i)::uuid::text, c.id, 'claim/' || c.id, 'decision', d.due_at - interval '7 days', '[]',
			(d.due_at AT TIME ZONE 'Asia/Shanghai')::date, d.due_at, d.due_at - interval '1 day',
			'5 working days from the clock start (R4)',
			'The clock started on receipt of the complete documents; 5 working days counted with the calendar in force.',
			false, CAST(? AS text), 0, 'open',
			LEAST(d.due_at - interval '7 days', CAST(? AS timestamptz)), LEAST(d.due_at - interval '7 days', CAST(? AS timestamptz))
		FROM generate_series(CAST(1 AS bigint), CAST(? AS bigint)) AS i
		CROSS JOIN LATERAL (SELECT md5('claim/' || i)::uuid::text AS id) c
		CROSS JOIN LATERAL (SELECT CAST(? AS timestamptz) + interval '1 day' + i * CAST(? AS bigint) * interval '1 microsecond' AS due_at) d`,
		calendar.Default().Version(), s.now, s.now, n, s.now, s.step.Microseconds()).Error
	if err != nil {
		b.Fatalf("load %d obligations: %v", n, err)
	}
	inserted := time.Since(started)
	// The owner's: the run-time role may not (autovacuum does it).
	if err := owner.Exec(`VACUUM ANALYZE deadline_obligations`).Error; err != nil {
		b.Fatalf("VACUUM ANALYZE: %v", err)
	}
	var total, heap string
	if err := db.Raw(`SELECT pg_size_pretty(pg_total_relation_size('deadline_obligations')),
		pg_size_pretty(pg_relation_size('deadline_obligations'))`).Row().Scan(&total, &heap); err != nil {
		b.Fatalf("table size: %v", err)
	}
	s.note(b, "loaded %d open obligations in %s (insert %s, VACUUM ANALYZE %s); deadline_obligations is %s with its indexes (%s of rows)",
		n, time.Since(started).Round(time.Millisecond), inserted.Round(time.Millisecond),
		(time.Since(started) - inserted).Round(time.Millisecond), total, heap)
	return s
}

// note logs a line now and keeps it for logNotes.
func (s *sweepBench) note(b *testing.B, format string, args ...any) {
	b.Helper()
	b.Logf(format, args...)
	s.notes = append(s.notes, fmt.Sprintf(format, args...))
}

// logNotes logs the notes in the first sub-benchmark that calls it, so that
// they show without -v.
func (s *sweepBench) logNotes(b *testing.B) {
	b.Helper()
	if s.logged {
		return
	}
	s.logged = true
	for _, n := range s.notes {
		b.Log(n)
	}
}

// exec runs one statement or fails the benchmark.
func (s *sweepBench) exec(b *testing.B, query string, args ...any) int64 {
	b.Helper()
	res := s.db.Exec(query, args...)
	if res.Error != nil {
		b.Fatalf("%s: %v", query, res.Error)
	}
	return res.RowsAffected
}

// explain returns the plan of query on one line, for the log.
func (s *sweepBench) explain(b *testing.B, query string, args ...any) string {
	b.Helper()
	var lines []string
	if err := s.db.Raw("EXPLAIN (COSTS OFF) "+query, args...).Scan(&lines).Error; err != nil {
		b.Fatalf("explain %s: %v", query, err)
	}
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, " | ")
}

// monitor returns a monitor configured as a service's (default batch) that
// sweeps at now.
func (s *sweepBench) monitor(now time.Time) *tracking.Monitor {
	return &tracking.Monitor{Service: "bench", Store: s.store, Tracker: tracking.NewTracker(tracking.NewCalendars(nil), 1),
		Topics: events.Topics{Prefix: "bench."}, Now: func() time.Time { return now },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// sweep runs one sweep of m and fails the benchmark unless it did want.
func sweep(b *testing.B, m *tracking.Monitor, want tracking.SweepResult) {
	b.Helper()
	got, err := m.Sweep(context.Background())
	if err != nil {
		b.Fatalf("sweep: %v", err)
	}
	if got != want {
		b.Fatalf("sweep: got %+v, want %+v", got, want)
	}
}

// BenchmarkMonitorSweepOneMillionOpen measures the deadline monitor's sweep
// over a table of a million open obligations (CLAIMS_BENCH_OBLIGATIONS
// changes the number), loaded once and shared by the sub-benchmarks:
//
//   - full-scan is the baseline: counting the open obligations reads the
//     whole table, which is what a sweep would cost without the partial
//     indexes;
//   - steady-sweep is the sweep that runs every 30 s and finds nothing due,
//     reported also as sweeps/s and as how many times faster it is than the
//     full scan (run it with full-scan for that ratio);
//   - alarms-1pct is a sweep in which 1% of the obligations have just become
//     due for an alarm: half breached (their at-risk alarm raised the day
//     before) and half newly at risk. The alarm columns of those rows are
//     reset, and the outbox emptied, outside the timer before each sweep.
func BenchmarkMonitorSweepOneMillionOpen(b *testing.B) {
	s := newSweepBench(b, benchObligations(b))
	const scan = `SELECT count(*) FROM deadline_obligations WHERE state = 'open'`
	s.note(b, "full scan plan: %s", s.explain(b, scan))
	s.note(b, "at-risk alarm plan: %s", s.explain(b, `SELECT * FROM deadline_obligations
		WHERE state = 'open' AND at_risk_alerted_at IS NULL AND at_risk_from <= ? ORDER BY at_risk_from LIMIT 500 FOR UPDATE SKIP LOCKED`, s.now))

	var scanNsPerOp float64
	b.Run("full-scan", func(b *testing.B) {
		s.logNotes(b)
		for b.Loop() {
			var open int64
			if err := s.db.Raw(scan).Scan(&open).Error; err != nil {
				b.Fatalf("full scan: %v", err)
			}
			if open != s.n {
				b.Fatalf("full scan: got %d open obligations, want %d", open, s.n)
			}
		}
		scanNsPerOp = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})

	b.Run("steady-sweep", func(b *testing.B) {
		s.logNotes(b)
		m := s.monitor(s.now)
		b.ReportAllocs()
		for b.Loop() {
			sweep(b, m, tracking.SweepResult{})
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sweeps/s")
		if scanNsPerOp > 0 {
			b.ReportMetric(scanNsPerOp/(float64(b.Elapsed().Nanoseconds())/float64(b.N)), "x-faster-than-scan")
		}
	})

	b.Run("alarms-1pct", func(b *testing.B) {
		s.logNotes(b)
		half := s.n / 200
		dayLater := s.now.Add(24 * time.Hour)
		at := dayLater.Add(time.Duration(half)*s.step + s.step/2)
		// The obligations at risk by a day later had their at-risk alarm
		// then; the first half of them are breached at at.
		s.exec(b, `UPDATE deadline_obligations SET at_risk_alerted_at = at_risk_from, updated_at = at_risk_from
			WHERE state = 'open' AND at_risk_alerted_at IS NULL AND at_risk_from <= ?`, dayLater)
		want := tracking.SweepResult{
			Breached: int(pgtest.Count(b, s.db, `SELECT count(*) FROM deadline_obligations WHERE due_at < ?`, at)),
			AtRisk: int(pgtest.Count(b, s.db, `SELECT count(*) FROM deadline_obligations
				WHERE due_at > ? AND due_at <= ? AND at_risk_from > ? AND at_risk_from <= ?`,
				dayLater.Add(24*time.Hour), at.Add(24*time.Hour), dayLater, at)),
		}
		b.Logf("%d obligations just breached and %d just at risk per sweep", want.Breached, want.AtRisk)
		m := s.monitor(at)
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			s.exec(b, `UPDATE deadline_obligations SET breached_alerted_at = NULL, updated_at = created_at
				WHERE due_at < ? AND breached_alerted_at IS NOT NULL`, at)
			s.exec(b, `UPDATE deadline_obligations SET at_risk_alerted_at = NULL, updated_at = created_at
				WHERE due_at > ? AND due_at <= ? AND at_risk_alerted_at IS NOT NULL`, dayLater.Add(24*time.Hour), at.Add(24*time.Hour))
			s.exec(b, `DELETE FROM outbox`)
			b.StartTimer()
			sweep(b, m, want)
		}
		b.ReportMetric(float64(want.Breached+want.AtRisk)*float64(b.N)/b.Elapsed().Seconds(), "alarms/s")
	})
}

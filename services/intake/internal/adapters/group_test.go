package adapters_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/inbox"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking"
)

// sameIncident returns report id of the incident of r: same policy,
// insured, type and date, another claim and hour.
func sameIncident(t *testing.T, r domain.IncidentReport, id string) domain.IncidentReport {
	t.Helper()
	again := sample(t, id)
	again.PolicyNumber, again.IncidentTime = r.PolicyNumber, r.IncidentTime.Add(time.Hour)
	return again
}

// inOneGroup files reports as one group and returns the answers.
func (f *fixture) inOneGroup(t *testing.T, reports ...domain.IncidentReport) ([]string, []error, []bool) {
	t.Helper()
	effs := make([]tracking.Effects, len(reports))
	for i, r := range reports {
		effs[i] = event(t, r)
	}
	out, errs, grouped := f.repo.CreateInOneGroup(t, context.Background(), reports, effs)
	// What each answer is: the report stored, or "ask:<candidate>".
	answers := make([]string, len(out))
	for i, o := range out {
		answers[i] = o.File.Report.ID
		if o.Candidate != nil {
			answers[i] = "ask:" + o.Candidate.Report.ID
		}
	}
	return answers, errs, grouped
}

// wantReportsWithTheirEvents fails unless n reports are stored, each with
// its event, and no event without its report.
func wantReportsWithTheirEvents(t *testing.T, f *fixture, n int64) {
	t.Helper()
	r, e := reportsWithoutEvents(t, f)
	reports, events := pgtest.Count(t, f.db, "SELECT count(*) FROM incident_reports"), pgtest.Count(t, f.db, "SELECT count(*) FROM outbox")
	if r != 0 || e != 0 || reports != n || events != n {
		t.Fatalf("got %d reports and %d events, %d reports without their event and %d events without their report; want %d of each, paired",
			reports, events, r, e, n)
	}
}

// reportsWithoutEvents counts the reports stored without their
// incident-reported event, and the events without their report: both must
// be zero (an event is in the outbox if and only if its report committed).
func reportsWithoutEvents(t *testing.T, f *fixture) (orphanReports, orphanEvents int64) {
	t.Helper()
	return pgtest.Count(t, f.db, "SELECT count(*) FROM incident_reports r WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.msg_key = r.claim_id)"),
		pgtest.Count(t, f.db, "SELECT count(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM incident_reports r WHERE r.claim_id = o.msg_key)")
}

// Attack (issue 21, issue 20's possible-duplicate rule): two reports of one
// incident in the same group. The group must not store both: the second is
// answered with the first as its candidate, as when they come one after the
// other, and a third of the incident of an open report stored earlier is
// asked about that one.
func TestTwoReportsOfOneIncidentInOneGroupMakeOneReport(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	earlier := sample(t, "r0")
	f.create(t, earlier)
	first := sample(t, "r1")
	second := sameIncident(t, first, "r2")
	ofEarlier := sameIncident(t, earlier, "r3")
	other := sample(t, "r4")

	answers, errs, grouped := f.inOneGroup(t, first, second, ofEarlier, other)
	for i, err := range errs {
		require.NoError(t, err, "report %d", i)
	}
	if want := []string{"r1", "ask:r1", "ask:r0", "r4"}; fmt.Sprint(answers) != fmt.Sprint(want) {
		t.Fatalf("got answers %v, want %v", answers, want)
	}
	if want := []bool{true, false, false, true}; fmt.Sprint(grouped) != fmt.Sprint(want) {
		t.Fatalf("got stored by the group %v, want %v", grouped, want)
	}
	wantReportsWithTheirEvents(t, f, 3) // r0, r1, r4
}

// Attack: the open report of an incident may be one confirmed as another
// incident (distinct_from set), which the unique index of open incidents
// does not hold once the first report's claim closed. A group must still
// find it and ask about it.
func TestAGroupAsksAboutAnOpenReportConfirmedAsAnotherIncident(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	first := sample(t, "r1")
	f.create(t, first)
	confirmed := sameIncident(t, first, "r2")
	out, err := f.repo.Create(ctx, confirmed, nil, event(t, confirmed), "handler-1", domain.LinkChoice{ConfirmNew: true})
	require.NoError(t, err)
	require.Equal(t, "r2", out.File.Report.ID, "the report confirmed as another incident")
	receipt := inbox.Receipt{Consumer: "intake.payouts", EventID: "evt-paid-1", EventType: "claims.payout.payout-completed", ClaimID: first.ClaimID}
	require.NoError(t, f.repo.CloseClaim(ctx, receipt, domain.Closure{ClaimID: first.ClaimID, Kind: domain.ClosurePaid, At: first.ReportedAt.Add(time.Hour)}))

	answers, errs, _ := f.inOneGroup(t, sameIncident(t, first, "r3"))
	require.NoError(t, errs[0])
	if answers[0] != "ask:r2" {
		t.Fatalf("got %q, want ask:r2 (the open report of the incident)", answers[0])
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM incident_reports"); n != 2 {
		t.Fatalf("got %d reports, want 2", n)
	}
}

// Attack: one report the database refuses (an id already taken) in a group
// fails alone; its neighbours are stored, each with its event, and it
// leaves no event behind.
func TestABadReportInAGroupFailsAlone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.create(t, sample(t, "r0"))
	bad := sample(t, "r0")
	bad.PolicyNumber, bad.ClaimID = "P-OTHER", "claim-bad"

	answers, errs, _ := f.inOneGroup(t, sample(t, "r1"), bad, sample(t, "r2"))
	if errs[0] != nil || errs[2] != nil || answers[0] != "r1" || answers[2] != "r2" {
		t.Fatalf("neighbours: got %v, %v and %v, %v; want r1 and r2 stored", answers[0], errs[0], answers[2], errs[2])
	}
	if errs[1] == nil {
		t.Fatalf("got %q and no error for a report whose id is taken, want an error", answers[1])
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM outbox WHERE msg_key = 'claim-bad'"); n != 0 {
		t.Fatalf("got %d events of the refused report, want 0", n)
	}
	wantReportsWithTheirEvents(t, f, 3) // r0, r1, r2
}

// Reports filed at once are stored by fewer transactions than reports,
// each with its event, and answered as stored.
func TestConcurrentReportsAreStoredInGroups(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const n = 48
	concurrently(n, func(i int) {
		f.create(t, sample(t, fmt.Sprintf("r%d", i)))
	})
	wantReportsWithTheirEvents(t, f, n)
	if c := f.commits.Load(); c >= n {
		t.Fatalf("got %d commits for %d reports filed at once, want fewer (group commit)", c, n)
	}
}

// Crash test at the group boundary: group statements are killed while they
// run (their connection terminated, as a crash of the database session
// would). Every report is then stored with its event or not at all, and
// every report answered as stored is stored.
func TestAKilledGroupStoresEachReportWithItsEventOrNeither(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	var kills atomic.Int64
	var stop atomic.Bool
	var next atomic.Int64
	var mu sync.Mutex
	var answered []string
	deadline := time.Now().Add(30 * time.Second)
	go func() {
		defer stop.Store(true)
		for (kills.Load() < 10 || next.Load() < 200) && time.Now().Before(deadline) {
			var n int64
			if err := f.db.Raw(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'WITH new AS%' AND state = 'active'`).Row().Scan(&n); err != nil {
				// A statement that ended as it was killed leaves its
				// connection in the pool to fail its next user, which
				// may be this one.
				if strings.Contains(err.Error(), "57P01") {
					continue
				}
				t.Errorf("terminate the group statements: %v", err)
				return
			}
			kills.Add(n)
		}
	}()
	concurrently(16, func(int) {
		for !stop.Load() {
			r := sample(t, fmt.Sprintf("r%d", next.Add(1)))
			out, err := f.repo.Create(ctx, r, nil, event(t, r), "handler-1", domain.LinkChoice{})
			if err == nil && out.File.Report.ID != "" {
				mu.Lock()
				answered = append(answered, out.File.Report.ID)
				mu.Unlock()
			}
		}
	})
	if kills.Load() == 0 {
		t.Fatal("got no group statement killed, want some: the test tested nothing")
	}
	if r, e := reportsWithoutEvents(t, f); r != 0 || e != 0 {
		t.Fatalf("after %d kills: got %d reports without their event and %d events without their report, want 0 and 0", kills.Load(), r, e)
	}
	for _, id := range answered {
		if n := pgtest.Count(t, f.db, "SELECT count(*) FROM incident_reports WHERE id = ?", id); n != 1 {
			t.Fatalf("report %s was answered as stored: got %d rows, want 1", id, n)
		}
	}
	t.Logf("%d reports filed, %d answered as stored, %d group statements killed", next.Load(), len(answered), kills.Load())
}

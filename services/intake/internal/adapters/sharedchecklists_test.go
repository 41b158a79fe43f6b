package adapters_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking"
)

// killGroups terminates the connections of running group statements until
// stop says so, and returns how many it terminated, once stop holds.
func killGroups(t *testing.T, f *fixture, stop func() bool) func() int64 {
	t.Helper()
	var kills atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !stop() {
			var n int64
			if err := f.db.Raw(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'WITH new AS%' AND state = 'active'`).Row().Scan(&n); err != nil {
				if strings.Contains(err.Error(), "57P01") {
					continue
				}
				t.Errorf("terminate the group statements: %v", err)
				return
			}
			kills.Add(n)
		}
	}()
	return func() int64 { <-done; return kills.Load() }
}

// withVersion is r with a checklist of its own: the medical one under
// another version name, as a new checklist file would give.
func withVersion(r domain.IncidentReport, v int) domain.IncidentReport {
	c := r.Checklist
	c.Version = fmt.Sprintf("medical@test.%d", v)
	c.Items = append([]domain.ChecklistItem(nil), c.Items...)
	r.Checklist = c
	return r
}

// Crash test of the shared checklists (issue 21): a report names its
// checklist, stored once, and the repository remembers which checklists
// are stored so as not to send them again. Group statements are killed
// while reports of 24 checklists new to the database are filed: a
// checklist remembered as stored when the statement storing it did not
// commit would leave every later report of it refused (or, without the
// foreign key, stored naming nothing). Every report answered as stored must
// come back with the checklist it was given, and each checklist must be
// stored once; reports filed after the kills must all be stored.
func TestAKilledGroupLeavesEveryReportWithTheChecklistItWasGiven(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	const lists = 24
	var next atomic.Int64
	var stopped atomic.Bool
	deadline := time.Now().Add(30 * time.Second)
	var mu sync.Mutex
	answered := map[string]domain.ChecklistTemplate{}
	file := func(r domain.IncidentReport) error {
		out, err := f.repo.Create(ctx, r, nil, event(t, r), "handler-1", domain.LinkChoice{})
		if err == nil && out.File.Report.ID != "" {
			mu.Lock()
			answered[out.File.Report.ID] = r.Checklist
			mu.Unlock()
		}
		return err
	}
	kills := killGroups(t, f, func() bool { return stopped.Load() })
	concurrently(16, func(int) {
		for next.Load() < 400 && time.Now().Before(deadline) {
			i := next.Add(1)
			_ = file(withVersion(sample(t, fmt.Sprintf("r%d", i)), int(i%lists)))
		}
	})
	stopped.Store(true)
	killed := kills()
	if killed == 0 {
		t.Fatal("got no group statement killed, want some: the test tested nothing")
	}
	// After the kills, a report of every checklist is stored.
	concurrently(lists, func(v int) {
		r := withVersion(sample(t, fmt.Sprintf("after-%d", v)), v)
		if err := file(r); err != nil {
			t.Errorf("report of checklist %s after the kills: got %v, want it stored", r.Checklist.Version, err)
		}
	})
	for id, given := range answered {
		got, err := f.repo.Get(ctx, id)
		require.NoError(t, err)
		if !reflect.DeepEqual(got.Report.Checklist, given) {
			t.Fatalf("report %s: got checklist %q back, want %q as it was given", id, got.Report.Checklist.Version, given.Version)
		}
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM checklists"); n != lists {
		t.Fatalf("got %d checklists stored, want %d (each once)", n, lists)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM incident_reports WHERE checklist IS NOT NULL OR checklist_id IS NULL"); n != 0 {
		t.Fatalf("got %d reports holding a checklist of their own or none, want 0", n)
	}
	t.Logf("%d reports filed, %d answered as stored, %d group statements killed", next.Load()+lists, len(answered), killed)
}

// Attack (R1): the checklist a report was given is never changed or
// removed afterwards, by intake or by whoever writes to its database: its
// row refuses UPDATE, DELETE and TRUNCATE.
func TestAStoredChecklistCannotBeChangedOrRemoved(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := sample(t, "r1")
	f.create(t, r)
	for _, q := range []string{
		`UPDATE checklists SET body = '{"items": []}'`,
		`DELETE FROM checklists`,
		`TRUNCATE checklists CASCADE`,
		`UPDATE incident_reports SET checklist_id = 'sha256:` + strings.Repeat("0", 64) + `'`,
	} {
		if err := f.db.Exec(q).Error; err == nil {
			t.Errorf("%s: got no error, want it refused", q)
		}
	}
	got, err := f.repo.Get(context.Background(), r.ID)
	require.NoError(t, err)
	if !reflect.DeepEqual(got.Report.Checklist, r.Checklist) {
		t.Fatalf("got checklist %q with %d items, want the one given", got.Report.Checklist.Version, len(got.Report.Checklist.Items))
	}
}

// A report stored before the shared checklists holds its own: it is read
// with it, and keeps it through a change that leaves the checklist as it
// was; a change of checklist (the fast channel) names the shared one and
// clears the copy.
func TestAReportHoldingItsOwnChecklistIsReadAndChanged(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r := sample(t, "r1")
	f.create(t, r)
	require.NoError(t, f.db.Exec(`UPDATE incident_reports SET checklist = (SELECT body FROM checklists WHERE id = checklist_id), checklist_id = NULL WHERE id = ?`, r.ID).Error)
	got, err := f.repo.Get(ctx, r.ID)
	require.NoError(t, err)
	if !reflect.DeepEqual(got.Report.Checklist, r.Checklist) {
		t.Fatalf("got checklist %q with %d items, want the one stored in the row", got.Report.Checklist.Version, len(got.Report.Checklist.Items))
	}
	_, err = f.repo.Update(ctx, r.ID, func(cf *domain.ClaimFile) (tracking.Effects, error) {
		cf.Report.Contact = "13900000000"
		return tracking.Effects{}, nil
	})
	require.NoError(t, err)
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM incident_reports WHERE checklist IS NOT NULL AND checklist_id IS NULL AND contact = '13900000000'"); n != 1 {
		t.Fatalf("after a change of contact: got %d reports holding their own checklist, want 1", n)
	}
	variant := withVersion(r, 99).Checklist
	changed, err := f.repo.Update(ctx, r.ID, func(cf *domain.ClaimFile) (tracking.Effects, error) {
		cf.Report.Checklist = variant
		return tracking.Effects{}, nil
	})
	require.NoError(t, err)
	got, err = f.repo.Get(ctx, r.ID)
	require.NoError(t, err)
	if !reflect.DeepEqual(got.Report.Checklist, variant) || !reflect.DeepEqual(changed.Report.Checklist, variant) {
		t.Fatalf("after a change of checklist: got %q, want %q", got.Report.Checklist.Version, variant.Version)
	}
	if n := pgtest.Count(t, f.db, "SELECT count(*) FROM incident_reports WHERE checklist IS NULL AND checklist_id IS NOT NULL"); n != 1 {
		t.Fatalf("after a change of checklist: got %d reports naming a shared checklist and holding none, want 1", n)
	}
}

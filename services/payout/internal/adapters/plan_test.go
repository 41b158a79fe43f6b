package adapters_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/payout/internal/adapters"
	"claims.local/payout/internal/app"
	"claims.local/payout/internal/domain"
	"claims.local/pkg/inbox"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/tracking"
)

// dueStatementBlocks returns the pages the executor's read of the due
// obligations has touched so far in the database of db, and how many times
// it ran (pgtest.StatementBlocks).
func dueStatementBlocks(t *testing.T, admin, db *gorm.DB) (blocks, calls int64) {
	t.Helper()
	return pgtest.StatementBlocks(t, admin, db, `% FROM obligations WHERE state = ANY%SKIP LOCKED%`)
}

// Attack (issue 21's surge): an executor batch takes the 32 due obligations
// that come first by priority (a catastrophe's advances, R8) and then by how
// long they waited. With tens of thousands of advances due at once, a read
// that finds every due obligation and sorts them to keep 32 reads the whole
// backlog for each batch, and the batches of one surge cost its square. The
// read must walk an index in the batch's order and stop after the batch,
// whether the executor asks for the scheduled ones alone (woken by a new
// payment) or with the sent ones (its round), and also after the
// connection kept a plan it made while the table was nearly empty.
// Autovacuum, whose ANALYZE would replace the plan, is off for the table, as
// it is in effect while a busy machine has not got to it.
func TestTheExecutorsDueReadStopsAfterItsBatchOverALargeBacklog(t *testing.T) {
	t.Parallel()
	// One connection: the one that prepared the statement is the one measured.
	db, owner := pgtest.NewMigratedWithOwner(t, 1, migrations)
	f := &fixture{db: db, tracker: tracking.NewTracker(tracking.NewCalendars(nil), -1)}
	f.repo = adapters.NewObligations(f.db, func() { f.commits.Add(1) }, f.tracker, keyring(t, "k1"), shanghai(t))
	admin := pgtest.Open(t, pgtest.AdminDSN(t), 1)
	require.NoError(t, admin.Exec(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`).Error)
	require.NoError(t, owner.Exec(`ALTER TABLE obligations SET (autovacuum_enabled = false)`).Error)
	ctx := context.Background()
	template := obligation(t, "claim-template", t0)
	_, err := f.repo.Schedule(ctx, inbox.Receipt{}, template, nothing)
	require.NoError(t, err)

	scheduled := []domain.State{domain.StateScheduled}
	both := []domain.State{domain.StateScheduled, domain.StateSent}
	take := func(states []domain.State, at time.Time) []string {
		t.Helper()
		var got []string
		_, err := f.repo.Due(ctx, at, states, 32, nil, func(_ context.Context, o *domain.Obligation) (app.Effects, error) {
			got = append(got, o.ID)
			return app.Effects{}, nil
		})
		require.NoError(t, err)
		return got
	}
	// More than five runs of each: PostgreSQL may keep a generic plan.
	for range 8 {
		take(scheduled, t0.Add(time.Hour))
		take(both, t0.Add(time.Hour))
	}
	// Autovacuum analyses a new table once it holds some fifty rows; the
	// statistics of the nearly empty table are then the ones the surge is
	// planned with until it gets to the table again. (With none at all,
	// PostgreSQL takes a state's share of the rows for half a percent and
	// the due ones for a tenth of that: it expects fewer due rows than a
	// batch, for which sorting them costs nothing.)
	for i := range 50 {
		_, err := f.repo.Schedule(ctx, inbox.Receipt{}, obligation(t, fmt.Sprintf("claim-early-%d", i), t0.Add(time.Hour)), nothing)
		require.NoError(t, err)
	}
	require.NoError(t, owner.Exec(`ANALYZE obligations`).Error)

	// The backlog: 30,000 obligations, one in three not due yet, one in
	// fifty a priority one, one in a hundred sent (its check due), each
	// waiting a second longer than the one after it.
	const grown = 30_000
	require.NoError(t, f.db.Exec(`INSERT INTO obligations
		SELECT (jsonb_populate_record(o, jsonb_build_object(
			'id', 'grown-' || lpad(i::text, 5, '0'), 'claim_id', 'claim-grown-' || i,
			'priority', i % 50 = 0,
			'state', CASE WHEN i % 100 = 1 THEN 'sent' ELSE 'scheduled' END,
			'next_attempt_at', CASE WHEN i % 3 = 0 THEN ?::timestamptz + interval '1 day' ELSE ?::timestamptz - i * interval '1 second' END))).*
		FROM obligations o, generate_series(1, ?) AS i WHERE o.id = ?`, t0, t0, grown, template.ID).Error)
	var pages int64
	require.NoError(t, f.db.Raw(`SELECT pg_relation_size('obligations') / current_setting('block_size')::bigint`).Row().Scan(&pages))

	for _, tt := range []struct {
		name   string
		states []domain.State
		want   string // which grown obligations come first, in SQL over i
	}{
		{"scheduled, woken", scheduled, `i % 50 = 0 AND i % 3 <> 0 AND i % 100 <> 1`},
		{"scheduled and sent, the round", both, `i % 50 = 0 AND i % 3 <> 0`},
	} {
		var want []string
		require.NoError(t, f.db.Raw(`SELECT 'grown-' || lpad(i::text, 5, '0') FROM generate_series(1, ?) AS i
			WHERE `+tt.want+` ORDER BY i DESC LIMIT 32`, grown).Scan(&want).Error)
		// The batch is read twice (its work changes nothing) and the
		// cheaper read counts: a backend whose caches were reset while other
		// tests' databases were migrated reads the catalogs again on its
		// next statement, some hundreds of pages once; a scan of the
		// backlog reads the table every time.
		least, leastLook := int64(-1), int64(-1)
		for range 2 {
			blocksBefore, callsBefore := dueStatementBlocks(t, admin, f.db)
			lookBefore, _ := pgtest.StatementBlocks(t, admin, f.db, `SELECT EXISTS (SELECT % FROM obligations%`)
			got := take(tt.states, t0)
			blocksAfter, callsAfter := dueStatementBlocks(t, admin, f.db)
			lookAfter, _ := pgtest.StatementBlocks(t, admin, f.db, `SELECT EXISTS (SELECT % FROM obligations%`)
			if n := lookAfter - lookBefore; leastLook < 0 || n < leastLook {
				leastLook = n
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: got the batch %v, want the 32 priority ones due longest %v", tt.name, got, want)
			}
			require.Equal(t, callsBefore+1, callsAfter, "%s: got %d runs of the due read, want 1", tt.name, callsAfter-callsBefore)
			if n := blocksAfter - blocksBefore; least < 0 || n < least {
				least = n
			}
		}
		// Locking 32 rows touches each row's page twice and the index's
		// levels and leaves: some tens of pages, however large the backlog.
		t.Logf("%s: the due read touched %d pages, the look before it %d, obligations at %d pages", tt.name, least, leastLook, pages)
		if leastLook > 150 {
			t.Errorf("%s: the look for due obligations touched %d pages with obligations at %d pages; want at most 150", tt.name, leastLook, pages)
		}
		if least > 150 {
			t.Errorf("%s: the due read touched %d pages with obligations at %d pages (%d obligations); want at most 150 (a walk of the index's first entries)",
				tt.name, least, pages, grown+51)
		}
	}
}
